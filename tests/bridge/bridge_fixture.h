#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/json.h>

#include <algorithm>

#include "../support/closed_port.h"
#include "../support/detached_orchestrator.h"
#include "../support/json_output.h"
#include "../support/run_process.h"
#include "../support/temp_dir.h"

namespace provisioning::testing {

namespace json = boost::json;

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
    std::map<std::string, std::string> env = home_environment(home_);
    env.insert({{"PROVISIONING_ORCHESTRATOR_HOST", ""},
                {"PROVISIONING_ORCHESTRATOR_PORT", ""},
                {"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", ""},
                {"PROVISIONING_BRIDGE_MODE", ""},
                {"PROVISIONING_BRIDGE_LEGACY_PATH", ""},
                {"PROVISIONING_BRIDGE_NEW_SYSTEM_PERCENTAGE", ""}});
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
      auto record = json::parse(read_text(entry.path()));
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

}  // namespace provisioning::testing
