#include "support/surreal_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace provisioning::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kPollInterval = std::chrono::milliseconds(20);

std::filesystem::path adapter_directory() {
  return SURREAL_ADAPTER_DIR;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Returns the full path of `program` found on PATH, or an empty path.
std::filesystem::path find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream directories(path == nullptr ? "" : path);
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    std::filesystem::path candidate = std::filesystem::path(directory) / program;
    if (!directory.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::filesystem::path make_scratch_directory() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "surreal-adapter-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary directory for the SurrealDB adapter");
  }
  return pattern;
}

// The current environment with SURREAL_USER and SURREAL_PASS replaced, so the password
// stays off the adapter's command line.
std::vector<std::string> adapter_environment(const SurrealServerOptions& options) {
  std::vector<std::string> entries;
  for (char** item = environ; *item != nullptr; ++item) {
    std::string entry(*item);
    if (entry.rfind("SURREAL_", 0) == 0) continue;
    entries.push_back(std::move(entry));
  }
  entries.push_back("SURREAL_USER=" + options.username);
  entries.push_back("SURREAL_PASS=" + options.password);
  if (options.max_sql_body_bytes > 0) {
    entries.push_back("SURREAL_HTTP_MAX_SQL_BODY_SIZE=" +
                      std::to_string(options.max_sql_body_bytes));
  }
  return entries;
}

}  // namespace

bool SurrealServer::available() {
  return unavailable_reason().empty();
}

std::string SurrealServer::unavailable_reason() {
  auto modules = adapter_directory() / "node_modules" / "@surrealdb" / "node";
  if (!std::filesystem::exists(modules)) {
    return "the SurrealDB test engine is not installed (" + modules.string() +
           " is missing); run scripts/install-test-node-deps.sh";
  }
  if (find_on_path("node").empty()) {
    return "node is not on PATH; run scripts/install-test-node-deps.sh";
  }
  return {};
}

SurrealServer::SurrealServer(SurrealServerOptions options) : options_(std::move(options)) {
  std::string reason = unavailable_reason();
  if (!reason.empty()) throw std::runtime_error(reason);
  scratch_ = make_scratch_directory();
  try {
    spawn();
    wait_for_port_line();
    wait_for_health();
  } catch (...) {
    stop();
    throw;
  }
}

SurrealServer::~SurrealServer() {
  stop();
}

void SurrealServer::spawn() {
  std::vector<std::string> args = {find_on_path("node").string(),
                                   (adapter_directory() / "server.mjs").string(), "--bind",
                                   "127.0.0.1:0"};
  if (options_.data_directory.empty()) {
    args.push_back("memory");
  } else {
    std::filesystem::create_directories(options_.data_directory);
    args.push_back("surrealkv://" + options_.data_directory.string());
  }
  std::vector<std::string> env = adapter_environment(options_);

  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (scratch_ / "stdout").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, (scratch_ / "stderr").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // A process group of its own, so stop() also reaches anything the adapter starts.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  int failed = posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) {
    pid_ = -1;
    throw std::runtime_error("failed to start " + args[0] + ": " + std::strerror(failed));
  }
}

void SurrealServer::wait_for_port_line() {
  const std::string prefix = "listening 127.0.0.1:";
  auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    std::string out = read_file(scratch_ / "stdout");
    auto end = out.find('\n');
    if (end != std::string::npos) {
      if (out.rfind(prefix, 0) != 0) {
        throw std::runtime_error("unexpected first line from the SurrealDB adapter: '" +
                                 out.substr(0, end) + "'" + diagnostics());
      }
      port_ = std::stoi(out.substr(prefix.size(), end - prefix.size()));
      url_ = "http://127.0.0.1:" + std::to_string(port_);
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the SurrealDB adapter exited before listening" + diagnostics());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  throw std::runtime_error("the SurrealDB adapter printed no port within 60 s" + diagnostics());
}

void SurrealServer::wait_for_health() {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::seconds(2));
  auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    auto response = client.Get("/health");
    if (response && response->status == 200) return;
    std::this_thread::sleep_for(kPollInterval);
  }
  throw std::runtime_error("GET " + url_ + "/health did not return 200 within 60 s" +
                           diagnostics());
}

std::string SurrealServer::diagnostics() const {
  return "; adapter standard error: " + read_file(scratch_ / "stderr");
}

void SurrealServer::stop() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    // The engine may leave helper processes in the group; none may outlive the test.
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
  }
  if (!scratch_.empty()) {
    std::error_code ignored;  // a leftover log directory must not fail a test
    std::filesystem::remove_all(scratch_, ignored);
    scratch_.clear();
  }
}

}  // namespace provisioning::testing
