#pragma once

// Helpers for the orchestrator tests: a temporary workspace, an orchestrator run in this
// process or as a child process on a free loopback port, and an HTTP client that returns
// status, headers and the parsed JSON body of each response.

#include <gtest/gtest.h>
#include <httplib.h>
#include <provisioning/sdk/json.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../support/json_output.h"
#include "../support/temp_dir.h"
#include "host.h"
#include "orchestrator/orchestrator.h"

namespace provisioning::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

// One HTTP response. `status` is 0 when no response arrived (connection refused or
// reset), and `json` is null unless the body parses as JSON.
struct Reply {
  int status = 0;
  std::string error;  // the client's error when status is 0
  httplib::Headers headers;
  std::string body;
  json::value json;

  bool has_header(const std::string& name) const;
  std::string header(const std::string& name) const;

  // The body as an object. When it is not one, records a test failure and returns an
  // empty object.
  const json::object& object() const;

  // error.code of an error body, or "" when the body has none.
  std::string error_code() const;
  std::string error_message() const;
};

// Sends one request to 127.0.0.1:`port`. `version` is the API-Version header value, or
// std::nullopt to send no such header.
Reply send_request(int port, const std::string& method, const std::string& path,
                   const std::optional<std::string>& version, const std::string& body = "",
                   const httplib::Headers& headers = {});

// Calls `condition` until it returns true or `timeout` passes, and returns its last
// result.
bool poll_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A fresh workspace in a temporary directory, with HOME and the XDG directories inside
// it so no user configuration leaks in.
class TestWorkspace {
 public:
  TestWorkspace();

  const fs::path& root() const { return root_; }
  fs::path state_dir() const { return root_ / ".provisioning"; }

  // Appends TOML text to the workspace's config.toml.
  void append_config(const std::string& toml) const;

  // Opens a host on the workspace with `settings` as command-line configuration flags
  // (key -> value, like --set key=value).
  std::unique_ptr<host::Host> open_host(const std::map<std::string, std::string>& settings) const;

  // Variables for child processes run on this workspace.
  std::map<std::string, std::string> environment() const;

  // Names of the directories the local provider keeps under .provisioning/servers.
  std::vector<std::string> server_directories() const;

 private:
  TempDir temp_{"provisioning-orchestrator"};
  fs::path root_;
};

// An orchestrator serving in this process on a free port, stopped on destruction.
class InProcessOrchestrator {
 public:
  // Starts it and waits until GET /health returns 200. Throws what Orchestrator::start
  // throws.
  InProcessOrchestrator(host::Host& host, host::OrchestratorOptions options);
  ~InProcessOrchestrator();

  int port() const { return port_; }
  host::Orchestrator& orchestrator() { return *orchestrator_; }

 private:
  std::unique_ptr<host::Orchestrator> orchestrator_;
  std::thread server_thread_;
  int port_ = 0;
};

// `provisioning orchestrator start` run as a child of the test, with its output in
// <workspace>/orchestrator-<n>.out. The destructor kills it when it still runs.
class OrchestratorProcess {
 public:
  OrchestratorProcess(const TestWorkspace& workspace, const std::vector<std::string>& settings,
                      int port = 0);
  ~OrchestratorProcess();

  OrchestratorProcess(const OrchestratorProcess&) = delete;
  OrchestratorProcess& operator=(const OrchestratorProcess&) = delete;

  // Waits until the state file names this process, and reads its port. Returns false
  // when the process exited first or the deadline passed.
  bool wait_until_listening(std::chrono::seconds timeout = std::chrono::seconds(30));

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string output() const;

  // Waits for the process to exit and returns its exit code (128 + signal number when
  // a signal ended it), or std::nullopt when it still runs after `timeout`.
  std::optional<int> wait_for_exit(std::chrono::seconds timeout = std::chrono::seconds(30));

  // Sends SIGKILL and reaps the process.
  void kill_now();

 private:
  const TestWorkspace& workspace_;
  // Reaps the process if it has exited, without waiting, and returns whether it has.
  bool reap();

  fs::path output_file_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  int port_ = 0;
};

// The in-process fixture: a fresh workspace per test and an orchestrator started by
// start() with the given configuration flags.
class OrchestratorTest : public ::testing::Test {
 protected:
  void start(const std::map<std::string, std::string>& settings = {});
  void start_with(host::OrchestratorOptions options);
  void TearDown() override;

  host::OrchestratorOptions options_for(const std::map<std::string, std::string>& settings);

  Reply call(const std::string& method, const std::string& path,
             const std::optional<std::string>& version, const std::string& body = "",
             const httplib::Headers& headers = {}) const;

  // Waits until the workflow `id` reaches a terminal state and returns its v2 record.
  json::object wait_for_workflow(const std::string& id);

  // Waits until the batch `id` reaches a terminal state and returns its v3 record.
  json::object wait_for_batch(const std::string& id);

  int port() const { return running_->port(); }
  host::Orchestrator& orchestrator() { return running_->orchestrator(); }

  TestWorkspace workspace_;
  std::unique_ptr<host::Host> host_;
  std::unique_ptr<InProcessOrchestrator> running_;
};

}  // namespace provisioning::testing
