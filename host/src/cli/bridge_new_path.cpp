#include "cli/bridge_new_path.h"

#include <provisioning/sdk/error.h>

#include "cli/orchestrated.h"
#include "orchestrator/workflow_engine.h"
#include "servers.h"

namespace provisioning::cli {
namespace {

using host::bridge::BridgeOperation;
using host::bridge::OperationKind;

constexpr std::chrono::milliseconds kHealthTimeout{2000};

std::string server_path(const std::string& name) {
  return "/servers/" + encode_path_segment(name);
}

}  // namespace

BridgeNewPath::BridgeNewPath(host::Host& host, std::string correlation_id)
    : host_(host), client_(host, std::move(correlation_id)) {}

void BridgeNewPath::require_healthy() {
  if (client_.healthy(kHealthTimeout)) return;
  throw sdk::Error::unavailable("orchestrator at " + client_.address().url() + " (from " +
                                client_.address().origin +
                                ") is not answering GET /health; start it with 'provisioning "
                                "orchestrator start --detach'");
}

bool BridgeNewPath::has_server(const std::string& name) {
  HttpResponse response = client_.send("GET", server_path(name), nullptr, {});
  return response.status == 200;
}

json::value BridgeNewPath::run(const BridgeOperation& operation) {
  if (operation.kind == OperationKind::kServerCreate && operation.check) {
    // A dry run changes nothing, so it is checked here without the orchestrator.
    host::ServerService servers(host_);
    host::CreateServerRequest request;
    request.name = operation.server;
    request.plan = operation.plan;
    request.zone = operation.zone;
    request.check = true;
    return servers.create(request);
  }
  require_healthy();
  switch (operation.kind) {
    case OperationKind::kServerCreate:
      return create(operation);
    case OperationKind::kServerDelete:
      if (operation.check) return client_.get(server_path(operation.server), {});
      return client_.call("DELETE", server_path(operation.server), nullptr, {});
    case OperationKind::kServerShow:
      return client_.get(server_path(operation.server), {});
    case OperationKind::kServerList:
      return list();
  }
  throw sdk::Error::internal("unknown bridge operation");
}

// GET /servers returns {"servers": [...]}; the bridge works on the array.
json::value BridgeNewPath::list() {
  json::value response = client_.get("/servers", {});
  const json::value* servers =
      response.is_object() ? response.as_object().if_contains("servers") : nullptr;
  if (servers == nullptr || !servers->is_array()) {
    throw sdk::Error::internal("orchestrator returned no \"servers\" array for GET /servers: " +
                               json::serialize(response).substr(0, 200));
  }
  return *servers;
}

json::value BridgeNewPath::create(const BridgeOperation& operation) {
  if (has_server(operation.server)) {
    throw sdk::Error::already_exists("server '" + operation.server +
                                     "' already exists in the new store; choose another name "
                                     "or delete it first");
  }
  std::string zone =
      operation.zone.empty() ? host_.config().get_string("server.default_zone") : operation.zone;
  // A server_create workflow ends once the provider reports the server running, so the
  // bridge's --wait needs no field of its own.
  json::object body{{"name", operation.server},
                    {"plan", operation.plan},
                    {"zone", zone},
                    {"workflow_options", json::object{{"wait_for_completion", true}}}};
  RequestOptions request;
  request.read_timeout = waited_submission_timeout();
  json::value response = client_.call("POST", "/workflows/servers/create", body, request);
  json::object workflow = response.as_object();
  std::string id = field(workflow, "id");
  if (!host::is_terminal_state(field(workflow, "status"))) {
    workflow = follow_workflow(client_, id, [](const json::object&) {});
  }
  if (field(workflow, "status") != host::kCompleted) {
    throw sdk::Error::unavailable("workflow " + id + " for server '" + operation.server +
                                  "' ended " + field(workflow, "status") + ": " +
                                  field(workflow, "error"));
  }
  const json::value* result = workflow.if_contains("result");
  if (result == nullptr || !result->is_object()) {
    throw sdk::Error::internal("workflow " + id + " completed without a server record");
  }
  return *result;
}

}  // namespace provisioning::cli
