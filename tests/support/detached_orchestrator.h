#pragma once

#include <signal.h>
#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.h"

namespace provisioning::testing {

// A real orchestrator for one workspace, started with
// `orchestrator start --port 0 --detach`. The destructor calls stop(), also when the test
// failed. `Workspace` is a test workspace with run(args), which runs the binary in it,
// and path(), its directory.
class DetachedOrchestrator {
 public:
  template <typename Workspace>
  DetachedOrchestrator(const Workspace& workspace, const std::vector<std::string>& settings) {
    std::vector<std::string> args;
    for (const auto& setting : settings) args.insert(args.end(), {"--set", setting});
    args.insert(args.end(), {"orchestrator", "start", "--port", "0", "--detach"});
    auto started = workspace.run(args);
    if (started.exit_code != 0) {
      start_error_ = started.err;
      return;
    }
    auto state =
        boost::json::parse(read_text(workspace.path() / ".provisioning" / "orchestrator.json"));
    pid_ = static_cast<pid_t>(state.at("pid").as_int64());
    port_ = static_cast<int>(state.at("port").as_int64());
  }

  ~DetachedOrchestrator() { stop(); }
  DetachedOrchestrator(const DetachedOrchestrator&) = delete;
  DetachedOrchestrator& operator=(const DetachedOrchestrator&) = delete;

  bool running() const { return pid_ > 0; }
  const std::string& start_error() const { return start_error_; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Sends SIGTERM and waits until the process is gone. The detached process is not a
  // child of this one, so this polls. Running tasks may delay the stop, so it waits up
  // to a minute and then sends SIGKILL.
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

}  // namespace provisioning::testing
