#pragma once

#include <provisioning/sdk/api_version.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "host.h"
#include "orchestrator/api_router.h"
#include "orchestrator/batch_engine.h"
#include "orchestrator/committer.h"
#include "orchestrator/idle_trim.h"
#include "orchestrator/operations.h"
#include "orchestrator/response_cache.h"
#include "orchestrator/workflow_engine.h"

namespace provisioning::host::observability {
class OrchestratorMetrics;
}

namespace httplib {
class Server;
}

namespace provisioning::host {

struct OrchestratorOptions {
  std::string host = "127.0.0.1";
  int port = 9090;  // 0 picks a free port
  std::string auth_token;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_connections = 256;  // connections served at once; more wait in line
  EngineSettings engine;
  RouterSettings router;
  bool metrics = true;  // observability.metrics
};

// Reads the orchestrator.* and api.* keys. Throws sdk::Error (kInvalidArgument) when the
// address is not a loopback address and orchestrator.auth_token is not set.
OrchestratorOptions orchestrator_options(const Config& config, const HostPaths& paths);

// Returns whether `host` names a loopback address (127.0.0.0/8, ::1 or localhost).
bool is_loopback_address(const std::string& host);

// The HTTP orchestrator: the versioned API over a durable workflow engine.
class Orchestrator : public sdk::ApiServices {
 public:
  // Number of connections the kernel queues for the accepting thread, capped at
  // net.core.somaxconn. With httplib's backlog of 5, clients of a burst were dropped and
  // retransmitted, which added 200 ms to 1 s to their requests.
  static constexpr int kListenBacklog = 1024;

  Orchestrator(Host& host, OrchestratorOptions options);
  ~Orchestrator() override;

  // Claims the workspace (one orchestrator per workspace), recovers unfinished work and
  // binds the port. Returns the bound port. Throws sdk::Error naming the port when it is
  // in use, or naming the running orchestrator's pid when another one owns the workspace.
  int start();

  // Serves requests until stop() is called from another thread, then stops the engines
  // (running tasks finish) and releases the workspace.
  void run();

  // Asks run() to return once in-flight requests are done. When run() is not serving,
  // stops the engines and releases the workspace itself. Safe from any thread; a
  // thread that runs run() must be joined before the object is destroyed.
  void stop();

  json::value call(const std::string& operation, const json::object& request) override;

  WorkflowEngine& workflows() { return *engine_; }
  BatchEngine& batches() { return *batches_; }
  int port() const { return port_; }

 private:
  void enable_response_cache(PluginHandle<sdk::StorageBackend> storage);
  void note_reads(const std::string& operation);
  json::value call_server(const std::string& operation, const json::object& request);
  json::value call_workflow(const std::string& operation, const json::object& request);
  json::value call_batch(const std::string& operation, const json::object& request);
  void claim_workspace();
  void tear_down();
  void widen_listen_backlog();
  void release_workspace();

  Host& host_;
  OrchestratorOptions options_;
  Operations operations_;
  std::unique_ptr<Committer> committer_;
  std::unique_ptr<WorkflowEngine> engine_;
  std::unique_ptr<BatchEngine> batches_;
  std::unique_ptr<ApiRouter> router_;
  std::shared_ptr<ResponseCache> cache_;  // null when the backend has no change stamps
  std::unique_ptr<IdleTrimmer> trimmer_;
  std::unique_ptr<observability::OrchestratorMetrics> metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::mutex stop_mutex_;
  bool stop_requested_ = false;
  bool running_ = false;
  int lock_fd_ = -1;
  int listener_ = -1;  // the listening socket, owned by server_
  int port_ = 0;
};

// Where a running orchestrator records its pid and address: <state_dir>/orchestrator.json.
std::filesystem::path orchestrator_state_file(const Workspace& workspace);

}  // namespace provisioning::host
