#include "migrate.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/time_and_ids.h>

#include <chrono>

#include "backup.h"
#include "host.h"
#include "logging.h"
#include "migration_config.h"
#include "record_reader.h"
#include "report.h"
#include "target_location.h"
#include "transfer.h"
#include "workspace_lock.h"

namespace provisioning::host::migration {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string supported_paths() {
  std::string text;
  for (const auto& from : supported_backends()) {
    for (const auto& to : supported_backends()) {
      if (from != to) text += (text.empty() ? "" : ", ") + from + " -> " + to;
    }
  }
  return text;
}

bool is_supported(const std::string& backend) {
  const auto& names = supported_backends();
  return std::find(names.begin(), names.end(), backend) != names.end();
}

void check_pair(Host& host, const MigrateOptions& options) {
  std::string paths = "; supported paths: " + supported_paths();
  if (options.from.empty() || options.to.empty()) {
    throw sdk::Error::invalid_argument("both --from and --to must name a storage backend" + paths);
  }
  if (options.from == options.to) {
    throw sdk::Error::invalid_argument("cannot migrate storage backend '" + options.from +
                                       "' to itself: choose a different --to" + paths);
  }
  for (const std::string* name : {&options.from, &options.to}) {
    if (!is_supported(*name)) {
      throw sdk::Error::invalid_argument("storage backend '" + *name + "' cannot be migrated" +
                                         paths);
    }
    if (host.catalog().find(sdk::PluginKind::kStorage, *name) == nullptr) {
      throw sdk::Error::not_found("storage backend '" + *name +
                                  "' is not installed: install its plugin (see 'provisioning "
                                  "plugin list')" +
                                  paths);
    }
  }
}

// Opens the records of the source: the legacy reader for filesystem, whose files may be
// in older shapes or broken, else the backend plugin.
std::unique_ptr<RecordReader> open_source(Host& host, const std::string& backend, bool skip_invalid,
                                          std::vector<QuarantinedFile>* invalid) {
  if (backend == "filesystem") {
    return legacy_source(configured_location_path(host, "filesystem"), skip_invalid, invalid);
  }
  return backend_source(host.open_storage_backend(backend, {}));
}

void back_up(Host& host, const MigrateOptions& options, const std::string& id,
             MigrationReport& report) {
  auto start = Clock::now();
  std::vector<QuarantinedFile> invalid;
  auto source = open_source(host, options.from, true, &invalid);
  BackupManifest manifest;
  manifest.reason = "migrate";
  manifest.backend = options.from;
  manifest.migrated_to = options.to;
  manifest.previous_config = workspace_storage_settings(host, {options.from, options.to});
  create_backup(host.workspace().state_dir(), id, *source, manifest, invalid, options.progress);
  report.backup_id = id;
  report.backup_seconds = seconds_since(start);
}

void run_transfer(Host& host, const MigrateOptions& options, const std::string& id,
                  MigrationReport& report) {
  TransferRequest request;
  request.target_backend = options.to;
  request.id = id;
  request.normalize = true;
  request.verify = options.verify;
  request.dry_run = options.dry_run;
  request.switch_backend = options.switch_backend;
  request.progress = options.progress;
  bool first_read = true;
  request.open_source = [&]() {
    // Only the first read collects the unparseable files.
    auto* invalid = first_read ? &report.quarantined : nullptr;
    first_read = false;
    return open_source(host, options.from, options.skip_invalid, invalid);
  };
  transfer_into_report(host, request, report);
}

void run_migration(Host& host, const MigrateOptions& options, MigrationReport& report) {
  const std::filesystem::path state_dir = host.workspace().state_dir();
  if (!options.dry_run) remove_stale_staging(state_dir);
  std::string id = new_backup_id(state_dir);
  if (options.backup && !options.dry_run) back_up(host, options, id, report);
  run_transfer(host, options, id, report);
  report.id = id;
  if (!options.dry_run && !report.quarantined.empty()) {
    quarantine_files(report.quarantined, state_dir / "quarantine" / id);
  }
}

// Puts the lock back in the mode the caller held before the migration.
void restore_lock(WorkspaceLock& lock, WorkspaceLock::Mode held) {
  if (held == WorkspaceLock::Mode::kShared) {
    lock.downgrade();
  } else if (held == WorkspaceLock::Mode::kNone) {
    lock.release();
  }
}

}  // namespace

const std::vector<std::string>& supported_backends() {
  static const std::vector<std::string> names = {"filesystem", "sqlite", "surrealdb"};
  return names;
}

void migrate_storage(Host& host, const MigrateOptions& options, MigrationReport& report) {
  check_pair(host, options);
  auto start = Clock::now();
  report.from = options.from;
  report.to = options.to;
  report.dry_run = options.dry_run;
  report.started_at = sdk::utc_timestamp();
  report.source_location = configured_location_text(host, options.from);
  report.target_location = configured_location_text(host, options.to);

  WorkspaceLock& lock = host.workspace_lock();
  WorkspaceLock::Mode held = lock.mode();
  lock.acquire_exclusive();
  auto log = component_logger("host");
  log->info("migrating storage from {} to {}{}", options.from, options.to,
            options.dry_run ? " (dry run)" : "");
  try {
    run_migration(host, options, report);
  } catch (const std::exception& error) {
    report.error = error.what();
    report.finished_at = sdk::utc_timestamp();
    report.total_seconds = seconds_since(start);
    if (!options.dry_run) save_report_quietly(host.workspace().state_dir(), report);
    restore_lock(lock, held);
    throw;
  }
  report.finished_at = sdk::utc_timestamp();
  report.total_seconds = seconds_since(start);
  if (!options.dry_run) report.report_file = save_report(host.workspace().state_dir(), report);
  restore_lock(lock, held);
  log->info("migrated {} records from {} to {} in {:.1f} s (backup {})", report.total_records(),
            options.from, options.to, report.total_seconds,
            report.backup_id.empty() ? "none" : report.backup_id);
}

MigrationReport migrate_storage(Host& host, const MigrateOptions& options) {
  MigrationReport report;
  migrate_storage(host, options, report);
  return report;
}

}  // namespace provisioning::host::migration
