#include <httplib.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/bridge_commands.h"
#include "cli/cli.h"
#include "logging.h"
#include "orchestrator/orchestrator.h"
#include "thread_name.h"

extern char** environ;

namespace provisioning::cli {
namespace {

struct StartArguments {
  std::string bind;
  int port = -1;
  bool detach = false;
};

std::filesystem::path orchestrator_log(const host::Host& host) {
  return host.workspace().state_dir() / "logs" / "orchestrator.log";
}

std::optional<json::object> read_state(const host::Host& host) {
  try {
    auto value = json::parse(sdk::read_file(host::orchestrator_state_file(host.workspace())));
    if (value.is_object()) return value.as_object();
  } catch (const std::exception&) {
    // No state file, or one being rewritten: no orchestrator known.
  }
  return std::nullopt;
}

bool process_alive(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) == 0;
}

// Blocks SIGINT and SIGTERM in every thread, then waits for one on a thread of its own
// and stops the orchestrator, so the main thread returns from run(). finish() ends the
// thread when the orchestrator stopped for another reason, without logging a signal.
class SignalStopper {
 public:
  explicit SignalStopper(host::Orchestrator& orchestrator) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    thread_ = std::thread([this, signals, &orchestrator] {
      host::name_this_thread("signals");
      int received = 0;
      sigwait(&signals, &received);
      if (finishing_) return;
      host::component_logger("orchestrator")->info("received signal {}, stopping", received);
      orchestrator.stop();
    });
  }

  ~SignalStopper() { finish(); }

  void finish() {
    if (!thread_.joinable()) return;
    finishing_ = true;
    ::kill(::getpid(), SIGTERM);  // blocked in every thread, so only sigwait() takes it
    thread_.join();
  }

 private:
  std::atomic<bool> finishing_ = false;
  std::thread thread_;
};

// Returns whether standard error is `file`, as in the process that --detach starts.
bool stderr_is(const std::filesystem::path& file) {
  struct stat error_stream {};
  struct stat log {};
  return ::fstat(STDERR_FILENO, &error_stream) == 0 && ::stat(file.c_str(), &log) == 0 &&
         error_stream.st_dev == log.st_dev && error_stream.st_ino == log.st_ino;
}

int run_foreground(host::Host& host, const StartArguments& arguments) {
  host::OrchestratorOptions options = host::orchestrator_options(host.config(), host.paths());
  if (!arguments.bind.empty()) options.host = arguments.bind;
  if (arguments.port >= 0) options.port = arguments.port;
  if (!host::is_loopback_address(options.host) && options.auth_token.empty()) {
    throw sdk::Error::invalid_argument("--bind " + options.host +
                                       " is not a loopback address and orchestrator.auth_token "
                                       "is not set; set a token or bind 127.0.0.1");
  }
  host::LoggingOptions logging = host::logging_options(
      host.config(), host.environment(), orchestrator_log(host).parent_path(), "orchestrator.log");
  // A detached orchestrator's standard error is the log file itself. Logging to standard
  // error there too would write each line into the file twice.
  logging.console_level = stderr_is(logging.file) ? "off" : "info";
  host::setup_logging(logging);

  host::Orchestrator orchestrator(host, options);
  SignalStopper stopper(orchestrator);  // ends its thread also when start() throws
  int port = orchestrator.start();
  std::cout << "orchestrator listening on http://" << options.host << ":" << port << '\n'
            << std::flush;
  orchestrator.run();
  stopper.finish();
  return 0;
}

// Starts `provisioning orchestrator start` again without --detach, in a new session with
// its output in the log file, and waits until it listens or exits.
int run_detached(host::Host& host, const std::vector<std::string>& child_arguments) {
  std::filesystem::path log = orchestrator_log(host);
  std::filesystem::create_directories(log.parent_path());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  std::vector<std::string> args = child_arguments;
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // The kernel names a process after the file it runs, so running /proc/self/exe would
  // show the orchestrator as "exe" in ps and top.
  std::error_code unresolved;
  std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", unresolved);
  if (unresolved) binary = "/proc/self/exe";
  pid_t pid = 0;
  int failed = posix_spawn(&pid, binary.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) throw sdk::Error::internal("cannot start the orchestrator process");

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      throw sdk::Error::unavailable("the orchestrator exited during start-up; see " + log.string());
    }
    if (auto state = read_state(host); state && state->at("pid").as_int64() == pid) {
      std::cout << "orchestrator started in the background (pid " << pid << ") on http://"
                << field(*state, "host") << ":" << state->at("port").as_int64()
                << "; log: " << log.string() << '\n';
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw sdk::Error::unavailable("the orchestrator did not start within 30 s; see " + log.string());
}

void add_start(CLI::App& orchestrator, Invocation& invocation) {
  auto arguments = std::make_shared<StartArguments>();
  auto* start = orchestrator.add_subcommand("start", "Run the HTTP orchestrator");
  start->add_option("--bind", arguments->bind,
                    "Address to listen on (default: orchestrator.host, 127.0.0.1)");
  start->add_option("--port", arguments->port,
                    "TCP port (default: orchestrator.port, 9090; 0 picks a free port)");
  start->add_flag("--detach", arguments->detach, "Run in the background; output goes to the log");
  add_orchestrator_bridge_options(*start, invocation);
  on_run(*start, invocation, [&invocation, arguments](host::Host& host) {
    if (!arguments->detach) return run_foreground(host, *arguments);
    std::vector<std::string> child = {"provisioning", "--workspace",
                                      host.workspace().root().string()};
    for (const auto& setting : invocation.options.settings) {
      child.insert(child.end(), {"--set", setting});
    }
    child.insert(child.end(), {"orchestrator", "start"});
    if (!arguments->bind.empty()) child.insert(child.end(), {"--bind", arguments->bind});
    if (arguments->port >= 0)
      child.insert(child.end(), {"--port", std::to_string(arguments->port)});
    return run_detached(host, child);
  });
}

void add_stop(CLI::App& orchestrator, Invocation& invocation) {
  auto* stop = orchestrator.add_subcommand("stop", "Stop the background orchestrator");
  on_run(*stop, invocation, [](host::Host& host) {
    auto state = read_state(host);
    if (!state || !process_alive(static_cast<pid_t>(state->at("pid").as_int64()))) {
      throw sdk::Error::not_found("no orchestrator is running for workspace '" +
                                  host.workspace().root().string() + "'");
    }
    auto pid = static_cast<pid_t>(state->at("pid").as_int64());
    ::kill(pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (process_alive(pid) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (process_alive(pid)) {
      throw sdk::Error::unavailable("orchestrator pid " + std::to_string(pid) +
                                    " did not stop within 60 s; its running tasks may still be "
                                    "finishing");
    }
    std::cout << "orchestrator (pid " << pid << ") stopped\n";
    return 0;
  });
}

void add_status(CLI::App& orchestrator, Invocation& invocation) {
  auto* status = orchestrator.add_subcommand("status", "Show whether the orchestrator runs");
  on_run(*status, invocation, [&invocation](host::Host& host) {
    auto state = read_state(host);
    json::object report{{"running", false}};
    if (state && process_alive(static_cast<pid_t>(state->at("pid").as_int64()))) {
      report = *state;
      httplib::Client client(field(*state, "host"), static_cast<int>(state->at("port").as_int64()));
      client.set_connection_timeout(2);
      auto health = client.Get("/health");
      report["running"] = true;
      report["healthy"] = health && health->status == 200;
    }
    if (json_output(invocation.options)) {
      print_json(report);
    } else if (!report["running"].as_bool()) {
      std::cout << "orchestrator: not running\n";
    } else {
      std::cout << "orchestrator: running (pid " << report["pid"].as_int64() << ") on http://"
                << field(report, "host") << ":" << report["port"].as_int64() << ", "
                << (report["healthy"].as_bool() ? "healthy" : "not answering") << '\n';
    }
    return report["running"].as_bool() ? 0 : 4;
  });
}

void add_logs(CLI::App& orchestrator, Invocation& invocation) {
  auto lines = std::make_shared<std::size_t>(50);
  auto* logs = orchestrator.add_subcommand("logs", "Print the end of the orchestrator log");
  logs->add_option("-n,--lines", *lines, "Number of lines (default 50)");
  on_run(*logs, invocation, [lines](host::Host& host) {
    std::ifstream in(orchestrator_log(host));
    if (!in) {
      throw sdk::Error::not_found("no orchestrator log at '" + orchestrator_log(host).string() +
                                  "'");
    }
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
      tail.push_back(line);
      if (tail.size() > *lines) tail.pop_front();
    }
    for (const auto& line : tail) std::cout << line << '\n';
    return 0;
  });
}

}  // namespace

void add_orchestrator_commands(CLI::App& app, Invocation& invocation) {
  auto* orchestrator = app.add_subcommand("orchestrator", "Run and control the HTTP orchestrator");
  orchestrator->require_subcommand(1);
  add_start(*orchestrator, invocation);
  add_stop(*orchestrator, invocation);
  add_status(*orchestrator, invocation);
  add_logs(*orchestrator, invocation);
}

}  // namespace provisioning::cli
