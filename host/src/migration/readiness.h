#pragma once

#include <provisioning/sdk/json.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace provisioning::host {
class Host;
}

namespace provisioning::host::migration {

namespace json = boost::json;

// The outcome of one readiness check.
struct ReadinessCheck {
  std::string name;
  bool ok = false;
  std::string reason;  // what was found; on failure also what to do
};

struct ReadinessOptions {
  // Source of the state: a backend name, or "legacy" for bridge.legacy_path.
  // Empty: "legacy" when bridge.legacy_path is set, else storage.backend.
  std::string from;
  // The backend to cut over to. Empty: storage.backend.
  std::string to;
  // Names of the checks to run, from readiness_check_names(). Empty: all of them.
  std::vector<std::string> checks;
  // Replaces the free space that statvfs() reports for the state directory, in bytes,
  // so tests can simulate a full disk.
  std::optional<std::uint64_t> free_bytes;
  // Timeout for connecting to the orchestrator and for its response to GET /health.
  std::chrono::milliseconds orchestrator_timeout{2000};
};

struct ReadinessReport {
  std::vector<ReadinessCheck> checks;

  bool ready() const;
  json::object to_json() const;
};

// "backup", "source", "target", "config", "disk" and "orchestrator", in the order they
// run.
const std::vector<std::string>& readiness_check_names();

// Runs the checks an operator needs before a cut-over:
// - backup: a finished backup exists, or .provisioning/backups/ is writable;
// - source: the source store opens, and its records are counted and sized;
// - target: the target backend loads, opens and counts its records;
// - config: the configuration loads without warnings, storage.backend is installed and
//   the [bridge] settings are valid;
// - disk: the state directory's file system has room for two copies of the source
//   state (a backup and the target), measured with statvfs();
// - orchestrator: when .provisioning/orchestrator.json names a running orchestrator,
//   GET /health on its loopback address returns 200. Other addresses are not contacted.
// A check that throws fails with the error as its reason; the others still run.
ReadinessReport check_readiness(Host& host, const ReadinessOptions& options);

}  // namespace provisioning::host::migration
