// `provisioning config diagnose` and `provisioning config migrate-env`: where a key's value
// comes from, and moving legacy PROVISIONING_<KEY> variables into TOML.

#include <provisioning/sdk/error.h>

#include <iostream>

#include "bridge/env_migration.h"
#include "cli/cli.h"
#include "config_toml.h"

namespace provisioning::cli {
namespace {

namespace bridge = host::bridge;

constexpr std::string_view kHidden = "[REDACTED]";

std::filesystem::path defaults_file(const host::Host& host) {
  return host.paths().core_config / "config.defaults.toml";
}

std::string display(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  return json::serialize(value);
}

std::string shown(std::string_view key, const std::string& text) {
  return bridge::is_secret_key(key) ? std::string(kHidden) : text;
}

void require_known_key(const host::Host& host, const std::string& key) {
  std::vector<std::string> known = bridge::known_config_keys(defaults_file(host));
  if (std::binary_search(known.begin(), known.end(), key)) return;
  std::string message = "unknown configuration key '" + key + "'";
  std::string suggestion = host::closest_match(key, known);
  message += suggestion.empty() ? "; run 'provisioning config show' to list the keys"
                                : "; did you mean '" + suggestion + "'?";
  throw sdk::Error::invalid_argument(message);
}

// Returns the files above the shipped defaults that set `key`, with the value each sets.
json::array files_setting(const host::Host& host, const std::string& key) {
  json::array files;
  for (const auto& file : host.config().files()) {
    if (file == defaults_file(host)) continue;
    for (const auto& [name, value] : host::read_toml_settings(file, "fix the file")) {
      if (name != key) continue;
      json::value text = bridge::is_secret_key(key) ? json::value(kHidden) : value;
      files.push_back({{"file", file.string()}, {"value", text}});
    }
  }
  return files;
}

json::object diagnose(const host::Host& host, const std::string& key) {
  require_known_key(host, key);
  std::string variable = host::Config::environment_variable_for(key);
  std::optional<std::string> text = host.environment()(variable);
  bool variable_set = text && !text->empty();
  auto in_force = host.config().find(key);
  json::object report{{"key", key},
                      {"files", files_setting(host, key)},
                      {"variable", variable},
                      {"variable_value", variable_set ? json::value(shown(key, *text)) : nullptr}};
  report["value"] = in_force ? (bridge::is_secret_key(key) ? json::value(kHidden) : in_force->value)
                             : json::value(nullptr);
  report["origin"] = in_force ? json::value(in_force->origin) : json::value(nullptr);
  bool from_variable = in_force && in_force->origin == "env " + variable;
  report["migration_needed"] = from_variable;
  report["variable_ignored"] = variable_set && !from_variable;
  return report;
}

void print_diagnosis(const json::object& report) {
  std::cout << "key: " << field(report, "key") << '\n';
  const json::array& files = report.at("files").as_array();
  if (files.empty()) std::cout << "files: (not set in any file)\n";
  for (const auto& file : files) {
    std::cout << "file " << field(file.as_object(), "file") << ": "
              << display(file.as_object().at("value")) << '\n';
  }
  std::cout << "environment: " << field(report, "variable")
            << (report.at("variable_value").is_null() ? std::string(" (not set)")
                                                      : "=" + field(report, "variable_value"))
            << '\n';
  std::cout << "in force: "
            << (report.at("value").is_null()
                    ? std::string("(not set)")
                    : display(report.at("value")) + " (from " + field(report, "origin") + ")")
            << '\n';
  if (report.at("migration_needed").as_bool()) {
    std::cout << "migration needed: only " << field(report, "variable")
              << " sets this key; run 'provisioning config migrate-env --write'\n";
  } else if (report.at("variable_ignored").as_bool()) {
    std::cout << "note: a file or flag sets this key, so " << field(report, "variable")
              << " has no effect and can be removed\n";
  }
}

void add_diagnose(CLI::App& config, Invocation& invocation) {
  auto key = std::make_shared<std::string>();
  auto* diagnose_command = config.add_subcommand(
      "diagnose", "Show where a key's value comes from: files, environment, value in force");
  diagnose_command->add_option("key", *key, "Dotted key, such as orchestrator.port")->required();
  on_run(*diagnose_command, invocation, [&invocation, key](host::Host& host) {
    json::object report = diagnose(host, *key);
    if (json_output(invocation.options))
      print_json(report);
    else
      print_diagnosis(report);
    return 0;
  });
}

struct MigrateArguments {
  bool write = false;
  bool include_secrets = false;
  std::string file;
};

std::string_view action_name(bridge::EnvAction action) {
  switch (action) {
    case bridge::EnvAction::kMigrate:
      return "migrate";
    case bridge::EnvAction::kIgnoredByFile:
      return "ignored_by_file";
    case bridge::EnvAction::kSecretSkipped:
      return "secret_skipped";
    case bridge::EnvAction::kInvalidValue:
      return "invalid_value";
  }
  return "migrate";
}

// Throws when a variable's value does not convert to its key's type, before anything is
// written, so a half-migrated file never happens.
void reject_invalid(const std::vector<bridge::EnvMigrationItem>& items) {
  for (const auto& item : items) {
    if (item.action != bridge::EnvAction::kInvalidValue) continue;
    throw sdk::Error::invalid_argument(
        "environment variable " + item.variable + " is '" + shown(item.key, item.text) +
        "', which does not fit configuration key '" + item.key +
        "' (see 'provisioning config get " + item.key +
        "'); fix or unset the variable, then run migrate-env again. Nothing was written");
  }
}

void print_plan(const std::vector<bridge::EnvMigrationItem>& items,
                const std::filesystem::path& file, bool written) {
  std::cout << "--- " << file.string() << "\n+++ " << file.string()
            << (written ? "" : " (after --write)") << '\n';
  for (const auto& item : items) {
    if (item.action != bridge::EnvAction::kMigrate) continue;
    std::string table = item.key.substr(0, item.key.rfind('.'));
    std::cout << "+[" << table << "] " << bridge::toml_assignment(item.key, item.value)
              << "    # from " << item.variable << '\n';
  }
  for (const auto& item : items) {
    if (item.action == bridge::EnvAction::kSecretSkipped) {
      std::cout << "skipped " << item.variable << " (" << item.key
                << " is a secret; pass --include-secrets to write it)\n";
    }
  }
  std::vector<std::string> removable;
  for (const auto& item : items) {
    bool gone = item.action == bridge::EnvAction::kIgnoredByFile ||
                (written && item.action == bridge::EnvAction::kMigrate);
    if (gone) removable.push_back(item.variable);
  }
  if (removable.empty()) return;
  std::cout << (written ? "these variables can now be removed:"
                        : "these variables have no effect and can be removed:");
  for (const auto& variable : removable) std::cout << ' ' << variable;
  std::cout << '\n';
}

json::object plan_json(const std::vector<bridge::EnvMigrationItem>& items,
                       const std::filesystem::path& file, bool written) {
  json::array changes;
  for (const auto& item : items) {
    bool secret = bridge::is_secret_key(item.key);
    changes.push_back({{"key", item.key},
                       {"variable", item.variable},
                       {"value", secret ? json::value(kHidden) : item.value},
                       {"action", action_name(item.action)},
                       {"removable", item.action == bridge::EnvAction::kIgnoredByFile ||
                                         (written && item.action == bridge::EnvAction::kMigrate)}});
  }
  return {{"file", file.string()}, {"written", written}, {"changes", changes}};
}

void add_migrate_env(CLI::App& config, Invocation& invocation) {
  auto arguments = std::make_shared<MigrateArguments>();
  auto* migrate = config.add_subcommand(
      "migrate-env", "Move PROVISIONING_* variables into TOML (a dry-run diff without --write)");
  migrate->add_flag("--write", arguments->write, "Write the keys to the file");
  migrate->add_flag("--include-secrets", arguments->include_secrets,
                    "Also write secrets such as orchestrator.auth_token");
  migrate->add_option("--file", arguments->file,
                      "TOML file to write (default: the workspace's config.toml)");
  on_run(*migrate, invocation, [&invocation, arguments](host::Host& host) {
    std::filesystem::path file = arguments->file.empty()
                                     ? host.workspace().root() / "config.toml"
                                     : std::filesystem::absolute(arguments->file);
    auto items = bridge::plan_env_migration(host.config(), host.environment(), defaults_file(host),
                                            arguments->include_secrets);
    reject_invalid(items);
    if (arguments->write) bridge::write_env_migration(file, items);
    if (json_output(invocation.options))
      print_json(plan_json(items, file, arguments->write));
    else
      print_plan(items, file, arguments->write);
    return 0;
  });
}

}  // namespace

void add_config_migrate_commands(CLI::App& config, Invocation& invocation) {
  add_diagnose(config, invocation);
  add_migrate_env(config, invocation);
}

}  // namespace provisioning::cli
