#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migrate.h"
#include "record_reader.h"

namespace provisioning::host::migration {

// One collection of a backup: records/<name>.jsonl contains one {"id", "record"} object
// a line.
struct BackupCollection {
  std::string name;
  std::uint64_t records = 0;
  std::string sha256;  // of the .jsonl file
  std::string digest;  // CollectionDigest of the records, for comparisons with a backend
};

// manifest.json of a backup directory .provisioning/backups/<id>/.
struct BackupManifest {
  std::string id;
  std::string created_at;
  std::string reason;    // "manual", "migrate" or "restore"
  std::string backend;   // the backend the records were read from
  std::string location;  // where that backend kept them
  // storage.backend and the location settings as config.toml set them before the
  // migration, so that a rollback can put them back. A key the file did not set has an
  // empty value.
  std::vector<std::pair<std::string, std::string>> previous_config;
  std::vector<BackupCollection> collections;
  std::vector<QuarantinedFile> invalid_files;  // raw copies under invalid/
  std::string migrated_to;                     // the target of the migration that made it, if any

  std::uint64_t total_records() const;
  boost::json::object to_json() const;
  static BackupManifest from_json(const boost::json::object& object,
                                  const std::filesystem::path& file);
};

std::filesystem::path backups_dir(const std::filesystem::path& state_dir);

// Returns a new backup id from the current UTC time, such as "20261204T181530Z", with a
// "-2", "-3" ... suffix when a backup of that second exists already.
std::string new_backup_id(const std::filesystem::path& state_dir);

// Streams every record of `source` into a new backup directory and writes its manifest
// last, so a directory without manifest.json is an unfinished backup. `invalid` lists
// legacy files to copy as they are (under invalid/<collection>/<id>.json).
BackupManifest create_backup(const std::filesystem::path& state_dir, const std::string& id,
                             RecordReader& source, BackupManifest manifest,
                             const std::vector<QuarantinedFile>& invalid,
                             const ProgressCallback& progress);

// The finished backups, oldest first.
std::vector<BackupManifest> list_backups(const std::filesystem::path& state_dir);

// Reads the manifest of backup `id`. Throws sdk::Error (kNotFound) listing the backups.
BackupManifest read_backup(const std::filesystem::path& state_dir, const std::string& id);

// The records of a backup, in the order they were backed up. Checks each collection's
// SHA-256 against the manifest before reading it and throws sdk::Error
// (kInvalidArgument) naming the file on a mismatch.
std::unique_ptr<RecordReader> backup_source(const std::filesystem::path& state_dir,
                                            const BackupManifest& manifest);

}  // namespace provisioning::host::migration
