#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/json.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "../support/closed_port.h"
#include "../support/detached_orchestrator.h"
#include "../support/json_output.h"
#include "../support/run_process.h"
#include "../support/temp_dir.h"

namespace provisioning::testing {

namespace json = boost::json;

// A fresh workspace with HOME and the XDG directories inside a temporary directory, and
// the real provisioning binary to run in it.
class CliWorkspace {
 public:
  CliWorkspace() {
    auto init = run_raw({"workspace", "init", workspace_.string()});
    if (init.exit_code != 0) init_error_ = init.err;
  }

  const std::string& init_error() const { return init_error_; }
  const std::filesystem::path& path() const { return workspace_; }
  const TempDir& home() const { return home_; }

  // Runs the binary in this workspace; `args` follow "--workspace DIR".
  ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--workspace", workspace_.string()});
    return run_raw(std::move(args));
  }

  ProcessResult run_raw(std::vector<std::string> args) const {
    args.insert(args.begin(), PROVISIONING_BINARY);
    auto env = home_environment(home_);
    env.insert({{"XDG_STATE_HOME", (home_ / "state").string()},
                {"XDG_CACHE_HOME", (home_ / "cache").string()},
                {"PROVISIONING_ORCHESTRATOR_HOST", ""},
                {"PROVISIONING_ORCHESTRATOR_PORT", ""},
                {"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", ""}});
    return run_process(args, env);
  }

 private:
  TempDir home_{"provisioning-orchestrator-cli"};
  std::filesystem::path workspace_ = home_ / "workspace";
  std::string init_error_;
};

// Parses `output` as JSON, or records a failure and returns null.
inline json::value parse_output(const ProcessResult& result) {
  try {
    return json::parse(result.out);
  } catch (const std::exception& error) {
    ADD_FAILURE() << "invalid JSON output: " << error.what() << "\nstdout: " << result.out
                  << "\nstderr: " << result.err;
    return nullptr;
  }
}

// Returns the names of the servers that `server list --output json` printed.
inline std::vector<std::string> server_names(const CliWorkspace& workspace) {
  auto list = workspace.run({"--output", "json", "server", "list"});
  std::vector<std::string> names;
  if (list.exit_code != 0) {
    ADD_FAILURE() << "server list failed: " << list.err;
    return names;
  }
  json::value records = parse_output(list);
  if (!records.is_array()) return names;
  for (const auto& record : records.as_array()) names.push_back(text(record, "name"));
  return names;
}

// A workspace and a real orchestrator serving it, shared by the tests of one suite. Tests
// of a suite use server names of their own, because they share the workspace.
class OrchestratorCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { start({}); }
  static void TearDownTestSuite() { stop(); }

  void SetUp() override {
    ASSERT_TRUE(workspace_->init_error().empty()) << workspace_->init_error();
    ASSERT_TRUE(orchestrator_->running()) << orchestrator_->start_error();
  }

  static void start(const std::vector<std::string>& settings,
                    const std::function<void(const CliWorkspace&)>& prepare = {}) {
    workspace_ = std::make_unique<CliWorkspace>();
    if (prepare) prepare(*workspace_);
    orchestrator_ = std::make_unique<DetachedOrchestrator>(*workspace_, settings);
  }

  static void stop() {
    orchestrator_.reset();
    workspace_.reset();
  }

  // The helpers are public so that free helper functions of a test file can use them.
 public:
  static ProcessResult run(std::vector<std::string> args) { return workspace_->run(args); }

  // Runs a command with --output json, expects exit code 0 and returns the parsed output.
  static json::value run_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"--output", "json"});
    auto result = run(args);
    EXPECT_EQ(result.exit_code, 0) << "stdout: " << result.out << "\nstderr: " << result.err;
    return parse_output(result);
  }

  // Writes `content` to a file under the temporary HOME and returns its path.
  static std::string write_file(const std::string& name, const std::string& content) {
    std::filesystem::path path = workspace_->home() / "files" / name;
    write_text(path, content);
    return path.string();
  }

  static std::vector<std::string> servers() { return server_names(*workspace_); }

 protected:
  static inline std::unique_ptr<CliWorkspace> workspace_;
  static inline std::unique_ptr<DetachedOrchestrator> orchestrator_;
};

// An orchestrator with one worker and the gate taskserv in the workspace. A gate install
// keeps the worker busy until the test releases it, so later work stays queued.
class GatedOrchestratorCliTest : public OrchestratorCliTest {
 protected:
  static void SetUpTestSuite() {
    release_dir_ = std::make_unique<TempDir>("provisioning-gate");
    start({"orchestrator.max_parallel_tasks=1",
           "taskservs.gate.release_dir=" + release_dir_->path().string()},
          [](const CliWorkspace& workspace) {
            std::filesystem::copy_file(GATE_TASKSERV_PLUGIN,
                                       workspace.path() / "extensions" / "taskserv" / "gate.so");
          });
  }

  static void TearDownTestSuite() {
    // Release every gate, so the orchestrator's running task ends and it can stop.
    release("all");
    stop();
    release_dir_.reset();
  }

  // Ends the gate install on `server`. The name "all" ends every gate install.
  static void release(const std::string& server) { write_text(*release_dir_ / server, ""); }

  static inline std::unique_ptr<TempDir> release_dir_;
};

}  // namespace provisioning::testing
