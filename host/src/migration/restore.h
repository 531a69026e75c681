#pragma once

#include <string>

#include "backup.h"
#include "host.h"
#include "migrate.h"

namespace provisioning::host::migration {

// Writes the records of backup `id` back into the backend they were read from. Like a
// migration, it writes a staging copy, verifies it against the backup, switches it in
// and sets storage.backend to that backend. Then it copies the backup's unparseable
// legacy files back into a filesystem backend's directory where they are missing. It
// takes the workspace lock exclusively and fills `report` also when it throws.
void restore_backup(Host& host, const std::string& id, const ProgressCallback& progress,
                    MigrationReport& report);

// Backs up every record of `backend` (the filesystem backend's files as they are, with
// unparseable ones copied raw) into a new backup with reason "manual". Takes the
// workspace lock exclusively while it reads, so the copy is consistent.
BackupManifest back_up_backend(Host& host, const std::string& backend,
                               const ProgressCallback& progress);

// Returns the id of the newest backup that a migration made, for `migrate rollback`.
// Throws sdk::Error (kNotFound) when there is none.
std::string latest_migration_backup(const std::filesystem::path& state_dir);

// Undoes migration backup `id`: restore_backup(), then puts back the location settings
// that config.toml had before the migration.
void roll_back_migration(Host& host, const std::string& id, const ProgressCallback& progress,
                         MigrationReport& report);

}  // namespace provisioning::host::migration
