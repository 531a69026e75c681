// `provisioning metrics`, run as the real binary: from the workspace when no
// orchestrator runs, and from a running orchestrator process otherwise.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "../support/run_process.h"
#include "metrics_test_support.h"
#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

ProcessResult provisioning(const TestWorkspace& workspace, std::vector<std::string> arguments) {
  std::vector<std::string> argv = {PROVISIONING_BINARY, "--workspace", workspace.root().string()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return run_process(argv, workspace.environment());
}

json::object figures_of(const ProcessResult& result) {
  json::value parsed = json::parse(result.out);
  return parsed.at("figures").as_object();
}

double figure(const json::object& figures, const std::string& name) {
  const json::value* value = figures.if_contains(name);
  EXPECT_NE(value, nullptr) << "no figure '" << name << "'";
  return value != nullptr && value->is_number() ? value->to_number<double>() : -1;
}

TEST(MetricsCli, CountsFromWorkspaceWhenNoOrchestratorRuns) {
  TestWorkspace workspace;
  ProcessResult created = provisioning(workspace, {"server", "create", "cli-1", "1xCPU-1GB"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ProcessResult second = provisioning(workspace, {"server", "create", "cli-2", "1xCPU-1GB"});
  ASSERT_EQ(second.exit_code, 0) << second.err;

  ProcessResult result = provisioning(workspace, {"metrics", "--output", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json::value parsed = json::parse(result.out);
  EXPECT_THAT(std::string(parsed.at("source").as_string()), StartsWith("workspace "));
  json::object figures = figures_of(result);
  EXPECT_EQ(figure(figures, "servers running"), 2);
  EXPECT_EQ(figure(figures, "workflows Completed"), 0);
  EXPECT_EQ(figure(figures, "tasks Pending"), 0);
  // The same counts as `plugin list`, whichever plugins this build ships.
  ProcessResult listed = provisioning(workspace, {"plugin", "list", "--output", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::map<std::string, double> listed_by_kind;
  json::value plugins = json::parse(listed.out);
  for (const auto& plugin : plugins.as_array()) {
    if (text(plugin, "status") == "ok") listed_by_kind[text(plugin, "kind")] += 1;
  }
  for (const char* kind : {"provider", "taskserv", "storage", "api"}) {
    EXPECT_EQ(figure(figures, std::string("plugins discovered ") + kind), listed_by_kind[kind])
        << kind;
  }
  EXPECT_EQ(figure(figures, "plugins discovered api"), 3);
  EXPECT_EQ(figure(figures, "bridge fallbacks"), 0);
}

TEST(MetricsCli, TableNamesTheSource) {
  TestWorkspace workspace;
  ProcessResult result = provisioning(workspace, {"metrics"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("source: workspace " + workspace.root().string() +
                                    " (no orchestrator runs)"));
  EXPECT_THAT(result.out, HasSubstr("FIGURE"));
  EXPECT_THAT(result.out, HasSubstr("workflows Failed"));
}

TEST(MetricsCli, ReadsFiguresFromRunningOrchestrator) {
  TestWorkspace workspace;
  OrchestratorProcess orchestrator(workspace, {"orchestrator.auth_token=cli-metrics-token"});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();
  httplib::Headers auth{{"Authorization", "Bearer cli-metrics-token"}};
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(send_request(orchestrator.port(), "GET", "/servers", "v1", "", auth).status, 200);
  }
  Reply created = send_request(orchestrator.port(), "POST", "/workflows/servers/create", "v2",
                               R"({"name": "cli-live-1", "plan": "1xCPU-1GB"})", auth);
  ASSERT_EQ(created.status, 200) << created.body;

  // The CLI reads the token from the same setting.
  ProcessResult result = provisioning(
      workspace,
      {"--set", "orchestrator.auth_token=cli-metrics-token", "metrics", "--output", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json::value parsed = json::parse(result.out);
  EXPECT_EQ(std::string(parsed.at("source").as_string()),
            "orchestrator at http://127.0.0.1:" + std::to_string(orchestrator.port()));
  json::object figures = figures_of(result);
  EXPECT_EQ(figure(figures, "http requests v1"), 4);
  EXPECT_EQ(figure(figures, "workflows Completed"), 1);
  EXPECT_EQ(figure(figures, "tasks Completed"), 1);
  EXPECT_EQ(figure(figures, "workflow queue depth"), 0);
  EXPECT_EQ(figure(figures, "storage errors"), 0);
  EXPECT_GT(figure(figures, "storage operations"), 0);
  EXPECT_GT(figure(figures, "resident memory bytes"), 1 << 20);
}

TEST(MetricsCli, WrongTokenEndsInClearError) {
  TestWorkspace workspace;
  OrchestratorProcess orchestrator(workspace, {"orchestrator.auth_token=right-token"});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();
  ProcessResult result =
      provisioning(workspace, {"--set", "orchestrator.auth_token=wrong-token", "metrics"});
  EXPECT_EQ(result.exit_code, 3) << result.out;
  EXPECT_THAT(result.err, HasSubstr("GET /metrics"));
  EXPECT_THAT(result.err, HasSubstr("bearer token"));
  EXPECT_THAT(result.err, Not(HasSubstr("wrong-token")));
}

}  // namespace
}  // namespace provisioning::testing
