#include "backup.h"

#include <openssl/evp.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <provisioning/sdk/time_and_ids.h>

#include <algorithm>
#include <ctime>
#include <fstream>

#include "durable_files.h"
#include "fault_injection.h"
#include "record_digest.h"
#include "sha256.h"

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

constexpr std::uint64_t kProgressEvery = 1000;

// Writes lines to a file and hashes them; the file is synced when closed.
class HashedWriter {
 public:
  explicit HashedWriter(const std::filesystem::path& file)
      : file_(file), out_(file, std::ios::binary | std::ios::trunc), hash_(EVP_MD_CTX_new()) {
    if (!out_) {
      throw sdk::Error::unavailable("cannot create backup file '" + file.string() +
                                    "'; check the free space and permissions");
    }
    EVP_DigestInit_ex(hash_, EVP_sha256(), nullptr);
  }
  ~HashedWriter() { EVP_MD_CTX_free(hash_); }

  void write_line(const std::string& line) {
    out_ << line << '\n';
    EVP_DigestUpdate(hash_, line.data(), line.size());
    EVP_DigestUpdate(hash_, "\n", 1);
    if (!out_) throw write_failed();
  }

  // Flushes and syncs the file; returns its SHA-256.
  std::string finish() {
    out_.close();
    if (!out_) throw write_failed();
    sync_file(file_);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(hash_, digest, &size);
    std::string hex;
    static constexpr char kDigits[] = "0123456789abcdef";
    for (unsigned int i = 0; i < size; ++i) {
      hex += kDigits[digest[i] >> 4];
      hex += kDigits[digest[i] & 0x0f];
    }
    return hex;
  }

 private:
  sdk::Error write_failed() const {
    return sdk::Error::unavailable("writing backup file '" + file_.string() +
                                   "' failed; check the free space of its file system");
  }

  std::filesystem::path file_;
  std::ofstream out_;
  EVP_MD_CTX* hash_;
};

BackupCollection back_up_collection(const std::filesystem::path& directory,
                                    const std::string& collection, RecordReader& source,
                                    MigrationProgress& state, const ProgressCallback& progress) {
  HashedWriter writer(directory / "records" / (collection + ".jsonl"));
  CollectionDigest digest;
  state.collection = collection;
  source.for_each(collection, [&](const std::string& id, const json::object& record) {
    writer.write_line(json::serialize(json::object{{"id", id}, {"record", record}}));
    digest.add(collection, id, record);
    ++state.records_done;
    fault_point("backup", state.records_done);
    if (progress && state.records_done % kProgressEvery == 0) progress(state);
    return true;
  });
  return BackupCollection{collection, digest.count(), writer.finish(), digest.hex()};
}

void copy_invalid_files(const std::filesystem::path& directory,
                        const std::vector<QuarantinedFile>& invalid) {
  for (const QuarantinedFile& file : invalid) {
    std::filesystem::path copy = directory / "invalid" / file.collection / (file.id + ".json");
    sdk::write_file_atomically(copy, sdk::read_file(file.original_path), 0600);
  }
}

std::string required_string(const json::object& object, std::string_view key,
                            const std::filesystem::path& file) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    throw sdk::Error::invalid_argument("backup manifest '" + file.string() + "' has no string '" +
                                       std::string(key) +
                                       "': the backup is damaged; use another backup");
  }
  return std::string(value->get_string());
}

std::string optional_string(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

json::object quarantined_json(const QuarantinedFile& file) {
  return {{"collection", file.collection},
          {"id", file.id},
          {"original_path", file.original_path},
          {"quarantine_path", file.quarantine_path},
          {"error", file.error}};
}

QuarantinedFile quarantined_from_json(const json::object& object) {
  return {optional_string(object, "collection"), optional_string(object, "id"),
          optional_string(object, "original_path"), optional_string(object, "quarantine_path"),
          optional_string(object, "error")};
}

// Reads a backup's .jsonl files line by line.
class BackupReader final : public RecordReader {
 public:
  BackupReader(std::filesystem::path directory, BackupManifest manifest)
      : directory_(std::move(directory)), manifest_(std::move(manifest)) {}

  std::vector<std::string> collections() override {
    std::vector<std::string> names;
    for (const auto& collection : manifest_.collections) {
      if (collection.records > 0) names.push_back(collection.name);
    }
    return names;
  }

  std::uint64_t count(const std::string& collection) override {
    for (const auto& entry : manifest_.collections) {
      if (entry.name == collection) return entry.records;
    }
    return 0;
  }

  void for_each(const std::string& collection, const ReaderVisitor& visit) override {
    std::filesystem::path file = directory_ / "records" / (collection + ".jsonl");
    check_hash(collection, file);
    std::ifstream in(file, std::ios::binary);
    std::string line;
    for (std::uint64_t number = 1; std::getline(in, line); ++number) {
      json::object entry = parse_line(file, number, line);
      std::string id = required_string(entry, "id", file);
      const json::value* record = entry.if_contains("record");
      if (record == nullptr || !record->is_object()) throw damaged(file, number);
      if (!visit(id, record->as_object())) return;
    }
  }

  std::string location() const override { return directory_.string(); }

 private:
  void check_hash(const std::string& collection, const std::filesystem::path& file) const {
    for (const auto& entry : manifest_.collections) {
      if (entry.name == collection && sha256_file_hex(file) != entry.sha256) {
        throw sdk::Error::invalid_argument("backup file '" + file.string() +
                                           "' does not match the SHA-256 in its manifest: the "
                                           "backup is damaged; use another backup");
      }
    }
  }

  static json::object parse_line(const std::filesystem::path& file, std::uint64_t number,
                                 const std::string& line) {
    boost::system::error_code error;
    json::value value = json::parse(line, error);
    if (error || !value.is_object()) throw damaged(file, number);
    return std::move(value.as_object());
  }

  static sdk::Error damaged(const std::filesystem::path& file, std::uint64_t line) {
    return sdk::Error::invalid_argument("backup file " + file.string() + ":" +
                                        std::to_string(line) +
                                        " is not a backed-up record: the backup is damaged; use "
                                        "another backup");
  }

  std::filesystem::path directory_;
  BackupManifest manifest_;
};

}  // namespace

std::uint64_t BackupManifest::total_records() const {
  std::uint64_t total = 0;
  for (const auto& collection : collections) total += collection.records;
  return total;
}

json::object BackupManifest::to_json() const {
  json::array collection_list;
  for (const auto& collection : collections) {
    collection_list.push_back(json::object{{"name", collection.name},
                                           {"records", collection.records},
                                           {"sha256", collection.sha256},
                                           {"digest", collection.digest}});
  }
  json::object config;
  for (const auto& [key, value] : previous_config) config[key] = value;
  json::array invalid;
  for (const auto& file : invalid_files) invalid.push_back(quarantined_json(file));
  return {{"id", id},
          {"created_at", created_at},
          {"reason", reason},
          {"backend", backend},
          {"location", location},
          {"previous_config", std::move(config)},
          {"collections", std::move(collection_list)},
          {"invalid_files", std::move(invalid)},
          {"migrated_to", migrated_to}};
}

BackupManifest BackupManifest::from_json(const json::object& object,
                                         const std::filesystem::path& file) {
  BackupManifest manifest;
  manifest.id = required_string(object, "id", file);
  manifest.created_at = optional_string(object, "created_at");
  manifest.reason = optional_string(object, "reason");
  manifest.backend = required_string(object, "backend", file);
  manifest.location = optional_string(object, "location");
  manifest.migrated_to = optional_string(object, "migrated_to");
  if (const json::value* config = object.if_contains("previous_config");
      config != nullptr && config->is_object()) {
    for (const auto& [key, value] : config->as_object()) {
      if (value.is_string()) manifest.previous_config.emplace_back(key, value.get_string());
    }
  }
  if (const json::value* list = object.if_contains("collections"); list && list->is_array()) {
    for (const json::value& item : list->as_array()) {
      if (!item.is_object()) continue;
      const json::object& entry = item.as_object();
      const json::value* records = entry.if_contains("records");
      manifest.collections.push_back({required_string(entry, "name", file),
                                      records != nullptr ? records->to_number<std::uint64_t>() : 0,
                                      required_string(entry, "sha256", file),
                                      optional_string(entry, "digest")});
    }
  }
  if (const json::value* list = object.if_contains("invalid_files"); list && list->is_array()) {
    for (const json::value& item : list->as_array()) {
      if (item.is_object())
        manifest.invalid_files.push_back(quarantined_from_json(item.as_object()));
    }
  }
  return manifest;
}

std::filesystem::path backups_dir(const std::filesystem::path& state_dir) {
  return state_dir / "backups";
}

std::string new_backup_id(const std::filesystem::path& state_dir) {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  std::string id = text;
  for (int suffix = 2; std::filesystem::exists(backups_dir(state_dir) / id); ++suffix) {
    id = std::string(text) + "-" + std::to_string(suffix);
  }
  return id;
}

BackupManifest create_backup(const std::filesystem::path& state_dir, const std::string& id,
                             RecordReader& source, BackupManifest manifest,
                             const std::vector<QuarantinedFile>& invalid,
                             const ProgressCallback& progress) {
  std::filesystem::path directory = backups_dir(state_dir) / id;
  make_directories(directory / "records");
  manifest.id = id;
  manifest.created_at = sdk::utc_timestamp();
  manifest.location = source.location();
  MigrationProgress state{"backup", "", 0, 0};
  std::vector<std::string> names = source.collections();
  for (const auto& name : names) state.records_total += source.count(name);
  for (const auto& name : names) {
    manifest.collections.push_back(back_up_collection(directory, name, source, state, progress));
  }
  copy_invalid_files(directory, invalid);
  manifest.invalid_files = invalid;
  sync_directory(directory / "records");
  sdk::write_file_atomically(directory / "manifest.json",
                             json::serialize(manifest.to_json()) + "\n", 0600);
  sync_directory(directory);
  if (progress) progress(state);
  return manifest;
}

std::vector<BackupManifest> list_backups(const std::filesystem::path& state_dir) {
  std::vector<BackupManifest> backups;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(backups_dir(state_dir), error)) {
    std::filesystem::path file = entry.path() / "manifest.json";
    if (!std::filesystem::exists(file)) continue;  // unfinished
    json::value value = json::parse(sdk::read_file(file), error);
    if (error || !value.is_object()) continue;
    backups.push_back(BackupManifest::from_json(value.as_object(), file));
  }
  std::sort(backups.begin(), backups.end(),
            [](const auto& a, const auto& b) { return a.created_at + a.id < b.created_at + b.id; });
  return backups;
}

BackupManifest read_backup(const std::filesystem::path& state_dir, const std::string& id) {
  std::filesystem::path file = backups_dir(state_dir) / id / "manifest.json";
  if (id.empty() || id.find('/') != std::string::npos || !std::filesystem::exists(file)) {
    std::string known;
    for (const auto& backup : list_backups(state_dir))
      known += (known.empty() ? "" : ", ") + backup.id;
    throw sdk::Error::not_found(
        "backup '" + id + "' not found in " + backups_dir(state_dir).string() + "; " +
        (known.empty() ? "there are no backups" : "available backups: " + known) +
        "; run 'provisioning backup list'");
  }
  boost::system::error_code error;
  json::value value = json::parse(sdk::read_file(file), error);
  if (error || !value.is_object()) {
    throw sdk::Error::invalid_argument("backup manifest '" + file.string() +
                                       "' is not valid JSON: the backup is damaged; use another "
                                       "backup");
  }
  return BackupManifest::from_json(value.as_object(), file);
}

std::unique_ptr<RecordReader> backup_source(const std::filesystem::path& state_dir,
                                            const BackupManifest& manifest) {
  return std::make_unique<BackupReader>(backups_dir(state_dir) / manifest.id, manifest);
}

}  // namespace provisioning::host::migration
