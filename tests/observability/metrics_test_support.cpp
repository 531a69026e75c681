#include "metrics_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "orchestrator_test_support.h"

extern char** environ;

namespace provisioning::testing {
namespace {

pid_t spawn_with_files(const std::vector<std::string>& argv, const std::string& input,
                       const std::filesystem::path& output) {
  std::vector<std::string> args = argv;
  std::vector<char*> pointers;
  for (auto& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, input.empty() ? "/dev/null" : input.c_str(),
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int failed = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) throw std::runtime_error("cannot start " + args[0]);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string scrape(int port, const std::string& token) {
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  Reply reply = send_request(port, "GET", "/metrics", std::nullopt, "", headers);
  EXPECT_EQ(reply.status, 200) << reply.body;
  return reply.status == 200 ? reply.body : "";
}

std::optional<double> series_value(const std::string& text, const std::string& name,
                                   const std::map<std::string, std::string>& labels) {
  for (const auto& sample : obs::parse_exposition(text)) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return std::nullopt;
}

std::vector<std::string> dashboard_expressions() {
  json::value dashboard = json::parse(
      read_text(std::string(PROVISIONING_SOURCE_DIR) + "/docs/monitoring/grafana-dashboard.json"));
  std::vector<std::string> expressions;
  for (const auto& panel : dashboard.at("panels").as_array()) {
    const json::value* targets = panel.as_object().if_contains("targets");
    if (targets == nullptr) continue;
    for (const auto& target : targets->as_array()) expressions.push_back(text(target, "expr"));
  }
  return expressions;
}

ToolResult run_tool(const std::vector<std::string>& argv, const std::string& input) {
  TempDir capture("provisioning-tool");
  std::string input_file;
  if (!input.empty()) {
    input_file = (capture / "input").string();
    write_text(input_file, input);
  }
  pid_t pid = spawn_with_files(argv, input_file, capture / "output");
  ToolResult result;
  result.exit_code = wait_for(pid);
  result.output = read_text(capture / "output");
  return result;
}

bool require_tool(const std::string& path, const std::string& name) {
  if (!path.empty() && std::filesystem::exists(path)) return true;
  ADD_FAILURE() << name << " is not installed; install the Debian package 'prometheus' "
                << "(scripts/install-deps.sh does) and configure the build again";
  return false;
}

int free_loopback_port() {
  int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(socket);
    throw std::runtime_error("cannot bind a loopback socket");
  }
  ::close(socket);
  return ntohs(address.sin_port);
}

PrometheusServer::PrometheusServer(int target_port, const std::string& bearer_token)
    : port_(free_loopback_port()) {
  std::string rules = std::string(PROVISIONING_SOURCE_DIR) + "/docs/monitoring/alert-rules.yml";
  std::string config =
      "global:\n"
      "  scrape_interval: 1s\n"
      "  evaluation_interval: 1s\n"
      "rule_files:\n"
      "  - " +
      rules +
      "\n"
      "scrape_configs:\n"
      "  - job_name: provisioning\n"
      "    authorization:\n"
      "      credentials: " +
      bearer_token +
      "\n"
      "    static_configs:\n"
      "      - targets: ['127.0.0.1:" +
      std::to_string(target_port) + "']\n";
  write_text(directory_ / "prometheus.yml", config);
  pid_ = spawn_with_files(
      {PROMETHEUS_EXECUTABLE, "--config.file=" + (directory_ / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (directory_ / "data").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
      "", directory_ / "prometheus.log");
}

PrometheusServer::~PrometheusServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  bool exited = poll_until(
      [this] {
        int status = 0;
        return ::waitpid(pid_, &status, WNOHANG) == pid_;
      },
      std::chrono::seconds(10));
  if (!exited) {
    ::kill(pid_, SIGKILL);
    wait_for(pid_);
  }
}

bool PrometheusServer::wait_until_ready() {
  return poll_until(
             [this] {
               int status = 0;
               if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                 pid_ = -1;
                 return true;  // It exited, so it never becomes ready.
               }
               httplib::Client client("127.0.0.1", port_);
               client.set_connection_timeout(1);
               auto result = client.Get("/-/ready");
               return result && result->status == 200;
             },
             std::chrono::seconds(60)) &&
         pid_ > 0;
}

json::value PrometheusServer::get(const std::string& path) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(2);
  client.set_read_timeout(10);
  auto result = client.Get(path);
  if (!result || result->status != 200) return nullptr;
  boost::system::error_code error;
  json::value parsed = json::parse(result->body, error);
  return error ? json::value(nullptr) : parsed;
}

json::value PrometheusServer::query(const std::string& promql) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(2);
  auto result = client.Get("/api/v1/query", httplib::Params{{"query", promql}}, {});
  if (!result) return nullptr;
  boost::system::error_code error;
  json::value body = json::parse(result->body, error);
  return error ? json::value(nullptr) : body;
}

std::optional<double> PrometheusServer::query_single(const std::string& promql) const {
  json::value body = query(promql);
  if (text(body, "status") != "success") return std::nullopt;
  const json::array& series = body.at("data").at("result").as_array();
  if (series.size() != 1) return std::nullopt;
  return std::stod(std::string(series[0].at("value").as_array()[1].as_string()));
}

std::string PrometheusServer::log() const {
  return read_text(directory_ / "prometheus.log");
}

}  // namespace provisioning::testing
