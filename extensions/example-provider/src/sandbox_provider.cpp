// The sandbox provider: an example of a provider plugin built outside the provisioning
// source tree against the installed SDK.
//
// A sandbox server is a directory under the workspace state,
// <state_dir>/sandbox/<name>/, holding server.json (the provider's record) and rootfs/
// (the server's file system as executors see it). Addresses are loopback addresses
// <address_prefix>.x.y, 127.100.0.1 and up by default, so nothing is reachable from
// other machines.
//
// Settings, in the [plugins.provider.sandbox] table of config.toml:
//   address_prefix  first two octets of server addresses, "127.<0-255>"; default
//                   "127.100"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/provider.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog.h"
#include "sandbox_executor.h"
#include "server_store.h"

namespace sandbox {
namespace {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;

// The host passes host names; this check also keeps a name from leaving the store's
// directory when a caller skips that validation.
void validate_server_name(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    throw sdk::Error::invalid_argument("invalid server name '" + name +
                                       "': use a host name such as web-01, without '/' and not "
                                       "starting with '.'");
  }
}

class SandboxProvider final : public sdk::Provider {
 public:
  explicit SandboxProvider(const sdk::PluginContext& context)
      : store_(context.state_dir / "sandbox", address_prefix_setting(context.settings),
               context.log),
        log_(context.log) {}

  std::vector<sdk::Plan> plans() const override { return sandbox::plans(); }
  std::vector<sdk::Zone> zones() const override { return sandbox::zones(); }

  sdk::ServerInfo create_server(const sdk::ServerSpec& spec) override {
    validate_server_name(spec.name);
    const sdk::Plan& plan = find_plan(spec.plan);
    ServerRecord server = store_.create(spec.name, plan.name, resolve_zone(spec.zone));
    log_->info("created sandbox server '{}' (id {}, plan {}, zone {}, address {})", server.name,
               server.id, server.plan, server.zone, server.ip_address);
    return to_server_info(server);
  }

  std::optional<sdk::ServerInfo> get_server(const std::string& id) override {
    std::optional<ServerRecord> server = store_.find(id);
    if (!server) return std::nullopt;
    return to_server_info(*server);
  }

  std::vector<sdk::ServerInfo> list_servers() override {
    std::vector<sdk::ServerInfo> servers;
    for (const ServerRecord& server : store_.list()) servers.push_back(to_server_info(server));
    return servers;
  }

  void delete_server(const std::string& id) override {
    std::optional<ServerRecord> server = store_.find(id);
    if (!server) {
      log_->debug("sandbox server with id {} is already gone", id);
      return;
    }
    store_.remove(*server);
    log_->info("deleted sandbox server '{}' (id {})", server->name, id);
  }

  std::unique_ptr<sdk::Executor> executor(const std::string& id) override {
    std::optional<ServerRecord> server = store_.find(id);
    if (!server) {
      throw sdk::Error::not_found("no sandbox server has id '" + id +
                                  "': run `provisioning server list` to see the servers");
    }
    if (server->state != sdk::ServerState::kRunning) {
      throw sdk::Error::conflict("sandbox server '" + server->name + "' is " +
                                 sdk::to_string(server->state) + ", not running");
    }
    return make_executor(store_.root_of(server->name), server->name);
  }

 private:
  sdk::ServerInfo to_server_info(const ServerRecord& server) const {
    sdk::ServerInfo info;
    info.id = server.id;
    info.name = server.name;
    info.plan = server.plan;
    info.zone = server.zone;
    info.state = server.state;
    info.ip_address = server.ip_address;
    info.metadata = json::object{{"root", store_.root_of(server.name).string()},
                                 {"created_at", server.created_at}};
    return info;
  }

  ServerStore store_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace
}  // namespace sandbox

PROVISIONING_PLUGIN_FACTORY(sandbox::SandboxProvider)
