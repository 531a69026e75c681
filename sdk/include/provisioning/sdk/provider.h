#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "provisioning/sdk/executor.h"
#include "provisioning/sdk/json.h"
#include "provisioning/sdk/plugin.h"

namespace provisioning::sdk {

// A size of server a provider offers, such as "2xCPU-4GB".
struct Plan {
  std::string name;
  int cores = 0;
  int memory_mb = 0;
  int storage_gb = 0;
};

// A location a provider can place servers in. The id "auto" lets the provider choose.
struct Zone {
  std::string id;
  std::string description;
};

// Lifecycle state of a server, as the provider reports it.
enum class ServerState { kCreating, kRunning, kStopped, kDeleted, kError };

// Returns "creating", "running", "stopped", "deleted" or "error".
const char* to_string(ServerState state);

// A request to create a server. The host has already validated `name` as a
// host name and resolved `plan` to one of plans(); `zone` may be "auto".
struct ServerSpec {
  std::string name;
  std::string plan;
  std::string zone = "auto";
  json::object metadata;
};

// A server as the provider reports it.
struct ServerInfo {
  std::string id;  // provider-assigned, stable for the server's life
  std::string name;
  std::string plan;
  std::string zone;  // the concrete zone, never "auto"
  ServerState state = ServerState::kCreating;
  std::string ip_address;
  json::object metadata;  // provider-specific facts, stored with the server record
};

// A source of servers, such as a cloud API or this machine.
//
// Contract:
// - Methods throw Error on failure: kInvalidArgument for an unknown plan or zone (the
//   message lists the valid ones), kNotFound for an unknown id, kUnavailable when the
//   backing service cannot be reached.
// - create_server() is not idempotent by itself: the host reserves the name in its
//   state store first and calls it once per server.
// - delete_server() of a server that is already gone succeeds.
// - The host calls one provider object from one thread at a time, unless the manifest
//   lists the capability kConcurrentCapability: then from several threads at once.
class Provider : public Plugin {
 public:
  ~Provider() override;

  virtual std::vector<Plan> plans() const = 0;
  virtual std::vector<Zone> zones() const = 0;

  virtual ServerInfo create_server(const ServerSpec& spec) = 0;
  virtual std::optional<ServerInfo> get_server(const std::string& id) = 0;
  virtual std::vector<ServerInfo> list_servers() = 0;
  virtual void delete_server(const std::string& id) = 0;

  // Returns an executor for a running server it created. The executor must not outlive
  // this provider object.
  virtual std::unique_ptr<Executor> executor(const std::string& id) = 0;
};

}  // namespace provisioning::sdk
