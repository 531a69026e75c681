#pragma once

// Helpers for the metrics tests: scraping /metrics, running promtool on a text, and a
// real Prometheus server on 127.0.0.1 with its storage in a temporary directory.

#include <provisioning/sdk/json.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../support/temp_dir.h"
#include "observability/metrics_text.h"

namespace provisioning::testing {

namespace json = boost::json;
namespace obs = host::observability;

// GET /metrics on 127.0.0.1:`port`; returns the body of a 200 response, else records a
// test failure and returns "".
std::string scrape(int port, const std::string& token = "");

// The value of one series in `text`, or std::nullopt when it is absent.
std::optional<double> series_value(const std::string& text, const std::string& name,
                                   const std::map<std::string, std::string>& labels);

struct ToolResult {
  int exit_code = -1;
  std::string output;  // standard output and standard error together
};

// Every Prometheus expression of the panels of docs/monitoring/grafana-dashboard.json.
std::vector<std::string> dashboard_expressions();

// Runs `argv` with standard input read from `input` (no input when empty).
ToolResult run_tool(const std::vector<std::string>& argv, const std::string& input = "");

// Fails the test with the package to install when promtool or prometheus is missing.
bool require_tool(const std::string& path, const std::string& name);

// Returns a TCP port on 127.0.0.1 that was free a moment ago.
int free_loopback_port();

// A Prometheus server on 127.0.0.1 that scrapes one target every second, with the
// shipped alert rules loaded. Stopped (SIGTERM, then SIGKILL) when destroyed.
class PrometheusServer {
 public:
  PrometheusServer(int target_port, const std::string& bearer_token);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // Whether GET /-/ready returned 200 before the deadline or the process exited.
  bool wait_until_ready();

  // GET `path` on the server's HTTP API; the parsed JSON body, or null on failure.
  json::value get(const std::string& path) const;

  // The value of an instant query that returns one series, or std::nullopt.
  std::optional<double> query_single(const std::string& promql) const;

  // The JSON body of an instant query, whatever its status.
  json::value query(const std::string& promql) const;

  int port() const { return port_; }
  std::string log() const;

 private:
  TempDir directory_{"provisioning-prometheus"};
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace provisioning::testing
