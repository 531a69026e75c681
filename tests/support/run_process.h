#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_dir.h"

extern char** environ;

namespace provisioning::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Returns the current environment changed by `env` (an empty value unsets the
// variable) as NAME=VALUE entries.
inline std::vector<std::string> merged_environment(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> merged;
  for (char** item = environ; *item != nullptr; ++item) {
    std::string entry(*item);
    auto equals = entry.find('=');
    if (equals != std::string::npos) merged[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  for (const auto& [name, value] : env) {
    if (value.empty())
      merged.erase(name);
    else
      merged[name] = value;
  }
  std::vector<std::string> entries;
  for (const auto& [name, value] : merged) entries.push_back(name + "=" + value);
  return entries;
}

// Starts `argv` with merged_environment(`env`) and the file actions of `actions`, stores
// its pid in `pid`, and returns the error number of posix_spawn (0 when it started).
inline int spawn_process(pid_t* pid, const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const posix_spawn_file_actions_t& actions) {
  std::vector<std::string> env_strings = merged_environment(env);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers;
  for (auto& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);

  return posix_spawn(pid, args[0].c_str(), &actions, nullptr, arg_pointers.data(), envp.data());
}

// Sets the variables of `env` in this process (an empty value unsets the variable). A
// forked child calls it before exec.
inline void apply_environment(const std::map<std::string, std::string>& env) {
  for (const auto& [name, value] : env) {
    if (value.empty()) {
      ::unsetenv(name.c_str());
    } else {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }
}

// Returns variables that put HOME, XDG_DATA_HOME and XDG_CONFIG_HOME inside `home` and
// unset PROVISIONING_WORKSPACE, PROVISIONING_ENV and PROVISIONING_EXTENSIONS_PATH, so the
// configuration of the user who runs the tests does not reach the child process.
inline std::map<std::string, std::string> home_environment(const TempDir& home) {
  return {{"HOME", home.path().string()},
          {"XDG_DATA_HOME", (home / "data").string()},
          {"XDG_CONFIG_HOME", (home / "config").string()},
          {"PROVISIONING_WORKSPACE", ""},
          {"PROVISIONING_ENV", ""},
          {"PROVISIONING_EXTENSIONS_PATH", ""}};
}

// Runs `argv` with the current environment plus `env` (an empty value unsets the
// variable), standard input from /dev/null, and captures both output streams.
inline ProcessResult run_process(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env = {}) {
  TempDir capture("provisioning-capture");
  std::string out_path = (capture / "out").string();
  std::string err_path = (capture / "err").string();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = 0;
  int failed = spawn_process(&pid, argv, env, actions);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0)
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(failed));

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

}  // namespace provisioning::testing
