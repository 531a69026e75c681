#pragma once

#include <provisioning/sdk/json.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "environment.h"

namespace provisioning::host {

namespace json = boost::json;

// A configuration value and where it came from, for `config show --origin`.
struct ConfigValue {
  json::value value;   // string, int64, double, bool or array, as TOML typed it
  std::string origin;  // "defaults (/path/config.defaults.toml)", "env PROVISIONING_X", ...
};

// Inputs of Config::load().
struct ConfigSources {
  std::filesystem::path defaults_file;       // shipped defaults; required
  std::filesystem::path user_file;           // ~/.config/provisioning/config.user.toml; optional
  std::filesystem::path workspace_dir;       // contains config.toml and config.<env>.toml; optional
  std::map<std::string, std::string> flags;  // key -> value from command-line flags
  EnvironmentLookup environment;
};

// Layered TOML configuration.
//
// Layers, low to high: the shipped defaults, the user's file, the workspace's
// config.toml, the workspace's config.<env>.toml where PROVISIONING_ENV names dev,
// staging or prod, then command-line flags. Keys are dotted paths ("storage.backend").
//
// A key that no layer above the defaults sets is looked up in the environment as
// PROVISIONING_<KEY> with dots and dashes turned into underscores and letters upper-cased
// ("orchestrator.max_parallel_tasks" -> PROVISIONING_ORCHESTRATOR_MAX_PARALLEL_TASKS),
// before the shipped default applies. Runtime switches (PROVISIONING_ENV,
// PROVISIONING_WORKSPACE, PROVISIONING_DEBUG, PROVISIONING_LOG_LEVEL) override files.
class Config {
 public:
  // Reads every layer. Throws sdk::Error (kInvalidArgument) for invalid TOML with the
  // file, line and column, and for an unknown PROVISIONING_ENV value.
  static Config load(const ConfigSources& sources);

  // Returns the value in force for `key`, or nothing when no layer sets it.
  std::optional<ConfigValue> find(std::string_view key) const;

  // Like find(), but throws sdk::Error (kNotFound) naming the key, the TOML table and
  // line to add, and the environment variable it replaces.
  const ConfigValue& require(std::string_view key) const;

  std::string get_string(std::string_view key) const;
  std::int64_t get_int(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  double get_double(std::string_view key) const;

  // Every key with its value and origin, sorted by key.
  std::vector<std::pair<std::string, ConfigValue>> entries() const;

  // The keys under `prefix` ("plugins.provider.local") as a nested JSON object.
  json::object table(std::string_view prefix) const;

  // Warnings found while loading, such as an unknown key with a "did you mean".
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Files read, lowest layer first.
  const std::vector<std::filesystem::path>& files() const { return files_; }

  // Name of the environment variable that backs `key`. The one exception to the
  // PROVISIONING_<KEY> rule is paths.extensions, read from PROVISIONING_EXTENSIONS_PATH.
  static std::string environment_variable_for(std::string_view key);

 private:
  std::map<std::string, ConfigValue, std::less<>> values_;
  std::vector<std::string> warnings_;
  std::vector<std::filesystem::path> files_;
  EnvironmentLookup environment_;
  std::filesystem::path workspace_file_;  // named in require()'s message; may be empty
  mutable std::map<std::string, ConfigValue, std::less<>> environment_cache_;
};

// Returns the candidate closest to `word` by edit distance when it is close enough to
// be a likely typo, or an empty string.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace provisioning::host
