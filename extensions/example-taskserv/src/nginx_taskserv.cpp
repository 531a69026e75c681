// The nginx taskserv: an example of a taskserv plugin built outside the provisioning
// source tree against the installed SDK.
//
// install() writes, through the provider's executor, /etc/nginx/nginx.conf serving one
// static site on the server's address, the systemd unit nginx.service and the site's
// index.html, and records them with a hash of each in
// /var/lib/provisioning/taskservs/nginx.json. It is idempotent: installing again with
// the same settings writes the same bytes. status() reports files that are missing or
// changed since install, and remove() deletes exactly the recorded files.
//
// NOTE: install() writes files only. It does not install the nginx package (the unit
// expects /usr/sbin/nginx and /etc/nginx/mime.types from Debian's nginx 1.22) and does
// not start the service.
//
// Settings, in the [taskservs.nginx] table of config.toml:
//   listen_port       TCP port, default 80
//   worker_processes  "auto" (the default) or a number of worker processes
//   server_name       host name of the site, default the server's name
//   document_root     directory of the site, default /var/www/html

#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/taskserv.h>

#include <memory>
#include <string>
#include <vector>

#include "install_record.h"
#include "nginx_files.h"

namespace nginx {
namespace {

namespace sdk = provisioning::sdk;

constexpr const char* kSoftwareVersion = "1.22.1";

class NginxTaskserv final : public sdk::Taskserv {
 public:
  explicit NginxTaskserv(const sdk::PluginContext& context) : log_(context.log) {}

  std::string software_version() const override { return kSoftwareVersion; }
  std::vector<std::string> dependencies() const override { return {}; }

  void install(sdk::Executor& server, const sdk::TaskservTarget& target) override {
    SiteSettings settings = read_settings(target);
    install_files(server, kSoftwareVersion, render_files(settings, target.ip_address));
    log_->info("installed nginx {} on server '{}', listening on port {}", kSoftwareVersion,
               server.target(), settings.listen_port);
  }

  void remove(sdk::Executor& server) override {
    if (remove_files(server)) log_->info("removed nginx from server '{}'", server.target());
  }

  sdk::TaskservStatus status(sdk::Executor& server) override {
    return installed_status(server, kSoftwareVersion);
  }

 private:
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace
}  // namespace nginx

PROVISIONING_PLUGIN_FACTORY(nginx::NginxTaskserv)
