#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace provisioning::host {
class Host;
}

namespace provisioning::host::migration {

// A snapshot of a running migration, passed to MigrateOptions::progress.
struct MigrationProgress {
  std::string phase;                // "backup", "copy" or "verify"
  std::string collection;           // the collection being processed
  std::uint64_t records_done = 0;   // in this phase, over all collections
  std::uint64_t records_total = 0;  // in this phase; 0 when not known yet
};

using ProgressCallback = std::function<void(const MigrationProgress&)>;

struct MigrateOptions {
  std::string from;            // source backend name: filesystem, sqlite or surrealdb
  std::string to;              // target backend name, different from `from`
  bool dry_run = false;        // read and check the source, write nothing
  bool backup = true;          // back up the source before writing the target
  bool verify = true;          // compare the target with the source before switching
  bool skip_invalid = false;   // quarantine unparseable legacy files instead of stopping
  bool switch_backend = true;  // set storage.backend to `to` after verification
  ProgressCallback progress;   // called about every thousand records; may be empty
};

// A legacy file that could not be parsed and was moved out of the source.
struct QuarantinedFile {
  std::string collection;
  std::string id;
  std::string original_path;
  std::string quarantine_path;
  std::string error;  // the parser's message with line:column
};

// A record that differs between source and target after the copy.
struct RecordMismatch {
  std::string collection;
  std::string id;
  std::string problem;  // "missing in target", "status differs: ...", ...
};

struct CollectionReport {
  std::string name;
  std::uint64_t source_records = 0;
  std::uint64_t target_records = 0;
  std::uint64_t normalized_records = 0;  // records that got defaults or legacy metadata
  std::string digest;                    // order-independent SHA-256 based digest of the records
};

struct MigrationReport {
  std::string id;  // names the backup, the report and the staging directory
  std::string from;
  std::string to;
  std::string source_location;
  std::string target_location;
  bool dry_run = false;
  std::string backup_id;  // empty without a backup
  bool verified = false;
  bool switched = false;  // storage.backend now names `to`
  std::vector<CollectionReport> collections;
  std::vector<QuarantinedFile> quarantined;
  std::vector<RecordMismatch> mismatches;
  std::string started_at;
  std::string finished_at;
  double backup_seconds = 0;
  double copy_seconds = 0;
  double verify_seconds = 0;
  double total_seconds = 0;
  std::string report_file;  // where the JSON report was saved; empty for a dry run
  std::string error;        // the message of the failure that ended the migration

  std::uint64_t total_records() const;
  boost::json::object to_json() const;
};

// The backends a migration can read and write.
const std::vector<std::string>& supported_backends();

// Moves the state from backend `from` to backend `to`:
// 1. takes the workspace lock exclusively (see WorkspaceLock);
// 2. backs up the source (unless options.backup is false) under
//    .provisioning/backups/<id>/;
// 3. streams every record of the source, normalized with normalize_legacy_record(),
//    into a staging location of the target that nothing else reads;
// 4. verifies the staging copy against the source (unless options.verify is false);
// 5. switches the staging copy in and sets storage.backend = `to` in the workspace's
//    config.toml, atomically.
// A failure or a crash before step 5 leaves the source and the configured target as
// they were. Throws sdk::Error: kInvalidArgument for an unsupported pair (listing the
// supported paths), an unparseable legacy file, or a failed verification (listing the
// mismatched ids); kUnavailable for I/O failures. The source is never written to,
// except that options.skip_invalid moves unparseable legacy files into
// .provisioning/quarantine/.
MigrationReport migrate_storage(Host& host, const MigrateOptions& options);

// Like migrate_storage(), but fills `report` as far as the migration got, also when it
// throws, so a caller can print what failed.
void migrate_storage(Host& host, const MigrateOptions& options, MigrationReport& report);

}  // namespace provisioning::host::migration
