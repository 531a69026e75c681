#pragma once

#include <provisioning/sdk/json.h>

#include <string>
#include <string_view>

// The interface the bridge routes operations through. The legacy path (legacy_path.h)
// and the new path (cli/bridge_new_path.h) implement it, so the bridge only decides
// which one runs an operation and falls back from one to the other.
namespace provisioning::host::bridge {

enum class PathKind { kNew, kLegacy };

// Returns "new" or "legacy".
std::string_view to_string(PathKind path);

// The server operations the bridge routes. Other commands pass through unrouted.
enum class OperationKind { kServerCreate, kServerDelete, kServerList, kServerShow };

// Returns "server create", "server delete", "server list" or "server show".
std::string_view to_string(OperationKind kind);

// One operation of a legacy command, after translation.
struct BridgeOperation {
  OperationKind kind = OperationKind::kServerList;
  std::string server;  // server name; empty for kServerList
  std::string plan;    // kServerCreate only
  std::string zone;    // empty: server.default_zone
  bool check = false;  // validate and change nothing
  bool wait = false;   // wait until a created server is running
};

// A system that runs bridged operations. Implementations throw sdk::Error on failure and return:
// - server create, delete, show: one server record;
// - server list: an array of server records.
// The records are in the path's own shape: v1 (legacy_server_view()) for the legacy path,
// the v2 record for the new path.
class ExecutionPath {
 public:
  virtual ~ExecutionPath() = default;

  virtual PathKind kind() const = 0;

  virtual boost::json::value run(const BridgeOperation& operation) = 0;

  // Returns whether this path's store has a server named `name`.
  virtual bool has_server(const std::string& name) = 0;
};

}  // namespace provisioning::host::bridge
