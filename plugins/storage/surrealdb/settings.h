#pragma once
// The [storage.surrealdb] settings of the surrealdb storage backend.

#include <provisioning/sdk/json.h>

#include <chrono>
#include <string>

namespace provisioning::plugins::surrealdb {

namespace json = provisioning::sdk::json;

// The level at which SurrealDB defines the user (DEFINE USER ... ON ROOT | NAMESPACE |
// DATABASE). A namespace user belongs to `namespace`, a database user to `namespace`
// and `database`.
enum class AuthLevel { kRoot, kNamespace, kDatabase };

// "root", "namespace" or "database", as the setting spells it.
const char* auth_level_name(AuthLevel level);

struct Settings {
  std::string url = "http://127.0.0.1:8000";  // scheme, host and port, no path
  std::string namespace_name = "provisioning";
  std::string database = "main";
  std::string username = "root";
  AuthLevel auth_level = AuthLevel::kRoot;
  std::string password;  // never logged and never part of a message
  // Limit of each HTTP request and of the wait for another writer's lock.
  std::chrono::milliseconds timeout{10000};
  // How long the writer lock of a transaction stays valid without renewal.
  std::chrono::milliseconds lock_lease{30000};
};

// Reads the settings from the plugin's settings table, using the defaults above for
// missing keys. Throws sdk::Error (kInvalidArgument) naming the key and the fix.
Settings read_settings(const json::object& table);

}  // namespace provisioning::plugins::surrealdb
