#pragma once

// Helpers for the log, health and status page tests: the real binary run on a test
// workspace, the lines of its JSON Lines log, and scoped environment variables.

#include <gtest/gtest.h>
#include <provisioning/sdk/json.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../support/run_process.h"
#include "orchestrator_test_support.h"

namespace provisioning::testing {

// Sets an environment variable of this process (and so of the children it starts)
// until the end of the scope, then restores the previous value.
class ScopedVariable {
 public:
  ScopedVariable(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = ::getenv(name_.c_str())) previous_ = old;
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedVariable() {
    if (previous_) {
      ::setenv(name_.c_str(), previous_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

inline fs::path log_directory(const TestWorkspace& workspace) {
  return workspace.state_dir() / "logs";
}

// Runs the provisioning binary on `workspace` with `arguments` and `env` on top of the
// workspace's variables.
inline ProcessResult run_cli(const TestWorkspace& workspace,
                             const std::vector<std::string>& arguments,
                             const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv = {PROVISIONING_BINARY, "--workspace", workspace.root().string()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  std::map<std::string, std::string> merged = workspace.environment();
  for (const auto& [name, value] : env) merged[name] = value;
  return run_process(argv, merged);
}

// The text lines of `file`; empty when it does not exist.
inline std::vector<std::string> read_lines(const fs::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every line of integrated.jsonl as a JSON object. A line that does not parse as an
// object records a test failure naming the line.
inline std::vector<json::object> read_jsonl(const fs::path& file) {
  std::vector<json::object> records;
  for (const std::string& line : read_lines(file)) {
    boost::system::error_code error;
    json::value value = json::parse(line, error);
    if (error || !value.is_object()) {
      ADD_FAILURE() << "not a JSON object in " << file << ": " << line;
      continue;
    }
    records.push_back(value.as_object());
  }
  return records;
}

inline std::vector<json::object> read_integrated_log(const TestWorkspace& workspace) {
  return read_jsonl(log_directory(workspace) / "integrated.jsonl");
}

// Every file under the workspace's log directory, rotated ones included.
inline std::vector<fs::path> log_files(const TestWorkspace& workspace) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(log_directory(workspace), error)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

}  // namespace provisioning::testing
