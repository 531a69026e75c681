#include "migration/plan_runner.h"

#include <toml++/toml.h>

#include <algorithm>
#include <thread>

#include "bridge/bridge_settings.h"
#include "host.h"
#include "logging.h"
#include "migration/data_check.h"
#include "migration/migrate.h"
#include "migration/migration_config.h"
#include "migration/readiness.h"
#include "migration/restore.h"

namespace provisioning::host::migration {
namespace {

// Undoes one completed step and returns what it did.
using Undo = std::function<std::string()>;

struct StepResult {
  std::string detail;
  Undo undo;  // empty for steps that change nothing
};

// The value config.toml sets for one key before a step changes it.
struct SavedKey {
  std::string key;
  std::optional<ConfigFileValue> value;  // nothing when the file does not set the key
};

std::optional<ConfigFileValue> to_config_value(const toml::node& node, const std::string& key) {
  if (auto text = node.value<std::string>(); text && node.is_string()) return *text;
  if (node.is_integer()) return *node.value<std::int64_t>();
  if (node.is_boolean()) return *node.value<bool>();
  if (const toml::array* array = node.as_array()) {
    std::vector<std::string> items;
    for (const toml::node& item : *array) {
      if (!item.is_string()) break;
      items.push_back(*item.value<std::string>());
    }
    if (items.size() == array->size()) return items;
  }
  throw sdk::Error::invalid_argument(
      "config.toml sets '" + key +
      "' to a value that the plan cannot restore on rollback (only strings, whole numbers, "
      "booleans and lists of strings); change it by hand or remove the step");
}

SavedKey save_key(const Host& host, const std::string& key) {
  std::filesystem::path file = host.workspace().config_file();
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return {key, std::nullopt};
  toml::table table = toml::parse_file(file.string());
  toml::node_view<toml::node> node = table.at_path(key);
  if (!node) return {key, std::nullopt};
  return {key, to_config_value(*node.node(), key)};
}

std::string restore_keys(const std::filesystem::path& file, const std::vector<SavedKey>& keys) {
  std::vector<std::pair<std::string, ConfigFileValue>> values;
  std::string detail;
  for (const SavedKey& saved : keys) {
    if (saved.value) {
      values.emplace_back(saved.key, *saved.value);
      detail += (detail.empty() ? "" : ", ") + saved.key + " = " + to_toml_text(*saved.value);
    }
  }
  if (!values.empty()) set_config_values(file, values);
  for (const SavedKey& saved : keys) {
    if (saved.value) continue;
    unset_config_value(file, saved.key);
    detail += (detail.empty() ? "" : ", ") + saved.key + " unset";
  }
  return "restored " + detail;
}

// Writes `values` into config.toml, then opens a Host on the result so that an invalid
// value fails the step. A failed write or check puts the previous keys back.
Undo write_keys(const HostFactory& open_host, Host& host,
                const std::vector<std::pair<std::string, ConfigFileValue>>& values,
                const std::function<void(Host&)>& check) {
  std::vector<SavedKey> saved;
  for (const auto& [key, value] : values) saved.push_back(save_key(host, key));
  std::filesystem::path file = host.workspace().config_file();
  set_config_values(file, values);
  try {
    auto reopened = open_host();
    if (check) check(*reopened);
  } catch (...) {
    restore_keys(file, saved);
    throw;
  }
  return [file, saved] { return restore_keys(file, saved); };
}

// Runs the steps of one plan in order and keeps the state they share.
class PlanExecution {
 public:
  PlanExecution(const MigrationPlan& plan, const HostFactory& open_host,
                const PlanRunOptions& options)
      : plan_(plan), open_host_(open_host), options_(options) {
    report_.plan = plan.name;
    report_.dry_run = options.dry_run;
  }

  PlanRunReport run() {
    for (std::size_t i = 0; i < plan_.phases.size(); ++i) {
      if (!run_phase(plan_.phases[i])) return report_;
      bool last = i + 1 == plan_.phases.size();
      if (!last) wait_after(plan_.phases[i]);
    }
    report_.succeeded = true;
    return report_;
  }

 private:
  void emit(StepOutcome outcome) {
    if (options_.on_outcome) options_.on_outcome(outcome);
    report_.outcomes.push_back(std::move(outcome));
  }

  void wait_after(const PlanPhase& phase) {
    if (phase.wait_seconds <= 0 || options_.dry_run) return;
    std::chrono::seconds pause(phase.wait_seconds);
    if (options_.wait) {
      options_.wait(pause);
    } else {
      std::this_thread::sleep_for(pause);
    }
  }

  bool run_phase(const PlanPhase& phase) {
    std::vector<std::pair<std::size_t, Undo>> undos;
    for (std::size_t i = 0; i < phase.steps.size(); ++i) {
      const PlanStep& step = phase.steps[i];
      StepOutcome outcome{phase.name, i + 1, step.summary(), "", ""};
      try {
        StepResult result = options_.dry_run ? describe(step) : execute(step);
        outcome.status = options_.dry_run ? "dry_run" : "ok";
        outcome.detail = result.detail;
        if (result.undo) undos.emplace_back(i, std::move(result.undo));
        emit(std::move(outcome));
      } catch (const std::exception& error) {
        fail(phase, outcome, error);
        if (phase.rollback_on_failure) roll_back(phase, undos);
        return false;
      }
    }
    return true;
  }

  void fail(const PlanPhase& phase, StepOutcome& outcome, const std::exception& error) {
    const auto* sdk_error = dynamic_cast<const sdk::Error*>(&error);
    report_.error_code = sdk_error ? sdk_error->code() : sdk::ErrorCode::kInternal;
    report_.error = error.what();
    report_.failed_phase = phase.name;
    outcome.status = "failed";
    outcome.detail = error.what();
    // The caller prints the error, so the log file gets it at info level only.
    component_logger("host")->info("plan '{}' phase '{}' step {} ({}) failed: {}", plan_.name,
                                   phase.name, outcome.number, outcome.summary, error.what());
    emit(std::move(outcome));
  }

  void roll_back(const PlanPhase& phase, std::vector<std::pair<std::size_t, Undo>>& undos) {
    for (auto it = undos.rbegin(); it != undos.rend(); ++it) {
      const PlanStep& step = phase.steps[it->first];
      StepOutcome outcome{phase.name, it->first + 1, step.summary(), "rolled_back", ""};
      try {
        outcome.detail = it->second();
      } catch (const std::exception& error) {
        outcome.status = "rollback_failed";
        outcome.detail = error.what();
        component_logger("host")->warn("plan '{}' could not undo phase '{}' step {}: {}",
                                       plan_.name, phase.name, it->first + 1, error.what());
      }
      emit(std::move(outcome));
    }
  }

  StepResult describe(const PlanStep& step) {
    if (step.type == StepType::kMigrateStorage) {
      auto host = open_host_();
      MigrateOptions migrate;
      migrate.from = step.from;
      migrate.to = step.to;
      migrate.dry_run = true;
      MigrationReport report = migrate_storage(*host, migrate);
      return {"would migrate " + std::to_string(report.total_records()) + " records", {}};
    }
    if (step.type == StepType::kHealthCheck) return health_check(step);
    if (step.type == StepType::kVerify) return {"not run: a dry run copies nothing to verify", {}};
    return {"would write config.toml", {}};
  }

  StepResult execute(const PlanStep& step) {
    switch (step.type) {
      case StepType::kMigrateStorage:
        return migrate(step);
      case StepType::kSetConfig:
        return set_config(step);
      case StepType::kBridgeMode:
        return bridge_mode(step);
      case StepType::kVerify:
        return verify(step);
      case StepType::kHealthCheck:
        return health_check(step);
    }
    return {};
  }

  StepResult migrate(const PlanStep& step) {
    auto host = open_host_();
    auto previous = workspace_storage_settings(*host, {step.from, step.to});
    MigrateOptions migrate;
    migrate.from = step.from;
    migrate.to = step.to;
    migrate.backup = !options_.skip_backup;
    migrate.verify = step.verify;
    MigrationReport report = migrate_storage(*host, migrate);
    last_migrated_from_ = step.from;
    std::string detail = "migrated " + std::to_string(report.total_records()) + " records" +
                         (report.verified ? ", verified" : "") +
                         (report.backup_id.empty() ? "" : ", backup " + report.backup_id);
    std::string backup = report.backup_id;
    HostFactory open_host = open_host_;
    Undo undo = [open_host, backup, previous] {
      auto host = open_host();
      if (backup.empty()) {
        restore_storage_settings(*host, previous);
        return std::string(
            "restored the storage settings of config.toml (no backup to roll "
            "back)");
      }
      MigrationReport rollback;
      roll_back_migration(*host, backup, {}, rollback);
      return "rolled back to backup " + backup;
    };
    return {detail, undo};
  }

  StepResult set_config(const PlanStep& step) {
    auto host = open_host_();
    Undo undo = write_keys(open_host_, *host, {{step.key, step.value}}, {});
    return {"set " + step.key + " = " + to_toml_text(step.value), undo};
  }

  StepResult bridge_mode(const PlanStep& step) {
    auto host = open_host_();
    std::vector<std::pair<std::string, ConfigFileValue>> values{{"bridge.mode", step.mode}};
    if (step.new_system_percentage) {
      values.emplace_back("bridge.new_system_percentage", *step.new_system_percentage);
    }
    Undo undo = write_keys(open_host_, *host, values, [](Host& reopened) {
      bridge::require_legacy_path(
          bridge::read_bridge_settings(reopened.config(), reopened.workspace().root()));
    });
    return {"bridge.mode = \"" + step.mode + "\"", undo};
  }

  StepResult verify(const PlanStep& step) {
    auto host = open_host_();
    std::string source = step.source;
    if (source.empty()) source = last_migrated_from_.empty() ? kLegacySource : last_migrated_from_;
    std::string target = host->config().get_string("storage.backend");
    DataCheckReport check =
        source == kLegacySource ? verify_legacy(*host) : verify_backend(*host, source, target);
    std::size_t problems = 0;
    std::string listed;
    for (const RecordDifference& difference : check.differences) {
      bool counts = source != kLegacySource || difference.kind != DifferenceKind::kOnlyInCurrent;
      if (!counts) continue;
      if (++problems <= 10) {
        listed += (listed.empty() ? "" : ", ") + difference.collection + "/" + difference.id + " " +
                  to_string(difference.kind);
      }
    }
    if (problems > 0) {
      throw sdk::Error::conflict("'" + target + "' differs from '" + source + "' in " +
                                 std::to_string(problems) + " records (" + listed +
                                 "); run 'provisioning data check' or migrate again");
    }
    std::size_t equal = 0;
    for (const auto& [name, counts] : check.counts) equal += counts.equal;
    return {"'" + target + "' matches '" + source + "' (" + std::to_string(equal) + " records)",
            {}};
  }

  static DataCheckReport verify_legacy(Host& host) {
    auto legacy = configured_legacy_directory(host.config().get_string("bridge.legacy_path"),
                                              host.workspace().root());
    if (!legacy) {
      throw sdk::Error::invalid_argument(
          "verify against 'legacy' needs bridge.legacy_path; set it, or give the step a "
          "backend as 'source'");
    }
    return host.storage().call("for_each",
                               [&](sdk::StorageBackend& s) { return check_data(s, *legacy); });
  }

  static DataCheckReport verify_backend(Host& host, const std::string& source,
                                        const std::string& target) {
    if (source == target) {
      throw sdk::Error::invalid_argument("verify compares '" + source +
                                         "' with itself, because storage.backend is '" + target +
                                         "'; name another backend as 'source'");
    }
    auto reference = host.storage_backend(source);
    auto current = host.storage();
    return reference.call("for_each", [&](sdk::StorageBackend& from) {
      std::vector<std::string> collections = from.collections();
      for (const auto& name :
           current.call("collections", [](sdk::StorageBackend& s) { return s.collections(); })) {
        if (std::find(collections.begin(), collections.end(), name) == collections.end()) {
          collections.push_back(name);
        }
      }
      return current.call("for_each", [&](sdk::StorageBackend& to) {
        return compare_stores(from, collections, to, source);
      });
    });
  }

  StepResult health_check(const PlanStep& step) {
    auto host = open_host_();
    ReadinessOptions readiness;
    readiness.checks =
        step.checks.empty() ? std::vector<std::string>{"target", "orchestrator"} : step.checks;
    ReadinessReport report = check_readiness(*host, readiness);
    std::string detail;
    for (const auto& check : report.checks) {
      detail += (detail.empty() ? "" : "; ") + check.name + ": " + check.reason;
    }
    if (!report.ready()) throw sdk::Error::unavailable("health check failed: " + detail);
    return {detail, {}};
  }

  const MigrationPlan& plan_;
  const HostFactory& open_host_;
  const PlanRunOptions& options_;
  PlanRunReport report_;
  std::string last_migrated_from_;
};

}  // namespace

json::object PlanRunReport::to_json() const {
  json::array items;
  for (const StepOutcome& outcome : outcomes) {
    items.push_back(json::object{{"phase", outcome.phase},
                                 {"step", outcome.number},
                                 {"summary", outcome.summary},
                                 {"status", outcome.status},
                                 {"detail", outcome.detail}});
  }
  json::object object{{"plan", plan},
                      {"dry_run", dry_run},
                      {"succeeded", succeeded},
                      {"outcomes", std::move(items)}};
  if (!succeeded) {
    object["failed_phase"] = failed_phase;
    object["error"] = error;
  }
  return object;
}

PlanRunReport run_plan(const MigrationPlan& plan, const HostFactory& open_host,
                       const PlanRunOptions& options) {
  return PlanExecution(plan, open_host, options).run();
}

}  // namespace provisioning::host::migration
