#pragma once

#include <provisioning/sdk/json.h>

#include <string>
#include <utility>
#include <vector>

#include "host.h"
#include "servers.h"

namespace provisioning::host {

struct TaskservInstallRequest {
  std::string name;
  std::vector<std::string> servers;  // empty: every running server of the workspace
  bool check = false;                // return the plan without installing
  std::string cluster;               // set when a cluster installs it
  // For each taskserv name, the servers of the cluster that get it, as name/address
  // pairs: an etcd member needs its peers.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> peers;
  // Called before each install on a server. The orchestrator passes its task's check
  // point, so a cancel, a timeout or a stop ends a long install between servers.
  std::function<void()> between_steps;
};

// One step of an install or remove plan, and its result.
struct TaskservStep {
  std::string server;
  std::string taskserv;
  std::string action;  // "install", "remove"
  std::string version;
};

// Installs and removes taskservs on servers, dependencies first, and keeps one record per
// server and taskserv in the "taskservs" collection (id "<server id>:<taskserv>").
class TaskservService {
 public:
  TaskservService(Host& host, ServerService& servers) : host_(host), servers_(servers) {}

  // Returns `name` after its dependencies, each once, in install order. Throws
  // sdk::Error (kInvalidArgument) spelling out a dependency cycle, and (kNotFound) for a
  // dependency that is not installed as a plugin.
  std::vector<std::string> install_order(const std::string& name);

  // Runs (or with request.check, only plans) the install; returns the steps.
  std::vector<TaskservStep> install(const TaskservInstallRequest& request);

  // Removes the taskserv from the servers (all that have it when `servers` is empty).
  // Throws sdk::Error (kConflict) when another installed taskserv depends on it.
  // `between_steps`, when set, is called before each removal, as in an install.
  std::vector<TaskservStep> remove(const std::string& name, const std::vector<std::string>& servers,
                                   bool check, const std::function<void()>& between_steps = {});

  // Installed taskserv records of the named servers (all when empty), sorted by server
  // then name.
  std::vector<json::object> list(const std::vector<std::string>& servers = {});

  // The taskserv plugins available, with software version and dependencies.
  std::vector<json::object> available();

 private:
  std::vector<json::object> target_servers(const std::vector<std::string>& names);
  void install_on(const json::object& server, const std::string& taskserv,
                  const TaskservInstallRequest& request);
  void check_no_dependents(const std::string& name, const json::object& server);

  Host& host_;
  ServerService& servers_;
};

}  // namespace provisioning::host
