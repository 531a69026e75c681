#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workspace_config_writer.h"

namespace provisioning::host {
class Host;
}

namespace provisioning::host::migration {

// A 1-based line and column in a plan file.
struct PlanPosition {
  std::size_t line = 0;
  std::size_t column = 0;
};

enum class StepType { kMigrateStorage, kSetConfig, kBridgeMode, kVerify, kHealthCheck };

// "migrate_storage", "set_config", "bridge_mode", "verify" or "health_check".
const char* to_string(StepType type);

// The value of `verify: {source: ...}` that compares with the legacy data directory.
inline constexpr std::string_view kLegacySource = "legacy";

// One step of a phase. Only the fields of its type are set.
struct PlanStep {
  StepType type = StepType::kVerify;
  PlanPosition position;

  // migrate_storage
  std::string from;
  std::string to;
  bool verify = true;

  // set_config
  std::string key;
  ConfigFileValue value;

  // bridge_mode
  std::string mode;
  std::optional<std::int64_t> new_system_percentage;

  // verify: "legacy" or a backend name; empty means the source of the last
  // migrate_storage step before it, else "legacy".
  std::string source;

  // health_check: readiness check names; empty means "target" and "orchestrator".
  std::vector<std::string> checks;

  // A one-line description, such as "migrate_storage filesystem -> sqlite".
  std::string summary() const;
};

struct PlanPhase {
  std::string name;
  PlanPosition position;
  std::vector<PlanStep> steps;
  bool rollback_on_failure = true;
  std::int64_t wait_seconds = 0;  // pause after the phase succeeds, before the next one
};

struct MigrationPlan {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::vector<PlanPhase> phases;
};

// One problem of a plan file: where it is and what to change.
struct PlanProblem {
  PlanPosition position;
  std::string message;
};

// Parses the YAML plan `text` of `file` and checks its structure: every key known,
// required keys present, values of the right type and range, phase names unique.
// Returns every problem found, not only the first. The plan is only usable when no
// problem is returned.
MigrationPlan parse_plan(const std::filesystem::path& file, std::string_view text,
                         std::vector<PlanProblem>& problems);

// Checks the names a plan uses against the installation: storage backends installed,
// configuration keys known and values valid, bridge modes and health checks known.
void check_plan_names(const MigrationPlan& plan, Host& host, std::vector<PlanProblem>& problems);

// Reads, parses and checks the plan in `file`. Throws sdk::Error (kInvalidArgument) that
// lists each problem as "FILE:LINE:COLUMN: message", and (kNotFound) when the file is
// missing.
MigrationPlan load_plan(const std::filesystem::path& file, Host& host);

// Formats the problems one per line as "FILE:LINE:COLUMN: message".
std::string format_problems(const std::filesystem::path& file,
                            const std::vector<PlanProblem>& problems);

}  // namespace provisioning::host::migration
