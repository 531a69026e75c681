#include <provisioning/sdk/error.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "migration/migrate.h"
#include "migration/progress.h"
#include "migration/restore.h"
#include "migration/transfer.h"

namespace provisioning::cli {
namespace {

namespace migration = host::migration;

struct MigrateFlags {
  std::string from;
  std::string to;
  bool dry_run = false;
  bool no_backup = false;
  bool no_verify = false;
  bool skip_invalid = false;
};

void print_quarantined(const migration::MigrationReport& report) {
  for (const auto& file : report.quarantined) {
    std::cout << "  " << (report.dry_run ? "would quarantine " : "quarantined ")
              << file.original_path
              << (file.quarantine_path.empty() ? "" : " -> " + file.quarantine_path) << ": "
              << file.error << '\n';
  }
}

void print_summary(const migration::MigrationReport& report) {
  std::cout << (report.dry_run ? "dry run: would migrate " : "migrated ") << report.total_records()
            << " records from " << report.from << " to " << report.to << '\n';
  for (const auto& collection : report.collections) {
    std::cout << "  " << collection.name << ": " << collection.source_records << " records";
    if (collection.normalized_records > 0) {
      std::cout << " (" << collection.normalized_records << " brought up to the current shape)";
    }
    std::cout << '\n';
  }
  print_quarantined(report);
  if (!report.backup_id.empty()) std::cout << "backup: " << report.backup_id << '\n';
  if (report.verified) std::cout << "verified: every record matches the source\n";
  if (report.switched) {
    std::cout << "storage.backend is now " << report.to << " (" << report.target_location << ")\n";
  }
  if (!report.report_file.empty()) std::cout << "report: " << report.report_file << '\n';
}

void print_report(const GlobalOptions& options, const migration::MigrationReport& report) {
  if (json_output(options)) {
    print_json(report.to_json());
  } else {
    print_summary(report);
  }
}

// Runs `work` with terminal progress; prints the report, also when `work` throws.
int run_with_report(const GlobalOptions& options,
                    const std::function<void(const migration::ProgressCallback&,
                                             migration::MigrationReport&)>& work) {
  migration::TerminalProgress progress(stderr);
  migration::MigrationReport report;
  try {
    work(progress.callback(), report);
  } catch (const sdk::Error&) {
    progress.finish();
    if (json_output(options) && !report.from.empty()) print_json(report.to_json());
    throw;
  }
  progress.finish();
  print_report(options, report);
  return 0;
}

int run_migrate(host::Host& host, const GlobalOptions& options, const MigrateFlags& flags) {
  migration::MigrateOptions migrate;
  migrate.from = flags.from;
  migrate.to = flags.to;
  migrate.dry_run = flags.dry_run || options.check;
  migrate.backup = !flags.no_backup;
  migrate.verify = !flags.no_verify;
  migrate.skip_invalid = flags.skip_invalid;
  if (!migrate.dry_run && !flags.from.empty() && !flags.to.empty() && flags.from != flags.to) {
    confirm(options, "Migrate the state from " + flags.from + " to " + flags.to +
                         " and switch storage.backend to " + flags.to + "?");
  }
  return run_with_report(options, [&](const migration::ProgressCallback& progress,
                                      migration::MigrationReport& report) {
    migrate.progress = progress;
    migration::migrate_storage(host, migrate, report);
  });
}

void add_rollback(CLI::App& migrate, Invocation& invocation) {
  auto id = std::make_shared<std::string>();
  auto* rollback = migrate.add_subcommand(
      "rollback", "Restore the state from a migration's backup and switch back to its backend");
  rollback->add_option("id", *id, "Backup id (default: the newest backup made by a migration)");
  on_run(*rollback, invocation, [&invocation, id](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    std::string backup =
        id->empty() ? migration::latest_migration_backup(host.workspace().state_dir()) : *id;
    confirm(options, "Roll back to backup " + backup + "?");
    return run_with_report(options, [&](const migration::ProgressCallback& progress,
                                        migration::MigrationReport& report) {
      migration::roll_back_migration(host, backup, progress, report);
    });
  });
}

}  // namespace

CLI::App* add_migrate_commands(CLI::App& app, Invocation& invocation) {
  auto flags = std::make_shared<MigrateFlags>();
  CLI::App* migrate = app.add_subcommand(
      "migrate", "Move the state between storage backends, with backup and verification");
  migrate->add_option("--from", flags->from,
                      "Storage backend to read: filesystem, sqlite or "
                      "surrealdb");
  migrate->add_option("--to", flags->to,
                      "Storage backend to write: filesystem, sqlite or "
                      "surrealdb");
  migrate->add_flag("--dry-run", flags->dry_run,
                    "Read and check the source, list what would be migrated, write nothing");
  migrate->add_flag("--no-backup", flags->no_backup, "Skip the backup of the source");
  migrate->add_flag("--no-verify", flags->no_verify,
                    "Skip the comparison of the copy with the source before switching");
  migrate->add_flag("--skip-invalid", flags->skip_invalid,
                    "Move unparseable legacy record files to .provisioning/quarantine/ and go "
                    "on, instead of stopping");
  add_rollback(*migrate, invocation);
  // The parent's callback runs after a subcommand's, so it acts only without one.
  migrate->callback([&invocation, flags, migrate] {
    if (!migrate->get_subcommands().empty()) return;
    invocation.action = [&invocation, flags](host::Host& host) {
      return run_migrate(host, invocation.options, *flags);
    };
  });
  return migrate;
}

}  // namespace provisioning::cli
