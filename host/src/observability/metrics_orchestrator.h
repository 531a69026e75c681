#pragma once

#include <provisioning/sdk/storage.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "observability/metrics.h"
#include "orchestrator/api_router.h"
#include "orchestrator/workflow_engine.h"
#include "plugin_loader.h"
#include "workspace.h"

namespace provisioning::host::observability {

// The gauges of one running orchestrator, updated at each scrape: workflows and tasks by
// state, the engine's queue depth and the bridge counts of its workspace.
//
// Terminal states (Completed, Failed, Cancelled) are counted once from storage when the
// object is made and then by an engine listener; Pending and Running come from the
// engine's memory. Make it before WorkflowEngine::start() so no finish is missed, and
// destroy it before the engine.
class OrchestratorMetrics {
 public:
  OrchestratorMetrics(WorkflowEngine& engine, PluginHandle<sdk::StorageBackend> storage,
                      const Workspace& workspace);
  ~OrchestratorMetrics();

  OrchestratorMetrics(const OrchestratorMetrics&) = delete;
  OrchestratorMetrics& operator=(const OrchestratorMetrics&) = delete;

 private:
  struct TerminalCounts {
    std::mutex mutex;
    std::map<std::string, double> workflows;
    std::map<std::string, double> tasks;
  };

  void collect();
  void collect_bridge();

  WorkflowEngine& engine_;
  std::filesystem::path bridge_stats_file_;
  std::shared_ptr<TerminalCounts> terminal_;  // shared with the engine listener
  CollectorHandle collector_;
};

// Records one request the orchestrator served: its API version (from the response's
// API-Version header, "none" when the request named no supported version), the route
// template the router matched and its status.
void record_served_request(const HttpRequest& request, const HttpResponse& response,
                           std::chrono::steady_clock::time_point started);

// Returns the response of GET /metrics: the exposition, or 404 when metrics are off.
HttpResponse metrics_response(const std::string& api_version, const std::string& correlation_id);

// Runs the collectors and returns the whole exposition in the text format 0.0.4.
std::string expose_metrics();

}  // namespace provisioning::host::observability
