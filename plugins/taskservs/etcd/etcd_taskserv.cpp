#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/taskserv.h>

#include <string>
#include <utility>
#include <vector>

#include "common/managed_files.h"
#include "common/rendering.h"
#include "common/target_values.h"
#include "etcd_templates.h"

namespace provisioning::plugins {
namespace {

namespace sdk = provisioning::sdk;
namespace common = taskserv_common;
namespace templates = etcd_templates;

constexpr const char* kName = "etcd";
constexpr const char* kVersion = "3.5.12";
constexpr const char* kPeerPort = ":2380";
constexpr const char* kClientPort = ":2379";

using Member = std::pair<std::string, std::string>;  // name, address

// The members of the initial cluster: target.cluster_peers in the given order, plus
// the target itself when the list does not name it, or the target alone.
std::vector<Member> cluster_members(const sdk::TaskservTarget& target) {
  std::vector<Member> members = target.cluster_peers;
  bool listed = false;
  for (const auto& [name, address] : members) {
    common::validate_host_name(name, "cluster peer name");
    common::validate_address(address, "cluster peer '" + name + "'");
    listed = listed || name == target.server_name;
  }
  if (!listed) members.emplace_back(target.server_name, target.ip_address);
  return members;
}

std::string peer_url(const std::string& address) {
  return "http://" + common::url_host(address) + kPeerPort;
}

std::string client_url(const std::string& address) {
  return "http://" + common::url_host(address) + kClientPort;
}

std::string initial_cluster(const std::vector<Member>& members) {
  std::vector<std::string> entries;
  for (const auto& [name, address] : members) entries.push_back(name + "=" + peer_url(address));
  return common::join(entries, ",");
}

// Clients on the server itself reach etcd through 127.0.0.1 as well.
std::string listen_client_urls(const std::string& address) {
  if (address == "127.0.0.1") return client_url(address);
  return client_url(address) + "," + client_url("127.0.0.1");
}

// Installs one etcd member per server: /etc/etcd/etcd.conf.yml and a systemd unit. The
// member is named after the server and listens on the server's address.
//
// NOTE: peers and clients talk plain HTTP, because no certificates are provisioned
// yet; keep the network private. install() writes files only and does not download the
// binary (the unit expects /usr/local/bin/etcd) or start the service.
//
// Settings ([taskservs.etcd]):
//   data_dir               member data directory, default /var/lib/etcd
//   initial_cluster_token  token of the initial cluster, default etcd-<cluster>
//   initial_cluster_state  "new" (default) or "existing" to join a running cluster
class EtcdTaskserv final : public sdk::Taskserv {
 public:
  explicit EtcdTaskserv(const sdk::PluginContext& context) : log_(context.log) {}

  std::string software_version() const override { return kVersion; }
  std::vector<std::string> dependencies() const override { return {}; }

  void install(sdk::Executor& server, const sdk::TaskservTarget& target) override {
    common::install_files(server, kName, kVersion, render_files(target));
    log_->info("installed etcd {} on server '{}'", kVersion, server.target());
  }

  void remove(sdk::Executor& server) override {
    if (common::remove_files(server, kName)) {
      log_->info("removed etcd from server '{}'", server.target());
    }
  }

  sdk::TaskservStatus status(sdk::Executor& server) override {
    return common::installed_status(server, kName, kVersion);
  }

 private:
  static std::vector<common::ManagedFile> render_files(const sdk::TaskservTarget& target) {
    common::validate_host_name(target.server_name, "server name");
    common::validate_address(target.ip_address, "server '" + target.server_name + "'");
    std::string cluster = target.cluster.empty() ? "cluster" : target.cluster;
    common::validate_host_name(cluster, "cluster name");
    std::map<std::string, std::string> values{
        {"member_name", target.server_name},
        {"data_dir", common::path_setting(target.settings, kName, "data_dir", "/var/lib/etcd")},
        {"peer_url", peer_url(target.ip_address)},
        {"client_url", client_url(target.ip_address)},
        {"listen_client_urls", listen_client_urls(target.ip_address)},
        {"initial_cluster", initial_cluster(cluster_members(target))},
        {"cluster_token",
         common::text_setting(target.settings, kName, "initial_cluster_token", "etcd-" + cluster)},
        {"cluster_state", common::choice_setting(target.settings, kName, "initial_cluster_state",
                                                 "new", {"new", "existing"})},
    };
    return {
        {"/etc/etcd/etcd.conf.yml", common::render(templates::kConfigYaml, values)},
        {"/etc/systemd/system/etcd.service", std::string(templates::kServiceUnit)},
    };
  }

  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::EtcdTaskserv)
