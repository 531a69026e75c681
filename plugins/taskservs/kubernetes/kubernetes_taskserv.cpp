#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/taskserv.h>

#include <string>
#include <vector>

#include "common/managed_files.h"
#include "common/rendering.h"
#include "common/target_values.h"
#include "kubernetes_templates.h"

namespace provisioning::plugins {
namespace {

namespace sdk = provisioning::sdk;
namespace common = taskserv_common;
namespace templates = kubernetes_templates;

constexpr const char* kName = "kubernetes";
constexpr const char* kVersion = "1.29.2";
constexpr const char* kApiServerPort = ":6443";
constexpr const char* kEtcdClientPort = ":2379";

// The etcd client URLs: one per cluster peer, plus the target when the peers do not
// name it, or the target alone. This matches the members the etcd taskserv configures.
std::string etcd_endpoints(const sdk::TaskservTarget& target) {
  std::vector<std::string> addresses;
  bool listed = false;
  for (const auto& [name, address] : target.cluster_peers) {
    common::validate_address(address, "cluster peer '" + name + "'");
    addresses.push_back(address);
    listed = listed || name == target.server_name;
  }
  if (!listed) addresses.push_back(target.ip_address);

  std::vector<std::string> lines;
  for (const std::string& address : addresses) {
    std::string url = "http://" + common::url_host(address) + kEtcdClientPort;
    lines.push_back(common::render(templates::kEtcdEndpoint, {{"url", url}}));
  }
  return common::join(lines, "\n");
}

// Prepares a Kubernetes control-plane node for `kubeadm init --config
// /etc/kubernetes/kubeadm-config.yaml`: the kubeadm configuration (containerd as CRI,
// the etcd members as external etcd), the kubelet unit with kubeadm's drop-in, and the
// sysctl settings kubeadm's preflight checks require.
//
// NOTE: install() writes these files only. It does not download kubeadm or kubelet,
// or run kubeadm.
//
// Settings ([taskservs.kubernetes]):
//   pod_subnet      pod network in CIDR notation, default 10.244.0.0/16
//   service_subnet  service network in CIDR notation, default 10.96.0.0/12
//   dns_domain      cluster DNS domain, default cluster.local
class KubernetesTaskserv final : public sdk::Taskserv {
 public:
  explicit KubernetesTaskserv(const sdk::PluginContext& context) : log_(context.log) {}

  std::string software_version() const override { return kVersion; }
  std::vector<std::string> dependencies() const override { return {"containerd", "etcd"}; }

  void install(sdk::Executor& server, const sdk::TaskservTarget& target) override {
    common::install_files(server, kName, kVersion, render_files(target));
    log_->info("installed kubernetes {} on server '{}'", kVersion, server.target());
  }

  void remove(sdk::Executor& server) override {
    if (common::remove_files(server, kName)) {
      log_->info("removed kubernetes from server '{}'", server.target());
    }
  }

  sdk::TaskservStatus status(sdk::Executor& server) override {
    return common::installed_status(server, kName, kVersion);
  }

 private:
  static std::vector<common::ManagedFile> render_files(const sdk::TaskservTarget& target) {
    return {
        {"/etc/kubernetes/kubeadm-config.yaml", render_kubeadm_config(target)},
        {"/etc/systemd/system/kubelet.service", std::string(templates::kKubeletUnit)},
        {"/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
         std::string(templates::kKubeletKubeadmDropIn)},
        {"/etc/sysctl.d/99-kubernetes.conf", std::string(templates::kSysctl)},
    };
  }

  static std::string render_kubeadm_config(const sdk::TaskservTarget& target) {
    common::validate_host_name(target.server_name, "server name");
    common::validate_address(target.ip_address, "server '" + target.server_name + "'");
    std::string cluster = target.cluster.empty() ? "kubernetes" : target.cluster;
    common::validate_host_name(cluster, "cluster name");
    const sdk::json::object& settings = target.settings;
    return common::render(
        templates::kKubeadmConfig,
        {
            {"address", target.ip_address},
            {"node_name", target.server_name},
            {"version", kVersion},
            {"cluster_name", cluster},
            {"api_endpoint", common::url_host(target.ip_address) + kApiServerPort},
            {"pod_subnet", common::subnet_setting(settings, kName, "pod_subnet", "10.244.0.0/16")},
            {"service_subnet",
             common::subnet_setting(settings, kName, "service_subnet", "10.96.0.0/12")},
            {"dns_domain", common::text_setting(settings, kName, "dns_domain", "cluster.local")},
            {"etcd_endpoints", etcd_endpoints(target)},
        });
  }

  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::KubernetesTaskserv)
