#include "restore.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <provisioning/sdk/time_and_ids.h>

#include "logging.h"
#include "migration_config.h"
#include "record_reader.h"
#include "target_location.h"
#include "transfer.h"
#include "workspace_lock.h"

namespace provisioning::host::migration {
namespace {

void put_back_invalid_files(Host& host, const BackupManifest& manifest) {
  if (manifest.backend != "filesystem") return;
  std::filesystem::path root = configured_location_path(host, "filesystem");
  std::filesystem::path copies =
      backups_dir(host.workspace().state_dir()) / manifest.id / "invalid";
  for (const QuarantinedFile& file : manifest.invalid_files) {
    std::filesystem::path destination = root / file.collection / (file.id + ".json");
    if (std::filesystem::exists(destination)) continue;
    std::filesystem::path copy = copies / file.collection / (file.id + ".json");
    sdk::write_file_atomically(destination, sdk::read_file(copy), 0600);
  }
}

void run_restore(Host& host, const BackupManifest& manifest, const ProgressCallback& progress,
                 MigrationReport& report) {
  const std::filesystem::path state_dir = host.workspace().state_dir();
  remove_stale_staging(state_dir);
  TransferRequest request;
  request.target_backend = manifest.backend;
  request.id = new_backup_id(state_dir);
  request.normalize = false;
  request.progress = progress;
  request.open_source = [&]() { return backup_source(state_dir, manifest); };
  report.id = request.id;
  transfer_into_report(host, request, report);
  put_back_invalid_files(host, manifest);
}

}  // namespace

void restore_backup(Host& host, const std::string& id, const ProgressCallback& progress,
                    MigrationReport& report) {
  BackupManifest manifest = read_backup(host.workspace().state_dir(), id);
  report.from = "backup";
  report.to = manifest.backend;
  report.backup_id = id;
  report.source_location = (backups_dir(host.workspace().state_dir()) / id).string();
  report.started_at = sdk::utc_timestamp();
  if (host.catalog().find(sdk::PluginKind::kStorage, manifest.backend) == nullptr) {
    throw sdk::Error::not_found("backup '" + id + "' contains records of storage backend '" +
                                manifest.backend +
                                "', which is not installed: install its plugin and retry");
  }
  WorkspaceLock& lock = host.workspace_lock();
  lock.acquire_exclusive();
  component_logger("host")->info("restoring backup {} into {}", id, manifest.backend);
  run_restore(host, manifest, progress, report);
  report.finished_at = sdk::utc_timestamp();
}

BackupManifest back_up_backend(Host& host, const std::string& backend,
                               const ProgressCallback& progress) {
  if (host.catalog().find(sdk::PluginKind::kStorage, backend) == nullptr) {
    throw sdk::Error::not_found("storage backend '" + backend +
                                "' is not installed; run 'provisioning plugin list' to see the "
                                "installed storage backends");
  }
  WorkspaceLock& lock = host.workspace_lock();
  WorkspaceLock::Mode held = lock.mode();
  lock.acquire_exclusive();
  std::vector<QuarantinedFile> invalid;
  std::unique_ptr<RecordReader> source =
      backend == "filesystem"
          ? legacy_source(configured_location_path(host, backend), true, &invalid)
          : backend_source(host.open_storage_backend(backend, {}));
  BackupManifest manifest;
  manifest.reason = "manual";
  manifest.backend = backend;
  manifest.previous_config = workspace_storage_settings(host, {backend});
  const std::filesystem::path state_dir = host.workspace().state_dir();
  manifest =
      create_backup(state_dir, new_backup_id(state_dir), *source, manifest, invalid, progress);
  if (held == WorkspaceLock::Mode::kShared) lock.downgrade();
  if (held == WorkspaceLock::Mode::kNone) lock.release();
  return manifest;
}

std::string latest_migration_backup(const std::filesystem::path& state_dir) {
  std::vector<BackupManifest> backups = list_backups(state_dir);
  for (auto backup = backups.rbegin(); backup != backups.rend(); ++backup) {
    if (backup->reason == "migrate") return backup->id;
  }
  throw sdk::Error::not_found(
      "no backup made by a migration in " + backups_dir(state_dir).string() +
      ", so there is nothing to roll back; run 'provisioning backup list' to see the backups");
}

void roll_back_migration(Host& host, const std::string& id, const ProgressCallback& progress,
                         MigrationReport& report) {
  BackupManifest manifest = read_backup(host.workspace().state_dir(), id);
  restore_backup(host, id, progress, report);
  // storage.backend and the restored backend's location are what restore_backup() just
  // set; only the migration target's location goes back to its earlier value.
  std::vector<std::pair<std::string, std::string>> settings;
  for (const auto& [key, value] : manifest.previous_config) {
    if (key.starts_with("storage." + manifest.migrated_to + ".")) settings.emplace_back(key, value);
  }
  if (!manifest.migrated_to.empty() && !settings.empty()) restore_storage_settings(host, settings);
}

}  // namespace provisioning::host::migration
