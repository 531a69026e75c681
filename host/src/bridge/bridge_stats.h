#pragma once

#include <provisioning/sdk/json.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "bridge/bridge_settings.h"
#include "bridge/execution_path.h"
#include "workspace.h"

// Counts of bridged operations, kept in <workspace>/.provisioning/bridge/stats.json so
// `bridge status` and the metrics exporter see the totals of every CLI run.
namespace provisioning::host::bridge {

struct PathCounts {
  std::int64_t new_path = 0;     // operations that the new path served
  std::int64_t legacy_path = 0;  // operations that the legacy path served, fallbacks included
  std::int64_t fallbacks = 0;    // operations that failed on the new path and ran on legacy
};

// A snapshot of the counts, in total and by the bridge mode in force when they ran.
struct BridgeStats {
  PathCounts total;
  std::map<std::string, PathCounts> by_mode;  // "compatibility", "migration", "off"

  // {"new": N, "legacy": N, "fallbacks": N, "by_mode": {"migration": {...}}}
  boost::json::object to_json() const;
};

// Returns <workspace>/.provisioning/bridge/stats.json.
std::filesystem::path bridge_stats_file(const Workspace& workspace);

// Reads the counts; a missing file reads as zero counts. Throws sdk::Error naming the
// file when it is not a JSON object.
BridgeStats read_bridge_stats(const std::filesystem::path& file);

// Adds one operation served by `path` in `mode`, counted as a fallback when `fallback`.
// Safe against concurrent CLI runs.
void record_bridge_operation(const std::filesystem::path& file, BridgeMode mode, PathKind path,
                             bool fallback);

}  // namespace provisioning::host::bridge
