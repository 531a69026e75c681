#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "migration/backup.h"
#include "migration/progress.h"
#include "migration/restore.h"

namespace provisioning::cli {
namespace {

namespace migration = host::migration;

void add_list(CLI::App& backup, Invocation& invocation) {
  auto* list = backup.add_subcommand("list", "List the backups under .provisioning/backups/");
  on_run(*list, invocation, [&invocation](host::Host& host) {
    json::array items;
    std::vector<std::vector<std::string>> rows;
    for (const auto& manifest : migration::list_backups(host.workspace().state_dir())) {
      items.push_back(manifest.to_json());
      rows.push_back({manifest.id, manifest.created_at, manifest.reason, manifest.backend,
                      std::to_string(manifest.total_records()), manifest.migrated_to});
    }
    print_json_or_table(invocation.options, items,
                        {"ID", "CREATED", "REASON", "BACKEND", "RECORDS", "MIGRATED TO"}, rows);
    return 0;
  });
}

void add_create(CLI::App& backup, Invocation& invocation) {
  auto backend = std::make_shared<std::string>();
  auto* create = backup.add_subcommand("create", "Back up every record of a storage backend");
  create->add_option("--backend", *backend,
                     "Storage backend to back up (default: "
                     "storage.backend)");
  on_run(*create, invocation, [&invocation, backend](host::Host& host) {
    std::string name = backend->empty() ? host.config().get_string("storage.backend") : *backend;
    migration::TerminalProgress progress(stderr);
    migration::BackupManifest manifest =
        migration::back_up_backend(host, name, progress.callback());
    progress.finish();
    if (json_output(invocation.options)) {
      print_json(manifest.to_json());
    } else {
      std::cout << "created backup " << manifest.id << " of " << manifest.total_records()
                << " records from " << manifest.backend << '\n';
    }
    return 0;
  });
}

void add_restore(CLI::App& backup, Invocation& invocation) {
  auto id = std::make_shared<std::string>();
  auto* restore = backup.add_subcommand(
      "restore", "Restore a backup into its backend and switch storage.backend to it");
  restore->add_option("id", *id, "Backup id, as 'backup list' shows it")->required();
  on_run(*restore, invocation, [&invocation, id](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    migration::BackupManifest manifest = migration::read_backup(host.workspace().state_dir(), *id);
    confirm(options, "Replace the records of " + manifest.backend + " with backup " + *id + "?");
    migration::TerminalProgress progress(stderr);
    migration::MigrationReport report;
    migration::restore_backup(host, *id, progress.callback(), report);
    progress.finish();
    if (json_output(options)) {
      print_json(report.to_json());
    } else {
      std::cout << "restored backup " << *id << " (" << report.total_records() << " records) into "
                << report.to << " at " << report.target_location << '\n';
    }
    return 0;
  });
}

}  // namespace

void add_backup_commands(CLI::App& app, Invocation& invocation) {
  auto* backup = app.add_subcommand("backup", "List, create and restore backups of the state");
  backup->require_subcommand(1);
  add_list(*backup, invocation);
  add_create(*backup, invocation);
  add_restore(*backup, invocation);
}

}  // namespace provisioning::cli
