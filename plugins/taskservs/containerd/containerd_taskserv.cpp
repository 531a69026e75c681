#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/taskserv.h>

#include <string>
#include <vector>

#include "common/managed_files.h"
#include "common/rendering.h"
#include "common/target_values.h"
#include "containerd_templates.h"

namespace provisioning::plugins {
namespace {

namespace sdk = provisioning::sdk;
namespace common = taskserv_common;
namespace templates = containerd_templates;

constexpr const char* kName = "containerd";
constexpr const char* kVersion = "1.7.13";

// Installs containerd as the container runtime of Kubernetes nodes: its configuration
// with the CRI plugin and systemd cgroups, its systemd unit, the kernel modules it
// needs at boot, and the sysctl settings for bridged pod traffic.
//
// NOTE: install() writes these files only. It does not download the containerd
// binary (the unit expects /usr/local/bin/containerd), load modules or start the
// service.
//
// Settings ([taskservs.containerd]):
//   sandbox_image  pause image of pod sandboxes, default registry.k8s.io/pause:3.9
//                  (the one kubeadm 1.29 expects)
//   root_dir       directory for images and snapshots, default /var/lib/containerd
class ContainerdTaskserv final : public sdk::Taskserv {
 public:
  explicit ContainerdTaskserv(const sdk::PluginContext& context) : log_(context.log) {}

  std::string software_version() const override { return kVersion; }
  std::vector<std::string> dependencies() const override { return {}; }

  void install(sdk::Executor& server, const sdk::TaskservTarget& target) override {
    common::install_files(server, kName, kVersion, render_files(target));
    log_->info("installed containerd {} on server '{}'", kVersion, server.target());
  }

  void remove(sdk::Executor& server) override {
    if (common::remove_files(server, kName)) {
      log_->info("removed containerd from server '{}'", server.target());
    }
  }

  sdk::TaskservStatus status(sdk::Executor& server) override {
    return common::installed_status(server, kName, kVersion);
  }

 private:
  static std::vector<common::ManagedFile> render_files(const sdk::TaskservTarget& target) {
    std::map<std::string, std::string> values{
        {"sandbox_image", common::text_setting(target.settings, kName, "sandbox_image",
                                               "registry.k8s.io/pause:3.9")},
        {"root_dir",
         common::path_setting(target.settings, kName, "root_dir", "/var/lib/containerd")},
    };
    return {
        {"/etc/containerd/config.toml", common::render(templates::kConfigToml, values)},
        {"/etc/systemd/system/containerd.service", std::string(templates::kServiceUnit)},
        {"/etc/modules-load.d/containerd.conf", std::string(templates::kModulesLoad)},
        {"/etc/sysctl.d/99-kubernetes-cri.conf", std::string(templates::kCriSysctl)},
    };
  }

  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::ContainerdTaskserv)
