// Tests of the kit's own parts: check lists, dispatch, the plugin loader, scratch
// directories and the scratch executor.

#include <provisioning/sdk/error.h>

#include "conformance_test_support.h"
#include "support/sdk_error.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

TEST(CheckList, HasChecksOfEveryKind) {
  EXPECT_EQ(conformance::list_checks(sdk::PluginKind::kProvider).size(), 13u);
  EXPECT_EQ(conformance::list_checks(sdk::PluginKind::kTaskserv).size(), 6u);
  EXPECT_EQ(conformance::list_checks(sdk::PluginKind::kStorage).size(), 10u);
  EXPECT_EQ(conformance::list_checks(sdk::PluginKind::kApi).size(), 4u);
}

TEST(CheckList, NamesAreUniqueAndDescribed) {
  for (auto kind : {sdk::PluginKind::kProvider, sdk::PluginKind::kTaskserv,
                    sdk::PluginKind::kStorage, sdk::PluginKind::kApi}) {
    std::set<std::string> names;
    for (const auto& check : conformance::list_checks(kind)) {
      EXPECT_TRUE(names.insert(check.name).second) << check.name;
      EXPECT_FALSE(check.description.empty()) << check.name;
      EXPECT_EQ(check.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"),
                std::string::npos)
          << check.name;
    }
  }
}

TEST(RunCheck, RejectsUnknownCheckName) {
  auto plugin = conformance::PluginLibrary(conformance_fixture("conformance_api", "v9"))
                    .create(sdk::PluginContext{});
  auto error = expect_sdk_error(
      [&] { conformance::run_check(sdk::PluginKind::kApi, "no_such_check", *plugin); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("'no_such_check'"));
  EXPECT_THAT(error.what(), HasSubstr("unknown_route_returns_4xx"));
}

TEST(RunCheck, RunsOneNamedCheck) {
  auto plugin = conformance::PluginLibrary(conformance_fixture("conformance_api", "v9"))
                    .create(sdk::PluginContext{});
  auto result = conformance::run_check(sdk::PluginKind::kApi, "status_is_known", *plugin);
  EXPECT_EQ(result.name, "status_is_known");
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_EQ(result.message, "");
}

TEST(CheckPlugin, RejectsObjectOfAnotherKind) {
  auto plugin = conformance::PluginLibrary(conformance_fixture("conformance_api", "v9"))
                    .create(sdk::PluginContext{});
  auto error =
      expect_sdk_error([&] { conformance::check_plugin(sdk::PluginKind::kProvider, *plugin); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("does not implement the provider interface"));
}

TEST(PluginLibrary, ReadsManifest) {
  conformance::PluginLibrary library(conformance_fixture("conformance_broken_provider", "broken"));
  EXPECT_EQ(library.kind(), sdk::PluginKind::kProvider);
  EXPECT_EQ(library.name(), "broken");
  EXPECT_EQ(library.version(), "1.0.0");
}

TEST(PluginLibrary, RejectsFileThatIsNotElf) {
  TempDir dir;
  auto file = dir / "text.so";
  write_text(file, "this is not a shared object\n");
  auto error = expect_sdk_error([&] { conformance::PluginLibrary library(file); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("cannot load plugin '" + file.string() + "'"));
}

TEST(PluginLibrary, ReportsMissingFile) {
  TempDir dir;
  auto error = expect_sdk_error([&] { conformance::PluginLibrary library(dir / "absent.so"); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("absent.so"));
}

TEST(PluginLibrary, RejectsWrongAbi) {
  auto file = loader_fixture("fixture_wrong_abi", "wrongabi");
  auto error = expect_sdk_error([&] { conformance::PluginLibrary library(file); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("built for SDK ABI version '999'"));
  EXPECT_THAT(error.what(), HasSubstr(file.string()));
}

TEST(PluginLibrary, RejectsLibraryWithoutManifest) {
  auto file = loader_fixture("fixture_no_manifest", "nomanifest");
  auto error = expect_sdk_error([&] { conformance::PluginLibrary library(file); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("does not export provisioning_plugin_manifest"));
}

TEST(ScratchDirectory, IsRemovedWithItsContents) {
  std::filesystem::path path;
  {
    conformance::ScratchDirectory directory("conformance-kit-test");
    path = directory.path();
    EXPECT_TRUE(std::filesystem::is_directory(path));
    EXPECT_THAT(path.filename().string(), HasSubstr("conformance-kit-test-"));
    write_text(path / "a" / "b.txt", "content");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ScratchContext, PointsStorageIntoRoot) {
  TempDir root;
  auto context = conformance::scratch_context(root.path(), sdk::PluginKind::kStorage, "sqlite");
  EXPECT_EQ(context.name, "sqlite");
  EXPECT_EQ(context.workspace, root.path());
  EXPECT_EQ(context.state_dir, root / ".provisioning");
  EXPECT_EQ(context.data_dir, root / "data");
  EXPECT_TRUE(std::filesystem::is_directory(context.state_dir));
  EXPECT_TRUE(std::filesystem::is_directory(context.data_dir));
  ASSERT_TRUE(context.settings.contains("path"));
  EXPECT_EQ(context.settings.at("path").as_string(),
            (root / "data" / "conformance-store").string());
  ASSERT_NE(context.log, nullptr);
}

TEST(ScratchContext, GivesOtherKindsNoSettings) {
  TempDir root;
  auto context = conformance::scratch_context(root.path(), sdk::PluginKind::kProvider, "local");
  EXPECT_TRUE(context.settings.empty());
}

TEST(ScratchExecutor, MapsServerPathsIntoRoot) {
  TempDir root;
  conformance::ScratchExecutor executor(root.path(), "scratch-1");
  EXPECT_EQ(executor.target(), "scratch-1");
  executor.write_file("/etc/app/app.conf", "key = 1\n", 0640);
  EXPECT_EQ(read_text(root / "etc/app/app.conf"), "key = 1\n");
  EXPECT_EQ(std::filesystem::status(root / "etc/app/app.conf").permissions(),
            std::filesystem::perms(0640));
  EXPECT_EQ(executor.read_file("/etc/./app/../app/app.conf"), "key = 1\n");
  EXPECT_TRUE(executor.exists("/etc/app"));
  EXPECT_TRUE(executor.remove("/etc/app"));
  EXPECT_FALSE(executor.exists("/etc/app/app.conf"));
  EXPECT_FALSE(executor.remove("/etc/app"));
  executor.create_directories("/var/lib/app");
  EXPECT_TRUE(std::filesystem::is_directory(root / "var/lib/app"));
}

TEST(ScratchExecutor, RejectsEscapingAndRelativePaths) {
  TempDir root;
  conformance::ScratchExecutor executor(root / "server", "scratch-1");
  std::filesystem::create_directories(root / "server");
  for (const char* path : {"/../outside.txt", "/etc/../../outside.txt", "relative.txt"}) {
    auto error = expect_sdk_error([&] { executor.write_file(path, "x", 0644); });
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument) << path;
    EXPECT_THAT(error.what(), HasSubstr(path));
  }
  EXPECT_FALSE(std::filesystem::exists(root / "outside.txt"));
  auto root_removal = expect_sdk_error([&] { executor.remove("/"); });
  EXPECT_EQ(root_removal.code(), sdk::ErrorCode::kInvalidArgument);
}

TEST(ScratchExecutor, ReportsMissingFileAsNotFound) {
  TempDir root;
  conformance::ScratchExecutor executor(root.path(), "scratch-1");
  auto error = expect_sdk_error([&] { executor.read_file("/etc/missing.conf"); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("'/etc/missing.conf' not found on server 'scratch-1'"));
}

TEST(ScratchExecutor, RecordsCommandsWithoutRunningThem) {
  TempDir root;
  conformance::ScratchExecutor executor(root.path(), "scratch-1");
  auto result = executor.run({"touch", (root / "ran").string()});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "");
  EXPECT_FALSE(std::filesystem::exists(root / "ran"));
  ASSERT_EQ(executor.commands().size(), 1u);
  EXPECT_EQ(executor.commands().front(),
            (std::vector<std::string>{"touch", (root / "ran").string()}));
}

TEST(GtestAdapter, RegistersEveryFirstPartyCheck) {
  const auto& registered = registered_conformance_tests();
  std::set<std::string> plugins;
  for (const auto& file : first_party_plugins()) {
    conformance::PluginLibrary library(file);
    std::string suite =
        std::string("Conformance/") + sdk::to_string(library.kind()) + "_" + library.name();
    plugins.insert(suite);
    for (const auto& check : conformance::list_checks(library.kind())) {
      EXPECT_NE(std::find(registered.begin(), registered.end(), suite + "." + check.name),
                registered.end())
          << suite << "." << check.name;
    }
  }
  for (const char* suite : {"Conformance/provider_local", "Conformance/taskserv_containerd",
                            "Conformance/taskserv_etcd", "Conformance/taskserv_kubernetes",
                            "Conformance/storage_sqlite", "Conformance/storage_filesystem"}) {
    EXPECT_EQ(plugins.count(suite), 1u) << suite;
  }
}

}  // namespace
}  // namespace provisioning::testing
