#include "observability/metrics_orchestrator.h"

#include <algorithm>
#include <array>

#include "bridge/bridge_stats.h"
#include "logging.h"
#include "observability/metrics_hooks.h"

namespace provisioning::host::observability {
namespace {

constexpr std::array<const char*, 5> kStates = {kPending, kRunning, kCompleted, kFailed,
                                                kCancelled};
constexpr std::array<std::string_view, 3> kBridgeModes = {"compatibility", "migration", "off"};

// Paths the router serves itself for every API version; their path is their route.
constexpr std::array<std::string_view, 6> kSharedRoutes = {
    "/health", "/health/detailed", "/metrics", "/api/versions", "/api/openapi.json", "/ui"};

std::string status_of(const json::object& record) {
  const json::value* value = record.if_contains("status");
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// Counts the records of `collection` in a terminal state, by state.
std::map<std::string, double> count_terminal(PluginHandle<sdk::StorageBackend>& storage,
                                             std::string_view collection) {
  std::map<std::string, double> counts;
  storage.call("for_each", [&](sdk::StorageBackend& backend) {
    backend.for_each(collection, [&](const std::string&, const json::object& record) {
      std::string status = status_of(record);
      if (is_terminal_state(status)) counts[status] += 1;
      return true;
    });
  });
  return counts;
}

std::string_view route_label(const HttpRequest& request, const HttpResponse& response) {
  if (!response.route.empty()) return response.route;
  if (response.status != 404) {
    for (auto route : kSharedRoutes) {
      if (route == request.path) return route;
    }
  }
  return "unmatched";
}

}  // namespace

OrchestratorMetrics::OrchestratorMetrics(WorkflowEngine& engine,
                                         PluginHandle<sdk::StorageBackend> storage,
                                         const Workspace& workspace)
    : engine_(engine),
      bridge_stats_file_(bridge::bridge_stats_file(workspace)),
      terminal_(std::make_shared<TerminalCounts>()) {
  terminal_->workflows = count_terminal(storage, sdk::kWorkflows);
  terminal_->tasks = count_terminal(storage, "tasks");
  // Each workflow has one task, and the engine ends both with the same status.
  engine.add_listener([terminal = terminal_](const json::object& workflow) {
    std::string status = status_of(workflow);
    std::lock_guard lock(terminal->mutex);
    terminal->workflows[status] += 1;
    terminal->tasks[status] += 1;
  });
  collector_ = registry().add_collector([this] { collect(); });
}

OrchestratorMetrics::~OrchestratorMetrics() = default;

void OrchestratorMetrics::collect() {
  auto& workflows =
      registry().gauge("provisioning_workflows", "Workflows stored, by state.", {"state"});
  auto& tasks =
      registry().gauge("provisioning_tasks", "Workflow tasks stored, by state.", {"state"});
  auto& queue = registry().gauge("provisioning_workflow_queue_depth",
                                 "Workflow tasks queued, waiting for a retry or running.");
  std::map<std::string, std::size_t> active = engine_.count_active_by_status();
  std::lock_guard lock(terminal_->mutex);
  for (const char* state : kStates) {
    double live = static_cast<double>(active[state]);
    workflows.with({state}).set(live + terminal_->workflows[state]);
    tasks.with({state}).set(live + terminal_->tasks[state]);
  }
  queue.with({}).set(static_cast<double>(engine_.queue_depth()));
  collect_bridge();
}

void OrchestratorMetrics::collect_bridge() {
  auto& operations = registry().counter(
      "provisioning_bridge_operations_total",
      "Operations the bridge routed, by the path that served them and the bridge mode.",
      {"path", "mode"});
  auto& fallbacks = registry().counter(
      "provisioning_bridge_fallbacks_total",
      "Operations that failed on the new path and ran on the legacy path, by bridge mode.",
      {"mode"});
  auto& compatibility = registry().gauge(
      "provisioning_bridge_compatibility_ratio",
      "Share of operations tried on the new path that it served without a fallback (0 to 1).");
  bridge::BridgeStats stats;
  try {
    stats = bridge::read_bridge_stats(bridge_stats_file_);
  } catch (const std::exception& error) {
    component_logger("orchestrator")
        ->warn("cannot read bridge counts for metrics: {}", error.what());
    return;
  }
  for (const auto& [mode, counts] : stats.by_mode) {
    if (std::find(kBridgeModes.begin(), kBridgeModes.end(), mode) == kBridgeModes.end()) continue;
    operations.with({"new", mode}).mirror(static_cast<double>(counts.new_path));
    operations.with({"legacy", mode}).mirror(static_cast<double>(counts.legacy_path));
    fallbacks.with({mode}).mirror(static_cast<double>(counts.fallbacks));
  }
  double tried_new = static_cast<double>(stats.total.new_path + stats.total.fallbacks);
  compatibility.with({}).set(tried_new > 0 ? stats.total.new_path / tried_new : 1.0);
}

void record_served_request(const HttpRequest& request, const HttpResponse& response,
                           std::chrono::steady_clock::time_point started) {
  if (!metrics_enabled()) return;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto version = response.headers.find("API-Version");
  std::string_view version_label = version != response.headers.end() ? version->second : "none";
  record_http_request(version_label, route_label(request, response), request.method,
                      response.status, seconds);
}

std::string expose_metrics() {
  register_metrics();
  return registry().expose();
}

HttpResponse metrics_response(const std::string& api_version, const std::string& correlation_id) {
  HttpResponse response;
  if (!metrics_enabled()) {
    response.status = 404;
    response.body = json::serialize(error_body(
        "not_found",
        "metrics are off (observability.metrics = false); set observability.metrics = true "
        "and restart the orchestrator",
        api_version, correlation_id));
    return response;
  }
  response.body = expose_metrics();
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

}  // namespace provisioning::host::observability
