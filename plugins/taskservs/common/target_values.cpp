#include "common/target_values.h"

#include <arpa/inet.h>
#include <provisioning/sdk/error.h>

#include <algorithm>

#include "common/rendering.h"

namespace provisioning::plugins::taskserv_common {

namespace {

namespace json = sdk::json;

bool is_text_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("._:/@+-").find(c) != std::string_view::npos;
}

bool is_host_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string setting_name(const std::string& taskserv, const std::string& key) {
  return "taskservs." + taskserv + "." + key;
}

[[noreturn]] void throw_invalid_setting(const std::string& taskserv, const std::string& key,
                                        const std::string& shown, const std::string& expected) {
  throw sdk::Error::invalid_argument("invalid setting " + setting_name(taskserv, key) + " = " +
                                     shown + ": " + expected);
}

bool is_ip_address(const std::string& text, int family) {
  unsigned char buffer[16];
  return ::inet_pton(family, text.c_str(), buffer) == 1;
}

bool is_subnet(const std::string& text) {
  std::size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  std::string address = text.substr(0, slash);
  std::string prefix = text.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 ||
      !std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int bits = std::stoi(prefix);
  if (is_ip_address(address, AF_INET)) return bits <= 32;
  return is_ip_address(address, AF_INET6) && bits <= 128;
}

}  // namespace

std::string text_setting(const json::object& settings, const std::string& taskserv,
                         const std::string& key, const std::string& fallback) {
  const json::value* value = settings.if_contains(key);
  if (value == nullptr) return fallback;
  const std::string expected = "use a string of letters, digits and ._:/@+-";
  if (!value->is_string()) throw_invalid_setting(taskserv, key, json::serialize(*value), expected);
  std::string text(value->get_string());
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_text_char)) {
    throw_invalid_setting(taskserv, key, json::serialize(*value), expected);
  }
  return text;
}

std::string choice_setting(const json::object& settings, const std::string& taskserv,
                           const std::string& key, const std::string& fallback,
                           const std::vector<std::string>& allowed) {
  std::string text = text_setting(settings, taskserv, key, fallback);
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    throw_invalid_setting(taskserv, key, "\"" + text + "\"", "use one of " + join(allowed, ", "));
  }
  return text;
}

std::string path_setting(const json::object& settings, const std::string& taskserv,
                         const std::string& key, const std::string& fallback) {
  std::string text = text_setting(settings, taskserv, key, fallback);
  if (text.front() != '/' || text.find("..") != std::string::npos) {
    throw_invalid_setting(taskserv, key, "\"" + text + "\"",
                          "use an absolute path without '..', such as " + fallback);
  }
  return text;
}

std::string subnet_setting(const json::object& settings, const std::string& taskserv,
                           const std::string& key, const std::string& fallback) {
  std::string text = text_setting(settings, taskserv, key, fallback);
  if (!is_subnet(text)) {
    throw_invalid_setting(taskserv, key, "\"" + text + "\"",
                          "use a subnet in CIDR notation, such as " + fallback);
  }
  return text;
}

void validate_address(const std::string& address, const std::string& owner) {
  if (!is_ip_address(address, AF_INET) && !is_ip_address(address, AF_INET6)) {
    throw sdk::Error::invalid_argument("invalid IP address '" + address + "' of " + owner +
                                       ": the provider must report an IPv4 or IPv6 address");
  }
}

void validate_host_name(const std::string& name, const std::string& description) {
  if (name.empty() || name.size() > 253 ||
      !std::all_of(name.begin(), name.end(), is_host_name_char)) {
    throw sdk::Error::invalid_argument("invalid " + description + " '" + name +
                                       "': use letters, digits, '.', '_' and '-'");
  }
}

std::string url_host(const std::string& address) {
  return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

}  // namespace provisioning::plugins::taskserv_common
