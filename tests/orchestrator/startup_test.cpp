// Tests of how the orchestrator starts: its options, the bearer token, and the errors
// when its port or its workspace is already taken.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>
#include <signal.h>
#include <unistd.h>

#include "../support/run_process.h"
#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(LoopbackAddressTest, RecognisesLoopbackOnly) {
  for (const std::string address :
       {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "localhost"}) {
    EXPECT_TRUE(host::is_loopback_address(address)) << address;
  }
  for (const std::string address : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.10", "128.0.0.1",
                                    "example.com", "", "127.0.0", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(host::is_loopback_address(address)) << address;
  }
}

TEST(OrchestratorOptionsTest, ReadsConfiguration) {
  TestWorkspace workspace;
  workspace.append_config(
      "[orchestrator]\n"
      "port = 9191\n"
      "max_parallel_tasks = 3\n"
      "max_body_bytes = 2048\n"
      "[api]\n"
      "default_version = \"v2\"\n"
      "deprecated = [\"v1\"]\n"
      "[api.sunset]\n"
      "v1 = \"2027-06-30\"\n");
  auto host = workspace.open_host({});
  host::OrchestratorOptions options = host::orchestrator_options(host->config(), host->paths());
  EXPECT_EQ(options.host, "127.0.0.1");
  EXPECT_EQ(options.port, 9191);
  EXPECT_EQ(options.engine.max_parallel_tasks, 3);
  EXPECT_EQ(options.max_body_bytes, 2048u);
  EXPECT_EQ(options.router.default_version, "v2");
  EXPECT_EQ(options.router.deprecated, (std::map<std::string, std::string>{{"v1", "2027-06-30"}}));
  EXPECT_TRUE(options.auth_token.empty());
  EXPECT_TRUE(options.router.auth_token.empty());
}

TEST(OrchestratorOptionsTest, NonLoopbackHostNeedsToken) {
  TestWorkspace workspace;
  for (const std::string address : {"0.0.0.0", "::", "10.1.2.3", "192.168.0.5"}) {
    SCOPED_TRACE(address);
    auto host = workspace.open_host({{"orchestrator.host", address}});
    try {
      host::orchestrator_options(host->config(), host->paths());
      ADD_FAILURE() << "orchestrator_options accepted " << address << " without a token";
    } catch (const sdk::Error& error) {
      EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
      EXPECT_THAT(error.what(), HasSubstr("'" + address + "'"));
      EXPECT_THAT(error.what(), HasSubstr("orchestrator.auth_token"));
    }
  }
  // With a token the options are accepted. Nothing is bound here.
  auto host = workspace.open_host(
      {{"orchestrator.host", "0.0.0.0"}, {"orchestrator.auth_token", "token-for-any"}});
  host::OrchestratorOptions options = host::orchestrator_options(host->config(), host->paths());
  EXPECT_EQ(options.host, "0.0.0.0");
  EXPECT_EQ(options.auth_token, "token-for-any");
  EXPECT_EQ(options.router.auth_token, "token-for-any");
}

TEST(OrchestratorOptionsTest, LoopbackHostNeedsNoToken) {
  TestWorkspace workspace;
  for (const std::string address : {"127.0.0.1", "127.0.0.2", "::1", "localhost"}) {
    auto host = workspace.open_host({{"orchestrator.host", address}});
    EXPECT_EQ(host::orchestrator_options(host->config(), host->paths()).host, address);
  }
}

using StartupTest = OrchestratorTest;

TEST_F(StartupTest, BearerTokenEnforced) {
  const std::string token = "test-token-5f1c";
  start({{"orchestrator.auth_token", token}});
  const httplib::Headers good = {{"Authorization", "Bearer " + token}};
  const std::vector<httplib::Headers> bad = {{},
                                             {{"Authorization", "Bearer wrong-token"}},
                                             {{"Authorization", "Bearer " + token + "x"}},
                                             {{"Authorization", token}},
                                             {{"Authorization", "Basic " + token}}};
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/servers"},
                                                        {"GET", "/api/versions"},
                                                        {"GET", "/api/openapi.json"},
                                                        {"GET", "/workflows"},
                                                        {"GET", "/no-such-route"}}) {
    for (std::size_t i = 0; i < bad.size(); ++i) {
      SCOPED_TRACE(method + " " + path + ", bad credentials #" + std::to_string(i));
      Reply denied = call(method, path, "v2", "", bad[i]);
      EXPECT_EQ(denied.status, 401) << denied.body;
      EXPECT_EQ(denied.error_code(), "unauthorized");
      EXPECT_EQ(denied.header("WWW-Authenticate"), "Bearer");
      EXPECT_EQ(denied.header("API-Supported-Versions"), "v1, v2, v3");
      EXPECT_EQ(text(denied.json, "correlation_id"), denied.header("X-Correlation-ID"));
      EXPECT_THAT(denied.body, Not(HasSubstr(token)));
    }
  }
  Reply listed = call("GET", "/servers", "v2", "", good);
  EXPECT_EQ(listed.status, 200) << listed.body;
  Reply created =
      call("POST", "/servers", "v1", R"({"name": "secure-1", "plan": "1xCPU-1GB"})", good);
  EXPECT_EQ(created.status, 201) << created.body;
  Reply rejected_create =
      call("POST", "/servers", "v1", R"({"name": "open-1", "plan": "1xCPU-1GB"})");
  EXPECT_EQ(rejected_create.status, 401);
  Reply versions = call("GET", "/api/versions", std::nullopt, "", good);
  EXPECT_EQ(versions.status, 200);

  // The token is checked before the version, so an unknown version without it is a 401.
  EXPECT_EQ(call("GET", "/servers", "v9").status, 401);
  EXPECT_EQ(call("GET", "/servers", "v9", "", good).status, 400);

  // /health stays open.
  Reply health = call("GET", "/health", "v2");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(call("GET", "/health", "v2", "", bad[1]).status, 200);

  Reply servers = call("GET", "/servers", "v1", "", good);
  ASSERT_EQ(servers.status, 200);
  EXPECT_EQ(servers.object().at("servers").as_array().size(), 1u) << "an unauthorized POST ran";
}

TEST_F(StartupTest, TokenSetInOptionsEnforced) {
  host::OrchestratorOptions options = options_for({});
  options.auth_token = "direct-token";
  options.router.auth_token = "direct-token";
  start_with(options);
  EXPECT_EQ(call("GET", "/servers", "v1").status, 401);
  EXPECT_EQ(call("GET", "/servers", "v1", "", {{"Authorization", "Bearer direct-token"}}).status,
            200);
  EXPECT_EQ(call("GET", "/health", "v1").status, 200);
}

TEST_F(StartupTest, SecondOrchestratorOnSamePortFails) {
  start();
  TestWorkspace other;
  auto other_host = other.open_host({});
  host::OrchestratorOptions options =
      host::orchestrator_options(other_host->config(), other_host->paths());
  options.port = port();
  {
    host::Orchestrator second(*other_host, options);
    try {
      second.start();
      ADD_FAILURE() << "a second orchestrator bound port " << port() << ", which is in use";
    } catch (const sdk::Error& error) {
      EXPECT_EQ(error.code(), sdk::ErrorCode::kUnavailable);
      EXPECT_THAT(error.what(), HasSubstr("127.0.0.1:" + std::to_string(port())));
      EXPECT_THAT(error.what(), HasSubstr("in use"));
    }
  }
  // The failed start released the other workspace, so it can start on a free port.
  options.port = 0;
  InProcessOrchestrator retried(*other_host, options);
  EXPECT_NE(retried.port(), port());
  EXPECT_EQ(call("GET", "/health", "v1").status, 200) << "the first orchestrator was disturbed";
}

TEST_F(StartupTest, SecondProcessOnSamePortFails) {
  start();
  TestWorkspace other;
  OrchestratorProcess second(other, {}, port());
  std::optional<int> exit_code = second.wait_for_exit();
  ASSERT_TRUE(exit_code.has_value()) << "a second orchestrator runs on port " << port();
  EXPECT_EQ(*exit_code, 6) << second.output();
  EXPECT_THAT(second.output(), HasSubstr(":" + std::to_string(port())));
  // It stopped on its own error, not on a signal.
  EXPECT_THAT(second.output(), Not(HasSubstr("received signal")));
  EXPECT_EQ(call("GET", "/health", "v1").status, 200);
}

TEST_F(StartupTest, SecondOrchestratorOnSameWorkspaceFails) {
  start();
  host::OrchestratorOptions options = host::orchestrator_options(host_->config(), host_->paths());
  options.port = 0;
  host::Orchestrator second(*host_, options);
  try {
    second.start();
    ADD_FAILURE() << "a second orchestrator started on the same workspace";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kConflict);
    EXPECT_THAT(error.what(), HasSubstr("pid " + std::to_string(::getpid())));
    EXPECT_THAT(error.what(), HasSubstr("port " + std::to_string(port())));
    EXPECT_THAT(error.what(), HasSubstr(workspace_.root().string()));
  }
  EXPECT_EQ(call("GET", "/health", "v1").status, 200);
}

TEST(OrchestratorProcessTest, SecondProcessOnSameWorkspaceNamesFirstPid) {
  TestWorkspace workspace;
  OrchestratorProcess first(workspace, {});
  ASSERT_TRUE(first.wait_until_listening()) << first.output();
  pid_t first_pid = first.pid();

  OrchestratorProcess second(workspace, {});
  std::optional<int> exit_code = second.wait_for_exit();
  ASSERT_TRUE(exit_code.has_value()) << "a second orchestrator runs on the same workspace";
  EXPECT_EQ(*exit_code, 5) << second.output();
  EXPECT_THAT(second.output(), HasSubstr("pid " + std::to_string(first_pid)));
  EXPECT_THAT(second.output(), HasSubstr("port " + std::to_string(first.port())));
  EXPECT_EQ(send_request(first.port(), "GET", "/health", "v1").status, 200);
}

TEST(OrchestratorProcessTest, DetachedStartStatusAndStop) {
  TestWorkspace workspace;
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {PROVISIONING_BINARY, "--workspace", workspace.root().string()});
    return run_process(args, workspace.environment());
  };
  ProcessResult started = run({"orchestrator", "start", "--port", "0", "--detach"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  json::value state = json::parse(read_text(workspace.state_dir() / "orchestrator.json"));
  auto pid = state.at("pid").to_number<pid_t>();
  int port = state.at("port").to_number<int>();
  // Kill the detached process if a check below fails before it is stopped.
  std::shared_ptr<void> cleanup(nullptr, [pid](void*) {
    if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
  });
  EXPECT_THAT(started.out, HasSubstr("pid " + std::to_string(pid)));
  EXPECT_THAT(started.out, HasSubstr(":" + std::to_string(port)));
  EXPECT_EQ(send_request(port, "GET", "/health", std::nullopt).status, 200);

  ProcessResult second = run({"orchestrator", "start", "--port", "0"});
  EXPECT_EQ(second.exit_code, 5) << second.err;
  EXPECT_THAT(second.err, HasSubstr("pid " + std::to_string(pid)));

  ProcessResult status = run({"orchestrator", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("healthy"));

  ProcessResult stopped = run({"orchestrator", "stop"});
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(::kill(pid, 0), 0) << "the orchestrator still runs after stop";
  EXPECT_FALSE(fs::exists(workspace.state_dir() / "orchestrator.json"));
  std::string log = read_text(workspace.state_dir() / "logs" / "orchestrator.log");
  EXPECT_THAT(log, HasSubstr("received signal 15, stopping"));
}

}  // namespace
}  // namespace provisioning::testing
