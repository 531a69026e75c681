#include "command_runner.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

extern char** environ;

namespace sandbox {

namespace sdk = provisioning::sdk;

namespace {

std::string system_message(int error) {
  return std::strerror(error);
}

// The spawn attributes of one child: stdin from /dev/null, stdout and stderr into the
// write end of a pipe, and the working directory.
class SpawnActions {
 public:
  SpawnActions(int output_fd, int unused_fd, const std::filesystem::path& directory) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions_, output_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions_, output_fd, STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions_, output_fd);
    posix_spawn_file_actions_addclose(&actions_, unused_fd);
    posix_spawn_file_actions_addchdir_np(&actions_, directory.c_str());
  }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;

  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// Returns this process's environment with `extra` added, replacing equal names.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> entries;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    std::string entry(*variable);
    std::string name = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const std::string& added : extra) replaced = replaced || added.rfind(name, 0) == 0;
    if (!replaced) entries.push_back(std::move(entry));
  }
  entries.insert(entries.end(), extra.begin(), extra.end());
  return entries;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (std::string& text : strings) result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

std::string read_all(int fd) {
  std::string output;
  char buffer[4096];
  while (true) {
    ssize_t count = read(fd, buffer, sizeof buffer);
    if (count > 0) {
      output.append(buffer, static_cast<std::size_t>(count));
    } else if (count == 0 || errno != EINTR) {
      return output;
    }
  }
}

int wait_for_exit(pid_t pid, const std::string& program) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw sdk::Error::unavailable("waiting for '" + program +
                                    "' failed: " + system_message(errno));
    }
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace

sdk::CommandResult run_command(const std::vector<std::string>& argv,
                               const std::filesystem::path& working_directory,
                               const std::vector<std::string>& extra_environment) {
  if (argv.empty() || argv.front().empty()) {
    throw sdk::Error::invalid_argument("cannot run an empty command: pass the program first");
  }
  // posix_spawnp() reports a failed chdir as ENOENT, like a missing program.
  if (!std::filesystem::is_directory(working_directory)) {
    throw sdk::Error::unavailable("cannot run '" + argv.front() + "': working directory '" +
                                  working_directory.string() + "' does not exist");
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw sdk::Error::unavailable("cannot create a pipe to run '" + argv.front() +
                                  "': " + system_message(errno));
  }
  std::vector<std::string> arguments = argv;
  std::vector<std::string> environment = child_environment(extra_environment);
  std::vector<char*> argument_pointers = pointers(arguments);
  std::vector<char*> environment_pointers = pointers(environment);

  pid_t pid = 0;
  int spawn_error = 0;
  {
    SpawnActions actions(pipe_fds[1], pipe_fds[0], working_directory);
    spawn_error = posix_spawnp(&pid, argument_pointers[0], actions.get(), nullptr,
                               argument_pointers.data(), environment_pointers.data());
  }
  close(pipe_fds[1]);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    if (spawn_error == ENOENT) return {127, argv.front() + ": command not found\n"};
    throw sdk::Error::unavailable("cannot start '" + argv.front() +
                                  "': " + system_message(spawn_error));
  }
  sdk::CommandResult result;
  result.output = read_all(pipe_fds[0]);
  close(pipe_fds[0]);
  result.exit_code = wait_for_exit(pid, argv.front());
  return result;
}

}  // namespace sandbox
