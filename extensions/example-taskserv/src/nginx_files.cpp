#include "nginx_files.h"

#include <arpa/inet.h>
#include <provisioning/sdk/error.h>

#include <charconv>
#include <map>
#include <optional>

namespace nginx {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;

namespace {

constexpr int kMaxWorkerProcesses = 1024;

// Throws kInvalidArgument naming the setting `key`, its value as written (`text` in
// quotes when the setting is absent and a default was used) and what is accepted.
[[noreturn]] void throw_invalid_setting(const json::object& settings, const std::string& key,
                                        const std::string& text, const std::string& accepted) {
  const json::value* value = settings.if_contains(key);
  std::string written = value != nullptr ? json::serialize(*value) : "\"" + text + "\"";
  throw sdk::Error::invalid_argument("invalid setting taskservs.nginx." + key + " = " + written +
                                     ": use " + accepted);
}

// Returns the number in `text`, or nothing unless all of it is a decimal number.
std::optional<int> parse_number(std::string_view text) {
  int number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return number;
}

// Returns a setting as text: strings as they are, numbers in decimal. Other types, such
// as tables, give their JSON form, which no check accepts.
std::optional<std::string> setting_text(const json::object& settings, const std::string& key) {
  const json::value* value = settings.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}

bool only_characters(const std::string& text, std::string_view allowed_punctuation) {
  for (char c : text) {
    bool alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alphanumeric && allowed_punctuation.find(c) == std::string_view::npos) return false;
  }
  return !text.empty();
}

int read_port(const json::object& settings) {
  std::optional<std::string> text = setting_text(settings, "listen_port");
  if (!text) return 80;
  std::optional<int> port = parse_number(*text);
  if (!port || *port < 1 || *port > 65535) {
    throw_invalid_setting(settings, "listen_port", *text, "a port number from 1 to 65535");
  }
  return *port;
}

std::string read_workers(const json::object& settings) {
  std::optional<std::string> text = setting_text(settings, "worker_processes");
  if (!text || *text == "auto") return "auto";
  std::optional<int> count = parse_number(*text);
  if (!count || *count < 1 || *count > kMaxWorkerProcesses) {
    throw_invalid_setting(settings, "worker_processes", *text,
                          "\"auto\" or a number from 1 to " + std::to_string(kMaxWorkerProcesses));
  }
  return *text;
}

std::string read_server_name(const json::object& settings, const std::string& fallback) {
  std::string name = setting_text(settings, "server_name").value_or(fallback);
  if (!only_characters(name, ".-")) {
    throw_invalid_setting(settings, "server_name", name, "a host name such as www.example.org");
  }
  return name;
}

std::string read_document_root(const json::object& settings) {
  std::string root = setting_text(settings, "document_root").value_or("/var/www/html");
  if (root.empty() || root.front() != '/' || !only_characters(root, "._/-") ||
      root.find("..") != std::string::npos) {
    throw_invalid_setting(settings, "document_root", root,
                          "an absolute path of letters, digits and ._/- without '..'");
  }
  return root;
}

// Returns the address as nginx's listen directive expects it: IPv6 in brackets.
std::string listen_address(const std::string& address) {
  unsigned char buffer[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) return address;
  if (inet_pton(AF_INET6, address.c_str(), buffer) == 1) return "[" + address + "]";
  throw sdk::Error::invalid_argument("server address '" + address +
                                     "' is not an IPv4 or IPv6 address: check the provider's "
                                     "record with `provisioning server show`");
}

constexpr std::string_view kNginxConf =
    R"(# Written by the nginx taskserv of provisioning: the next install replaces edits.
user www-data;
worker_processes {{worker_processes}};
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    sendfile on;

    server {
        listen {{listen}};
        server_name {{server_name}};
        root {{document_root}};
        index index.html;
    }
}
)";

constexpr std::string_view kServiceUnit = R"([Unit]
Description=nginx web server
After=network-online.target
Wants=network-online.target

[Service]
Type=forking
PIDFile=/run/nginx.pid
ExecStartPre=/usr/sbin/nginx -t -c /etc/nginx/nginx.conf
ExecStart=/usr/sbin/nginx -c /etc/nginx/nginx.conf
ExecReload=/bin/kill -HUP $MAINPID
ExecStop=/bin/kill -QUIT $MAINPID

[Install]
WantedBy=multi-user.target
)";

constexpr std::string_view kIndexPage = R"(<!DOCTYPE html>
<html><head><title>{{server_name}}</title></head>
<body><p>{{server_name}} is served by nginx, installed by provisioning.</p></body></html>
)";

// Replaces every "{{key}}" in `text` with values.at(key). The settings checks keep
// values free of characters that could change the structure of the file.
std::string render(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string result(text);
  for (const auto& [key, value] : values) {
    const std::string placeholder = "{{" + key + "}}";
    for (auto at = result.find(placeholder); at != std::string::npos;
         at = result.find(placeholder, at + value.size())) {
      result.replace(at, placeholder.size(), value);
    }
  }
  return result;
}

}  // namespace

SiteSettings read_settings(const sdk::TaskservTarget& target) {
  SiteSettings settings;
  settings.listen_port = read_port(target.settings);
  settings.worker_processes = read_workers(target.settings);
  settings.server_name = read_server_name(target.settings, target.server_name);
  settings.document_root = read_document_root(target.settings);
  return settings;
}

std::vector<ManagedFile> render_files(const SiteSettings& settings, const std::string& address) {
  std::map<std::string, std::string> values{
      {"worker_processes", settings.worker_processes},
      {"listen", listen_address(address) + ":" + std::to_string(settings.listen_port)},
      {"server_name", settings.server_name},
      {"document_root", settings.document_root},
  };
  return {
      {"/etc/nginx/nginx.conf", render(kNginxConf, values)},
      {"/etc/systemd/system/nginx.service", std::string(kServiceUnit)},
      {settings.document_root + "/index.html", render(kIndexPage, values)},
  };
}

}  // namespace nginx
