#pragma once

// Health checks of each integration point: the legacy system, the orchestrator, the
// storage backend, the bridge and the configuration. `provisioning health` and the
// orchestrator's GET /health/detailed share them.

#include <provisioning/sdk/json.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host.h"

namespace provisioning::host::observability {

namespace json = boost::json;

enum class HealthStatus { kHealthy, kDegraded, kUnhealthy };

// Returns "healthy", "degraded" or "unhealthy".
std::string_view to_string(HealthStatus status);

struct ComponentHealth {
  std::string component;  // "legacy_system", "orchestrator", "storage", "bridge", "configuration"
  HealthStatus status = HealthStatus::kHealthy;
  std::string error;     // why it is not healthy; empty when healthy
  json::object details;  // what was checked: paths, ports, counts
};

struct HealthReport {
  HealthStatus overall = HealthStatus::kHealthy;  // healthy only when every component is
  std::vector<ComponentHealth> components;
  std::string checked_at;  // RFC 3339 UTC

  // {"status", "checked_at", "components": [{"component", "status", "error", "details"}]};
  // details only when `with_details`.
  json::object to_json(bool with_details = true) const;
};

// Checks bridge.legacy_path when the bridge is on: it must be a readable directory.
ComponentHealth check_legacy_system(const Host& host);

// Checks the bridge settings: a known mode, a percentage from 0 to 100, and a legacy path
// when the mode needs one.
ComponentHealth check_bridge(const Host& host);

// Opens the storage backend and reads one record. A backend that fails to open or read,
// such as an SQLite file that is not a database, is unhealthy with the error.
ComponentHealth check_storage(Host& host);

// Loads the configuration files again: an error is unhealthy, and warnings (such as an
// unknown key) are degraded.
ComponentHealth check_configuration(const Host& host);

// Checks the orchestrator from outside: the state file it writes when it listens, and
// GET /health on the address it names, over loopback, within two seconds.
ComponentHealth check_orchestrator_from_client(const Host& host);

// The orchestrator's report on itself, while it serves on `port`.
ComponentHealth orchestrator_serving(int port, std::size_t queue_depth);

// Combines the components: unhealthy when any is, else degraded when any is, else
// healthy.
HealthReport combine(std::vector<ComponentHealth> components);

// Runs every check. `orchestrator` replaces the client-side orchestrator check when the
// orchestrator reports on itself.
HealthReport check_all(Host& host, std::optional<ComponentHealth> orchestrator = std::nullopt);

}  // namespace provisioning::host::observability
