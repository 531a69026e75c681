#pragma once

#include <provisioning/sdk/json.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config.h"

// Moving legacy PROVISIONING_<KEY> environment variables into TOML, for
// `provisioning config diagnose` and `provisioning config migrate-env`.
namespace provisioning::host::bridge {

// Returns the known configuration keys: those of the shipped defaults file, plus the
// keys that have no default on purpose (orchestrator.auth_token), sorted.
std::vector<std::string> known_config_keys(const std::filesystem::path& defaults_file);

// Returns whether `key` names a secret (its last part names a token, password or secret),
// whose value is never printed and not written to a file unless asked.
bool is_secret_key(std::string_view key);

enum class EnvAction {
  kMigrate,        // only the variable sets the key: write it to the file
  kIgnoredByFile,  // a file sets the key, so the variable has no effect
  kSecretSkipped,  // a secret, written only with --include-secrets
  kInvalidValue,   // the variable's text does not convert to the key's type
};

// One set PROVISIONING_<KEY> variable that maps to a known key.
struct EnvMigrationItem {
  std::string key;
  std::string variable;
  std::string text;          // the variable's value as set
  boost::json::value value;  // the value in force, typed like the key's default
  std::string origin;        // where the value in force comes from
  EnvAction action = EnvAction::kMigrate;
};

// Returns one item for every known key whose variable is set and not empty, in key
// order. `defaults_file` gives each key's type.
std::vector<EnvMigrationItem> plan_env_migration(const Config& config,
                                                 const EnvironmentLookup& environment,
                                                 const std::filesystem::path& defaults_file,
                                                 bool include_secrets);

// Returns "key = value" as a TOML line, such as `port = 9191`.
std::string toml_assignment(std::string_view key, const boost::json::value& value);

// Writes each item with action kMigrate to `file` with set_config_value(), keeping the
// file's comments and other keys. Throws sdk::Error (kInvalidArgument) naming the key
// when a value is not a string, integer, boolean or array of strings; nothing is
// written then.
void write_env_migration(const std::filesystem::path& file,
                         const std::vector<EnvMigrationItem>& items);

}  // namespace provisioning::host::bridge
