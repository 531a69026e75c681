#pragma once

#include <provisioning/sdk/json.h>

#include <string>

#include "clusters.h"
#include "host.h"
#include "orchestrator/committer.h"
#include "orchestrator/workflow_engine.h"
#include "servers.h"
#include "taskservs.h"

namespace provisioning::host {

// The work behind each workflow and batch operation type, run by the engine's workers.
// Every operation is safe to run again after an interrupted attempt: creates reconcile
// with what exists, and deletes and removals of something already gone succeed.
class Operations {
 public:
  explicit Operations(Host& host);

  // Runs `type` ("server_create", "server_delete", "taskserv_create", "taskserv_install",
  // "taskserv_remove", "cluster_create") with `params`. Throws sdk::Error
  // (kInvalidArgument) for an unknown type or invalid params.
  json::value run(const std::string& type, const json::object& params, TaskContext& context);

  // Queues the final record of each server create in `committer`, ahead of the end of
  // its workflow, instead of waiting for it to be durable. Null restores the wait.
  void set_committer(Committer* committer) { committer_ = committer; }

  ServerService& servers() { return servers_; }
  TaskservService& taskservs() { return taskservs_; }

 private:
  json::value create_server(const json::object& params, TaskContext& context);
  std::optional<json::object> resume_create(const std::string& name, TaskContext& context);
  void settle_ended_create(const std::string& name, TaskContext& context);
  json::value delete_server(const json::object& params, TaskContext& context);
  json::value install_taskserv(const json::object& params, TaskContext& context);
  json::value remove_taskserv(const json::object& params, TaskContext& context);
  json::value create_cluster(const json::object& params, TaskContext& context);

  Host& host_;
  Committer* committer_ = nullptr;
  ServerService servers_;
  TaskservService taskservs_;
};

// Returns params[key] as a string; throws sdk::Error (kInvalidArgument) naming the
// operation and the field when it is missing and `required`, or not a string.
std::string param_string(const json::object& params, std::string_view key, bool required,
                         std::string_view operation);

// Returns params[key] as a list of strings (empty when absent).
std::vector<std::string> param_strings(const json::object& params, std::string_view key,
                                       std::string_view operation);

}  // namespace provisioning::host
