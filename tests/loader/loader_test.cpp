#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/api_version.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/provider.h>
#include <provisioning/sdk/taskserv.h>

#include "../support/loader_fixture.h"
#include "../support/sdk_error.h"
#include "../support/temp_dir.h"
#include "plugin_loader.h"

namespace provisioning::host {
namespace {

using testing::expect_sdk_error;
using ::testing::HasSubstr;
using testing::loader_fixture;
using testing::TempDir;

sdk::PluginContext test_context() {
  sdk::PluginContext context;
  context.workspace = std::filesystem::temp_directory_path();
  return context;
}

TEST(Loader, LoadsWorkingProvider) {
  auto provider = load_plugin_as<sdk::Provider>(loader_fixture("fixture_good", "fixture"),
                                                sdk::PluginKind::kProvider, test_context());
  ASSERT_TRUE(provider);
  EXPECT_EQ(provider.identity().name, "fixture");
  sdk::ServerSpec spec{"web-01", "1xCPU-1GB", "auto", {}};
  auto info =
      provider.call("create_server", [&](sdk::Provider& p) { return p.create_server(spec); });
  EXPECT_EQ(info.id, "fixture-web-01");
  EXPECT_EQ(info.zone, "fixture-1");
  EXPECT_EQ(info.metadata.at("plugin_name").as_string(), "fixture");
}

TEST(Loader, RejectsWrongAbiBeforeLoading) {
  auto file = loader_fixture("fixture_wrong_abi", "wrongabi");
  auto error =
      expect_sdk_error([&] { load_plugin_file(file, sdk::PluginKind::kProvider, test_context()); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("SDK ABI version 999"));
  EXPECT_THAT(error.what(), HasSubstr(file.string()));
  EXPECT_THAT(error.what(), HasSubstr("rebuild the plugin"));
  EXPECT_EQ(dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr) << "library was loaded";
}

TEST(Loader, RejectsFileWithoutManifest) {
  auto file = loader_fixture("fixture_no_manifest", "nomanifest");
  auto error =
      expect_sdk_error([&] { load_plugin_file(file, sdk::PluginKind::kProvider, test_context()); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("has no plugin manifest"));
  EXPECT_THAT(error.what(), HasSubstr(file.string()));
}

TEST(Loader, RejectsFileThatIsNotElf) {
  TempDir dir;
  auto file = dir / "text.so";
  testing::write_text(file, "this is not a shared object\n");
  auto error =
      expect_sdk_error([&] { load_plugin_file(file, sdk::PluginKind::kProvider, test_context()); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("is not a shared object"));
  EXPECT_THAT(error.what(), HasSubstr(file.string()));
}

TEST(Loader, RejectsTruncatedElf) {
  TempDir dir;
  auto file = dir / "truncated.so";
  std::string bytes = testing::read_text(loader_fixture("fixture_good", "fixture"));
  testing::write_text(file, bytes.substr(0, 200));
  auto error =
      expect_sdk_error([&] { load_plugin_file(file, sdk::PluginKind::kProvider, test_context()); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("is not a shared object"));
}

TEST(Loader, ReportsMissingFile) {
  TempDir dir;
  auto error = expect_sdk_error(
      [&] { load_plugin_file(dir / "absent.so", sdk::PluginKind::kProvider, test_context()); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("absent.so"));
}

TEST(Loader, RejectsKindMismatch) {
  auto file = loader_fixture("fixture_good", "fixture");
  auto error =
      expect_sdk_error([&] { load_plugin_file(file, sdk::PluginKind::kTaskserv, test_context()); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("is a provider plugin, expected a taskserv plugin"));
}

TEST(Loader, RejectsObjectOfWrongInterface) {
  auto file = loader_fixture("fixture_wrong_interface", "wronginterface");
  auto error = expect_sdk_error(
      [&] { load_plugin_as<sdk::Taskserv>(file, sdk::PluginKind::kTaskserv, test_context()); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("does not implement that interface"));
}

TEST(Loader, ReportsThrowingFactory) {
  auto file = loader_fixture("fixture_throwing_factory", "badfactory");
  auto error =
      expect_sdk_error([&] { load_plugin_file(file, sdk::PluginKind::kProvider, test_context()); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInternal);
  EXPECT_THAT(error.what(), HasSubstr("provider 'badfactory'"));
  EXPECT_THAT(error.what(), HasSubstr(file.string()));
  EXPECT_THAT(error.what(), HasSubstr("in its factory"));
  EXPECT_THAT(error.what(), HasSubstr("fixture factory failure"));
}

TEST(Loader, GuardsThrowingMethods) {
  auto file = loader_fixture("fixture_throwing_method", "badmethod");
  auto provider = load_plugin_as<sdk::Provider>(file, sdk::PluginKind::kProvider, test_context());

  auto unexpected = expect_sdk_error([&] {
    provider.call("create_server", [](sdk::Provider& p) { return p.create_server({}); });
  });
  EXPECT_EQ(unexpected.code(), sdk::ErrorCode::kInternal);
  EXPECT_THAT(unexpected.what(), HasSubstr("provider 'badmethod'"));
  EXPECT_THAT(unexpected.what(), HasSubstr(file.string()));
  EXPECT_THAT(unexpected.what(), HasSubstr("in create_server"));
  EXPECT_THAT(unexpected.what(), HasSubstr("fixture method failure"));

  auto declared = expect_sdk_error(
      [&] { provider.call("get_server", [](sdk::Provider& p) { return p.get_server("x"); }); });
  EXPECT_EQ(declared.code(), sdk::ErrorCode::kUnavailable);
  EXPECT_THAT(declared.what(), HasSubstr("failed in get_server: fixture backend unreachable"));

  auto foreign = expect_sdk_error(
      [&] { provider.call("list_servers", [](sdk::Provider& p) { return p.list_servers(); }); });
  EXPECT_EQ(foreign.code(), sdk::ErrorCode::kInternal);
  EXPECT_THAT(foreign.what(), HasSubstr("non-standard exception in list_servers"));
}

TEST(Loader, UnloadsLibraryAfterLastHandle) {
  auto file = loader_fixture("fixture_other", "other");
  {
    auto provider = load_plugin_as<sdk::Provider>(file, sdk::PluginKind::kProvider, test_context());
    void* loaded = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
    ASSERT_NE(loaded, nullptr);
    dlclose(loaded);
    auto copy = provider;
    auto plans = copy.call("plans", [](sdk::Provider& p) { return p.plans(); });
    ASSERT_EQ(plans.size(), 1u);
    EXPECT_EQ(plans[0].name, "1xCPU-1GB");
  }
  EXPECT_EQ(dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
}

TEST(Loader, LoadsApiVersion) {
  auto api = load_plugin_as<sdk::ApiVersion>(loader_fixture("fixture_api", "v0"),
                                             sdk::PluginKind::kApi, test_context());
  EXPECT_EQ(api.call("id", [](sdk::ApiVersion& a) { return a.id(); }), "v0");
  auto routes = api.call("routes", [](sdk::ApiVersion& a) { return a.routes(); });
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].path, "/ping");
}

TEST(Loader, LoadsTaskserv) {
  auto taskserv = load_plugin_as<sdk::Taskserv>(loader_fixture("fixture_orphan", "orphan"),
                                                sdk::PluginKind::kTaskserv, test_context());
  auto dependencies =
      taskserv.call("dependencies", [](sdk::Taskserv& t) { return t.dependencies(); });
  EXPECT_EQ(dependencies, (std::vector<std::string>{"containerd", "missing"}));
}

TEST(Manifest, ParsesEveryField) {
  auto manifest = parse_manifest(read_manifest_section(loader_fixture("fixture_good", "fixture")));
  EXPECT_EQ(manifest.kind, sdk::PluginKind::kProvider);
  EXPECT_EQ(manifest.name, "fixture");
  EXPECT_EQ(manifest.version, "1.0.0");
  EXPECT_EQ(manifest.sdk_abi, sdk::kAbiVersion);
  EXPECT_EQ(manifest.description, "Loader test fixture");
  EXPECT_EQ(manifest.author, "provisioning tests");
  EXPECT_EQ(manifest.license, "Apache-2.0");
}

TEST(Manifest, RejectsMissingFields) {
  struct Case {
    std::string text;
    std::string message;
  };
  std::vector<Case> cases = {
      {"something else\n", "does not start with"},
      {"provisioning-plugin-manifest\nname=x\nversion=1\nsdk_abi=1\n", "no 'kind' field"},
      {"provisioning-plugin-manifest\nkind=cloud\nname=x\nversion=1\nsdk_abi=1\n",
       "unknown kind 'cloud'"},
      {"provisioning-plugin-manifest\nkind=provider\nversion=1\nsdk_abi=1\n", "no 'name' field"},
      {"provisioning-plugin-manifest\nkind=provider\nname=x\nsdk_abi=1\n", "no 'version' field"},
      {"provisioning-plugin-manifest\nkind=provider\nname=x\nversion=1\nsdk_abi=one\n",
       "invalid sdk_abi 'one'"},
  };
  for (const auto& item : cases) {
    auto error = expect_sdk_error([&] { parse_manifest(item.text); });
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument) << item.text;
    EXPECT_THAT(error.what(), HasSubstr(item.message)) << item.text;
  }
}

}  // namespace
}  // namespace provisioning::host
