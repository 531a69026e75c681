#pragma once

#include <string>

#include "bridge/execution_path.h"
#include "cli/orchestrator_client.h"
#include "host.h"

namespace provisioning::cli {

// The bridge's new path: server operations as orchestrator requests (API version v2)
// against the workspace's own store. A create is a server_create workflow that the
// bridge waits for, because legacy callers expect the server when the command returns.
// Throws sdk::Error (kUnavailable) when GET /health of the orchestrator fails or a
// workflow ends Failed or Cancelled, so that the bridge falls back to the legacy path.
class BridgeNewPath final : public host::bridge::ExecutionPath {
 public:
  BridgeNewPath(host::Host& host, std::string correlation_id);

  host::bridge::PathKind kind() const override { return host::bridge::PathKind::kNew; }
  json::value run(const host::bridge::BridgeOperation& operation) override;
  bool has_server(const std::string& name) override;

 private:
  void require_healthy();
  json::value create(const host::bridge::BridgeOperation& operation);
  json::value list();

  host::Host& host_;
  OrchestratorClient client_;
};

}  // namespace provisioning::cli
