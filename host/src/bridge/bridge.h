#pragma once

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/json.h>

#include <filesystem>
#include <string>

#include "bridge/bridge_settings.h"
#include "bridge/execution_path.h"

namespace provisioning::host::bridge {

// The path an operation goes to first, and the reason for it.
struct Decision {
  PathKind path = PathKind::kNew;
  std::string reason;  // such as "compatibility mode" or "assigned to legacy at 10 %"
};

// The result of a bridged operation, in the legacy (v1) shape.
struct BridgeOutcome {
  boost::json::value result;
  Decision decision;
  PathKind served_by = PathKind::kNew;
  bool fallback = false;  // the new path failed and the legacy path ran the operation
};

// Files the bridge keeps its state in, under <workspace>/.provisioning/bridge/.
struct BridgeStateFiles {
  std::filesystem::path assignments;  // see assignment_ledger.h
  std::filesystem::path stats;        // see bridge_stats.h
};

// Returns whether a failure on the new path sends the operation to the legacy path: the
// new system could not be reached or failed (kUnavailable, kInternal). Errors in the
// request itself (invalid, not found, already exists, conflict) would fail on the legacy
// path as well, so they are returned to the caller.
bool falls_back(const sdk::Error& error);

// Decides which path serves each server operation, runs it there, falls back from the
// new path to the legacy one, and logs and counts every decision (component logger
// "bridge", with the correlation id). The mode is configuration over the two paths:
// - a server that only the legacy store has is always served by the legacy path;
// - compatibility: every other operation goes to the new path;
// - migration: the assignment ledger picks the path of each server name;
// - off: every operation goes to the new path, with no fallback.
// `server list` reads both paths and merges them by name, new records first.
class Bridge {
 public:
  Bridge(BridgeSettings settings, ExecutionPath& new_path, ExecutionPath& legacy_path,
         BridgeStateFiles files, std::string correlation_id);

  Decision decide(const BridgeOperation& operation);

  // Runs the operation. Throws the sdk::Error of the path that failed last.
  BridgeOutcome run(const BridgeOperation& operation);

 private:
  BridgeOutcome run_list(const BridgeOperation& operation, const Decision& decision);
  BridgeOutcome run_on(const BridgeOperation& operation, const Decision& decision);
  boost::json::value fall_back(const BridgeOperation& operation, const sdk::Error& error);
  void count(PathKind path, bool fallback);

  BridgeSettings settings_;
  ExecutionPath& new_path_;
  ExecutionPath& legacy_path_;
  BridgeStateFiles files_;
  std::string correlation_id_;
};

}  // namespace provisioning::host::bridge
