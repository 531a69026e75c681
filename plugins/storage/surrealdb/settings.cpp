#include "settings.h"

#include <provisioning/sdk/error.h>

#include <cstdint>

namespace provisioning::plugins::surrealdb {
namespace {

namespace sdk = provisioning::sdk;

std::string describe(const std::string& key, const json::value& value) {
  return "invalid setting storage.surrealdb." + key + " = " + json::serialize(value);
}

std::string read_string(const json::object& table, const std::string& key, std::string fallback,
                        bool allow_empty) {
  const json::value* value = table.if_contains(key);
  if (value == nullptr) return fallback;
  if (!value->is_string() || (!allow_empty && value->get_string().empty())) {
    throw sdk::Error::invalid_argument(describe(key, *value) + ": set it to a non-empty string");
  }
  return std::string(value->get_string());
}

std::chrono::milliseconds read_milliseconds(const json::object& table, const std::string& key,
                                            std::chrono::milliseconds fallback) {
  const json::value* value = table.if_contains(key);
  if (value == nullptr) return fallback;
  if (value->is_int64() && value->get_int64() > 0 && value->get_int64() <= INT32_MAX) {
    return std::chrono::milliseconds(value->get_int64());
  }
  throw sdk::Error::invalid_argument(describe(key, *value) +
                                     ": set it to a positive number of milliseconds");
}

// Accepts http://HOST[:PORT] and https://HOST[:PORT], with an optional trailing slash.
// Credentials in the URL are rejected without echoing them, so that a password never
// reaches a message.
std::string read_url(const json::object& table, std::string fallback) {
  std::string url = read_string(table, "url", std::move(fallback), false);
  auto scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    throw sdk::Error::invalid_argument(
        "invalid setting storage.surrealdb.url = \"" + url +
        "\": use http://HOST:PORT or https://HOST:PORT, such as http://127.0.0.1:8000");
  }
  std::string rest = url.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('@') != std::string::npos) {
    throw sdk::Error::invalid_argument(
        "invalid setting storage.surrealdb.url: it contains credentials (user@host); put the "
        "user in storage.surrealdb.username and the password in storage.surrealdb.password or "
        "PROVISIONING_STORAGE_SURREALDB_PASSWORD");
  }
  if (rest.empty() || rest.find_first_of("/?#") != std::string::npos) {
    throw sdk::Error::invalid_argument(
        "invalid setting storage.surrealdb.url = \"" + url +
        "\": give the server's scheme, host and port without a path, such as "
        "http://127.0.0.1:8000");
  }
  return scheme + "://" + rest;
}

AuthLevel read_auth_level(const json::object& table) {
  const json::value* value = table.if_contains("auth_level");
  if (value == nullptr) return AuthLevel::kRoot;
  for (AuthLevel level : {AuthLevel::kRoot, AuthLevel::kNamespace, AuthLevel::kDatabase}) {
    if (value->is_string() && value->get_string() == auth_level_name(level)) return level;
  }
  throw sdk::Error::invalid_argument(describe("auth_level", *value) +
                                     ": set it to \"root\", \"namespace\" or \"database\", "
                                     "the level of the DEFINE USER statement that created "
                                     "storage.surrealdb.username");
}

}  // namespace

const char* auth_level_name(AuthLevel level) {
  switch (level) {
    case AuthLevel::kNamespace:
      return "namespace";
    case AuthLevel::kDatabase:
      return "database";
    case AuthLevel::kRoot:
      break;
  }
  return "root";
}

Settings read_settings(const json::object& table) {
  Settings settings;
  settings.url = read_url(table, settings.url);
  settings.namespace_name = read_string(table, "namespace", settings.namespace_name, false);
  settings.database = read_string(table, "database", settings.database, false);
  settings.username = read_string(table, "username", settings.username, true);
  settings.password = read_string(table, "password", "", true);
  settings.auth_level = read_auth_level(table);
  settings.timeout = read_milliseconds(table, "timeout_ms", settings.timeout);
  settings.lock_lease = read_milliseconds(table, "lock_lease_ms", settings.lock_lease);
  return settings;
}

}  // namespace provisioning::plugins::surrealdb
