#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/json.h>

#include "../support/json_output.h"
#include "../support/run_process.h"
#include "../support/temp_dir.h"

namespace provisioning::testing {

namespace json = boost::json;

// Runs the real provisioning binary against a fresh workspace, with HOME and the XDG
// directories inside a temporary directory so no user state leaks in or out. The test
// parameter names the storage backend.
class CliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    workspace_ = home_ / "workspace";
    auto init = run_raw({"workspace", "init", workspace_.string()});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  std::map<std::string, std::string> environment() const { return home_environment(home_); }

  ProcessResult run_raw(std::vector<std::string> args,
                        std::map<std::string, std::string> extra_env = {}) const {
    args.insert(args.begin(), PROVISIONING_BINARY);
    auto env = environment();
    for (auto& [name, value] : extra_env) env[name] = value;
    return run_process(args, env);
  }

  // Runs a command in the test workspace with the backend under test.
  ProcessResult run(std::vector<std::string> args,
                    std::map<std::string, std::string> extra_env = {}) const {
    // Global options go first, so a test may end its arguments after "--".
    args.insert(args.begin(),
                {"--workspace", workspace_.string(), "--set", "storage.backend=" + GetParam()});
    return run_raw(args, extra_env);
  }

  // Runs a command with --output json, expects success and returns the parsed output.
  json::value run_json(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--output", "json"});
    return json_output(run(args));
  }

  std::filesystem::path server_root(const std::string& name) const {
    return workspace_ / ".provisioning" / "servers" / name / "root";
  }

  TempDir home_{"provisioning-cli"};
  std::filesystem::path workspace_;
};

}  // namespace provisioning::testing
