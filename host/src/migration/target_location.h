#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host.h"
#include "record_digest.h"

namespace provisioning::host::migration {

// Returns the setting of storage.<backend> that names where the backend keeps its records:
// "path" for sqlite and filesystem, "database" for surrealdb; nothing for other
// backends, which a migration cannot stage.
std::optional<std::string> location_setting(const std::string& backend);

// The SurrealDB server and user of storage.surrealdb.*, for removing staging databases,
// which the storage plugin interface has no operation for.
struct SurrealAccess {
  std::string url;
  std::string namespace_name;
  std::string username;
  std::string password;  // never logged and never part of a message
  std::string auth_level;
  std::chrono::milliseconds timeout{10000};
};

// A staging database that a migration into surrealdb created, as the workspace records
// it in .provisioning/surrealdb-staging/<database>.json until the database is removed
// or switched in.
struct StagingDatabase {
  std::string url;
  std::string namespace_name;
  std::string database;
};

// The location where a migration writes a backend's records before switching them in.
struct TargetPlan {
  std::string backend;
  std::string setting;                    // location_setting(backend)
  std::string configured_value;           // storage.<backend>.<setting> in force
  std::filesystem::path configured_path;  // configured_value resolved (file backends)
  std::string staging_value;              // the setting's value for the staging copy
  std::filesystem::path staging_dir;      // .provisioning/migration/<id>/
  std::string id;
  bool file_based = true;
  std::filesystem::path state_dir;
  SurrealAccess surreal;  // surrealdb only
};

// The content of the target's configured location, compared with the staging copy.
enum class TargetState { kEmpty, kSame, kDifferent };

// Plans the staging copy of `backend` for migration `id` and creates its directory. For
// surrealdb it first removes the staging databases that earlier failed or killed
// migrations left on the configured server and namespace. Then it records the new one.
// Throws sdk::Error (kInvalidArgument) for a database-level SurrealDB user, which
// cannot create the staging database.
TargetPlan plan_target(Host& host, const std::string& backend, const std::string& id);

// The staging databases that earlier migrations into surrealdb left behind, read from
// the workspace's records, without contacting the server.
std::vector<StagingDatabase> leftover_staging_databases(const std::filesystem::path& state_dir);

// The SurrealQL statement and `provisioning` command that remove `database`, for messages.
std::string removal_hint(const StagingDatabase& database);

// Removes staging directories that earlier, interrupted migrations left behind. Call it
// with the workspace lock held exclusively.
void remove_stale_staging(const std::filesystem::path& state_dir);

// Compares the records at the target's configured location with `expected` (digests
// by collection). Opens and closes its own backend instance.
TargetState inspect_target(Host& host, const TargetPlan& plan,
                           const std::map<std::string, CollectionDigest>& expected);

// Switches the staging copy in and sets storage.backend (unless `set_backend` is false)
// and, when the copy keeps its own location, the location setting in the workspace's
// config.toml in one atomic write. The staging backend instance must be closed.
// Returns the location the target now uses.
std::string switch_in(Host& host, const TargetPlan& plan, TargetState state, bool set_backend);

// Removes the staging directory of `plan` and, for surrealdb, the staging database
// unless switch_in() made it the configured one. Failures are logged, not thrown, and a
// staging database that cannot be removed stays recorded for the next migration.
void discard_staging(const TargetPlan& plan) noexcept;

}  // namespace provisioning::host::migration
