// Each bridge mode, through the real binary, against a legacy data directory and a real
// orchestrator on a free loopback port.

#include "bridge_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class BridgeModesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(workspace_.init_error(), ""); }

  void set_mode(const std::string& mode, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"bridge", "mode",          "set",
                                     mode,     "--legacy-path", workspace_.legacy().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = workspace_.run(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  json::object status() { return workspace_.run_json({"bridge", "status"}).as_object(); }

  std::int64_t count(const std::string& path) {
    return status().at("operations").as_object().at(path).as_int64();
  }

  ProcessResult bridged(std::vector<std::string> legacy, std::vector<std::string> options = {}) {
    std::vector<std::string> args = options;
    args.insert(args.end(), {"bridge", "run", "--"});
    args.insert(args.end(), legacy.begin(), legacy.end());
    return workspace_.run(args);
  }

  json::value bridged_json(std::vector<std::string> legacy, std::vector<std::string> options = {}) {
    legacy.insert(legacy.end(), {"--output", "json"});
    auto result = bridged(legacy, options);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    try {
      return json::parse(result.out);
    } catch (const std::exception& error) {
      ADD_FAILURE() << "invalid JSON output: " << error.what() << "\n" << result.out;
      return json::object{};
    }
  }

  std::string config_text() const { return read_text(workspace_.path() / "config.toml"); }

  BridgeWorkspace workspace_;
};

void expect_legacy_shape(const json::value& record, const std::string& name) {
  ASSERT_TRUE(record.is_object()) << json::serialize(record);
  std::vector<std::string> keys;
  for (const auto& [key, value] : record.as_object()) keys.emplace_back(key);
  std::sort(keys.begin(), keys.end());
  EXPECT_THAT(keys, ElementsAre("created", "ip", "name", "plan", "status", "zone"));
  EXPECT_EQ(text(record, "name"), name);
  EXPECT_EQ(text(record, "plan"), "2xCPU-4GB");
  EXPECT_EQ(text(record, "status"), "running");
  EXPECT_FALSE(text(record, "ip").empty());
}

TEST_F(BridgeModesTest, ModeSetWritesWorkspaceConfig) {
  set_mode("migration", {"--new-system-percentage", "30"});
  std::string text = config_text();
  EXPECT_THAT(text, HasSubstr("mode = \"migration\""));
  EXPECT_THAT(text, HasSubstr("new_system_percentage = 30"));
  EXPECT_THAT(text, HasSubstr("legacy_path = \"" + workspace_.legacy().string() + "\""));

  json::object report = status();
  EXPECT_EQ(report.at("mode"), "migration");
  EXPECT_EQ(report.at("new_system_percentage"), 30);
  EXPECT_EQ(report.at("legacy_path"), json::value(workspace_.legacy().string()));
  EXPECT_EQ(report.at("operations").as_object().at("new"), 0);
  EXPECT_EQ(report.at("operations").as_object().at("fallbacks"), 0);
}

TEST_F(BridgeModesTest, ModeSetRejectsBadInput) {
  std::string before = config_text();
  struct Case {
    std::vector<std::string> args;
    std::string value;
    std::string fix;
  };
  const std::vector<Case> cases = {
      {{"turbo", "--legacy-path", workspace_.legacy().string()},
       "'turbo'",
       "use off, compatibility or migration"},
      {{"migration", "--new-system-percentage", "150", "--legacy-path",
        workspace_.legacy().string()},
       "150",
       "0 to 100"},
      {{"compatibility"}, "bridge.legacy_path is empty", "--legacy-path DIR"},
      {{"compatibility", "--legacy-path", "/nonexistent/legacy"},
       "'/nonexistent/legacy'",
       "create it"},
  };
  for (const Case& test : cases) {
    std::vector<std::string> args = {"bridge", "mode", "set"};
    args.insert(args.end(), test.args.begin(), test.args.end());
    auto result = workspace_.run(args);
    EXPECT_NE(result.exit_code, 0) << test.value;
    EXPECT_THAT(result.err, HasSubstr(test.value));
    EXPECT_THAT(result.err, HasSubstr(test.fix));
    EXPECT_EQ(config_text(), before) << "config.toml changed by a rejected mode set";
  }
}

TEST_F(BridgeModesTest, UnknownModeInConfigNamesOrigin) {
  auto result = workspace_.run({"bridge", "status"}, {{"PROVISIONING_BRIDGE_MODE", "turbo"}});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("'turbo'"));
  EXPECT_THAT(result.err, HasSubstr("env PROVISIONING_BRIDGE_MODE"));
}

TEST_F(BridgeModesTest, ModeSetReplacesInvalidMode) {
  std::map<std::string, std::string> env = {{"PROVISIONING_BRIDGE_MODE", "turbo"}};
  auto set = workspace_.run({"bridge", "mode", "set", "off"}, env);
  ASSERT_EQ(set.exit_code, 0) << set.err;
  auto status = workspace_.run({"--output", "json", "bridge", "status"}, env);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out).at("mode"), "off");
}

TEST_F(BridgeModesTest, OffRunsCommandUnrouted) {
  auto result = bridged({"server", "create", "off-01", "2xCPU-4GB", "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("would create server off-01 (2xCPU-4GB"));
  EXPECT_EQ(count("new") + count("legacy"), 0);
}

TEST_F(BridgeModesTest, CompatibilityRunsOnNewSystem) {
  set_mode("compatibility");
  DetachedOrchestrator orchestrator(workspace_, {});
  ASSERT_TRUE(orchestrator.running()) << orchestrator.start_error();

  json::value record = bridged_json({"server", "create", "web-01", "2xCPU-4GB"});
  expect_legacy_shape(record, "web-01");
  EXPECT_THAT(workspace_.legacy_server_names(), IsEmpty());
  EXPECT_EQ(count("new"), 1);
  EXPECT_EQ(count("fallbacks"), 0);

  // A dry run changes nothing on either side.
  json::value planned = bridged_json({"server", "create", "web-02", "2xCPU-4GB", "--dry-run"});
  EXPECT_EQ(text(planned, "status"), "planned");
  json::value list = bridged_json({"server", "list"});
  ASSERT_EQ(list.as_array().size(), 1u);
  EXPECT_EQ(text(list.as_array()[0], "name"), "web-01");
}

TEST_F(BridgeModesTest, CompatibilityFallsBackWhenOrchestratorStopped) {
  set_mode("compatibility");
  {
    DetachedOrchestrator orchestrator(workspace_, {});
    ASSERT_TRUE(orchestrator.running()) << orchestrator.start_error();
  }  // stopped here
  ClosedPort closed;
  std::vector<std::string> options = {"--set", "orchestrator.port=" + std::to_string(closed.port()),
                                      "--correlation-id", "bridge-test-0001"};
  json::value record = bridged_json({"server", "create", "web-02", "2xCPU-4GB"}, options);
  expect_legacy_shape(record, "web-02");
  EXPECT_THAT(workspace_.legacy_server_names(), ElementsAre("web-02"));
  EXPECT_EQ(count("fallbacks"), 1);
  EXPECT_EQ(count("legacy"), 1);
  EXPECT_EQ(count("new"), 0);

  std::string log = read_text(workspace_.path() / ".provisioning" / "logs" / "provisioning.log");
  EXPECT_THAT(log, HasSubstr("server create server=web-02 path=new"));
  EXPECT_THAT(log, HasSubstr("correlation_id=bridge-test-0001"));
  EXPECT_THAT(log, HasSubstr("falling back to legacy"));

  // The server now lives in the legacy store, so its next operations go there directly.
  json::value shown = bridged_json({"server", "show", "web-02"}, options);
  EXPECT_EQ(text(shown, "name"), "web-02");
  EXPECT_EQ(count("fallbacks"), 1);
  EXPECT_EQ(count("legacy"), 2);
}

TEST_F(BridgeModesTest, CompatibilityFallsBackOnProviderError) {
  set_mode("compatibility");
  DetachedOrchestrator orchestrator(
      workspace_, {"paths.extensions=" + std::string(FAILING_PROVIDER_EXTENSIONS)});
  ASSERT_TRUE(orchestrator.running()) << orchestrator.start_error();

  json::value record = bridged_json({"server", "create", "web-03", "2xCPU-4GB"});
  expect_legacy_shape(record, "web-03");
  EXPECT_THAT(workspace_.legacy_server_names(), ElementsAre("web-03"));
  EXPECT_EQ(count("fallbacks"), 1);

  // The legacy path copied the record into the current store, so both stores agree.
  json::value current =
      workspace_.run_json({"--set", "bridge.legacy_path=", "server", "show", "web-03"});
  EXPECT_EQ(text(current, "name"), "web-03");

  auto removed = bridged({"server", "delete", "web-03"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_THAT(removed.out, HasSubstr("deleted server web-03"));
  EXPECT_THAT(workspace_.legacy_server_names(), IsEmpty());
  auto gone = workspace_.run({"--set", "bridge.legacy_path=", "server", "show", "web-03"});
  EXPECT_EQ(gone.exit_code, 4) << gone.out;
}

TEST_F(BridgeModesTest, BackToOffLeavesStoresConsistent) {
  set_mode("compatibility");
  {
    DetachedOrchestrator orchestrator(workspace_, {});
    ASSERT_TRUE(orchestrator.running()) << orchestrator.start_error();
    ASSERT_EQ(bridged({"server", "create", "new-01", "2xCPU-4GB"}).exit_code, 0);
  }
  ClosedPort closed;
  std::vector<std::string> down = {"--set", "orchestrator.port=" + std::to_string(closed.port())};
  auto fallback = bridged({"server", "create", "old-01", "2xCPU-4GB"}, down);
  ASSERT_EQ(fallback.exit_code, 0) << fallback.err;
  set_mode("migration", {"--new-system-percentage", "0"});
  auto legacy_only = bridged({"server", "create", "old-02", "2xCPU-4GB"}, down);
  ASSERT_EQ(legacy_only.exit_code, 0) << legacy_only.err;
  EXPECT_THAT(workspace_.legacy_server_names(), ElementsAre("old-01", "old-02"));

  set_mode("off");
  auto check = workspace_.run({"data", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  json::value servers = workspace_.run_json({"--set", "bridge.legacy_path=", "server", "list"});
  std::vector<std::string> names;
  for (const auto& server : servers.as_array()) names.push_back(text(server, "name"));
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("new-01", "old-01", "old-02"));
}

}  // namespace
}  // namespace provisioning::testing
