#pragma once

#include <provisioning/sdk/json.h>

#include <string>
#include <vector>

// Checks of the values a taskserv splices into configuration files: settings from the
// [taskservs.<name>] table and facts of the target. Every value is limited to
// characters that need no quoting in TOML, YAML or systemd units, so no value can
// change the structure of a rendered file. Each function throws sdk::Error
// (kInvalidArgument) naming the value and what is accepted.
namespace provisioning::plugins::taskserv_common {

// Returns settings[key], or `fallback` when it is absent. The value must be a string of
// [A-Za-z0-9._:/@+-], such as an image reference or an absolute path.
std::string text_setting(const sdk::json::object& settings, const std::string& taskserv,
                         const std::string& key, const std::string& fallback);

// Like text_setting(), but the value must be one of `allowed`.
std::string choice_setting(const sdk::json::object& settings, const std::string& taskserv,
                           const std::string& key, const std::string& fallback,
                           const std::vector<std::string>& allowed);

// Like text_setting(), but the value must be an absolute path.
std::string path_setting(const sdk::json::object& settings, const std::string& taskserv,
                         const std::string& key, const std::string& fallback);

// Like text_setting(), but the value must be a subnet in CIDR notation, such as
// 10.244.0.0/16 or fd00::/64.
std::string subnet_setting(const sdk::json::object& settings, const std::string& taskserv,
                           const std::string& key, const std::string& fallback);

// Checks that `address` is an IPv4 or IPv6 address. `owner` names the server in the
// message.
void validate_address(const std::string& address, const std::string& owner);

// Checks that `name` is a host name ([A-Za-z0-9._-]). `description` names it in the
// message, such as "server name".
void validate_host_name(const std::string& name, const std::string& description);

// Returns `address` as the host part of a URL: IPv6 addresses get brackets.
std::string url_host(const std::string& address);

}  // namespace provisioning::plugins::taskserv_common
