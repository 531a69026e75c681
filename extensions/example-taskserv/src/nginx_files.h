#pragma once

#include <provisioning/sdk/taskserv.h>

#include <string>
#include <vector>

namespace nginx {

// A file the taskserv owns on the server, with the content install() writes.
struct ManagedFile {
  std::string path;  // absolute path on the server
  std::string content;
  int mode = 0644;
};

// The values of the [taskservs.nginx] settings table, checked.
struct SiteSettings {
  int listen_port = 80;
  std::string worker_processes = "auto";  // "auto" or a positive number
  std::string server_name;                // defaults to the server's name
  std::string document_root = "/var/www/html";
};

// Reads and checks the settings of `target`. Numbers may also be given as strings, as
// `--set taskservs.nginx.listen_port=8080` passes them. Throws sdk::Error
// (kInvalidArgument) naming the setting, its value and what is accepted.
SiteSettings read_settings(const provisioning::sdk::TaskservTarget& target);

// Renders /etc/nginx/nginx.conf, the systemd unit and the site's index.html for the
// server at `address`.
std::vector<ManagedFile> render_files(const SiteSettings& settings, const std::string& address);

}  // namespace nginx
