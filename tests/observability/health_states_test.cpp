// Tests of `provisioning health`, GET /health/detailed and `provisioning debug
// integration` in each health state: all healthy, the orchestrator stopped or killed,
// the database file corrupted, the bridge misconfigured, an unknown configuration key.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "logs_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kComponentOrder = {"legacy_system", "orchestrator", "storage",
                                                  "bridge", "configuration"};

struct HealthResult {
  int exit_code = -1;
  json::object report;
  std::string err;
};

HealthResult run_health(const TestWorkspace& workspace, const std::vector<std::string>& settings) {
  std::vector<std::string> arguments;
  for (const auto& setting : settings) arguments.insert(arguments.end(), {"--set", setting});
  arguments.insert(arguments.end(), {"health", "--detailed", "--output", "json"});
  ProcessResult result = run_cli(workspace, arguments);
  HealthResult health{result.exit_code, {}, result.err};
  boost::system::error_code error;
  json::value value = json::parse(result.out, error);
  if (error || !value.is_object()) {
    ADD_FAILURE() << "health printed no JSON object: " << result.out << result.err;
    return health;
  }
  health.report = value.as_object();
  return health;
}

json::object component(const json::object& report, const std::string& name) {
  for (const auto& item : report.at("components").as_array()) {
    if (text(item, "component") == name) return item.as_object();
  }
  ADD_FAILURE() << "no component " << name << " in " << json::serialize(report);
  return {};
}

void expect_healthy_except(const json::object& report, const std::set<std::string>& failing) {
  for (const auto& name : kComponentOrder) {
    if (failing.count(name) != 0) continue;
    EXPECT_EQ(text(component(report, name), "status"), "healthy")
        << name << ": " << json::serialize(component(report, name));
  }
}

TEST(HealthStates, AllHealthy) {
  TestWorkspace workspace;
  OrchestratorProcess orchestrator(workspace, {});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();

  HealthResult health = run_health(workspace, {});
  EXPECT_EQ(health.exit_code, 0) << json::serialize(health.report) << health.err;
  EXPECT_EQ(text(health.report, "status"), "healthy");
  std::vector<std::string> names;
  for (const auto& item : health.report.at("components").as_array()) {
    names.push_back(text(item, "component"));
    EXPECT_EQ(text(item, "error"), "") << json::serialize(item);
  }
  EXPECT_EQ(names, kComponentOrder);
  expect_healthy_except(health.report, {});
  json::object details = component(health.report, "orchestrator").at("details").as_object();
  EXPECT_EQ(details.at("port").as_int64(), orchestrator.port());
  EXPECT_EQ(details.at("pid").as_int64(), orchestrator.pid());
}

TEST(HealthStates, OrchestratorStopped) {
  TestWorkspace workspace;
  HealthResult health = run_health(workspace, {});
  EXPECT_EQ(health.exit_code, 6);
  EXPECT_EQ(text(health.report, "status"), "unhealthy");
  json::object orchestrator = component(health.report, "orchestrator");
  EXPECT_EQ(text(orchestrator, "status"), "unhealthy");
  EXPECT_THAT(text(orchestrator, "error"), HasSubstr("the orchestrator is not running"));
  EXPECT_THAT(text(orchestrator, "error"), HasSubstr("provisioning orchestrator start"));
  expect_healthy_except(health.report, {"orchestrator"});
}

TEST(HealthStates, OrchestratorKilled) {
  TestWorkspace workspace;
  OrchestratorProcess orchestrator(workspace, {});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();
  pid_t pid = orchestrator.pid();
  orchestrator.kill_now();  // leaves its state file behind

  HealthResult health = run_health(workspace, {});
  EXPECT_EQ(health.exit_code, 6);
  json::object status = component(health.report, "orchestrator");
  EXPECT_EQ(text(status, "status"), "unhealthy");
  EXPECT_THAT(text(status, "error"),
              HasSubstr("names pid " + std::to_string(pid) + ", which is not running"));
}

TEST(HealthStates, DatabaseFileCorrupted) {
  TestWorkspace workspace;
  ProcessResult created = run_cli(workspace, {"server", "create", "db-01", "1xCPU-2GB"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  fs::path database = workspace.state_dir() / "state.db";
  ASSERT_TRUE(fs::exists(database));
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(database.string() + suffix);
  const std::string garbage(8192, 'x');
  write_text(database, garbage);

  HealthResult health = run_health(workspace, {});
  EXPECT_EQ(health.exit_code, 6);
  json::object storage = component(health.report, "storage");
  EXPECT_EQ(text(storage, "status"), "unhealthy");
  EXPECT_THAT(text(storage, "error"), HasSubstr("sqlite"));
  EXPECT_THAT(text(storage, "error"), HasSubstr("is not a SQLite database"));
  EXPECT_EQ(text(storage.at("details"), "backend"), "sqlite");
  // The check only reads: the broken file is left as it was, for recovery.
  EXPECT_EQ(read_text(database), garbage);
}

TEST(HealthStates, BridgeModeUnknown) {
  TestWorkspace workspace;
  HealthResult health = run_health(workspace, {"bridge.mode=sideways"});
  EXPECT_EQ(health.exit_code, 6);
  json::object bridge = component(health.report, "bridge");
  EXPECT_EQ(text(bridge, "status"), "unhealthy");
  EXPECT_THAT(text(bridge, "error"), HasSubstr("sideways"));
}

TEST(HealthStates, BridgePercentageOutOfRange) {
  TestWorkspace workspace;
  fs::create_directories(workspace.root() / "legacy");
  HealthResult health = run_health(workspace, {"bridge.mode=migration", "bridge.legacy_path=legacy",
                                               "bridge.new_system_percentage=150"});
  json::object bridge = component(health.report, "bridge");
  EXPECT_EQ(text(bridge, "status"), "unhealthy");
  EXPECT_THAT(text(bridge, "error"), HasSubstr("150"));
  EXPECT_EQ(text(component(health.report, "legacy_system"), "status"), "healthy");
}

TEST(HealthStates, BridgeWithoutLegacyPath) {
  TestWorkspace workspace;
  HealthResult health = run_health(workspace, {"bridge.mode=compatibility"});
  EXPECT_EQ(text(component(health.report, "bridge"), "status"), "unhealthy");
  json::object legacy = component(health.report, "legacy_system");
  EXPECT_EQ(text(legacy, "status"), "unhealthy");
  EXPECT_THAT(text(legacy, "error"), HasSubstr("bridge.legacy_path is empty"));
}

TEST(HealthStates, LegacyPathMissing) {
  TestWorkspace workspace;
  HealthResult health =
      run_health(workspace, {"bridge.mode=compatibility", "bridge.legacy_path=/nonexistent/old"});
  json::object legacy = component(health.report, "legacy_system");
  EXPECT_EQ(text(legacy, "status"), "unhealthy");
  EXPECT_THAT(text(legacy, "error"), HasSubstr("'/nonexistent/old'"));
  EXPECT_THAT(text(legacy, "error"), HasSubstr("does not exist"));
}

TEST(HealthStates, LegacyPathPresent) {
  TestWorkspace workspace;
  fs::create_directories(workspace.root() / "legacy");
  HealthResult health =
      run_health(workspace, {"bridge.mode=compatibility", "bridge.legacy_path=legacy"});
  EXPECT_EQ(text(component(health.report, "legacy_system"), "status"), "healthy");
  EXPECT_EQ(text(component(health.report, "bridge"), "status"), "healthy");
}

TEST(HealthStates, UnknownKeyDegraded) {
  TestWorkspace workspace;
  workspace.append_config("[logging]\nlevle = \"debug\"\n");
  OrchestratorProcess orchestrator(workspace, {});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();

  HealthResult health = run_health(workspace, {});
  EXPECT_EQ(health.exit_code, 9);
  EXPECT_EQ(text(health.report, "status"), "degraded");
  json::object configuration = component(health.report, "configuration");
  EXPECT_EQ(text(configuration, "status"), "degraded");
  EXPECT_THAT(text(configuration, "error"), HasSubstr("logging.levle"));
  expect_healthy_except(health.report, {"configuration"});
}

TEST(HealthStates, TextOutput) {
  TestWorkspace workspace;
  ProcessResult result = run_cli(workspace, {"health", "--detailed"});
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_THAT(result.out, HasSubstr("overall: unhealthy"));
  EXPECT_THAT(result.out, HasSubstr("COMPONENT"));
  EXPECT_THAT(result.out, HasSubstr("details:"));
  EXPECT_THAT(result.out, HasSubstr("storage: backend=sqlite"));
}

TEST(HealthStates, DetailedEndpoint) {
  TestWorkspace workspace;
  workspace.append_config("[orchestrator]\nauth_token = \"health-token-1234\"\n");
  OrchestratorProcess orchestrator(workspace, {});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();

  Reply anonymous = send_request(orchestrator.port(), "GET", "/health/detailed", std::nullopt);
  EXPECT_EQ(anonymous.status, 401);
  Reply cheap = send_request(orchestrator.port(), "GET", "/health", std::nullopt);
  EXPECT_EQ(cheap.status, 200);

  Reply detailed = send_request(orchestrator.port(), "GET", "/health/detailed", std::nullopt, "",
                                {{"Authorization", "Bearer health-token-1234"}});
  ASSERT_EQ(detailed.status, 200) << detailed.body;
  EXPECT_FALSE(detailed.header("X-Correlation-ID").empty());
  EXPECT_EQ(text(detailed.json, "status"), "healthy") << detailed.body;
  json::object self = component(detailed.object(), "orchestrator");
  EXPECT_EQ(self.at("details").at("port").as_int64(), orchestrator.port());
  EXPECT_EQ(self.at("details").at("queue_depth").as_int64(), 0);
}

TEST(HealthStates, DebugIntegrationListsEveryPoint) {
  TestWorkspace workspace;
  ProcessResult result = run_cli(workspace, {"debug", "integration", "--output", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json::value value = json::parse(result.out);
  std::map<std::string, std::vector<json::object>> by_area;
  for (const auto& item : value.at("integration_points").as_array()) {
    by_area[text(item, "area")].push_back(item.as_object());
  }
  bool local_loaded = false;
  for (const auto& point : by_area["plugin provider"]) {
    if (text(point, "name") == "local") local_loaded = text(point, "status") == "loaded";
  }
  EXPECT_TRUE(local_loaded) << result.out;
  EXPECT_GE(by_area["plugin storage"].size(), 2u) << result.out;
  EXPECT_GE(by_area["plugin api"].size(), 3u) << result.out;
  for (const auto& name : kComponentOrder) EXPECT_EQ(by_area[name].size(), 1u) << name;
  EXPECT_EQ(text(by_area["orchestrator"].front(), "status"), "unhealthy");
  std::set<std::string> logs;
  for (const auto& point : by_area["log file"])
    logs.insert(fs::path(text(point, "name")).filename());
  EXPECT_EQ(logs, (std::set<std::string>{"provisioning.log", "integrated.jsonl"}));
  ASSERT_FALSE(by_area["config source"].empty());
  EXPECT_THAT(text(by_area["config source"].front(), "name"), HasSubstr("config.defaults.toml"));
}

}  // namespace
}  // namespace provisioning::testing
