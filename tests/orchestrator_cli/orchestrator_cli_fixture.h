#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <provisioning/sdk/json.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

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
    return run_process(args, {{"HOME", home_.path().string()},
                              {"XDG_DATA_HOME", (home_ / "data").string()},
                              {"XDG_CONFIG_HOME", (home_ / "config").string()},
                              {"XDG_STATE_HOME", (home_ / "state").string()},
                              {"XDG_CACHE_HOME", (home_ / "cache").string()},
                              {"PROVISIONING_WORKSPACE", ""},
                              {"PROVISIONING_ENV", ""},
                              {"PROVISIONING_EXTENSIONS_PATH", ""},
                              {"PROVISIONING_ORCHESTRATOR_HOST", ""},
                              {"PROVISIONING_ORCHESTRATOR_PORT", ""},
                              {"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", ""}});
  }

 private:
  TempDir home_{"provisioning-orchestrator-cli"};
  std::filesystem::path workspace_ = home_ / "workspace";
  std::string init_error_;
};

// A real orchestrator for one workspace, started with
// `orchestrator start --port 0 --detach`. The destructor sends SIGTERM to its pid and
// waits until the process is gone, also when the test failed.
class OrchestratorProcess {
 public:
  OrchestratorProcess(const CliWorkspace& workspace, const std::vector<std::string>& settings) {
    std::vector<std::string> args;
    for (const auto& setting : settings) args.insert(args.end(), {"--set", setting});
    args.insert(args.end(), {"orchestrator", "start", "--port", "0", "--detach"});
    auto started = workspace.run(args);
    if (started.exit_code != 0) {
      start_error_ = started.err;
      return;
    }
    auto state = json::parse(read_text(workspace.path() / ".provisioning" / "orchestrator.json"));
    pid_ = static_cast<pid_t>(state.at("pid").as_int64());
    port_ = static_cast<int>(state.at("port").as_int64());
  }

  ~OrchestratorProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    // The detached process is not a child of this one: poll until it is gone. Running
    // tasks may delay the stop, so this waits up to a minute, then kills it.
    for (int i = 0; i < 1200 && alive(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (alive()) ::kill(pid_, SIGKILL);
  }

  OrchestratorProcess(const OrchestratorProcess&) = delete;
  OrchestratorProcess& operator=(const OrchestratorProcess&) = delete;

  bool running() const { return pid_ > 0; }
  const std::string& start_error() const { return start_error_; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  // A zombie left for a parent that does not reap it counts as gone.
  bool alive() const {
    if (::kill(pid_, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string pid;
    std::string name;
    std::string state;
    stat >> pid >> name >> state;
    return state != "Z";
  }

  pid_t pid_ = 0;
  int port_ = 0;
  std::string start_error_;
};

// A loopback TCP port that is bound but not listening, so every connection to it is
// refused while this object lives.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~ClosedPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

inline std::string text(const json::value& value, std::string_view key) {
  if (!value.is_object()) return {};
  const json::value* found = value.as_object().if_contains(key);
  if (found == nullptr || !found->is_string()) return {};
  return std::string(found->get_string());
}

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
    orchestrator_ = std::make_unique<OrchestratorProcess>(*workspace_, settings);
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
  static inline std::unique_ptr<OrchestratorProcess> orchestrator_;
};

}  // namespace provisioning::testing
