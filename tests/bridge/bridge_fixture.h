#pragma once

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <provisioning/sdk/json.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "../support/json_output.h"
#include "../support/run_process.h"
#include "../support/temp_dir.h"

namespace provisioning::testing {

namespace json = boost::json;

inline std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh workspace and an empty legacy data directory, with HOME and the XDG
// directories inside a temporary directory, and the real binary to run in them.
class BridgeWorkspace {
 public:
  BridgeWorkspace() {
    std::filesystem::create_directories(legacy_);
    auto init = run_raw({"workspace", "init", workspace_.string()});
    if (init.exit_code != 0) init_error_ = init.err;
  }

  const std::string& init_error() const { return init_error_; }
  const std::filesystem::path& path() const { return workspace_; }
  const std::filesystem::path& legacy() const { return legacy_; }
  const TempDir& home() const { return home_; }

  // The environment of every run: nothing from the caller's configuration leaks in.
  std::map<std::string, std::string> environment() const {
    std::map<std::string, std::string> env = {{"HOME", home_.path().string()},
                                              {"XDG_DATA_HOME", (home_ / "data").string()},
                                              {"XDG_CONFIG_HOME", (home_ / "config").string()},
                                              {"PROVISIONING_WORKSPACE", ""},
                                              {"PROVISIONING_ENV", ""},
                                              {"PROVISIONING_EXTENSIONS_PATH", ""},
                                              {"PROVISIONING_ORCHESTRATOR_HOST", ""},
                                              {"PROVISIONING_ORCHESTRATOR_PORT", ""},
                                              {"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", ""},
                                              {"PROVISIONING_BRIDGE_MODE", ""},
                                              {"PROVISIONING_BRIDGE_LEGACY_PATH", ""},
                                              {"PROVISIONING_BRIDGE_NEW_SYSTEM_PERCENTAGE", ""}};
    return env;
  }

  ProcessResult run(std::vector<std::string> args,
                    const std::map<std::string, std::string>& extra_env = {}) const {
    args.insert(args.begin(), {"--workspace", workspace_.string()});
    return run_raw(std::move(args), extra_env);
  }

  ProcessResult run_raw(std::vector<std::string> args,
                        const std::map<std::string, std::string>& extra_env = {}) const {
    args.insert(args.begin(), PROVISIONING_BINARY);
    return run_program(args, extra_env);
  }

  // Runs any program (such as a shim) with this workspace's environment.
  ProcessResult run_program(const std::vector<std::string>& argv,
                            const std::map<std::string, std::string>& extra_env = {}) const {
    auto env = environment();
    for (const auto& [name, value] : extra_env) env[name] = value;
    return run_process(argv, env);
  }

  // Runs a command that must succeed and prints JSON, and returns the parsed output.
  json::value run_json(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--output", "json"});
    return json_output(run(args));
  }

  // Names of the servers in the legacy data directory.
  std::vector<std::string> legacy_server_names() const {
    std::vector<std::string> names;
    auto directory = legacy_ / "servers";
    if (!std::filesystem::exists(directory)) return names;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
      if (entry.path().extension() != ".json") continue;
      auto record = json::parse(read_all(entry.path()));
      names.emplace_back(record.at("name").as_string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  TempDir home_{"provisioning-bridge"};
  std::filesystem::path workspace_ = home_ / "workspace";
  std::filesystem::path legacy_ = home_ / "legacy";
  std::string init_error_;
};

// A real orchestrator for one workspace, started with `orchestrator start --port 0
// --detach` and stopped with SIGTERM when the object is destroyed.
class BridgeOrchestrator {
 public:
  BridgeOrchestrator(const BridgeWorkspace& workspace, const std::vector<std::string>& settings)
      : workspace_(workspace) {
    std::vector<std::string> args;
    for (const auto& setting : settings) args.insert(args.end(), {"--set", setting});
    args.insert(args.end(), {"orchestrator", "start", "--port", "0", "--detach"});
    auto started = workspace.run(args);
    if (started.exit_code != 0) {
      start_error_ = started.err;
      return;
    }
    auto state = json::parse(read_all(workspace.path() / ".provisioning" / "orchestrator.json"));
    pid_ = static_cast<pid_t>(state.at("pid").as_int64());
  }

  ~BridgeOrchestrator() { stop(); }
  BridgeOrchestrator(const BridgeOrchestrator&) = delete;
  BridgeOrchestrator& operator=(const BridgeOrchestrator&) = delete;

  bool running() const { return pid_ > 0; }
  const std::string& start_error() const { return start_error_; }

  // Stops the orchestrator and waits until its process is gone.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 1200 && alive(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (alive()) ::kill(pid_, SIGKILL);
    pid_ = 0;
  }

 private:
  bool alive() const {
    if (::kill(pid_, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string pid, name, state;
    stat >> pid >> name >> state;
    return state != "Z";
  }

  const BridgeWorkspace& workspace_;
  pid_t pid_ = 0;
  std::string start_error_;
};

// A loopback port that is bound but not listening, so connections to it are refused.
class RefusingPort {
 public:
  RefusingPort() {
    socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~RefusingPort() { ::close(socket_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  int port() const { return port_; }

 private:
  int socket_ = -1;
  int port_ = 0;
};

inline std::string text_of(const json::value& value, std::string_view key) {
  const json::value* found = value.as_object().if_contains(key);
  if (found == nullptr || !found->is_string()) return {};
  return std::string(found->get_string());
}

}  // namespace provisioning::testing
