// `config diagnose` and `config migrate-env` through the real binary.

#include "bridge_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConfigMigrateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(workspace_.init_error(), ""); }

  // Returns every key's value in force, with `env` set.
  std::map<std::string, json::value> values(const std::map<std::string, std::string>& env = {}) {
    auto result = workspace_.run({"--output", "json", "config", "show"}, env);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::map<std::string, json::value> values;
    json::value entries = json::parse(result.out);
    for (const auto& entry : entries.as_array()) {
      values[text(entry, "key")] = entry.as_object().at("value");
    }
    return values;
  }

  std::string config_text() const { return read_text(workspace_.path() / "config.toml"); }

  BridgeWorkspace workspace_;
  // Legacy variables, each mapping to a key that no file sets.
  const std::map<std::string, std::string> legacy_env_ = {
      {"PROVISIONING_ORCHESTRATOR_PORT", "9191"},
      {"PROVISIONING_SERVER_DEFAULT_ZONE", "local-1"},
      {"PROVISIONING_STORAGE_SQLITE_BUSY_TIMEOUT_MS", "2500"},
      {"PROVISIONING_BRIDGE_NEW_SYSTEM_PERCENTAGE", "40"},
      {"PROVISIONING_LOGGING_LEGACY_FORMAT", "true"},
      {"PROVISIONING_EXTENSIONS_PATH", "/opt/legacy-a:/opt/legacy-b"},
      {"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", "s3cret-token"},
  };
  const std::vector<std::string> migrated_keys_ = {"orchestrator.port",
                                                   "server.default_zone",
                                                   "storage.sqlite.busy_timeout_ms",
                                                   "bridge.new_system_percentage",
                                                   "logging.legacy_format",
                                                   "paths.extensions"};
};

TEST_F(ConfigMigrateTest, DryRunShowsDiffAndWritesNothing) {
  std::string before = config_text();
  auto result = workspace_.run({"config", "migrate-env"}, legacy_env_);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(config_text(), before);
  EXPECT_THAT(result.out, HasSubstr("+[orchestrator] port = 9191    # from "
                                    "PROVISIONING_ORCHESTRATOR_PORT"));
  EXPECT_THAT(result.out, HasSubstr("+[logging] legacy_format = true"));
  EXPECT_THAT(result.out, HasSubstr("skipped PROVISIONING_ORCHESTRATOR_AUTH_TOKEN"));
  EXPECT_THAT(result.out, Not(HasSubstr("s3cret-token")));
}

TEST_F(ConfigMigrateTest, WriteRoundTripsEveryKey) {
  std::map<std::string, json::value> with_env = values(legacy_env_);
  EXPECT_EQ(with_env.at("orchestrator.port"), 9191);
  auto written = workspace_.run({"config", "migrate-env", "--write"}, legacy_env_);
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_THAT(written.out, HasSubstr("these variables can now be removed:"));
  EXPECT_THAT(written.out, HasSubstr("PROVISIONING_SERVER_DEFAULT_ZONE"));

  std::string text = config_text();
  EXPECT_THAT(text, HasSubstr("port = 9191"));
  EXPECT_THAT(text, Not(HasSubstr("s3cret-token")));
  EXPECT_THAT(text, HasSubstr("# "));  // the comments of `workspace init` are kept

  // Without the variables, every migrated key resolves to the same value.
  std::map<std::string, json::value> without_env = values();
  for (const auto& key : migrated_keys_) {
    EXPECT_EQ(without_env.at(key), with_env.at(key)) << key;
  }
  EXPECT_EQ(without_env.count("orchestrator.auth_token"), 0u);

  // The secret is written only when asked.
  auto secrets = workspace_.run({"config", "migrate-env", "--write", "--include-secrets"},
                                {{"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", "s3cret-token"}});
  ASSERT_EQ(secrets.exit_code, 0) << secrets.err;
  EXPECT_THAT(config_text(), HasSubstr("auth_token = \"s3cret-token\""));
}

TEST_F(ConfigMigrateTest, WritesToChosenFile) {
  auto file = workspace_.home() / "migrated.toml";
  auto result = workspace_.run({"config", "migrate-env", "--write", "--file", file.string()},
                               {{"PROVISIONING_ORCHESTRATOR_PORT", "9292"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(read_text(file), HasSubstr("[orchestrator]\nport = 9292"));
  EXPECT_THAT(config_text(), Not(HasSubstr("9292")));
}

TEST_F(ConfigMigrateTest, InvalidVariableWritesNothing) {
  std::string before = config_text();
  auto result = workspace_.run({"config", "migrate-env", "--write"},
                               {{"PROVISIONING_ORCHESTRATOR_PORT", "ninety"},
                                {"PROVISIONING_SERVER_DEFAULT_ZONE", "local-1"}});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("PROVISIONING_ORCHESTRATOR_PORT is 'ninety'"));
  EXPECT_THAT(result.err, HasSubstr("fix or unset the variable"));
  EXPECT_EQ(config_text(), before);
}

TEST_F(ConfigMigrateTest, DiagnoseShowsEachSource) {
  std::map<std::string, std::string> env = {{"PROVISIONING_ORCHESTRATOR_PORT", "9191"}};
  json::value before = json::parse(
      workspace_.run({"--output", "json", "config", "diagnose", "orchestrator.port"}, env).out);
  EXPECT_EQ(before.at("variable"), "PROVISIONING_ORCHESTRATOR_PORT");
  EXPECT_EQ(before.at("variable_value"), "9191");
  EXPECT_EQ(before.at("value"), 9191);
  EXPECT_EQ(before.at("origin"), "env PROVISIONING_ORCHESTRATOR_PORT");
  EXPECT_EQ(before.at("migration_needed"), true);
  EXPECT_TRUE(before.at("files").as_array().empty());

  auto text = workspace_.run({"config", "diagnose", "orchestrator.port"}, env);
  EXPECT_THAT(text.out, HasSubstr("migration needed"));

  ASSERT_EQ(workspace_.run({"config", "migrate-env", "--write"}, env).exit_code, 0);
  json::value after = json::parse(
      workspace_.run({"--output", "json", "config", "diagnose", "orchestrator.port"}, env).out);
  EXPECT_EQ(after.at("migration_needed"), false);
  EXPECT_EQ(after.at("variable_ignored"), true);
  ASSERT_EQ(after.at("files").as_array().size(), 1u);
  EXPECT_EQ(after.at("files").as_array()[0].at("value"), 9191);
}

TEST_F(ConfigMigrateTest, DiagnoseHidesSecretsAndRejectsUnknownKeys) {
  auto secret = workspace_.run({"config", "diagnose", "orchestrator.auth_token"},
                               {{"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", "s3cret-token"}});
  ASSERT_EQ(secret.exit_code, 0) << secret.err;
  EXPECT_THAT(secret.out, Not(HasSubstr("s3cret-token")));
  EXPECT_THAT(secret.out, HasSubstr("[REDACTED]"));

  auto unknown = workspace_.run({"config", "diagnose", "orchestrator.prot"});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_THAT(unknown.err, HasSubstr("unknown configuration key 'orchestrator.prot'"));
  EXPECT_THAT(unknown.err, HasSubstr("did you mean 'orchestrator.port'?"));
}

}  // namespace
}  // namespace provisioning::testing
