#include <provisioning/sdk/error.h>
#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/provider.h>
#include <provisioning/sdk/time_and_ids.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "address_claims.h"
#include "local_executor.h"
#include "plan_catalog.h"
#include "server_files.h"

namespace provisioning::plugins {
namespace {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;
namespace local = local_provider;

sdk::ServerInfo to_server_info(const local::ServerFile& server,
                               const std::filesystem::path& directory) {
  sdk::ServerInfo info;
  info.id = server.id;
  info.name = server.name;
  info.plan = server.plan;
  info.zone = server.zone;
  info.state = server.state;
  info.ip_address = server.ip_address;
  info.metadata = server.labels;
  info.metadata["root"] = (directory / local::kRootDirectoryName).string();
  info.metadata["created_at"] = server.created_at;
  return info;
}

// The host validates server names as host names; this check keeps a name from
// leaving the servers directory even when a caller skips that validation.
void validate_server_name(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name.front() == '.' ||
      name.find('\0') != std::string::npos) {
    throw sdk::Error::invalid_argument("invalid server name '" + name +
                                       "': use a host name such as web-1, without '/' and not "
                                       "starting with '.'");
  }
}

// The embedded default provider: servers on this machine.
//
// Each server is the directory <state_dir>/servers/<name>/ holding server.json (the
// provider's own record of the server) and root/ (the server's file system as seen by
// executors). Its address is a loopback address derived from its name, so nothing is
// reachable from other machines.
class LocalProvider final : public sdk::Provider {
 public:
  explicit LocalProvider(const sdk::PluginContext& context)
      : servers_dir_(context.state_dir / "servers"),
        addresses_(context.state_dir / "local-addresses"),
        log_(context.log) {
    log_->debug("local provider keeps servers under '{}'", servers_dir_.string());
  }

  std::vector<sdk::Plan> plans() const override { return local::plan_catalog(); }
  std::vector<sdk::Zone> zones() const override { return local::zone_catalog(); }

  sdk::ServerInfo create_server(const sdk::ServerSpec& spec) override {
    validate_server_name(spec.name);
    const sdk::Plan& plan = local::find_plan(spec.plan);
    std::string zone = local::resolve_zone(spec.zone);

    local::ServerFile server;
    server.id = sdk::generate_uuid();
    server.name = spec.name;
    server.plan = plan.name;
    server.zone = zone;
    server.created_at = sdk::utc_timestamp();
    server.labels = spec.metadata;

    std::filesystem::path directory = claim_directory(spec.name);
    try {
      std::vector<std::string> existing;
      if (!addresses_.initialized()) existing = taken_addresses();
      server.ip_address = addresses_.claim(spec.name, existing);
      provision(directory, server);
    } catch (...) {
      std::error_code ignored;  // the original error matters more than a failed cleanup
      std::filesystem::remove_all(directory, ignored);
      addresses_.release(server.ip_address);
      throw;
    }
    log_->info("created local server '{}' (id {}, plan {}, zone {}, address {})", server.name,
               server.id, server.plan, server.zone, server.ip_address);
    return to_server_info(server, directory);
  }

  std::optional<sdk::ServerInfo> get_server(const std::string& id) override {
    std::optional<local::ServerFile> server = find_server(id);
    if (!server) return std::nullopt;
    return to_server_info(*server, servers_dir_ / server->name);
  }

  std::vector<sdk::ServerInfo> list_servers() override {
    std::vector<sdk::ServerInfo> servers;
    for (const local::ServerFile& server : read_servers()) {
      servers.push_back(to_server_info(server, servers_dir_ / server.name));
    }
    return servers;
  }

  void delete_server(const std::string& id) override {
    std::optional<local::ServerFile> server = find_server(id);
    if (!server) {
      log_->debug("local server with id {} is already gone", id);
      return;
    }
    std::filesystem::path directory = servers_dir_ / server->name;
    std::error_code error;
    std::filesystem::remove_all(directory, error);
    if (error) {
      throw sdk::Error::unavailable("cannot delete local server '" + server->name + "' at '" +
                                    directory.string() + "': " + error.message());
    }
    addresses_.release(server->ip_address);
    log_->info("deleted local server '{}' (id {})", server->name, id);
  }

  std::unique_ptr<sdk::Executor> executor(const std::string& id) override {
    std::optional<local::ServerFile> server = find_server(id);
    if (!server) {
      throw sdk::Error::not_found("no local server has id '" + id + "' under '" +
                                  servers_dir_.string() +
                                  "': run `provisioning server list` to see the servers");
    }
    if (server->state != sdk::ServerState::kRunning) {
      throw sdk::Error::conflict("local server '" + server->name + "' is " +
                                 sdk::to_string(server->state) + ", not running");
    }
    std::filesystem::path root = servers_dir_ / server->name / local::kRootDirectoryName;
    make_root(root, server->name);
    return local::make_local_executor(root, server->name);
  }

 private:
  // Creates the server's directory, which fails when the name is taken, also by a
  // concurrent create in another process.
  std::filesystem::path claim_directory(const std::string& name) {
    std::filesystem::path directory = servers_dir_ / name;
    std::error_code error;
    std::filesystem::create_directories(servers_dir_, error);
    bool created = !error && std::filesystem::create_directory(directory, error);
    if (error) {
      throw sdk::Error::unavailable("cannot create server directory '" + directory.string() +
                                    "': " + error.message());
    }
    if (!created && !std::filesystem::exists(directory / local::kServerFileName)) {
      // A create that died before writing server.json left only the directory. The host
      // reserves each name before calling create_server(), so no other create uses it.
      log_->warn("reclaiming '{}', left by an interrupted create", directory.string());
      std::filesystem::remove_all(directory, error);
      created = !error && std::filesystem::create_directory(directory, error);
    }
    if (!created) {
      throw sdk::Error::already_exists("local server '" + name + "' already exists at '" +
                                       directory.string() +
                                       "': delete it first or choose another name");
    }
    return directory;
  }

  // Records the server as running. Until server.json exists, the directory counts as an
  // interrupted create (see claim_directory()). The root is made later, by executor(),
  // because a directory costs an inode and a block that a server without taskservs never uses.
  void provision(const std::filesystem::path& directory, local::ServerFile& server) {
    server.state = sdk::ServerState::kRunning;
    local::write_server_file(directory, server);
  }

  static void make_root(const std::filesystem::path& root, const std::string& server_name) {
    std::error_code error;
    std::filesystem::create_directory(root, error);
    if (error) {
      throw sdk::Error::unavailable(
          "failed to create the root directory '" + root.string() + "' of local server '" +
          server_name + "': " + error.message() +
          "; remove the file at that path or make its parent directory writable");
    }
  }

  std::vector<local::ServerFile> read_servers() {
    std::vector<std::filesystem::path> skipped;
    std::vector<local::ServerFile> servers = local::read_all_server_files(servers_dir_, &skipped);
    for (const auto& directory : skipped) {
      log_->debug("ignoring '{}': it has no {}, so a create was interrupted; delete the directory",
                  directory.string(), local::kServerFileName);
    }
    return servers;
  }

  std::optional<local::ServerFile> find_server(const std::string& id) {
    for (local::ServerFile& server : read_servers()) {
      if (server.id == id) return std::move(server);
    }
    return std::nullopt;
  }

  std::vector<std::string> taken_addresses() {
    std::vector<std::string> addresses;
    for (const local::ServerFile& server : read_servers()) addresses.push_back(server.ip_address);
    return addresses;
  }

  std::filesystem::path servers_dir_;
  local::AddressClaims addresses_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::LocalProvider)
