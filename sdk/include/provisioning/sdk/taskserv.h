#pragma once

#include <string>
#include <vector>

#include "provisioning/sdk/executor.h"
#include "provisioning/sdk/json.h"
#include "provisioning/sdk/plugin.h"

namespace provisioning::sdk {

// Facts about the server that install() targets.
struct TaskservTarget {
  std::string server_name;
  std::string server_id;
  std::string ip_address;
  // Peers in the same cluster, as name/address pairs: an etcd member lists its peers.
  std::vector<std::pair<std::string, std::string>> cluster_peers;
  std::string cluster;    // empty outside a cluster
  json::object settings;  // the [taskservs.<name>] table of the configuration
};

struct TaskservStatus {
  bool installed = false;
  std::string version;             // the installed version, empty when not installed
  std::vector<std::string> files;  // files the taskserv owns on the server
  std::string detail;              // one line for humans, such as "config drift in ..."
};

// Software installed on a server, such as containerd.
//
// Contract:
// - install() is idempotent: installing twice leaves the server as one install does.
// - remove() undoes install() and succeeds when nothing is installed.
// - The host installs dependencies() first and removes dependents first.
// - Methods throw Error on failure and leave no half-written file behind (the executor
//   writes atomically).
// - The host calls one taskserv object from one thread at a time, unless the manifest
//   lists the capability kConcurrentCapability: then from several threads at once.
class Taskserv : public Plugin {
 public:
  ~Taskserv() override;

  // Version of the software this plugin installs, such as "1.7.13".
  virtual std::string software_version() const = 0;

  // Names of taskservs that must be installed first.
  virtual std::vector<std::string> dependencies() const = 0;

  virtual void install(Executor& server, const TaskservTarget& target) = 0;
  virtual void remove(Executor& server) = 0;
  virtual TaskservStatus status(Executor& server) = 0;
};

}  // namespace provisioning::sdk
