#include "config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "../support/sdk_error.h"
#include "temp_dir_test.h"

namespace provisioning::host {
namespace {

namespace fs = std::filesystem;
using provisioning::testing::expect_sdk_error;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kTestDefaults = R"([storage]
backend = "sqlite"

[storage.sqlite]
busy_timeout_ms = 10000

[orchestrator]
host = "127.0.0.1"
port = 9090
max_parallel_tasks = 4

[logging]
level = "info"
legacy_format = false

[server]
default_zone = "auto"

[bridge]
new_system_percentage = 0
)";

class ConfigTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    defaults_file_ = root_ / "share" / "config.defaults.toml";
    user_file_ = root_ / "user" / "config.user.toml";
    workspace_ = root_ / "workspace";
    write(defaults_file_, kTestDefaults);
    fs::create_directories(workspace_);
  }

  Config load(std::map<std::string, std::string> variables = {},
              std::map<std::string, std::string> flags = {}) const {
    ConfigSources sources;
    sources.defaults_file = defaults_file_;
    sources.user_file = user_file_;
    sources.workspace_dir = workspace_;
    sources.flags = std::move(flags);
    sources.environment = fixed_environment(std::move(variables));
    return Config::load(sources);
  }

  std::string origin_of(const fs::path& file, std::string_view label) const {
    return std::string(label) + " (" + file.string() + ")";
  }

  fs::path defaults_file_;
  fs::path user_file_;
  fs::path workspace_;
};

TEST_F(ConfigTest, EachLayerOverridesTheOneBelow) {
  write(user_file_, R"(
[logging]
level = "warn"
[orchestrator]
port = 1000
max_parallel_tasks = 1
[storage]
backend = "user"
)");
  write(workspace_ / "config.toml", R"(
[orchestrator]
port = 2000
max_parallel_tasks = 2
[storage]
backend = "workspace"
)");
  write(workspace_ / "config.staging.toml", R"(
[orchestrator]
max_parallel_tasks = 3
[storage]
backend = "staging"
)");

  Config config = load({{"PROVISIONING_ENV", "staging"}}, {{"storage.backend", "flag"}});

  EXPECT_EQ(config.get_string("orchestrator.host"), "127.0.0.1");
  EXPECT_EQ(config.require("orchestrator.host").origin, origin_of(defaults_file_, "defaults"));
  EXPECT_EQ(config.get_string("logging.level"), "warn");
  EXPECT_EQ(config.require("logging.level").origin, origin_of(user_file_, "user"));
  EXPECT_EQ(config.get_int("orchestrator.port"), 2000);
  EXPECT_EQ(config.require("orchestrator.port").origin,
            origin_of(workspace_ / "config.toml", "workspace"));
  EXPECT_EQ(config.get_int("orchestrator.max_parallel_tasks"), 3);
  EXPECT_EQ(config.require("orchestrator.max_parallel_tasks").origin,
            origin_of(workspace_ / "config.staging.toml", "workspace staging"));
  EXPECT_EQ(config.get_string("storage.backend"), "flag");
  EXPECT_EQ(config.require("storage.backend").origin, "command line");

  std::vector<fs::path> expected_files = {defaults_file_, user_file_, workspace_ / "config.toml",
                                          workspace_ / "config.staging.toml"};
  EXPECT_EQ(config.files(), expected_files);
  EXPECT_TRUE(config.warnings().empty());
}

TEST_F(ConfigTest, MissingOptionalFilesAreSkipped) {
  Config config = load();

  EXPECT_EQ(config.files(), std::vector<fs::path>{defaults_file_});
  EXPECT_EQ(config.get_string("storage.backend"), "sqlite");
}

TEST_F(ConfigTest, ProvisioningEnvSelectsEnvironmentFile) {
  write(workspace_ / "config.staging.toml", "[orchestrator]\nport = 3001\n");
  write(workspace_ / "config.prod.toml", "[orchestrator]\nport = 3002\n");

  Config staging = load({{"PROVISIONING_ENV", "staging"}});
  Config prod = load({{"PROVISIONING_ENV", "prod"}});
  Config none = load();

  EXPECT_EQ(staging.get_int("orchestrator.port"), 3001);
  EXPECT_EQ(staging.get_string("environment"), "staging");
  EXPECT_EQ(staging.require("environment").origin, "env PROVISIONING_ENV");
  EXPECT_EQ(prod.get_int("orchestrator.port"), 3002);
  EXPECT_EQ(none.get_int("orchestrator.port"), 9090);
  EXPECT_FALSE(none.find("environment").has_value());
}

TEST_F(ConfigTest, EnvironmentFlagBeatsProvisioningEnv) {
  write(workspace_ / "config.dev.toml", "[orchestrator]\nport = 3000\n");

  Config config = load({{"PROVISIONING_ENV", "prod"}}, {{"environment", "dev"}});

  EXPECT_EQ(config.get_int("orchestrator.port"), 3000);
  EXPECT_EQ(config.get_string("environment"), "dev");
  EXPECT_EQ(config.require("environment").origin, "command line");
  EXPECT_TRUE(config.warnings().empty());
}

TEST_F(ConfigTest, InvalidProvisioningEnvIsRejected) {
  sdk::Error error = expect_sdk_error([&] { load({{"PROVISIONING_ENV", "qa"}}); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("PROVISIONING_ENV is 'qa'"));
  EXPECT_THAT(error.what(), HasSubstr("dev, staging or prod"));
}

TEST_F(ConfigTest, EnvironmentVariableBeatsShippedDefault) {
  Config config = load({{"PROVISIONING_ORCHESTRATOR_PORT", "7000"}});

  EXPECT_EQ(config.get_int("orchestrator.port"), 7000);
  EXPECT_EQ(config.require("orchestrator.port").origin, "env PROVISIONING_ORCHESTRATOR_PORT");
}

TEST_F(ConfigTest, TomlLayersBeatEnvironmentVariable) {
  write(user_file_, "[logging]\nlegacy_format = true\n");
  write(workspace_ / "config.toml", "[orchestrator]\nport = 2000\n");

  Config config = load({{"PROVISIONING_ORCHESTRATOR_PORT", "7000"},
                        {"PROVISIONING_LOGGING_LEGACY_FORMAT", "false"}});

  EXPECT_EQ(config.get_int("orchestrator.port"), 2000);
  EXPECT_EQ(config.require("orchestrator.port").origin,
            origin_of(workspace_ / "config.toml", "workspace"));
  EXPECT_TRUE(config.get_bool("logging.legacy_format"));
  EXPECT_EQ(config.require("logging.legacy_format").origin, origin_of(user_file_, "user"));
}

TEST_F(ConfigTest, EmptyEnvironmentVariableCountsAsUnset) {
  Config config = load({{"PROVISIONING_ORCHESTRATOR_PORT", ""}});

  EXPECT_EQ(config.get_int("orchestrator.port"), 9090);
}

TEST_F(ConfigTest, EnvironmentFallbackForKeyOutsideDefaults) {
  Config config = load({{"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", "s3cret"}});

  std::optional<ConfigValue> token = config.find("orchestrator.auth_token");
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(token->value, "s3cret");
  EXPECT_EQ(token->origin, "env PROVISIONING_ORCHESTRATOR_AUTH_TOKEN");
  EXPECT_EQ(config.get_string("orchestrator.auth_token"), "s3cret");
}

TEST_F(ConfigTest, RequireExplainsHowToSetMissingKey) {
  Config config = load();

  EXPECT_FALSE(config.find("orchestrator.auth_token").has_value());
  sdk::Error error = expect_sdk_error([&] { config.require("orchestrator.auth_token"); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("configuration key 'orchestrator.auth_token' is not set"));
  EXPECT_THAT(error.what(), HasSubstr((workspace_ / "config.toml").string()));
  EXPECT_THAT(error.what(), HasSubstr("\n  [orchestrator]\n  auth_token = \"...\"\n"));
  EXPECT_THAT(error.what(), HasSubstr("PROVISIONING_ORCHESTRATOR_AUTH_TOKEN"));
}

TEST_F(ConfigTest, RequireTopLevelKeyHasNoTableLine) {
  Config config = load();

  sdk::Error error = expect_sdk_error([&] { config.require("region"); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr(" as\n  region = \"...\"\n"));
  EXPECT_THAT(error.what(), Not(HasSubstr("[")));
  EXPECT_THAT(error.what(), HasSubstr("PROVISIONING_REGION"));
}

TEST_F(ConfigTest, InvalidTomlNamesFileLineAndColumn) {
  fs::path file = workspace_ / "config.toml";
  write(file, "[storage]\nbackend = \"sqlite\"\nport = = 3\n");

  sdk::Error error = expect_sdk_error([&] { load(); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr(file.string() + ":3:"));
  EXPECT_THAT(error.what(), HasSubstr("fix the file or remove it"));
}

TEST_F(ConfigTest, InvalidTomlColumnIsReported) {
  fs::path file = user_file_;
  write(file, "name = \"unterminated\n");

  sdk::Error error = expect_sdk_error([&] { load(); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  std::string message = error.what();
  std::string location = file.string() + ":1:";
  ASSERT_EQ(message.rfind(location, 0), 0u) << message;
  std::string column =
      message.substr(location.size(), message.find(':', location.size()) - location.size());
  EXPECT_FALSE(column.empty());
  EXPECT_TRUE(std::all_of(column.begin(), column.end(), ::isdigit)) << message;
}

TEST_F(ConfigTest, InvalidDefaultsFileSuggestsReinstall) {
  write(defaults_file_, "[storage\n");

  sdk::Error error = expect_sdk_error([&] { load(); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr(defaults_file_.string() + ":1:"));
  EXPECT_THAT(error.what(), HasSubstr("reinstall provisioning"));
}

TEST_F(ConfigTest, MissingDefaultsFileIsNotFound) {
  fs::remove(defaults_file_);

  sdk::Error error = expect_sdk_error([&] { load(); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr(defaults_file_.string()));
  EXPECT_THAT(error.what(), HasSubstr("PROVISIONING_CORE_DIR"));
}

TEST_F(ConfigTest, UnknownKeyWarningSuggestsClosestKey) {
  fs::path file = workspace_ / "config.toml";
  write(file, "[storage]\nbacknd = \"filesystem\"\n");

  Config config = load();

  ASSERT_EQ(config.warnings().size(), 1u);
  EXPECT_EQ(config.warnings()[0], "unknown configuration key 'storage.backnd' in " + file.string() +
                                      "; did you mean 'storage.backend'?");
  EXPECT_EQ(config.get_string("storage.backend"), "sqlite");
}

TEST_F(ConfigTest, UnknownKeyWithoutCloseMatchHasNoSuggestion) {
  write(user_file_, "[telemetry]\nendpoint = \"x\"\n");

  Config config = load();

  ASSERT_EQ(config.warnings().size(), 1u);
  EXPECT_THAT(config.warnings()[0], HasSubstr("unknown configuration key 'telemetry.endpoint' in " +
                                              user_file_.string()));
  EXPECT_THAT(config.warnings()[0], Not(HasSubstr("did you mean")));
  EXPECT_THAT(config.warnings()[0], HasSubstr(defaults_file_.string()));
}

TEST_F(ConfigTest, UnknownFlagKeyIsWarned) {
  Config config = load({}, {{"orchestrator.prot", "1"}});

  ASSERT_EQ(config.warnings().size(), 1u);
  EXPECT_EQ(config.warnings()[0],
            "unknown configuration key 'orchestrator.prot' on the command line; did you mean "
            "'orchestrator.port'?");
}

TEST_F(ConfigTest, PluginAndTaskservKeysAreNotWarned) {
  write(workspace_ / "config.toml", R"(
[plugins.provider.local]
root = "/srv/local"
[taskservs.etcd]
version = "3.5"
)");

  Config config = load();

  EXPECT_TRUE(config.warnings().empty());
  EXPECT_EQ(config.get_string("plugins.provider.local.root"), "/srv/local");
  EXPECT_EQ(config.get_string("taskservs.etcd.version"), "3.5");
}

TEST_F(ConfigTest, WrongTypeNamesKeyTypeValueAndOrigin) {
  write(workspace_ / "config.toml", "[orchestrator]\nport = \"9091\"\n");
  Config config = load();

  sdk::Error port_error = expect_sdk_error([&] { config.get_int("orchestrator.port"); });
  sdk::Error host_error = expect_sdk_error([&] { config.get_bool("orchestrator.host"); });
  sdk::Error level_error = expect_sdk_error([&] { config.get_double("logging.level"); });
  sdk::Error zone_error = expect_sdk_error([&] { config.get_int("server.default_zone"); });

  EXPECT_EQ(port_error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(port_error.what(), HasSubstr("'orchestrator.port' must be an integer"));
  EXPECT_THAT(port_error.what(), HasSubstr("\"9091\""));
  EXPECT_THAT(port_error.what(), HasSubstr((workspace_ / "config.toml").string()));
  EXPECT_EQ(host_error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(host_error.what(), HasSubstr("'orchestrator.host' must be a boolean"));
  EXPECT_EQ(level_error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(level_error.what(), HasSubstr("'logging.level' must be a number"));
  EXPECT_EQ(zone_error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(zone_error.what(), HasSubstr("\"auto\""));
  EXPECT_THAT(zone_error.what(), HasSubstr("defaults (" + defaults_file_.string() + ")"));
}

TEST_F(ConfigTest, GetStringRejectsInteger) {
  Config config = load();

  sdk::Error error = expect_sdk_error([&] { config.get_string("orchestrator.port"); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("'orchestrator.port' must be a string"));
  EXPECT_THAT(error.what(), HasSubstr("9090"));
}

TEST_F(ConfigTest, GetDoubleAcceptsInteger) {
  Config config = load();

  EXPECT_DOUBLE_EQ(config.get_double("bridge.new_system_percentage"), 0.0);
  EXPECT_DOUBLE_EQ(config.get_double("orchestrator.port"), 9090.0);
}

TEST_F(ConfigTest, EnvironmentTextIsConverted) {
  Config config = load({{"PROVISIONING_LOGGING_LEGACY_FORMAT", "Yes"},
                        {"PROVISIONING_ORCHESTRATOR_MAX_PARALLEL_TASKS", "12"},
                        {"PROVISIONING_BRIDGE_NEW_SYSTEM_PERCENTAGE", "12.5"}});

  EXPECT_TRUE(config.get_bool("logging.legacy_format"));
  EXPECT_EQ(config.get_int("orchestrator.max_parallel_tasks"), 12);
  EXPECT_DOUBLE_EQ(config.get_double("bridge.new_system_percentage"), 12.5);
}

TEST_F(ConfigTest, BooleanSpellingsFromEnvironment) {
  const std::map<std::string, bool> spellings = {{"1", true},      {"0", false},  {"true", true},
                                                 {"FALSE", false}, {"yes", true}, {"no", false},
                                                 {"on", true},     {"off", false}};
  for (const auto& [text, expected] : spellings) {
    Config config = load({{"PROVISIONING_LOGGING_LEGACY_FORMAT", text}});
    EXPECT_EQ(config.get_bool("logging.legacy_format"), expected) << text;
  }
}

TEST_F(ConfigTest, InvalidEnvironmentTextNamesVariable) {
  Config config = load(
      {{"PROVISIONING_ORCHESTRATOR_PORT", "80a"}, {"PROVISIONING_LOGGING_LEGACY_FORMAT", "maybe"}});

  sdk::Error port_error = expect_sdk_error([&] { config.get_int("orchestrator.port"); });
  sdk::Error format_error = expect_sdk_error([&] { config.get_bool("logging.legacy_format"); });

  EXPECT_EQ(port_error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(port_error.what(), HasSubstr("PROVISIONING_ORCHESTRATOR_PORT is '80a'"));
  EXPECT_THAT(port_error.what(), HasSubstr("an integer"));
  EXPECT_EQ(format_error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(format_error.what(), HasSubstr("PROVISIONING_LOGGING_LEGACY_FORMAT is 'maybe'"));
  EXPECT_THAT(format_error.what(), HasSubstr("a boolean"));
}

TEST_F(ConfigTest, FlagTextIsConverted) {
  Config config = load({}, {{"orchestrator.port", "8080"}, {"logging.legacy_format", "on"}});

  EXPECT_EQ(config.get_int("orchestrator.port"), 8080);
  EXPECT_TRUE(config.get_bool("logging.legacy_format"));
  EXPECT_EQ(config.require("orchestrator.port").origin, "command line");
}

TEST_F(ConfigTest, InvalidFlagTextNamesValue) {
  Config config = load({}, {{"orchestrator.port", "eighty"}});

  sdk::Error error = expect_sdk_error([&] { config.get_int("orchestrator.port"); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("command-line value 'eighty'"));
  EXPECT_THAT(error.what(), HasSubstr("'orchestrator.port'"));
}

TEST_F(ConfigTest, LogLevelSwitchOverridesFiles) {
  write(workspace_ / "config.toml", "[logging]\nlevel = \"warn\"\n");

  Config config = load({{"PROVISIONING_LOG_LEVEL", "trace"}});

  EXPECT_EQ(config.get_string("logging.level"), "trace");
  EXPECT_EQ(config.require("logging.level").origin, "env PROVISIONING_LOG_LEVEL");
}

TEST_F(ConfigTest, DebugSwitchSetsDebugLevel) {
  write(workspace_ / "config.toml", "[logging]\nlevel = \"warn\"\n");

  Config on = load({{"PROVISIONING_DEBUG", "1"}});
  Config named = load({{"PROVISIONING_DEBUG", "true"}});
  Config off = load({{"PROVISIONING_DEBUG", "0"}});

  EXPECT_EQ(on.get_string("logging.level"), "debug");
  EXPECT_EQ(on.require("logging.level").origin, "env PROVISIONING_DEBUG");
  EXPECT_EQ(named.get_string("logging.level"), "debug");
  EXPECT_EQ(off.get_string("logging.level"), "warn");
}

TEST_F(ConfigTest, LogLevelSwitchBeatsDebugSwitch) {
  Config config = load({{"PROVISIONING_DEBUG", "1"}, {"PROVISIONING_LOG_LEVEL", "error"}});

  EXPECT_EQ(config.get_string("logging.level"), "error");
}

TEST_F(ConfigTest, FlagBeatsRuntimeSwitch) {
  Config config = load({{"PROVISIONING_LOG_LEVEL", "error"}}, {{"logging.level", "critical"}});

  EXPECT_EQ(config.get_string("logging.level"), "critical");
  EXPECT_EQ(config.require("logging.level").origin, "command line");
}

TEST_F(ConfigTest, InvalidDebugSwitchIsRejected) {
  sdk::Error error = expect_sdk_error([&] { load({{"PROVISIONING_DEBUG", "verbose"}}); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("PROVISIONING_DEBUG is 'verbose'"));
}

TEST_F(ConfigTest, TableBuildsNestedObject) {
  write(workspace_ / "config.toml", R"(
[plugins.provider.local]
root = "/srv/local"
[plugins.provider.local.limits]
cpus = 2
[plugins.provider.localhost]
root = "/other"
)");

  Config config = load();

  json::object expected = {{"root", "/srv/local"}, {"limits", {{"cpus", 2}}}};
  EXPECT_EQ(config.table("plugins.provider.local"), expected);
  json::object storage = config.table("storage");
  EXPECT_EQ(storage.at("backend"), "sqlite");
  EXPECT_EQ(storage.at("sqlite").at("busy_timeout_ms"), 10000);
  EXPECT_TRUE(config.table("plugins.provider.none").empty());
}

TEST_F(ConfigTest, ArraysStayArrays) {
  write(workspace_ / "config.toml", R"(
[plugins.provider.local]
zones = ["a", "b"]
[[plugins.provider.local.nodes]]
name = "n1"
cpus = 1
[[plugins.provider.local.nodes]]
name = "n2"
)");

  Config config = load();

  json::array zones = {"a", "b"};
  EXPECT_EQ(config.require("plugins.provider.local.zones").value, zones);
  json::value nodes = config.require("plugins.provider.local.nodes").value;
  ASSERT_TRUE(nodes.is_array());
  ASSERT_EQ(nodes.as_array().size(), 2u);
  json::object first = {{"name", "n1"}, {"cpus", 1}};
  EXPECT_EQ(nodes.as_array()[0], first);
  EXPECT_EQ(nodes.as_array()[1].at("name"), "n2");
}

TEST_F(ConfigTest, EntriesAreSortedWithOrigins) {
  Config config = load({{"PROVISIONING_ORCHESTRATOR_PORT", "7000"}});

  auto entries = config.entries();
  ASSERT_EQ(entries.size(), 9u);
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));
  auto port = std::find_if(entries.begin(), entries.end(),
                           [](const auto& entry) { return entry.first == "orchestrator.port"; });
  ASSERT_NE(port, entries.end());
  EXPECT_EQ(port->second.value, 7000);  // converted to the type of the default
  EXPECT_EQ(port->second.origin, "env PROVISIONING_ORCHESTRATOR_PORT");
}

TEST_F(ConfigTest, ShippedDefaultsHaveDocumentedValues) {
  ConfigSources sources;
  sources.defaults_file = fs::path(PROVISIONING_SOURCE_CONFIG_DIR) / "config.defaults.toml";
  sources.environment = fixed_environment({});

  Config config = Config::load(sources);

  EXPECT_TRUE(config.warnings().empty());
  EXPECT_EQ(config.get_string("storage.backend"), "sqlite");
  EXPECT_EQ(config.get_string("storage.sqlite.path"), ".provisioning/state.db");
  EXPECT_EQ(config.get_int("storage.sqlite.busy_timeout_ms"), 10000);
  EXPECT_EQ(config.get_string("storage.filesystem.path"), "data");
  EXPECT_EQ(config.get_string("provider.default"), "local");
  EXPECT_EQ(config.get_string("server.default_zone"), "auto");
  EXPECT_EQ(config.get_string("orchestrator.host"), "127.0.0.1");
  EXPECT_EQ(config.get_int("orchestrator.port"), 9090);
  EXPECT_EQ(config.get_int("orchestrator.max_parallel_tasks"), 4);
  EXPECT_EQ(config.get_int("orchestrator.max_body_bytes"), 1048576);
  EXPECT_EQ(config.get_string("logging.level"), "info");
  EXPECT_FALSE(config.get_bool("logging.legacy_format"));
  EXPECT_EQ(config.get_string("bridge.mode"), "off");
  EXPECT_EQ(config.get_string("bridge.legacy_path"), "");
  EXPECT_EQ(config.get_int("bridge.new_system_percentage"), 0);
  EXPECT_EQ(config.get_string("paths.extensions"), "");
  EXPECT_FALSE(config.find("orchestrator.auth_token").has_value());
}

TEST_F(ConfigTest, ExtensionsPathVariableFeedsPathsExtensions) {
  ConfigSources sources;
  sources.defaults_file = fs::path(PROVISIONING_SOURCE_CONFIG_DIR) / "config.defaults.toml";
  sources.environment = fixed_environment({{"PROVISIONING_EXTENSIONS_PATH", "/opt/a:/opt/b"}});

  Config config = Config::load(sources);

  EXPECT_EQ(config.get_string("paths.extensions"), "/opt/a:/opt/b");
  EXPECT_EQ(config.require("paths.extensions").origin, "env PROVISIONING_EXTENSIONS_PATH");
}

TEST(EnvironmentVariableFor, UpperCasesAndReplacesSeparators) {
  EXPECT_EQ(Config::environment_variable_for("orchestrator.max_parallel_tasks"),
            "PROVISIONING_ORCHESTRATOR_MAX_PARALLEL_TASKS");
  EXPECT_EQ(Config::environment_variable_for("plugins.provider.up-cloud.token"),
            "PROVISIONING_PLUGINS_PROVIDER_UP_CLOUD_TOKEN");
  EXPECT_EQ(Config::environment_variable_for("paths.extensions"), "PROVISIONING_EXTENSIONS_PATH");
}

TEST(ClosestMatch, FindsNearestCandidate) {
  std::vector<std::string> keys = {"storage.backend", "storage.sqlite.path", "orchestrator.port"};

  EXPECT_EQ(closest_match("storage.backnd", keys), "storage.backend");
  EXPECT_EQ(closest_match("orchestrator.prot", keys), "orchestrator.port");
  EXPECT_EQ(closest_match("storage.backend", keys), "storage.backend");
}

TEST(ClosestMatch, RejectsDistantWords) {
  std::vector<std::string> keys = {"storage.backend", "log", "port"};

  EXPECT_EQ(closest_match("telemetry.endpoint", keys), "");
  EXPECT_EQ(closest_match("xyz", keys), "");
  EXPECT_EQ(closest_match("anything", {}), "");
}

TEST(ClosestMatch, ThresholdGrowsWithLength) {
  // Two edits are always accepted, and longer words accept one edit per three characters.
  EXPECT_EQ(closest_match("lgo", {"log"}), "log");
  EXPECT_EQ(closest_match("abcdefghijkl", {"abcdefghwxyz"}), "abcdefghwxyz");
  EXPECT_EQ(closest_match("abcdefghijkl", {"abcdefgvwxyz"}), "");
}

TEST(ClosestMatch, PrefersSmallerDistance) {
  EXPECT_EQ(closest_match("storage.pth", {"storage.bath", "storage.path"}), "storage.path");
}

}  // namespace
}  // namespace provisioning::host
