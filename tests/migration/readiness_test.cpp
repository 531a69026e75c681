// `migrate readiness`: each check against real stores, a real HTTP server on port 0 and
// a simulated full disk.

#include "migration/readiness.h"

#include <gmock/gmock.h>
#include <httplib.h>

#include <thread>

#include "migration_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

class ReadinessTest : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    write_legacy_tree(data_dir(), legacy_tree(4));
  }

  // The checks of a JSON report by name.
  static std::map<std::string, json::object> checks(const json::object& report) {
    std::map<std::string, json::object> by_name;
    for (const auto& item : report.at("checks").as_array()) {
      by_name[std::string(item.at("name").as_string())] = item.as_object();
    }
    return by_name;
  }

  static const host::migration::ReadinessCheck& find(const host::migration::ReadinessReport& report,
                                                     const std::string& name) {
    for (const auto& check : report.checks) {
      if (check.name == name) return check;
    }
    throw std::runtime_error("no check " + name);
  }

  void write_orchestrator_state(long pid, const std::string& address, int port) const {
    write_text(workspace_ / ".provisioning" / "orchestrator.json",
               json::serialize(json::object{{"pid", pid}, {"host", address}, {"port", port}}));
  }
};

TEST_F(ReadinessTest, FreshWorkspaceIsReady) {
  auto result = run({"--output", "json", "migrate", "readiness", "--to", "sqlite"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  json::object report = json::parse(result.out).as_object();
  EXPECT_TRUE(report.at("ready").as_bool());
  auto by_name = checks(report);
  ASSERT_EQ(by_name.size(), 6u);
  for (const auto& [name, check] : by_name) EXPECT_TRUE(check.at("ok").as_bool()) << name;
  EXPECT_THAT(std::string(by_name["source"].at("reason").as_string()),
              HasSubstr("'filesystem' holds 7 records"));
  EXPECT_THAT(std::string(by_name["backup"].at("reason").as_string()), HasSubstr("no backup yet"));
  EXPECT_THAT(std::string(by_name["orchestrator"].at("reason").as_string()),
              HasSubstr("not running"));
}

TEST_F(ReadinessTest, UnreachableTargetFails) {
  // A regular file where the database's directory should be: SQLite cannot open it.
  write_text(home_ / "blocker", "not a directory");
  auto result = run({"--set", "storage.sqlite.path=" + (home_ / "blocker" / "state.db").string(),
                     "migrate", "readiness", "--to", "sqlite"});
  EXPECT_EQ(result.exit_code, 6) << result.out;
  EXPECT_THAT(result.out, HasSubstr("target"));
  EXPECT_THAT(result.out, HasSubstr("fail"));
  EXPECT_THAT(result.out, HasSubstr("blocker"));
  EXPECT_THAT(result.out, HasSubstr("not ready"));
}

TEST_F(ReadinessTest, UnknownTargetNamesInstalledBackends) {
  auto result = run({"--output", "json", "migrate", "readiness", "--to", "sqlit"});
  EXPECT_EQ(result.exit_code, 6);
  auto by_name = checks(json::parse(result.out).as_object());
  EXPECT_FALSE(by_name["target"].at("ok").as_bool());
  EXPECT_THAT(std::string(by_name["target"].at("reason").as_string()),
              HasSubstr("did you mean 'sqlite'?"));
  EXPECT_TRUE(by_name["source"].at("ok").as_bool());
}

TEST_F(ReadinessTest, FullDiskFails) {
  auto host = open_host();
  host::migration::ReadinessOptions options;
  options.to = "sqlite";
  options.free_bytes = 100;
  auto report = host::migration::check_readiness(*host, options);
  EXPECT_FALSE(report.ready());
  const auto& disk = find(report, "disk");
  EXPECT_FALSE(disk.ok);
  EXPECT_THAT(disk.reason, HasSubstr("100 B free"));
  EXPECT_THAT(disk.reason, HasSubstr("needed for two copies of the state"));
  EXPECT_THAT(disk.reason, HasSubstr("before migrating"));
  EXPECT_TRUE(find(report, "target").ok);

  options.free_bytes = 1024 * 1024 * 1024;
  EXPECT_TRUE(find(host::migration::check_readiness(*host, options), "disk").ok);
}

TEST_F(ReadinessTest, InvalidConfigurationFails) {
  write_text(workspace_ / "config.toml",
             "[storage]\nbackend = \"filesystem\"\n[bridge]\nmode = \"migration\"\n");
  auto result = run({"--output", "json", "migrate", "readiness"});
  EXPECT_EQ(result.exit_code, 6);
  auto by_name = checks(json::parse(result.out).as_object());
  EXPECT_FALSE(by_name["config"].at("ok").as_bool());
  EXPECT_THAT(std::string(by_name["config"].at("reason").as_string()),
              HasSubstr("bridge.legacy_path"));
}

TEST_F(ReadinessTest, RunningOrchestratorIsContacted) {
  httplib::Server server;
  server.Get("/health", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("{\"status\": \"ok\"}", "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread listener([&] { server.listen_after_bind(); });
  write_orchestrator_state(::getpid(), "127.0.0.1", port);

  auto host = open_host();
  host::migration::ReadinessOptions options;
  options.checks = {"orchestrator"};
  auto report = host::migration::check_readiness(*host, options);
  server.stop();
  listener.join();
  ASSERT_EQ(report.checks.size(), 1u);
  EXPECT_TRUE(report.checks[0].ok) << report.checks[0].reason;
  EXPECT_THAT(report.checks[0].reason, HasSubstr("returned 200"));

  // The same address with nothing listening any more.
  auto stopped = host::migration::check_readiness(*host, options);
  EXPECT_FALSE(stopped.checks[0].ok);
  EXPECT_THAT(stopped.checks[0].reason, HasSubstr("GET /health on 127.0.0.1:"));
}

TEST_F(ReadinessTest, StaleOrchestratorStateFails) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // the pid now names no process
  write_orchestrator_state(child, "127.0.0.1", 9);
  auto result = run({"--output", "json", "migrate", "readiness"});
  EXPECT_EQ(result.exit_code, 6);
  auto by_name = checks(json::parse(result.out).as_object());
  EXPECT_FALSE(by_name["orchestrator"].at("ok").as_bool());
  EXPECT_THAT(std::string(by_name["orchestrator"].at("reason").as_string()),
              HasSubstr("which is not running"));
}

TEST_F(ReadinessTest, NonLoopbackOrchestratorIsNotContacted) {
  write_orchestrator_state(::getpid(), "0.0.0.0", 9090);
  auto host = open_host();
  host::migration::ReadinessOptions options;
  options.checks = {"orchestrator"};
  auto report = host::migration::check_readiness(*host, options);
  EXPECT_FALSE(report.checks[0].ok);
  EXPECT_THAT(report.checks[0].reason, HasSubstr("not a loopback address"));
}

}  // namespace
}  // namespace provisioning::testing
