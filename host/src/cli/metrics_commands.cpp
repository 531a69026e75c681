// `provisioning metrics`: a terminal summary of the figures that GET /metrics exposes,
// read from the running orchestrator, or computed from the workspace when none runs.

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/storage.h>

#include <array>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "bridge/bridge_stats.h"
#include "cli/cli.h"
#include "cli/orchestrator_client.h"
#include "observability/metrics_text.h"
#include "orchestrator/orchestrator.h"

namespace provisioning::cli {
namespace {

namespace obs = host::observability;

constexpr std::array<const char*, 5> kStates = {"Pending", "Running", "Completed", "Failed",
                                                "Cancelled"};

// Figures in print order: a name and its value (a number, or text when the number
// needs a unit or several parts).
using Figures = std::vector<std::pair<std::string, json::value>>;

std::string format_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, value == static_cast<long long>(value) ? "%.0f" : "%.3f",
                value);
  return buffer;
}

std::string format_seconds(std::optional<double> seconds) {
  if (!seconds) return "-";
  char buffer[64];
  if (*seconds < 1.0) {
    std::snprintf(buffer, sizeof buffer, "%.1f ms", *seconds * 1000.0);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2f s", *seconds);
  }
  return buffer;
}

double total(const std::vector<obs::Sample>& samples, std::string_view name,
             const std::map<std::string, std::string>& match = {}) {
  return obs::sum_samples(samples, name, match).value_or(0.0);
}

// Adds "<prefix> <state>" for each workflow state.
void add_states(Figures& figures, const std::string& prefix,
                const std::function<double(const char*)>& count) {
  for (const char* state : kStates) figures.emplace_back(prefix + " " + state, count(state));
}

// Values of a label among samples of `name`, in order.
std::set<std::string> label_values(const std::vector<obs::Sample>& samples, std::string_view name,
                                   const std::string& label) {
  std::set<std::string> values;
  for (const auto& sample : samples) {
    auto found = sample.labels.find(label);
    if (sample.name == name && found != sample.labels.end()) values.insert(found->second);
  }
  return values;
}

void add_http_figures(Figures& figures, const std::vector<obs::Sample>& samples) {
  const char* requests = "provisioning_http_requests_total";
  for (const auto& version : label_values(samples, requests, "api_version")) {
    figures.emplace_back("http requests " + version,
                         total(samples, requests, {{"api_version", version}}));
  }
  double server_errors = 0;
  for (const auto& sample : samples) {
    auto status = sample.labels.find("status");
    if (sample.name == requests && status != sample.labels.end() && status->second[0] == '5') {
      server_errors += sample.value;
    }
  }
  figures.emplace_back("http 5xx responses", server_errors);
  const char* duration = "provisioning_http_request_duration_seconds";
  figures.emplace_back("http latency p50",
                       format_seconds(obs::histogram_quantile(samples, duration, 0.5)));
  figures.emplace_back("http latency p99",
                       format_seconds(obs::histogram_quantile(samples, duration, 0.99)));
}

void add_engine_figures(Figures& figures, const std::vector<obs::Sample>& samples) {
  add_states(figures, "workflows", [&](const char* state) {
    return total(samples, "provisioning_workflows", {{"state", state}});
  });
  add_states(figures, "tasks", [&](const char* state) {
    return total(samples, "provisioning_tasks", {{"state", state}});
  });
  figures.emplace_back("workflow queue depth", total(samples, "provisioning_workflow_queue_depth"));
  figures.emplace_back("task retries", total(samples, "provisioning_task_retries_total"));
  const char* duration = "provisioning_task_duration_seconds";
  figures.emplace_back("task duration p50",
                       format_seconds(obs::histogram_quantile(samples, duration, 0.5)));
  figures.emplace_back("task duration p99",
                       format_seconds(obs::histogram_quantile(samples, duration, 0.99)));
}

void add_other_figures(Figures& figures, const std::vector<obs::Sample>& samples) {
  figures.emplace_back("plugin loads", total(samples, "provisioning_plugin_loads_total"));
  figures.emplace_back("plugin load failures",
                       total(samples, "provisioning_plugin_load_failures_total"));
  figures.emplace_back("storage operations",
                       total(samples, "provisioning_storage_operations_total"));
  figures.emplace_back("storage errors", total(samples, "provisioning_storage_errors_total"));
  figures.emplace_back("migration records done",
                       total(samples, "provisioning_migration_done_records"));
  figures.emplace_back("migration records expected",
                       total(samples, "provisioning_migration_expected_records"));
  const char* bridge = "provisioning_bridge_operations_total";
  figures.emplace_back("bridge operations new path", total(samples, bridge, {{"path", "new"}}));
  figures.emplace_back("bridge operations legacy path",
                       total(samples, bridge, {{"path", "legacy"}}));
  figures.emplace_back("bridge fallbacks", total(samples, "provisioning_bridge_fallbacks_total"));
  figures.emplace_back("bridge compatibility ratio",
                       total(samples, "provisioning_bridge_compatibility_ratio"));
  figures.emplace_back("resident memory bytes", total(samples, "process_resident_memory_bytes"));
  figures.emplace_back("open file descriptors", total(samples, "process_open_fds"));
}

Figures figures_from_exposition(const std::string& text) {
  std::vector<obs::Sample> samples = obs::parse_exposition(text);
  Figures figures;
  add_http_figures(figures, samples);
  add_engine_figures(figures, samples);
  add_other_figures(figures, samples);
  return figures;
}

std::map<std::string, double> count_by_status(host::Host& host, std::string_view collection) {
  std::map<std::string, double> counts;
  host.storage().call("for_each", [&](sdk::StorageBackend& storage) {
    storage.for_each(collection, [&](const std::string&, const json::object& record) {
      counts[field(record, "status")] += 1;
      return true;
    });
  });
  return counts;
}

Figures figures_from_workspace(host::Host& host) {
  Figures figures;
  for (const auto& [status, count] : count_by_status(host, "servers")) {
    figures.emplace_back("servers " + (status.empty() ? std::string("(no status)") : status),
                         count);
  }
  std::map<std::string, double> workflows = count_by_status(host, sdk::kWorkflows);
  std::map<std::string, double> tasks = count_by_status(host, "tasks");
  add_states(figures, "workflows", [&](const char* state) { return workflows[state]; });
  add_states(figures, "tasks", [&](const char* state) { return tasks[state]; });
  for (auto kind : {sdk::PluginKind::kProvider, sdk::PluginKind::kTaskserv,
                    sdk::PluginKind::kStorage, sdk::PluginKind::kApi}) {
    figures.emplace_back(std::string("plugins discovered ") + sdk::to_string(kind),
                         static_cast<double>(host.catalog().entries(kind).size()));
  }
  figures.emplace_back("plugin problems", static_cast<double>(host.catalog().problems().size()));
  auto bridge = host::bridge::read_bridge_stats(host::bridge::bridge_stats_file(host.workspace()));
  figures.emplace_back("bridge operations new path", static_cast<double>(bridge.total.new_path));
  figures.emplace_back("bridge operations legacy path",
                       static_cast<double>(bridge.total.legacy_path));
  figures.emplace_back("bridge fallbacks", static_cast<double>(bridge.total.fallbacks));
  return figures;
}

// Returns the exposition of the orchestrator of this workspace, or std::nullopt when its
// state file names no live process on a loopback address.
std::optional<std::string> scrape_running_orchestrator(host::Host& host,
                                                       const GlobalOptions& options,
                                                       std::string& address) {
  OrchestratorClient client(host, options.correlation_id);
  if (client.address().origin != host::orchestrator_state_file(host.workspace()).string() ||
      !host::is_loopback_address(client.address().host)) {
    return std::nullopt;
  }
  address = client.address().url();
  HttpResponse response = client.send("GET", "/metrics", nullptr, RequestOptions{});
  if (response.status != 200) throw error_from_response(response, "GET /metrics");
  return response.body;
}

void print_figures(const GlobalOptions& options, const std::string& source,
                   const Figures& figures) {
  if (json_output(options)) {
    json::object values;
    for (const auto& [name, value] : figures) values[name] = value;
    print_json(json::object{{"source", source}, {"figures", std::move(values)}});
    return;
  }
  std::cout << "source: " << source << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, value] : figures) {
    rows.push_back({name, value.is_double() ? format_number(value.get_double())
                                            : std::string(value.as_string())});
  }
  print_table({"FIGURE", "VALUE"}, rows);
}

int show_metrics(host::Host& host, const GlobalOptions& options) {
  std::string address;
  if (auto text = scrape_running_orchestrator(host, options, address)) {
    print_figures(options, "orchestrator at " + address, figures_from_exposition(*text));
  } else {
    print_figures(options,
                  "workspace " + host.workspace().root().string() + " (no orchestrator runs)",
                  figures_from_workspace(host));
  }
  return 0;
}

}  // namespace

void add_metrics_commands(CLI::App& app, Invocation& invocation) {
  auto* metrics = app.add_subcommand(
      "metrics",
      "Summarize the orchestrator's metrics, or the workspace's counts when it is not running");
  on_run(*metrics, invocation,
         [&invocation](host::Host& host) { return show_metrics(host, invocation.options); });
}

}  // namespace provisioning::cli
