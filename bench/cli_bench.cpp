// cli_bench: measures the wall time of spawning a command and waiting for it, against a
// baseline command spawned the same way in the same run.
//
//   cli_bench --name NAME [--runs N] [--warmup N] -- COMMAND... --baseline BASELINE...
//
// Each iteration spawns both commands once, alternating which goes first, so drift in
// machine load affects both alike. Every "{n}" in an argument becomes a counter that
// grows by one per spawn of that command (warm-up spawns included), zero-padded to four
// digits, for commands that need a unique name per run. Standard input, output and
// error go to /dev/null. A command that exits with a non-zero status stops the
// benchmark, since its timings would be meaningless.
//
// Prints one tab-separated line (see bench_stats.h) and exits 0, or prints an error on
// stderr and exits 1.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_stats.h"

extern char** environ;

namespace provisioning::bench {
namespace {

struct Options {
  std::string name;
  int runs = 100;
  int warmup = 5;
  std::vector<std::string> command;
  std::vector<std::string> baseline;
};

std::string join(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& argument : argv) line += (line.empty() ? "" : " ") + argument;
  return line;
}

int parse_count(const std::string& option, const char* value) {
  if (value == nullptr) throw std::invalid_argument(option + " needs a value");
  try {
    int count = std::stoi(value);
    if (count >= 0) return count;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("invalid " + option + " '" + value +
                              "': expected a non-negative integer");
}

Options parse_options(int argc, char** argv) {
  Options options;
  int index = 1;
  for (; index < argc && std::strcmp(argv[index], "--") != 0; ++index) {
    std::string option = argv[index];
    const char* value = index + 1 < argc ? argv[index + 1] : nullptr;
    if (option == "--name" && value != nullptr) {
      options.name = value;
    } else if (option == "--runs") {
      options.runs = parse_count(option, value);
    } else if (option == "--warmup") {
      options.warmup = parse_count(option, value);
    } else {
      throw std::invalid_argument("unknown or incomplete option '" + option + "'");
    }
    ++index;
  }
  std::vector<std::string>* target = &options.command;
  for (++index; index < argc; ++index) {
    if (std::strcmp(argv[index], "--baseline") == 0 && target == &options.command) {
      target = &options.baseline;
      continue;
    }
    target->push_back(argv[index]);
  }
  if (options.name.empty() || options.command.empty() || options.baseline.empty() ||
      options.runs == 0) {
    throw std::invalid_argument(
        "usage: cli_bench --name NAME [--runs N] [--warmup N] -- COMMAND... --baseline "
        "BASELINE... (runs must be at least 1)");
  }
  return options;
}

// Returns `argv` with each "{n}" replaced by `counter`, zero-padded to four digits.
std::vector<std::string> expand(const std::vector<std::string>& argv, int counter) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%04d", counter);
  std::vector<std::string> expanded = argv;
  for (std::string& argument : expanded) {
    for (auto at = argument.find("{n}"); at != std::string::npos; at = argument.find("{n}", at)) {
      argument.replace(at, 3, digits);
    }
  }
  return expanded;
}

// Standard streams of the spawned commands, all pointing at /dev/null.
class NullStreams {
 public:
  NullStreams() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions_, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions_, 2, "/dev/null", O_WRONLY, 0);
  }
  ~NullStreams() { posix_spawn_file_actions_destroy(&actions_); }
  NullStreams(const NullStreams&) = delete;
  NullStreams& operator=(const NullStreams&) = delete;

  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// Throws std::runtime_error unless `status` from waitpid() reports that `argv` exited with 0.
void check_exit_status(const std::vector<std::string>& argv, int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string outcome = WIFEXITED(status)
                            ? "exited with status " + std::to_string(WEXITSTATUS(status))
                            : "was killed by signal " + std::to_string(WTERMSIG(status));
  throw std::runtime_error("'" + join(argv) + "' " + outcome +
                           "; run it by hand to see its output");
}

// Spawns `argv`, waits for it and returns the wall time in milliseconds. Throws
// std::runtime_error when it cannot be started or exits unsuccessfully.
double time_command(const std::vector<std::string>& argv, const NullStreams& streams) {
  std::vector<char*> pointers;
  for (const std::string& argument : argv) pointers.push_back(const_cast<char*>(argument.c_str()));
  pointers.push_back(nullptr);

  Clock::time_point start = Clock::now();
  pid_t pid = 0;
  int error = posix_spawnp(&pid, pointers[0], streams.actions(), nullptr, pointers.data(), environ);
  if (error != 0) {
    throw std::runtime_error("failed to start '" + join(argv) + "': " + std::strerror(error));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error("waitpid failed: " + std::string(std::strerror(errno)));
  }
  Clock::time_point end = Clock::now();

  check_exit_status(argv, status);
  return elapsed_ms(start, end);
}

void run(const Options& options) {
  NullStreams streams;
  std::vector<double> command_samples;
  std::vector<double> baseline_samples;
  int total = options.warmup + options.runs;
  for (int iteration = 0; iteration < total; ++iteration) {
    std::vector<std::string> command = expand(options.command, iteration);
    std::vector<std::string> baseline = expand(options.baseline, iteration);
    bool baseline_first = iteration % 2 == 1;
    double baseline_ms = baseline_first ? time_command(baseline, streams) : 0;
    double command_ms = time_command(command, streams);
    if (!baseline_first) baseline_ms = time_command(baseline, streams);
    if (iteration < options.warmup) continue;
    command_samples.push_back(command_ms);
    baseline_samples.push_back(baseline_ms);
  }
  print_result(options.name, command_samples.size(), summarize(command_samples),
               summarize(baseline_samples));
}

}  // namespace
}  // namespace provisioning::bench

int main(int argc, char** argv) {
  try {
    provisioning::bench::run(provisioning::bench::parse_options(argc, argv));
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "cli_bench: %s\n", error.what());
    return 1;
  }
}
