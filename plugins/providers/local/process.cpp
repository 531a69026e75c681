#include "process.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

extern char** environ;

namespace provisioning::plugins::local_provider {

namespace {

constexpr const char* kDefaultSearchPath = "/usr/local/bin:/usr/bin:/bin";

// A pipe whose ends close when it goes out of scope.
struct Pipe {
  int read_end = -1;
  int write_end = -1;

  Pipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
      throw sdk::Error::unavailable(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    read_end = ends[0];
    write_end = ends[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  void close_read() {
    if (read_end >= 0) ::close(read_end);
    read_end = -1;
  }
  void close_write() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }
};

bool is_executable_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

// Looks `program` up in PATH the way execvp() does, but before fork(), because the
// search allocates and a child of a threaded process must not.
std::optional<std::string> find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* search_path = std::getenv("PATH");
  std::string_view directories = search_path != nullptr ? search_path : kDefaultSearchPath;
  while (true) {
    std::size_t end = directories.find(':');
    std::string_view directory = directories.substr(0, end);
    std::string candidate =
        (directory.empty() ? std::string(".") : std::string(directory)) + "/" + program;
    if (is_executable_file(candidate)) return candidate;
    if (end == std::string_view::npos) return std::nullopt;
    directories.remove_prefix(end + 1);
  }
}

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::string_view name = text.substr(0, text.find('=') + 1);
    bool replaced = false;
    for (const std::string& added : extra) replaced = replaced || added.starts_with(name);
    if (!replaced) entries.emplace_back(text);
  }
  entries.insert(entries.end(), extra.begin(), extra.end());
  return entries;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Runs in the child between fork() and execve(), so it calls only async-signal-safe
// functions. It reports a failure as an errno value on `error_pipe`.
[[noreturn]] void exec_child(const char* program, char* const* argv, char* const* envp,
                             const char* working_directory, int output, int error_pipe) {
  int input = ::open("/dev/null", O_RDONLY);
  if (input < 0 || ::dup2(input, STDIN_FILENO) < 0 || ::dup2(output, STDOUT_FILENO) < 0 ||
      ::dup2(output, STDERR_FILENO) < 0 || ::chdir(working_directory) != 0) {
    int error = errno;
    (void)!::write(error_pipe, &error, sizeof error);
    ::_exit(126);
  }
  ::execve(program, argv, envp);
  int error = errno;
  (void)!::write(error_pipe, &error, sizeof error);
  ::_exit(error == ENOENT ? 127 : 126);
}

std::string read_all(int fd) {
  std::string output;
  char buffer[4096];
  while (true) {
    ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return output;
    output.append(buffer, static_cast<std::size_t>(count));
  }
}

int wait_for_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw sdk::Error::internal(std::string("waitpid failed: ") + std::strerror(errno));
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 128;
}

}  // namespace

sdk::CommandResult run_process(const std::vector<std::string>& argv,
                               const std::filesystem::path& working_directory,
                               const std::vector<std::string>& extra_environment) {
  if (argv.empty() || argv.front().empty()) {
    throw sdk::Error::invalid_argument("cannot run an empty command: pass the program as argv[0]");
  }
  std::optional<std::string> program = find_program(argv.front());
  if (!program) return {127, "program '" + argv.front() + "' not found in PATH\n"};

  std::vector<std::string> arguments = argv;
  std::vector<std::string> environment = merged_environment(extra_environment);
  std::vector<char*> argument_pointers = pointers_to(arguments);
  std::vector<char*> environment_pointers = pointers_to(environment);
  const std::string directory = working_directory.string();

  Pipe output;
  Pipe exec_error;
  pid_t pid = ::fork();
  if (pid < 0) {
    throw sdk::Error::unavailable("cannot start '" + argv.front() +
                                  "': fork failed: " + std::strerror(errno));
  }
  if (pid == 0) {
    exec_child(program->c_str(), argument_pointers.data(), environment_pointers.data(),
               directory.c_str(), output.write_end, exec_error.write_end);
  }
  output.close_write();
  exec_error.close_write();

  sdk::CommandResult result;
  result.output = read_all(output.read_end);
  std::string failure = read_all(exec_error.read_end);
  result.exit_code = wait_for_exit(pid);
  if (failure.size() == sizeof(int)) {
    int error = 0;
    std::memcpy(&error, failure.data(), sizeof error);
    result.output +=
        "cannot run '" + argv.front() + "' in '" + directory + "': " + std::strerror(error) + "\n";
  }
  return result;
}

}  // namespace provisioning::plugins::local_provider
