// Tests that a correlation id goes from the X-Correlation-ID request header to the
// response and into every JSON Lines log line of the workflow, its task and its plugin
// calls, and that a direct CLI command logs with one id.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "logs_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

bool looks_like_uuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
  }
  return true;
}

// The lines whose `field` is `value`.
std::vector<json::object> lines_with(const std::vector<json::object>& lines,
                                     const std::string& field, const std::string& value) {
  std::vector<json::object> matching;
  for (const auto& line : lines) {
    if (text(line, field) == value) matching.push_back(line);
  }
  return matching;
}

TEST(LogsCorrelation, WorkflowLinesCarryRequestId) {
  TestWorkspace workspace;
  ScopedVariable trace("PROVISIONING_INTEGRATION_TRACE", "1");
  OrchestratorProcess orchestrator(workspace, {});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();

  const std::string id = "e2e-correlation-1";
  Reply reply =
      send_request(orchestrator.port(), "POST", "/workflows/servers/create", "v2",
                   R"({"name": "corr-web-01", "plan": "1xCPU-2GB"})", {{"X-Correlation-ID", id}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("X-Correlation-ID"), id);
  EXPECT_EQ(text(reply.json, "status"), "Completed") << reply.body;
  EXPECT_EQ(text(reply.json, "correlation_id"), id);
  std::string workflow_id = text(reply.json, "id");
  ASSERT_FALSE(workflow_id.empty());

  std::vector<json::object> lines = read_integrated_log(workspace);
  std::vector<json::object> workflow_lines = lines_with(lines, "workflow_id", workflow_id);
  ASSERT_FALSE(workflow_lines.empty()) << "no line names workflow " << workflow_id;
  std::set<std::string> plugins;
  for (const auto& line : workflow_lines) {
    EXPECT_EQ(text(line, "correlation_id"), id) << json::serialize(line);
    EXPECT_EQ(text(line, "task_id"), workflow_id + ".1") << json::serialize(line);
    EXPECT_EQ(text(line, "server"), "corr-web-01") << json::serialize(line);
    plugins.insert(text(line, "plugin"));
  }
  // The task called the provider, and the call was traced. Its storage writes run on the
  // orchestrator's committer thread, for many tasks at once, so they carry no task ids.
  EXPECT_EQ(plugins.count("provider/local"), 1u);

  // Lines about the workflow logged outside its task, such as its acceptance by the
  // request thread, carry the id as well.
  std::size_t mentioning = 0;
  for (const auto& line : lines) {
    if (text(line, "message").find(workflow_id) == std::string::npos) continue;
    ++mentioning;
    EXPECT_EQ(text(line, "correlation_id"), id) << json::serialize(line);
  }
  EXPECT_GE(mentioning, 2u);
}

TEST(LogsCorrelation, PluginCallTraceHasDuration) {
  TestWorkspace workspace;
  ProcessResult created = run_cli(workspace, {"server", "create", "trace-01", "1xCPU-2GB"},
                                  {{"PROVISIONING_INTEGRATION_TRACE", "1"}});
  ASSERT_EQ(created.exit_code, 0) << created.err;

  std::size_t provider_calls = 0;
  for (const auto& line : read_integrated_log(workspace)) {
    if (text(line, "event") != "plugin_call") continue;
    EXPECT_EQ(text(line, "level"), "info");
    ASSERT_TRUE(line.contains("duration_ms")) << json::serialize(line);
    EXPECT_TRUE(line.at("duration_ms").is_double()) << json::serialize(line);
    EXPECT_GE(line.at("duration_ms").to_number<double>(), 0.0);
    EXPECT_EQ(text(line, "outcome"), "ok") << json::serialize(line);
    if (text(line, "plugin") == "provider/local" && text(line, "operation") == "create_server") {
      ++provider_calls;
    }
  }
  EXPECT_EQ(provider_calls, 1u);
}

TEST(LogsCorrelation, NoTraceLinesWithoutSwitch) {
  TestWorkspace workspace;
  ProcessResult created = run_cli(workspace, {"server", "create", "quiet-01", "1xCPU-2GB"},
                                  {{"PROVISIONING_INTEGRATION_TRACE", ""}});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::vector<json::object> lines = read_integrated_log(workspace);
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) EXPECT_FALSE(line.contains("event")) << json::serialize(line);
}

TEST(LogsCorrelation, InvalidHeaderReplacedAndLogged) {
  TestWorkspace workspace;
  OrchestratorProcess orchestrator(workspace, {});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();

  Reply reply = send_request(orchestrator.port(), "GET", "/servers", "v2", "",
                             {{"X-Correlation-ID", "bad\"id<script>"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  std::string generated = reply.header("X-Correlation-ID");
  EXPECT_TRUE(looks_like_uuid(generated)) << generated;

  std::vector<json::object> warnings;
  for (const auto& line : read_integrated_log(workspace)) {
    if (text(line, "message").find("ignored the X-Correlation-ID header") != std::string::npos) {
      warnings.push_back(line);
    }
  }
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(text(warnings[0], "level"), "warn");
  EXPECT_EQ(text(warnings[0], "component"), "api");
  EXPECT_EQ(text(warnings[0], "correlation_id"), generated);
  EXPECT_THAT(text(warnings[0], "message"), HasSubstr("contains a character other than"));
  // The rejected value is not copied into the log.
  EXPECT_THAT(text(warnings[0], "message"), ::testing::Not(HasSubstr("<script>")));
}

TEST(LogsCorrelation, CliCommandLogsOneGivenId) {
  TestWorkspace workspace;
  ProcessResult created = run_cli(
      workspace, {"--correlation-id", "cli-corr-7", "server", "create", "cli-01", "1xCPU-2GB"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::vector<json::object> lines = read_integrated_log(workspace);
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {
    EXPECT_EQ(text(line, "correlation_id"), "cli-corr-7") << json::serialize(line);
  }
}

TEST(LogsCorrelation, CliCommandGeneratesOneId) {
  TestWorkspace workspace;
  ProcessResult created = run_cli(workspace, {"server", "create", "cli-02", "1xCPU-2GB"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::set<std::string> ids;
  for (const auto& line : read_integrated_log(workspace)) ids.insert(text(line, "correlation_id"));
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_TRUE(looks_like_uuid(*ids.begin())) << *ids.begin();
}

TEST(LogsCorrelation, CliRejectsInvalidId) {
  TestWorkspace workspace;
  ProcessResult result =
      run_cli(workspace, {"--correlation-id", "has space", "server", "create", "x-1", "1xCPU-2GB"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("invalid --correlation-id 'has space'"));
  EXPECT_THAT(result.err, HasSubstr("or leave it out"));
  EXPECT_TRUE(workspace.server_directories().empty());
}

}  // namespace
}  // namespace provisioning::testing
