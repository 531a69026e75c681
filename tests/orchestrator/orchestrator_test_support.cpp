#include "orchestrator_test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "../support/run_process.h"
#include "workspace.h"

namespace provisioning::testing {
namespace {

constexpr std::string_view kTerminalStates[] = {"Completed", "Failed", "Cancelled"};

bool is_terminal(const std::string& status) {
  for (auto state : kTerminalStates) {
    if (status == state) return true;
  }
  return false;
}

httplib::Result dispatch(httplib::Client& client, const std::string& method,
                         const std::string& path, const std::string& body,
                         const httplib::Headers& headers) {
  const char* type = "application/json";
  if (method == "GET") return client.Get(path, headers);
  if (method == "POST") return client.Post(path, headers, body, type);
  if (method == "PUT") return client.Put(path, headers, body, type);
  if (method == "PATCH") return client.Patch(path, headers, body, type);
  if (method == "DELETE") return client.Delete(path, headers, body, type);
  throw std::invalid_argument("send_request: unsupported method " + method);
}

// Starts `argv` with the current environment changed by `env` (an empty value unsets a
// variable), standard input from /dev/null and both output streams in `output`.
pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const fs::path& output) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int failed = spawn_process(&pid, argv, env, actions);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) {
    throw std::runtime_error("failed to start " + argv[0] + ": " + std::strerror(failed));
  }
  return pid;
}

}  // namespace

bool Reply::has_header(const std::string& name) const {
  return headers.find(name) != headers.end();
}

std::string Reply::header(const std::string& name) const {
  auto found = headers.find(name);
  return found == headers.end() ? "" : found->second;
}

const json::object& Reply::object() const {
  static const json::object empty;
  if (!json.is_object()) {
    ADD_FAILURE() << "response body is not a JSON object (status " << status << "): " << body;
    return empty;
  }
  return json.get_object();
}

std::string Reply::error_code() const {
  if (!json.is_object()) return "";
  const json::value* error = json.get_object().if_contains("error");
  return error != nullptr && error->is_object() ? text(*error, "code") : "";
}

std::string Reply::error_message() const {
  if (!json.is_object()) return "";
  const json::value* error = json.get_object().if_contains("error");
  return error != nullptr && error->is_object() ? text(*error, "message") : "";
}

Reply send_request(int port, const std::string& method, const std::string& path,
                   const std::optional<std::string>& version, const std::string& body,
                   const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(60);
  httplib::Headers all = headers;
  if (version) all.emplace("API-Version", *version);
  httplib::Result result = dispatch(client, method, path, body, all);
  Reply reply;
  if (!result) {
    reply.error = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.headers = result->headers;
  reply.body = result->body;
  boost::system::error_code parse_error;
  reply.json = json::parse(reply.body, parse_error);
  if (parse_error) reply.json = nullptr;
  return reply;
}

bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TestWorkspace::TestWorkspace() : root_(temp_ / "workspace") {
  host::init_workspace(root_);
}

void TestWorkspace::append_config(const std::string& toml) const {
  std::ofstream(root_ / "config.toml", std::ios::app) << "\n" << toml << "\n";
}

std::unique_ptr<host::Host> TestWorkspace::open_host(
    const std::map<std::string, std::string>& settings) const {
  host::HostOptions options;
  options.workspace = root_;
  options.config_flags = settings;
  options.environment = host::fixed_environment({{"HOME", temp_.path().string()},
                                                 {"XDG_DATA_HOME", (temp_ / "data").string()},
                                                 {"XDG_CONFIG_HOME", (temp_ / "config").string()}});
  options.cwd = temp_.path();
  options.executable = PROVISIONING_BINARY;
  return host::Host::open(options);
}

std::map<std::string, std::string> TestWorkspace::environment() const {
  std::map<std::string, std::string> env = home_environment(temp_);
  env.insert({{"PROVISIONING_ORCHESTRATOR_PORT", ""},
              {"PROVISIONING_ORCHESTRATOR_HOST", ""},
              {"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", ""}});
  return env;
}

std::vector<std::string> TestWorkspace::server_directories() const {
  std::vector<std::string> names;
  fs::path directory = state_dir() / "servers";
  if (!fs::exists(directory)) return names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  return names;
}

InProcessOrchestrator::InProcessOrchestrator(host::Host& host, host::OrchestratorOptions options)
    : orchestrator_(std::make_unique<host::Orchestrator>(host, std::move(options))) {
  port_ = orchestrator_->start();
  server_thread_ = std::thread([this] { orchestrator_->run(); });
  // Orchestrator::stop() only ends run() once the server loop runs, so wait for it.
  bool up = poll_until(
      [this] { return send_request(port_, "GET", "/health", std::nullopt).status == 200; },
      std::chrono::seconds(30));
  EXPECT_TRUE(up) << "the orchestrator on port " << port_ << " did not answer /health";
}

InProcessOrchestrator::~InProcessOrchestrator() {
  orchestrator_->stop();
  if (server_thread_.joinable()) server_thread_.join();
}

OrchestratorProcess::OrchestratorProcess(const TestWorkspace& workspace,
                                         const std::vector<std::string>& settings, int port)
    : workspace_(workspace) {
  static std::atomic<int> counter{0};
  output_file_ = workspace.root() / ("orchestrator-" + std::to_string(counter++) + ".out");
  std::vector<std::string> argv = {PROVISIONING_BINARY, "--workspace", workspace.root().string()};
  for (const auto& setting : settings) argv.insert(argv.end(), {"--set", setting});
  argv.insert(argv.end(), {"orchestrator", "start", "--port", std::to_string(port)});
  pid_ = spawn(argv, workspace.environment(), output_file_);
}

OrchestratorProcess::~OrchestratorProcess() {
  kill_now();
}

bool OrchestratorProcess::wait_until_listening(std::chrono::seconds timeout) {
  fs::path state_file = workspace_.state_dir() / "orchestrator.json";
  port_ = 0;
  return poll_until(
             [&] {
               if (reap()) return true;
               try {
                 json::value state = json::parse(read_text(state_file));
                 if (state.at("pid").to_number<pid_t>() != pid_) return false;
                 port_ = state.at("port").to_number<int>();
                 return true;
               } catch (const std::exception&) {
                 return false;  // not written yet, or being replaced
               }
             },
             timeout) &&
         pid_ > 0 && port_ > 0;
}

bool OrchestratorProcess::reap() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
  return true;
}

std::string OrchestratorProcess::output() const {
  return read_text(output_file_);
}

std::optional<int> OrchestratorProcess::wait_for_exit(std::chrono::seconds timeout) {
  poll_until([this] { return reap(); }, timeout);
  return exit_code_;
}

void OrchestratorProcess::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = 128 + SIGKILL;
  pid_ = -1;
}

void OrchestratorTest::start(const std::map<std::string, std::string>& settings) {
  start_with(options_for(settings));
}

host::OrchestratorOptions OrchestratorTest::options_for(
    const std::map<std::string, std::string>& settings) {
  host_ = workspace_.open_host(settings);
  host::OrchestratorOptions options = host::orchestrator_options(host_->config(), host_->paths());
  options.port = 0;
  return options;
}

void OrchestratorTest::start_with(host::OrchestratorOptions options) {
  if (!host_) host_ = workspace_.open_host({});
  running_ = std::make_unique<InProcessOrchestrator>(*host_, std::move(options));
}

void OrchestratorTest::TearDown() {
  running_.reset();
  host_.reset();
}

Reply OrchestratorTest::call(const std::string& method, const std::string& path,
                             const std::optional<std::string>& version, const std::string& body,
                             const httplib::Headers& headers) const {
  return send_request(running_->port(), method, path, version, body, headers);
}

json::object OrchestratorTest::wait_for_workflow(const std::string& id) {
  json::object record;
  bool done = poll_until([&] {
    Reply reply = call("GET", "/workflows/" + id, "v2");
    if (reply.status != 200 || !reply.json.is_object()) return false;
    record = reply.json.get_object();
    return is_terminal(text(record, "status"));
  });
  EXPECT_TRUE(done) << "workflow " << id << " is still " << text(record, "status");
  return record;
}

json::object OrchestratorTest::wait_for_batch(const std::string& id) {
  json::object record;
  // A batch's status may turn Failed before its last operations and its rollback end,
  // but finished_at is set only once everything is done.
  bool done = poll_until([&] {
    Reply reply = call("GET", "/workflows/batch/" + id, "v3");
    if (reply.status != 200 || !reply.json.is_object()) return false;
    record = reply.json.get_object();
    return is_terminal(text(record, "status")) && !text(record, "finished_at").empty();
  });
  if (!done) {
    std::string unfinished;
    for (const auto& operation : record.at("operations").as_array()) {
      if (is_terminal(text(operation, "status")) || text(operation, "workflow_id").empty())
        continue;
      unfinished += "\n" + call("GET", "/workflows/" + text(operation, "workflow_id"), "v2").body;
    }
    ADD_FAILURE() << "batch " << id << " has not finished: " << json::serialize(record)
                  << "\nworkflows of its unfinished operations:" << unfinished;
  }
  return record;
}

}  // namespace provisioning::testing
