#include "orchestrator/operations.h"

#include <provisioning/sdk/error.h>

#include "logging.h"

namespace provisioning::host {
namespace {

json::array steps_json(const std::vector<TaskservStep>& steps) {
  json::array array;
  for (const auto& step : steps) {
    array.push_back({{"server", step.server},
                     {"taskserv", step.taskserv},
                     {"action", step.action},
                     {"version", step.version}});
  }
  return array;
}

}  // namespace

std::string param_string(const json::object& params, std::string_view key, bool required,
                         std::string_view operation) {
  const json::value* value = params.if_contains(key);
  if (value == nullptr || value->is_null()) {
    if (!required) return {};
    throw sdk::Error::invalid_argument(std::string(operation) + ": missing field '" +
                                       std::string(key) + "'");
  }
  if (!value->is_string()) {
    throw sdk::Error::invalid_argument(std::string(operation) + ": field '" + std::string(key) +
                                       "' must be a string");
  }
  return std::string(value->get_string());
}

std::vector<std::string> param_strings(const json::object& params, std::string_view key,
                                       std::string_view operation) {
  std::vector<std::string> items;
  const json::value* value = params.if_contains(key);
  if (value == nullptr || value->is_null()) return items;
  if (!value->is_array()) {
    throw sdk::Error::invalid_argument(std::string(operation) + ": field '" + std::string(key) +
                                       "' must be a list of strings");
  }
  for (const auto& item : value->get_array()) {
    if (!item.is_string()) {
      throw sdk::Error::invalid_argument(std::string(operation) + ": field '" + std::string(key) +
                                         "' must be a list of strings");
    }
    items.emplace_back(item.get_string());
  }
  return items;
}

Operations::Operations(Host& host) : host_(host), servers_(host), taskservs_(host, servers_) {}

json::value Operations::run(const std::string& type, const json::object& params,
                            TaskContext& context) {
  context.check_point();
  if (type == "server_create") return create_server(params, context);
  if (type == "server_delete") return delete_server(params, context);
  if (type == "taskserv_create" || type == "taskserv_install") {
    return install_taskserv(params, context);
  }
  if (type == "taskserv_remove") return remove_taskserv(params, context);
  if (type == "cluster_create") return create_cluster(params, context);
  throw sdk::Error::invalid_argument(
      "unknown operation type '" + type +
      "'; use server_create, server_delete, taskserv_create, taskserv_install, "
      "taskserv_remove or cluster_create");
}

namespace {

// Returns whether the server record was made by the workflow of `context`.
bool made_by(const json::object& record, const TaskContext& context) {
  const json::value* metadata = record.if_contains("metadata");
  if (metadata == nullptr || !metadata->is_object()) return false;
  return owner_of(metadata->as_object()) == context.workflow_id();
}

}  // namespace

json::value Operations::create_server(const json::object& params, TaskContext& context) {
  const char* operation = "server_create";
  CreateServerRequest request;
  request.name = param_string(params, "name", true, operation);
  request.plan = param_string(params, "plan", true, operation);
  request.zone = param_string(params, "zone", false, operation);
  if (request.zone == "auto") request.zone.clear();
  request.provider = param_string(params, "provider", false, operation);
  request.metadata["workflow_id"] = context.workflow_id();
  request.overlap_reservation = true;
  // The workflow ends when the server runs, so that the operations that depend on it in
  // a batch find it running. The task's timeout and cancellation end the wait.
  request.wait = true;
  request.wait_timeout = std::chrono::hours(24);
  request.between_polls = [&context] { context.check_point(); };
  if (committer_ != nullptr) {
    request.store_created = [committer = committer_](const json::object& record) {
      committer->write_later(
          {RecordWrite::put(sdk::kServers, record_string(record, "id"), record)});
    };
  }

  // An earlier attempt of this workflow may have created or reserved the server already.
  // The first attempt skips the lookup: the engine queues the attempt number before this
  // runs, so a reservation that reached storage was stored with it, and a run after a
  // restart counts as a later attempt.
  if (context.attempt() > 1) {
    if (auto adopted = resume_create(request.name, context)) return *adopted;
  }
  try {
    return servers_.create(request);
  } catch (const sdk::Error& error) {
    if (context.ends_workflow(error)) settle_ended_create(request.name, context);
    throw;
  }
}

// Returns the server of an earlier attempt of this workflow when it runs, after adopting
// one that came up, or nothing when the create has to run (again).
std::optional<json::object> Operations::resume_create(const std::string& name,
                                                      TaskContext& context) {
  auto existing = servers_.find(name);
  if (!existing || !made_by(*existing, context)) return std::nullopt;
  std::string status = record_string(*existing, "status");
  if (status == "running") return existing;
  if (status == "creating") return servers_.reconcile_creating(*existing);
  return std::nullopt;
}

// A create that ends while its server boots (cancelled, timed out on its last attempt)
// leaves a "creating" record that no retry will settle. Settles it as a resumed create
// would: a server that came up is kept, a half-made one is deleted.
void Operations::settle_ended_create(const std::string& name, TaskContext& context) {
  try {
    auto record = servers_.find(name);
    if (record && record_string(*record, "status") == "creating" && made_by(*record, context)) {
      servers_.reconcile_creating(*record);
    }
  } catch (const std::exception& error) {
    component_logger("orchestrator")
        ->warn("workflow {}: cannot settle server '{}' after the create ended: {}",
               context.workflow_id(), name, error.what());
  }
}

json::value Operations::delete_server(const json::object& params, TaskContext& context) {
  std::string name = param_string(params, "name", true, "server_delete");
  if (!servers_.find(name) && context.attempt() > 1) {
    return json::object{{"name", name}, {"status", "deleted"}};  // an earlier attempt did it
  }
  return servers_.remove(name);
}

json::value Operations::install_taskserv(const json::object& params, TaskContext& context) {
  const char* operation = "taskserv_install";
  TaskservInstallRequest request;
  request.name = param_string(params, "name", true, operation);
  request.servers = param_strings(params, "servers", operation);
  if (auto server = param_string(params, "server", false, operation); !server.empty()) {
    request.servers.push_back(server);
  }
  request.between_steps = [&context] { context.check_point(); };
  return json::object{{"steps", steps_json(taskservs_.install(request))}};
}

json::value Operations::remove_taskserv(const json::object& params, TaskContext& context) {
  const char* operation = "taskserv_remove";
  std::string name = param_string(params, "name", true, operation);
  std::vector<std::string> servers = param_strings(params, "servers", operation);
  if (auto server = param_string(params, "server", false, operation); !server.empty()) {
    servers.push_back(server);
  }
  try {
    auto check_point = [&context] { context.check_point(); };
    return json::object{
        {"steps", steps_json(taskservs_.remove(name, servers, false, check_point))}};
  } catch (const sdk::Error& error) {
    if (error.code() != sdk::ErrorCode::kNotFound || context.attempt() == 1) throw;
    return json::object{{"steps", json::array{}}};  // an earlier attempt removed it
  }
}

json::value Operations::create_cluster(const json::object& params, TaskContext& context) {
  std::string name = param_string(params, "name", true, "cluster_create");
  ClusterService clusters(host_, servers_, taskservs_);
  auto log = component_logger("orchestrator");
  clusters.set_progress([&](const std::string& line) {
    log->info("workflow {}: {} [correlation_id={}]", context.workflow_id(), line,
              context.correlation_id());
    context.check_point();
  });
  return clusters.create(name, false);
}

}  // namespace provisioning::host
