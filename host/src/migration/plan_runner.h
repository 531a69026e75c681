#pragma once

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/json.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migration/plan.h"

namespace provisioning::host::migration {

namespace json = boost::json;

// The outcome of one step, or of the undo of one step.
struct StepOutcome {
  std::string phase;
  std::size_t number = 0;  // 1-based position in its phase
  std::string summary;     // PlanStep::summary()
  std::string status;      // "ok", "failed", "dry_run", "rolled_back" or "rollback_failed"
  std::string detail;
};

struct PlanRunReport {
  std::string plan;
  bool dry_run = false;
  bool succeeded = false;
  std::string failed_phase;  // empty when the plan succeeded
  std::string error;         // the failed step's error
  sdk::ErrorCode error_code = sdk::ErrorCode::kInternal;
  std::vector<StepOutcome> outcomes;  // steps and undos, in the order they ran

  json::object to_json() const;
};

// Opens a fresh Host, so that each step reads the configuration that earlier steps wrote.
using HostFactory = std::function<std::unique_ptr<Host>()>;

struct PlanRunOptions {
  bool dry_run = false;      // describe each step and change nothing
  bool skip_backup = false;  // migrate_storage steps make no backup
  // Called as soon as each outcome is known, such as to print it; may be empty.
  std::function<void(const StepOutcome&)> on_outcome;
  // Called with a phase's wait_seconds before the next phase starts. Empty: sleeps.
  std::function<void(std::chrono::seconds)> wait;
};

// Runs a validated plan phase by phase and step by step, each step on a Host that
// `open_host` opens for it. A step that fails undoes its own change. When a phase has
// rollback_on_failure, its completed steps are then undone in reverse order: set_config
// and bridge_mode restore the keys config.toml had, and migrate_storage runs a migrate
// rollback (or restores storage.backend when it made no backup). The run stops at the
// first failed step; later phases do not run, and earlier phases stay done.
PlanRunReport run_plan(const MigrationPlan& plan, const HostFactory& open_host,
                       const PlanRunOptions& options);

}  // namespace provisioning::host::migration
