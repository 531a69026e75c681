// Tests of the log files: the JSON Lines fields, the legacy text format, size-based
// rotation, the level switches, and invalid [logging] values.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "logging.h"
#include "logs_test_support.h"
#include "observability/log_context.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

const std::set<std::string> kComponents = {"host",    "loader", "orchestrator", "api",
                                           "storage", "bridge", "provider",     "taskserv"};
const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical"};

TEST(LogsFormat, JsonLinesHaveRequiredFields) {
  TestWorkspace workspace;
  ProcessResult created = run_cli(workspace, {"server", "create", "fmt-01", "1xCPU-2GB"});
  ASSERT_EQ(created.exit_code, 0) << created.err;

  const std::regex timestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  std::vector<json::object> lines = read_integrated_log(workspace);
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {
    SCOPED_TRACE(json::serialize(line));
    EXPECT_TRUE(std::regex_match(text(line, "timestamp"), timestamp));
    EXPECT_EQ(kLevels.count(text(line, "level")), 1u);
    EXPECT_EQ(kComponents.count(text(line, "component")), 1u);
    EXPECT_FALSE(text(line, "message").empty());
    ASSERT_TRUE(line.contains("correlation_id"));
    ASSERT_TRUE(line.contains("pid"));
    EXPECT_TRUE(line.at("pid").is_int64());
  }
}

TEST(LogsFormat, LegacyLogWrittenSideBySide) {
  TestWorkspace workspace;
  ProcessResult created = run_cli(workspace, {"--set", "logging.legacy_format=true", "server",
                                              "create", "legacy-01", "1xCPU-2GB"});
  ASSERT_EQ(created.exit_code, 0) << created.err;

  const std::regex legacy_line(
      R"(\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] \[(TRACE|DEBUG|INFO|WARN|ERROR|CRITICAL)\] [a-z]+: .+)");
  std::vector<std::string> legacy = read_lines(log_directory(workspace) / "legacy.log");
  ASSERT_FALSE(legacy.empty());
  for (const auto& line : legacy) EXPECT_TRUE(std::regex_match(line, legacy_line)) << line;

  // The same messages, in the same order, as the JSON Lines log of this one process.
  std::vector<json::object> structured = read_integrated_log(workspace);
  ASSERT_EQ(structured.size(), legacy.size());
  for (std::size_t i = 0; i < legacy.size(); ++i) {
    std::string level = text(structured[i], "level");
    for (char& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string expected_tail = "] [" + level + "] " + text(structured[i], "component") + ": " +
                                text(structured[i], "message");
    EXPECT_THAT(legacy[i], ::testing::EndsWith(expected_tail));
  }
}

TEST(LogsFormat, NoLegacyLogByDefault) {
  TestWorkspace workspace;
  ProcessResult created = run_cli(workspace, {"server", "create", "plain-01", "1xCPU-2GB"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_FALSE(fs::exists(log_directory(workspace) / "legacy.log"));
  EXPECT_TRUE(fs::exists(log_directory(workspace) / "integrated.jsonl"));
  EXPECT_TRUE(fs::exists(log_directory(workspace) / "provisioning.log"));
}

TEST(LogsFormat, RotatesAtSizeLimit) {
  TestWorkspace workspace;
  workspace.append_config(
      "[logging]\nmax_file_bytes = 2048\nmax_files = 2\nlegacy_format = true\n");
  for (int i = 0; i < 6; ++i) {
    std::string name = "rot-" + std::to_string(i);
    ProcessResult created =
        run_cli(workspace, {"server", "create", name, "1xCPU-2GB"}, {{"PROVISIONING_DEBUG", "1"}});
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }
  fs::path directory = log_directory(workspace);
  for (const char* base : {"integrated", "legacy"}) {
    std::string extension = std::string(base) == "integrated" ? ".jsonl" : ".log";
    fs::path current = directory / (std::string(base) + extension);
    fs::path first = directory / (std::string(base) + ".1" + extension);
    fs::path second = directory / (std::string(base) + ".2" + extension);
    fs::path third = directory / (std::string(base) + ".3" + extension);
    EXPECT_TRUE(fs::exists(first)) << first;
    EXPECT_TRUE(fs::exists(second)) << second;
    EXPECT_FALSE(fs::exists(third)) << "max_files = 2 keeps two rotated files";
    for (const auto& file : {current, first, second}) {
      EXPECT_LE(fs::file_size(file), 2048u) << file;
    }
  }
  // Rotation never splits a line: every rotated JSON line still parses.
  for (const char* name : {"integrated.jsonl", "integrated.1.jsonl", "integrated.2.jsonl"}) {
    EXPECT_FALSE(read_jsonl(directory / name).empty()) << name;
  }
}

TEST(LogsFormat, InvalidSizeLimitRejected) {
  TestWorkspace workspace;
  ProcessResult result =
      run_cli(workspace, {"--set", "logging.max_file_bytes=100", "server", "list"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("invalid logging.max_file_bytes 100"));
  EXPECT_THAT(result.err, HasSubstr("use an integer from 1024"));
}

TEST(LogsFormat, LogLevelSwitches) {
  TestWorkspace debug_workspace;
  ProcessResult debug = run_cli(debug_workspace, {"server", "create", "lvl-01", "1xCPU-2GB"},
                                {{"PROVISIONING_DEBUG", "1"}});
  ASSERT_EQ(debug.exit_code, 0) << debug.err;
  std::set<std::string> debug_levels;
  for (const auto& line : read_integrated_log(debug_workspace)) {
    debug_levels.insert(text(line, "level"));
  }
  EXPECT_EQ(debug_levels.count("debug"), 1u);

  TestWorkspace warn_workspace;
  ProcessResult warn = run_cli(warn_workspace, {"server", "create", "lvl-02", "1xCPU-2GB"},
                               {{"PROVISIONING_LOG_LEVEL", "warn"}, {"PROVISIONING_DEBUG", "1"}});
  ASSERT_EQ(warn.exit_code, 0) << warn.err;
  for (const auto& line : read_integrated_log(warn_workspace)) {
    EXPECT_TRUE(text(line, "level") == "warn" || text(line, "level") == "error")
        << json::serialize(line);
  }
}

TEST(LogsFormat, SwitchVariableMustBeBoolean) {
  TestWorkspace workspace;
  ProcessResult result =
      run_cli(workspace, {"server", "list"}, {{"PROVISIONING_BRIDGE_DEBUG", "maybe"}});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("PROVISIONING_BRIDGE_DEBUG is 'maybe'"));
  EXPECT_THAT(result.err, HasSubstr("set it to 1 or 0"));
}

// The bridge logger alone writes debug lines with PROVISIONING_BRIDGE_DEBUG, and a
// bridge decision is an info line with its duration under PROVISIONING_INTEGRATION_TRACE.
TEST(LogsFormat, BridgeDebugAndDecisionTrace) {
  TempDir directory("provisioning-logs");
  host::LoggingOptions options;
  options.level = "info";
  options.jsonl_file = directory / "integrated.jsonl";
  options.bridge_debug = true;
  options.integration_trace = true;
  host::setup_logging(options);

  host::component_logger("bridge")->debug("bridge detail line");
  host::component_logger("host")->debug("host detail line");
  {
    host::observability::LogScope scope(host::observability::correlation_context("bridge-corr-3"));
    host::observability::trace_bridge_decision("server_create", "legacy", "sticky assignment", 1.5);
  }

  std::vector<json::object> lines = read_jsonl(directory / "integrated.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(text(lines[0], "message"), "bridge detail line");
  EXPECT_EQ(text(lines[0], "level"), "debug");
  EXPECT_EQ(text(lines[1], "component"), "bridge");
  EXPECT_EQ(text(lines[1], "level"), "info");
  EXPECT_EQ(text(lines[1], "event"), "bridge_decision");
  EXPECT_EQ(text(lines[1], "operation"), "server_create");
  EXPECT_EQ(text(lines[1], "outcome"), "legacy");
  EXPECT_EQ(text(lines[1], "correlation_id"), "bridge-corr-3");
  EXPECT_DOUBLE_EQ(lines[1].at("duration_ms").to_number<double>(), 1.5);
}

TEST(LogsFormat, SwitchesReadFromEnvironment) {
  TestWorkspace workspace;
  auto host = workspace.open_host({});
  host::LoggingOptions options =
      host::logging_options(host->config(),
                            host::fixed_environment({{"PROVISIONING_BRIDGE_DEBUG", "yes"},
                                                     {"PROVISIONING_INTEGRATION_TRACE", "0"}}),
                            workspace.state_dir() / "logs", "provisioning.log");
  EXPECT_TRUE(options.bridge_debug);
  EXPECT_FALSE(options.integration_trace);
  EXPECT_EQ(options.jsonl_file, workspace.state_dir() / "logs" / "integrated.jsonl");
  EXPECT_TRUE(options.legacy_file.empty());
  EXPECT_EQ(options.max_file_bytes, 10u * 1024 * 1024);
  EXPECT_EQ(options.max_files, 5u);
}

}  // namespace
}  // namespace provisioning::testing
