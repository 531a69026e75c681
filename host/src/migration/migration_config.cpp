#include "migration_config.h"

#include <provisioning/sdk/files.h>
#include <toml++/toml.h>

#include "target_location.h"
#include "workspace_config_writer.h"

namespace provisioning::host::migration {
namespace {

std::string config_string(const Host& host, const std::string& key) {
  auto value = host.config().find(key);
  if (!value || !value->value.is_string()) return {};
  return std::string(value->value.get_string());
}

// Reads string values straight from the workspace's config.toml, without other layers.
std::string file_string(const toml::table& table, const std::string& key) {
  return table.at_path(key).value<std::string>().value_or("");
}

}  // namespace

std::filesystem::path configured_location_path(const Host& host, const std::string& backend) {
  std::string value = config_string(host, "storage." + backend + ".path");
  if (value.empty()) value = backend == "sqlite" ? ".provisioning/state.db" : "data";
  std::filesystem::path path(value);
  return path.is_absolute() ? path : host.workspace().root() / path;
}

std::string configured_location_text(const Host& host, const std::string& backend) {
  if (backend == "surrealdb") {
    return config_string(host, "storage.surrealdb.url") + " database " +
           config_string(host, "storage.surrealdb.database");
  }
  return configured_location_path(host, backend).string();
}

std::vector<std::pair<std::string, std::string>> workspace_storage_settings(
    const Host& host, const std::vector<std::string>& backends) {
  toml::table table;
  std::filesystem::path file = host.workspace().config_file();
  if (std::filesystem::exists(file)) {
    try {
      table = toml::parse(sdk::read_file(file), file.string());
    } catch (const toml::parse_error&) {
      // Config::load() parsed the same file already; a change since is not worth a
      // failure here, and the backup then records the keys as unset.
    }
  }
  std::vector<std::pair<std::string, std::string>> settings{
      {"storage.backend", file_string(table, "storage.backend")}};
  for (const std::string& backend : backends) {
    if (auto setting = location_setting(backend)) {
      std::string key = "storage." + backend + "." + *setting;
      settings.emplace_back(key, file_string(table, key));
    }
  }
  return settings;
}

void restore_storage_settings(const Host& host,
                              const std::vector<std::pair<std::string, std::string>>& settings) {
  std::vector<std::pair<std::string, ConfigFileValue>> values;
  std::vector<std::string> removed;
  for (const auto& [key, value] : settings) {
    if (value.empty()) {
      removed.push_back(key);
    } else {
      values.emplace_back(key, value);
    }
  }
  // NOTE: the removals are separate writes after the atomic write of the values, so a
  // crash between them can leave a location key set that the backup recorded as unset.
  if (!values.empty()) set_config_values(host.workspace().config_file(), values);
  for (const auto& key : removed) unset_config_value(host.workspace().config_file(), key);
}

}  // namespace provisioning::host::migration
