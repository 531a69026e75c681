#include "bridge/env_migration.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <array>

#include "config_toml.h"
#include "workspace_config_writer.h"

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;

// Known keys without a shipped default, because they are secrets.
constexpr std::array<std::string_view, 1> kKeysWithoutDefault = {"orchestrator.auth_token"};

bool same_kind(const json::value& value, const json::value& example) {
  if (example.is_int64()) return value.is_int64();
  if (example.is_bool()) return value.is_bool();
  if (example.is_double()) return value.is_double() || value.is_int64();
  if (example.is_array()) return value.is_array() || value.is_string();
  return value.is_string();
}

ConfigFileValue file_value(const std::string& key, const json::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  if (value.is_int64()) return value.as_int64();
  if (value.is_bool()) return value.as_bool();
  if (value.is_array()) {
    std::vector<std::string> items;
    for (const json::value& item : value.as_array()) {
      if (!item.is_string()) break;
      items.emplace_back(item.as_string());
    }
    if (items.size() == value.as_array().size()) return items;
  }
  throw sdk::Error::invalid_argument("cannot write configuration key '" + key + "' with value " +
                                     json::serialize(value) +
                                     " to TOML; set it in the file by hand, then unset its "
                                     "environment variable");
}

std::map<std::string, json::value> default_values(const std::filesystem::path& defaults_file) {
  std::map<std::string, json::value> values;
  for (auto& [key, value] : read_toml_settings(defaults_file, "reinstall provisioning")) {
    values[key] = value;
  }
  return values;
}

}  // namespace

std::vector<std::string> known_config_keys(const std::filesystem::path& defaults_file) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : default_values(defaults_file)) keys.push_back(key);
  for (std::string_view key : kKeysWithoutDefault) keys.emplace_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

bool is_secret_key(std::string_view key) {
  std::string_view last =
      key.substr(key.rfind('.') == std::string_view::npos ? 0 : key.rfind('.') + 1);
  return last.find("token") != std::string_view::npos ||
         last.find("password") != std::string_view::npos ||
         last.find("secret") != std::string_view::npos;
}

std::vector<EnvMigrationItem> plan_env_migration(const Config& config,
                                                 const EnvironmentLookup& environment,
                                                 const std::filesystem::path& defaults_file,
                                                 bool include_secrets) {
  std::map<std::string, json::value> defaults = default_values(defaults_file);
  std::vector<EnvMigrationItem> items;
  for (const std::string& key : known_config_keys(defaults_file)) {
    EnvMigrationItem item;
    item.key = key;
    item.variable = Config::environment_variable_for(key);
    std::optional<std::string> text = environment(item.variable);
    if (!text || text->empty()) continue;
    item.text = *text;
    std::optional<ConfigValue> in_force = config.find(key);
    item.value = in_force ? in_force->value : json::value(*text);
    item.origin = in_force ? in_force->origin : "env " + item.variable;
    auto example = defaults.find(key);
    if (item.origin != "env " + item.variable) {
      item.action = EnvAction::kIgnoredByFile;
    } else if (example != defaults.end() && !same_kind(item.value, example->second)) {
      item.action = EnvAction::kInvalidValue;
    } else if (is_secret_key(key) && !include_secrets) {
      item.action = EnvAction::kSecretSkipped;
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::string toml_assignment(std::string_view key, const json::value& value) {
  std::string name(key.substr(key.rfind('.') == std::string_view::npos ? 0 : key.rfind('.') + 1));
  return name + " = " + to_toml_text(file_value(std::string(key), value));
}

void write_env_migration(const std::filesystem::path& file,
                         const std::vector<EnvMigrationItem>& items) {
  std::vector<std::pair<std::string, ConfigFileValue>> writes;
  for (const EnvMigrationItem& item : items) {
    if (item.action == EnvAction::kMigrate)
      writes.emplace_back(item.key, file_value(item.key, item.value));
  }
  for (const auto& [key, value] : writes) set_config_value(file, key, value);
}

}  // namespace provisioning::host::bridge
