#include "provisioning/sdk/plugin.h"

#include "provisioning/sdk/api_version.h"
#include "provisioning/sdk/executor.h"
#include "provisioning/sdk/provider.h"
#include "provisioning/sdk/taskserv.h"

// Out-of-line destructors are the key functions of the interfaces: they place the
// vtables and type information in the SDK library, so dynamic_cast and catch work the
// same on both sides of the plugin boundary.

namespace provisioning::sdk {

const char* to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::kProvider:
      return "provider";
    case PluginKind::kTaskserv:
      return "taskserv";
    case PluginKind::kStorage:
      return "storage";
    case PluginKind::kApi:
      return "api";
  }
  return "unknown";
}

const char* to_string(ServerState state) {
  switch (state) {
    case ServerState::kCreating:
      return "creating";
    case ServerState::kRunning:
      return "running";
    case ServerState::kStopped:
      return "stopped";
    case ServerState::kDeleted:
      return "deleted";
    case ServerState::kError:
      return "error";
  }
  return "error";
}

Plugin::~Plugin() = default;
Executor::~Executor() = default;
Provider::~Provider() = default;
Taskserv::~Taskserv() = default;
ApiServices::~ApiServices() = default;
ApiVersion::~ApiVersion() = default;

}  // namespace provisioning::sdk
