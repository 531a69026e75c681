#include "cli_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

const json::value* find_plugin(const json::value& list, const std::string& kind,
                               const std::string& name) {
  for (const auto& item : list.as_array()) {
    if (text(item, "kind") == kind && text(item, "name") == name) return &item;
  }
  return nullptr;
}

std::filesystem::path core_plugin(const std::string& kind, const std::string& name) {
  return std::filesystem::path(PROVISIONING_BINARY).parent_path().parent_path() / "lib" /
         "provisioning" / "extensions" / kind / (name + ".so");
}

TEST_P(CliTest, PluginListShowsShippedPlugins) {
  auto list = run_json({"plugin", "list"});
  for (auto [kind, name] :
       std::vector<std::pair<std::string, std::string>>{{"provider", "local"},
                                                        {"taskserv", "containerd"},
                                                        {"taskserv", "etcd"},
                                                        {"taskserv", "kubernetes"},
                                                        {"storage", "sqlite"},
                                                        {"storage", "filesystem"}}) {
    const json::value* plugin = find_plugin(list, kind, name);
    ASSERT_NE(plugin, nullptr) << kind << " " << name;
    EXPECT_EQ(text(*plugin, "layer"), "core");
    EXPECT_EQ(text(*plugin, "status"), "ok");
    EXPECT_FALSE(text(*plugin, "version").empty());
    EXPECT_TRUE(std::filesystem::exists(text(*plugin, "path")));
  }
  auto providers = run_json({"plugin", "list", "--kind", "provider"});
  for (const auto& item : providers.as_array()) EXPECT_EQ(text(item, "kind"), "provider");
}

TEST_P(CliTest, PluginInfoReadsManifest) {
  auto info = run_json({"plugin", "info", "local"});
  EXPECT_EQ(text(info, "kind"), "provider");
  EXPECT_EQ(text(info, "name"), "local");
  EXPECT_FALSE(text(info, "description").empty());
  EXPECT_EQ(info.at("sdk_abi").as_int64(), 1);
  auto missing = run({"plugin", "info", "nope"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_THAT(missing.err, HasSubstr("no usable plugin named 'nope'"));
}

TEST_P(CliTest, WorkspacePluginShadowsCore) {
  auto override_file = workspace_ / "extensions" / "provider" / "local.so";
  std::filesystem::copy_file(core_plugin("provider", "local"), override_file);

  auto resolved = run_json({"path", "resolve-extension", "provider", "local"});
  EXPECT_EQ(text(resolved, "layer"), "workspace");
  EXPECT_EQ(text(resolved, "path"), override_file.string());
  bool core_shadowed = false;
  for (const auto& layer : resolved.at("layers").as_array()) {
    if (text(layer, "layer") == "core") {
      EXPECT_THAT(text(layer, "result"), HasSubstr("shadowed by the workspace layer"));
      core_shadowed = true;
    }
  }
  EXPECT_TRUE(core_shadowed);

  auto list = run_json({"plugin", "list", "--kind", "provider"});
  const json::value* local = find_plugin(list, "provider", "local");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(text(*local, "layer"), "workspace");
  ASSERT_EQ(local->at("shadows").as_array().size(), 1u);
  EXPECT_EQ(text(local->at("shadows").as_array()[0], "layer"), "core");

  // The override is the one that runs.
  auto created = run_json({"server", "create", "web-01", "1xCPU-1GB"});
  EXPECT_EQ(text(created, "status"), "running");
}

TEST_P(CliTest, ExtensionsPathLayerIsSearched) {
  TempDir extra("provisioning-extra");
  std::filesystem::create_directories(extra / "provider");
  std::filesystem::copy_file(
      std::filesystem::path(LOADER_FIXTURE_DIR) / "fixture_other" / "other.so",
      extra / "provider" / "other.so");
  auto result = run({"path", "resolve-extension", "provider", "other", "--output", "json"},
                    {{"PROVISIONING_EXTENSIONS_PATH", extra.path().string()}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto resolved = json::parse(result.out);
  EXPECT_EQ(text(resolved, "layer"), "extensions-path");
}

TEST_P(CliTest, BrokenWorkspacePluginIsReported) {
  write_text(workspace_ / "extensions" / "provider" / "broken.so", "not an ELF file");
  std::filesystem::copy_file(
      std::filesystem::path(LOADER_FIXTURE_DIR) / "fixture_wrong_abi" / "wrongabi.so",
      workspace_ / "extensions" / "provider" / "wrongabi.so");
  auto list = run_json({"plugin", "list"});
  const json::value* broken = find_plugin(list, "provider", "broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(text(*broken, "status"), "error");
  EXPECT_THAT(text(*broken, "error"), HasSubstr("is not a shared object"));
  const json::value* wrong = find_plugin(list, "provider", "wrongabi");
  ASSERT_NE(wrong, nullptr);
  EXPECT_THAT(text(*wrong, "error"), HasSubstr("ABI version 999"));
  // Everything else still works.
  EXPECT_EQ(text(run_json({"server", "create", "web-01", "1xCPU-1GB"}), "status"), "running");
}

TEST_P(CliTest, ResolveUnknownExtensionFails) {
  auto result = run({"path", "resolve-extension", "provider", "aws"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.out, HasSubstr("skipped"));
  EXPECT_THAT(result.err, HasSubstr("provider 'aws' not found in any layer"));
}

TEST_P(CliTest, ResolveUserConfigFallsBackToCore) {
  auto resolved = run_json({"path", "resolve", "config", "user"});
  EXPECT_EQ(text(resolved, "layer"), "defaults");
  EXPECT_THAT(text(resolved, "path"), HasSubstr("config.defaults.toml"));
  write_text(home_ / "config" / "provisioning" / "config.user.toml",
             "[logging]\nlevel = \"warn\"\n");
  auto user = run_json({"path", "resolve", "config", "user"});
  EXPECT_EQ(text(user, "layer"), "user");
}

TEST_P(CliTest, ConfigGetShowsOrigins) {
  auto backend = run_json({"config", "get", "storage.backend"});
  EXPECT_EQ(text(backend, "value"), GetParam());
  EXPECT_THAT(text(backend, "origin"), HasSubstr("command line"));

  auto port = run({"config", "get", "orchestrator.port", "--output", "json"},
                  {{"PROVISIONING_ORCHESTRATOR_PORT", "9191"}});
  ASSERT_EQ(port.exit_code, 0) << port.err;
  auto parsed = json::parse(port.out);
  EXPECT_EQ(parsed.at("value").as_int64(), 9191);  // typed like the shipped default
  EXPECT_THAT(text(parsed, "origin"), HasSubstr("PROVISIONING_ORCHESTRATOR_PORT"));

  auto missing = run({"config", "get", "orchestrator.auth_token"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_THAT(missing.err, HasSubstr("orchestrator.auth_token"));
  EXPECT_THAT(missing.err, HasSubstr("PROVISIONING_ORCHESTRATOR_AUTH_TOKEN"));

  auto show = run({"config", "show", "--origin"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_THAT(show.out, HasSubstr("ORIGIN"));
  EXPECT_THAT(show.out, HasSubstr("config.defaults.toml"));
}

TEST_P(CliTest, InvalidWorkspaceTomlNamesPosition) {
  write_text(workspace_ / "config.toml", "[storage]\nbackend = \n");
  auto result = run({"server", "list"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("config.toml:2:"));
}

TEST_P(CliTest, MissingWorkspaceFlagNamesInit) {
  auto result = run_raw({"server", "list", "--workspace", (home_ / "nowhere").string()});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("workspace init"));
}

TEST_P(CliTest, DefaultWorkspaceIsCreatedWithNotice) {
  auto result = run_raw({"server", "list"}, {{"PWD", "/"}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("created the default workspace"));
  EXPECT_TRUE(
      std::filesystem::exists(home_ / "data" / "provisioning" / "workspace" / "config.toml"));
}

}  // namespace
}  // namespace provisioning::testing
