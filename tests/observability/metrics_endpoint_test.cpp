// GET /metrics on a real orchestrator in this process, after real traffic, checked by
// value and by Debian's promtool.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics_test_support.h"
#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRequests = "provisioning_http_requests_total";

double count_of(const std::string& text, const std::map<std::string, std::string>& labels) {
  return series_value(text, kRequests, labels).value_or(0.0);
}

class MetricsEndpointTest : public OrchestratorTest {};

TEST_F(MetricsEndpointTest, ServesTextFormatWithoutApiVersion) {
  start();
  Reply reply = call("GET", "/metrics", std::nullopt);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(reply.body, HasSubstr("# TYPE provisioning_http_requests_total counter\n"));
  EXPECT_THAT(reply.body, HasSubstr("provisioning_build_info{version=\"" PROVISIONING_VERSION));
  // Every API version serves it, even one the router would reject on other paths.
  EXPECT_EQ(call("GET", "/metrics", "v3").status, 200);
  EXPECT_EQ(call("GET", "/metrics", "v99").status, 200);
}

TEST_F(MetricsEndpointTest, RequestCountersEqualRequestsSent) {
  start();
  std::string before = scrape(port());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(call("GET", "/servers", "v1").status, 200);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(call("GET", "/servers", "v2").status, 200);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(call("GET", "/no/such/route", "v2").status, 404);
  ASSERT_EQ(call("GET", "/servers/web-secret-name", "v1").status, 404);
  ASSERT_EQ(call("GET", "/servers", "v99").status, 400);
  std::string after = scrape(port());

  auto sent = [&](const std::map<std::string, std::string>& labels) {
    return count_of(after, labels) - count_of(before, labels);
  };
  EXPECT_EQ(
      sent({{"api_version", "v1"}, {"route", "/servers"}, {"method", "GET"}, {"status", "200"}}),
      5);
  EXPECT_EQ(
      sent({{"api_version", "v2"}, {"route", "/servers"}, {"method", "GET"}, {"status", "200"}}),
      3);
  EXPECT_EQ(
      sent({{"api_version", "v2"}, {"route", "unmatched"}, {"method", "GET"}, {"status", "404"}}),
      2);
  EXPECT_EQ(sent({{"api_version", "v1"},
                  {"route", "/servers/{name}"},
                  {"method", "GET"},
                  {"status", "404"}}),
            1);
  EXPECT_EQ(
      sent({{"api_version", "none"}, {"route", "unmatched"}, {"method", "GET"}, {"status", "400"}}),
      1);
  // The first scrape is counted by the time of the second.
  EXPECT_EQ(
      sent({{"api_version", "v1"}, {"route", "/metrics"}, {"method", "GET"}, {"status", "200"}}),
      1);
  // The histogram counts the same requests.
  auto observed = [&](const std::string& text) {
    return series_value(text, "provisioning_http_request_duration_seconds_count",
                        {{"api_version", "v1"}, {"route", "/servers"}, {"method", "GET"}})
        .value_or(0);
  };
  EXPECT_EQ(observed(after) - observed(before), 5);
}

TEST_F(MetricsEndpointTest, LabelsCarryNoRequestValues) {
  start();
  call("GET", "/servers/web-secret-name", "v1");
  call("GET", "/workflows/0f0e-secret-id", "v2");
  call("GET", "/servers", "v-made-up");
  call("GET", "/random/secret/path", "v1");
  std::string text = scrape(port());
  EXPECT_THAT(text, Not(HasSubstr("secret")));
  EXPECT_THAT(text, Not(HasSubstr("v-made-up")));
  EXPECT_THAT(text, HasSubstr("route=\"/workflows/{id}\""));
}

TEST_F(MetricsEndpointTest, WorkflowAndTaskFiguresAfterAWorkflow) {
  start();
  std::string before = scrape(port());
  Reply created = call("POST", "/workflows/servers/create", "v2",
                       R"({"name": "metrics-1", "plan": "1xCPU-1GB"})");
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_EQ(text(created.json, "status"), "Completed") << created.body;
  std::string after = scrape(port());

  EXPECT_EQ(series_value(after, "provisioning_workflows", {{"state", "Completed"}}), 1);
  EXPECT_EQ(series_value(after, "provisioning_tasks", {{"state", "Completed"}}), 1);
  EXPECT_EQ(series_value(after, "provisioning_workflows", {{"state", "Running"}}), 0);
  EXPECT_EQ(series_value(after, "provisioning_workflows", {{"state", "Failed"}}), 0);
  EXPECT_EQ(series_value(after, "provisioning_workflow_queue_depth", {}), 0);
  auto attempts = [](const std::string& text) {
    return series_value(text, "provisioning_task_duration_seconds_count",
                        {{"type", "server_create"}})
        .value_or(0);
  };
  EXPECT_EQ(attempts(after) - attempts(before), 1);
  auto storage_calls = [](const std::string& text) {
    return obs::sum_samples(obs::parse_exposition(text), "provisioning_storage_operations_total",
                            {{"backend", "sqlite"}})
        .value_or(0);
  };
  EXPECT_GT(storage_calls(after), storage_calls(before));
  auto loads = obs::parse_exposition(after);
  EXPECT_GE(
      obs::sum_samples(loads, "provisioning_plugin_loads_total", {{"kind", "api"}, {"name", "v2"}})
          .value_or(0),
      1);
  EXPECT_GE(obs::sum_samples(loads, "provisioning_plugin_loads_total",
                             {{"kind", "provider"}, {"name", "local"}})
                .value_or(0),
            1);
}

TEST_F(MetricsEndpointTest, TerminalStatesSurviveARestart) {
  start();
  ASSERT_EQ(call("POST", "/workflows/servers/create", "v2",
                 R"({"name": "metrics-2", "plan": "1xCPU-1GB"})")
                .status,
            200);
  running_.reset();
  start_with(options_for({}));
  std::string text = scrape(port());
  EXPECT_EQ(series_value(text, "provisioning_workflows", {{"state", "Completed"}}), 1);
  EXPECT_EQ(series_value(text, "provisioning_tasks", {{"state", "Completed"}}), 1);
}

TEST_F(MetricsEndpointTest, PromtoolAcceptsLiveOutput) {
  if (!require_tool(PROMTOOL_EXECUTABLE, "promtool")) return;
  start();
  call("POST", "/workflows/servers/create", "v2", R"({"name": "lint-1", "plan": "1xCPU-1GB"})");
  call("GET", "/servers", "v1");
  call("GET", "/servers/lint-1", "v2");
  call("GET", "/nothing", "v3");
  std::string text = scrape(port());
  ASSERT_FALSE(text.empty());

  ToolResult result = run_tool({PROMTOOL_EXECUTABLE, "check", "metrics"}, text);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // promtool prints one line per lint problem and nothing when there is none.
  EXPECT_EQ(result.output, "");
}

TEST_F(MetricsEndpointTest, PromtoolRejectsBrokenExposition) {
  if (!require_tool(PROMTOOL_EXECUTABLE, "promtool")) return;
  // Guards the check above: promtool does find problems in a bad text.
  ToolResult result = run_tool({PROMTOOL_EXECUTABLE, "check", "metrics"},
                               "# TYPE bad_counter counter\nbad_counter 1\n");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("_total"));
}

TEST_F(MetricsEndpointTest, RequiresTokenWhenConfigured) {
  start({{"orchestrator.auth_token", "metrics-token-1"}});
  Reply anonymous = call("GET", "/metrics", std::nullopt);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.error_code(), "unauthorized");
  EXPECT_THAT(scrape(port(), "metrics-token-1"), HasSubstr("provisioning_build_info"));
  EXPECT_EQ(call("GET", "/health", std::nullopt).status, 200);
}

TEST_F(MetricsEndpointTest, OffWhenConfiguredOff) {
  start({{"observability.metrics", "false"}});
  Reply reply = call("GET", "/metrics", std::nullopt);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.error_code(), "not_found");
  EXPECT_THAT(reply.error_message(), HasSubstr("observability.metrics = false"));
  EXPECT_THAT(reply.error_message(), HasSubstr("set observability.metrics = true"));
  // The other routes work as before.
  EXPECT_EQ(call("GET", "/servers", "v1").status, 200);
  running_.reset();
  // A later orchestrator with the default collects again.
  start_with(options_for({}));
  EXPECT_THAT(scrape(port()), HasSubstr("provisioning_http_requests_total{"));
}

TEST_F(MetricsEndpointTest, InvalidSettingNamesKeyAndFix) {
  try {
    options_for({{"observability.metrics", "maybe"}});
    FAIL() << "expected sdk::Error";
  } catch (const sdk::Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("observability.metrics"));
  }
}

}  // namespace
}  // namespace provisioning::testing
