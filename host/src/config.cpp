#include "config.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <system_error>
#include <utility>

#include "config_toml.h"

namespace provisioning::host {
namespace {

namespace fs = std::filesystem;

using ValueMap = std::map<std::string, ConfigValue, std::less<>>;

constexpr std::string_view kCommandLineOrigin = "command line";
constexpr std::string_view kEnvironmentKey = "environment";
constexpr std::array<std::string_view, 3> kEnvironmentNames = {"dev", "staging", "prod"};

// Plugin settings are free-form, so the shipped defaults cannot list their keys.
constexpr std::array<std::string_view, 3> kFreeFormPrefixes = {"plugins.", "taskservs.",
                                                               "api.sunset."};

// Known keys that the shipped defaults leave unset on purpose, because they are secrets.
constexpr std::array<std::string_view, 1> kKeysWithoutDefault = {"orchestrator.auth_token"};

std::string environment_origin(std::string_view variable) {
  return "env " + std::string(variable);
}

// Returns the variable's value. An empty value counts as unset, so `export NAME=` has the
// same effect as `unset NAME`.
std::optional<std::string> read_variable(const EnvironmentLookup& environment,
                                         const std::string& name) {
  std::optional<std::string> value = environment(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

// State built while reading the layers, lowest first, then moved into a Config.
struct LayerStack {
  ValueMap values;
  fs::path defaults_file;
  std::vector<std::string> known_keys;              // keys of the shipped defaults, sorted
  std::map<std::string, json::value> defaults;      // shipped default of each key
  std::set<std::string, std::less<>> default_only;  // known keys no higher layer has set
  std::vector<std::string> warnings;
  std::vector<fs::path> files;

  void set(const std::string& key, json::value value, std::string origin) {
    default_only.erase(key);
    values[key] = ConfigValue{std::move(value), std::move(origin)};
  }
};

bool is_free_form(std::string_view key) {
  return std::any_of(kFreeFormPrefixes.begin(), kFreeFormPrefixes.end(),
                     [key](std::string_view prefix) { return key.starts_with(prefix); });
}

// Adds a warning for a key that the shipped defaults do not have, because a misspelled
// key would otherwise be ignored silently.
void warn_if_unknown(LayerStack& stack, const std::string& key, const std::string& where) {
  if (is_free_form(key)) return;
  if (std::binary_search(stack.known_keys.begin(), stack.known_keys.end(), key)) return;

  std::string warning = "unknown configuration key '" + key + "' " + where;
  std::string suggestion = closest_match(key, stack.known_keys);
  if (!suggestion.empty()) {
    warning += "; did you mean '" + suggestion + "'?";
  } else {
    warning += "; see " + stack.defaults_file.string() + " for the known keys";
  }
  stack.warnings.push_back(std::move(warning));
}

// Returns whether `file` exists. A failed check throws, because treating an unreadable
// directory as "no file" would silently drop a layer.
bool file_exists(const fs::path& file) {
  std::error_code error;
  bool exists = fs::exists(file, error);
  if (error) {
    throw sdk::Error::unavailable("could not check configuration file '" + file.string() + "': " +
                                  error.message() + "; check the permissions of its directory");
  }
  return exists;
}

void read_defaults(LayerStack& stack, const fs::path& file) {
  if (file.empty() || !file_exists(file)) {
    throw sdk::Error::not_found("shipped configuration file '" + file.string() +
                                "' not found; reinstall provisioning, or set "
                                "PROVISIONING_CORE_DIR to its installation prefix");
  }
  FlatSettings settings = read_toml_settings(file, "fix the file or reinstall provisioning");
  std::string origin = "defaults (" + file.string() + ")";
  for (auto& [key, value] : settings) {
    stack.defaults[key] = value;
    stack.values[key] = ConfigValue{std::move(value), origin};
    stack.known_keys.push_back(key);
    stack.default_only.insert(key);
  }
  // Keys that are known but have no default on purpose, such as secrets.
  for (std::string_view key : kKeysWithoutDefault) stack.known_keys.emplace_back(key);
  std::sort(stack.known_keys.begin(), stack.known_keys.end());
  stack.defaults_file = file;
  stack.files.push_back(file);
}

// Reads one optional file layer, skipping a missing file.
void read_optional_layer(LayerStack& stack, const fs::path& file, std::string_view label) {
  if (file.empty() || !file_exists(file)) return;
  FlatSettings settings = read_toml_settings(file, "fix the file or remove it");
  std::string origin = std::string(label) + " (" + file.string() + ")";
  for (auto& [key, value] : settings) {
    warn_if_unknown(stack, key, "in " + file.string());
    stack.set(key, std::move(value), origin);
  }
  stack.files.push_back(file);
}

struct SelectedEnvironment {
  std::string name;    // dev, staging or prod
  std::string origin;  // where the name came from
};

// Returns the deployment environment named on the command line or by PROVISIONING_ENV.
std::optional<SelectedEnvironment> select_environment(
    const std::map<std::string, std::string>& flags, const EnvironmentLookup& environment) {
  SelectedEnvironment selected;
  std::string source;
  if (auto flag = flags.find(std::string(kEnvironmentKey)); flag != flags.end()) {
    selected = {flag->second, std::string(kCommandLineOrigin)};
    source = "the environment given on the command line";
  } else if (auto variable = read_variable(environment, "PROVISIONING_ENV")) {
    selected = {*variable, environment_origin("PROVISIONING_ENV")};
    source = "PROVISIONING_ENV";
  } else {
    return std::nullopt;
  }
  if (std::find(kEnvironmentNames.begin(), kEnvironmentNames.end(), selected.name) ==
      kEnvironmentNames.end()) {
    throw sdk::Error::invalid_argument(source + " is '" + selected.name +
                                       "', which is not a known environment; use dev, "
                                       "staging or prod");
  }
  return selected;
}

// Parses 1, 0, true, false, yes, no, on and off, in any letter case.
std::optional<bool> parse_bool(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

// Converts text from a variable or a flag to the type of the key's shipped default, so
// that plugins read `--set storage.sqlite.busy_timeout_ms=5000` as the number 5000. Text
// that does not convert stays text, and get_int() and friends report it with its origin
// when the key is read, so a bad variable breaks only the commands that use it.
json::value typed_like_default(const LayerStack& stack, const std::string& key,
                               const std::string& text) {
  auto found = stack.defaults.find(key);
  if (found == stack.defaults.end()) return json::value(text);
  const json::value& example = found->second;
  if (example.is_int64()) {
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size()) return json::value(number);
  } else if (example.is_bool()) {
    if (std::optional<bool> flag = parse_bool(text)) return json::value(*flag);
  } else if (example.is_double()) {
    char* end = nullptr;
    double number = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size()) return json::value(number);
  }
  return json::value(text);
}

// Legacy PROVISIONING_<KEY> variables apply only to keys that no file above the shipped
// defaults sets, so a value written in a file beats the variable. The runtime switches,
// applied next, are the exception.
void apply_environment_fallback(LayerStack& stack, const EnvironmentLookup& environment) {
  for (const std::string& key : stack.default_only) {
    std::string variable = Config::environment_variable_for(key);
    if (auto value = read_variable(environment, variable)) {
      stack.values[key] =
          ConfigValue{typed_like_default(stack, key, *value), environment_origin(variable)};
    }
  }
}

// PROVISIONING_LOG_LEVEL and PROVISIONING_DEBUG override every file. When both are set,
// the explicit level wins.
void apply_runtime_switches(LayerStack& stack, const EnvironmentLookup& environment) {
  std::optional<std::string> debug = read_variable(environment, "PROVISIONING_DEBUG");
  std::optional<bool> debug_enabled = debug ? parse_bool(*debug) : false;
  if (!debug_enabled) {
    throw sdk::Error::invalid_argument("PROVISIONING_DEBUG is '" + *debug +
                                       "', which is not a boolean; set it to 1 or 0 (true, "
                                       "false, yes, no, on and off also work) or unset it");
  }

  if (auto level = read_variable(environment, "PROVISIONING_LOG_LEVEL")) {
    stack.set("logging.level", json::value(*level), environment_origin("PROVISIONING_LOG_LEVEL"));
  } else if (*debug_enabled) {
    stack.set("logging.level", json::value("debug"), environment_origin("PROVISIONING_DEBUG"));
  }
}

void apply_flags(LayerStack& stack, const std::map<std::string, std::string>& flags) {
  for (const auto& [key, value] : flags) {
    if (key != kEnvironmentKey) warn_if_unknown(stack, key, "on the command line");
    stack.set(key, typed_like_default(stack, key, value), std::string(kCommandLineOrigin));
  }
}

}  // namespace

Config Config::load(const ConfigSources& sources) {
  // An empty lookup means "no variables", so a caller never reads the process
  // environment by accident.
  EnvironmentLookup environment = sources.environment ? sources.environment : fixed_environment({});
  std::optional<SelectedEnvironment> selected = select_environment(sources.flags, environment);

  LayerStack stack;
  read_defaults(stack, sources.defaults_file);
  read_optional_layer(stack, sources.user_file, "user");
  if (!sources.workspace_dir.empty()) {
    read_optional_layer(stack, sources.workspace_dir / "config.toml", "workspace");
    if (selected) {
      fs::path environment_file = sources.workspace_dir / ("config." + selected->name + ".toml");
      read_optional_layer(stack, environment_file, "workspace " + selected->name);
    }
  }
  apply_environment_fallback(stack, environment);
  apply_runtime_switches(stack, environment);
  if (selected) {
    stack.set(std::string(kEnvironmentKey), json::value(selected->name), selected->origin);
  }
  apply_flags(stack, sources.flags);

  Config config;
  config.values_ = std::move(stack.values);
  config.warnings_ = std::move(stack.warnings);
  config.files_ = std::move(stack.files);
  config.environment_ = std::move(environment);
  if (!sources.workspace_dir.empty())
    config.workspace_file_ = sources.workspace_dir / "config.toml";
  return config;
}

namespace {

// Guards the environment_cache_ of every Config. Lookups of keys that no layer sets are
// rare, so one lock shared by all instances is enough.
std::mutex environment_cache_mutex;

// Looks `key` up in the environment when no layer has it. The value is cached so that
// require() can return a reference that stays valid.
const ConfigValue* find_in_environment(const EnvironmentLookup& environment, ValueMap& cache,
                                       std::string_view key) {
  if (!environment) return nullptr;
  std::lock_guard lock(environment_cache_mutex);
  if (auto cached = cache.find(key); cached != cache.end()) return &cached->second;

  std::string variable = Config::environment_variable_for(key);
  std::optional<std::string> value = read_variable(environment, variable);
  if (!value) return nullptr;
  ConfigValue entry{json::value(*value), environment_origin(variable)};
  return &cache.emplace(std::string(key), std::move(entry)).first->second;
}

std::string missing_key_message(std::string_view key, const fs::path& workspace_file) {
  std::string file = workspace_file.empty() ? std::string("your workspace's config.toml")
                                            : workspace_file.string();
  std::string table_lines;
  std::string_view name = key;
  if (auto dot = key.rfind('.'); dot != std::string_view::npos) {
    table_lines = "  [" + std::string(key.substr(0, dot)) + "]\n";
    name = key.substr(dot + 1);
  }
  return "configuration key '" + std::string(key) + "' is not set; add it to " + file + " as\n" +
         table_lines + "  " + std::string(name) + " = \"...\"\n(the environment variable " +
         Config::environment_variable_for(key) + " is also read, as a legacy fallback)";
}

// Environment variables and command-line flags are text, which get_int() and friends
// convert. TOML values are typed already and are never converted.
bool is_text_source(const ConfigValue& value) {
  return value.value.is_string() &&
         (value.origin.starts_with("env ") || value.origin == kCommandLineOrigin);
}

[[noreturn]] void throw_wrong_type(std::string_view key, const ConfigValue& value,
                                   std::string_view expected) {
  throw sdk::Error::invalid_argument("configuration key '" + std::string(key) + "' must be " +
                                     std::string(expected) + ", but it is " +
                                     json::serialize(value.value) + ", set by " + value.origin +
                                     "; change it to " + std::string(expected));
}

[[noreturn]] void throw_invalid_text(std::string_view key, const ConfigValue& value,
                                     std::string_view expected, std::string_view accepted) {
  const std::string text(value.value.as_string());
  if (value.origin == kCommandLineOrigin) {
    throw sdk::Error::invalid_argument("command-line value '" + text + "' for configuration key '" +
                                       std::string(key) + "' is not " + std::string(expected) +
                                       "; pass " + std::string(accepted));
  }
  std::string variable = value.origin.substr(std::string_view("env ").size());
  throw sdk::Error::invalid_argument(
      "environment variable " + variable + " is '" + text + "', but configuration key '" +
      std::string(key) + "' must be " + std::string(expected) + "; set the variable to " +
      std::string(accepted) + ", or unset it");
}

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  Number number{};
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, number);
  if (error != std::errc() || stop != end || text.empty()) return std::nullopt;
  return number;
}

constexpr std::string_view kString = "a string";
constexpr std::string_view kInteger = "an integer";
constexpr std::string_view kBoolean = "a boolean";
constexpr std::string_view kBooleanSpellings = "one of true, false, yes, no, on, off, 1 or 0";
constexpr std::string_view kNumber = "a number";

void insert_dotted(json::object& root, std::string_view path, const json::value& value) {
  json::object* current = &root;
  std::size_t dot;
  while ((dot = path.find('.')) != std::string_view::npos) {
    json::value& child = (*current)[path.substr(0, dot)];
    // A scalar and a table of the same name can only come from different layers. The
    // table is kept because it contains more settings.
    if (!child.is_object()) child = json::object();
    current = &child.as_object();
    path.remove_prefix(dot + 1);
  }
  (*current)[path] = value;
}

std::size_t edit_distance(std::string_view from, std::string_view to) {
  std::vector<std::size_t> previous(to.size() + 1);
  std::vector<std::size_t> current(to.size() + 1);
  std::iota(previous.begin(), previous.end(), 0);
  for (std::size_t i = 1; i <= from.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= to.size(); ++j) {
      std::size_t substitution = previous[j - 1] + (from[i - 1] == to[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[to.size()];
}

}  // namespace

std::optional<ConfigValue> Config::find(std::string_view key) const {
  if (auto found = values_.find(key); found != values_.end()) return found->second;
  if (const ConfigValue* value = find_in_environment(environment_, environment_cache_, key)) {
    return *value;
  }
  return std::nullopt;
}

const ConfigValue& Config::require(std::string_view key) const {
  if (auto found = values_.find(key); found != values_.end()) return found->second;
  if (const ConfigValue* value = find_in_environment(environment_, environment_cache_, key)) {
    return *value;
  }
  throw sdk::Error::not_found(missing_key_message(key, workspace_file_));
}

std::string Config::get_string(std::string_view key) const {
  const ConfigValue& value = require(key);
  if (!value.value.is_string()) throw_wrong_type(key, value, kString);
  return std::string(value.value.as_string());
}

std::int64_t Config::get_int(std::string_view key) const {
  const ConfigValue& value = require(key);
  if (value.value.is_int64()) return value.value.as_int64();
  if (!is_text_source(value)) throw_wrong_type(key, value, kInteger);
  auto number = parse_number<std::int64_t>(value.value.as_string());
  if (!number) throw_invalid_text(key, value, kInteger, kInteger);
  return *number;
}

bool Config::get_bool(std::string_view key) const {
  const ConfigValue& value = require(key);
  if (value.value.is_bool()) return value.value.as_bool();
  if (!is_text_source(value)) throw_wrong_type(key, value, kBoolean);
  std::optional<bool> flag = parse_bool(value.value.as_string());
  if (!flag) throw_invalid_text(key, value, kBoolean, kBooleanSpellings);
  return *flag;
}

double Config::get_double(std::string_view key) const {
  const ConfigValue& value = require(key);
  if (value.value.is_double()) return value.value.as_double();
  if (value.value.is_int64()) return static_cast<double>(value.value.as_int64());
  if (!is_text_source(value)) throw_wrong_type(key, value, kNumber);
  auto number = parse_number<double>(value.value.as_string());
  if (!number) throw_invalid_text(key, value, kNumber, kNumber);
  return *number;
}

std::vector<std::pair<std::string, ConfigValue>> Config::entries() const {
  return {values_.begin(), values_.end()};
}

json::object Config::table(std::string_view prefix) const {
  std::string start = prefix.empty() ? std::string() : std::string(prefix) + ".";
  json::object result;
  for (auto entry = values_.lower_bound(start);
       entry != values_.end() && entry->first.starts_with(start); ++entry) {
    insert_dotted(result, std::string_view(entry->first).substr(start.size()), entry->second.value);
  }
  return result;
}

std::string Config::environment_variable_for(std::string_view key) {
  // The extension search path is documented under this name, so it keeps it instead of
  // PROVISIONING_PATHS_EXTENSIONS.
  if (key == "paths.extensions") return "PROVISIONING_EXTENSIONS_PATH";

  std::string variable = "PROVISIONING_";
  for (char c : key) {
    if (c == '.' || c == '-') {
      variable += '_';
    } else {
      variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return variable;
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  const std::size_t max_distance = std::max<std::size_t>(2, word.size() / 3);
  std::string best;
  std::size_t best_distance = max_distance + 1;
  for (const std::string& candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace provisioning::host
