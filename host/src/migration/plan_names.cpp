// Checks of the names a migration plan uses against the installation.

#include <provisioning/sdk/error.h>

#include <algorithm>

#include "bridge/bridge_settings.h"
#include "config.h"
#include "host.h"
#include "migration/migrate.h"
#include "migration/plan.h"
#include "migration/readiness.h"

namespace provisioning::host::migration {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// Returns a problem message when `name` is not among `valid`, else "". An empty name is
// a missing key, which parse_plan() reports already.
std::string unknown_name(const std::string& what, const std::string& name,
                         const std::vector<std::string>& valid) {
  if (name.empty()) return {};
  if (std::find(valid.begin(), valid.end(), name) != valid.end()) return {};
  std::string message = "unknown " + what + " '" + name + "'";
  std::string suggestion = closest_match(name, valid);
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  return message + "; valid: " + (valid.empty() ? std::string("none installed") : join(valid));
}

std::vector<std::string> migratable_backends(Host& host) {
  std::vector<std::string> names;
  for (const auto& name : host.catalog().names(sdk::PluginKind::kStorage)) {
    const auto& supported = supported_backends();
    if (std::find(supported.begin(), supported.end(), name) != supported.end()) {
      names.push_back(name);
    }
  }
  return names;
}

// The text `--set KEY=VALUE` would take for `value`.
std::string flag_text(const ConfigFileValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  return to_toml_text(value);
}

ConfigSources workspace_config_sources(const Host& host) {
  ConfigSources sources;
  sources.defaults_file = host.paths().core_config / "config.defaults.toml";
  sources.user_file = host.paths().user_config / "config.user.toml";
  sources.workspace_dir = host.workspace().root();
  sources.environment = host.environment();
  return sources;
}

// Loads the configuration with `key` set to `value`, the way the step would leave it,
// and returns the first problem: an invalid value or an unknown key.
std::string config_problem(const Host& host, const std::string& key, const ConfigFileValue& value) {
  ConfigSources sources = workspace_config_sources(host);
  sources.flags[key] = flag_text(value);
  try {
    Config config = Config::load(sources);
    for (const auto& warning : config.warnings()) {
      if (warning.find("'" + key + "'") != std::string::npos) return warning;
    }
    if (key == "bridge.mode") bridge::read_bridge_settings(config, host.workspace().root());
  } catch (const sdk::Error& error) {
    return error.what();
  }
  return {};
}

void check_step(const PlanStep& step, Host& host, std::vector<PlanProblem>& problems) {
  auto add = [&](const std::string& message) {
    if (!message.empty()) problems.push_back({step.position, message});
  };
  std::vector<std::string> backends = migratable_backends(host);
  switch (step.type) {
    case StepType::kMigrateStorage:
      add(unknown_name("storage backend in 'from'", step.from, backends));
      add(unknown_name("storage backend in 'to'", step.to, backends));
      break;
    case StepType::kSetConfig:
      if (!step.key.empty()) add(config_problem(host, step.key, step.value));
      break;
    case StepType::kBridgeMode: {
      std::vector<std::string> modes;
      for (auto mode : {bridge::BridgeMode::kOff, bridge::BridgeMode::kCompatibility,
                        bridge::BridgeMode::kMigration}) {
        modes.emplace_back(bridge::to_string(mode));
      }
      add(unknown_name("bridge mode", step.mode, modes));
      break;
    }
    case StepType::kVerify:
      if (!step.source.empty() && step.source != kLegacySource) {
        std::vector<std::string> sources = backends;
        sources.emplace_back(kLegacySource);
        add(unknown_name("verify source", step.source, sources));
      }
      break;
    case StepType::kHealthCheck:
      for (const auto& check : step.checks) {
        add(unknown_name("health check", check, readiness_check_names()));
      }
      break;
  }
}

}  // namespace

void check_plan_names(const MigrationPlan& plan, Host& host, std::vector<PlanProblem>& problems) {
  for (const PlanPhase& phase : plan.phases) {
    for (const PlanStep& step : phase.steps) check_step(step, host, problems);
  }
}

}  // namespace provisioning::host::migration
