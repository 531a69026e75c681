#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/storage.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "record_files.h"
#include "store_lock.h"

namespace provisioning::plugins {
namespace {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;
namespace fs_store = filesystem_storage;

constexpr std::int64_t kDefaultLockTimeoutMs = 10000;
constexpr int kRecordFileMode = 0600;  // records may hold provider metadata

std::filesystem::path root_path(const sdk::PluginContext& context) {
  const json::value* value = context.settings.if_contains("path");
  if (value == nullptr) return context.data_dir;
  if (!value->is_string() || value->get_string().empty()) {
    throw sdk::Error::invalid_argument(
        "invalid setting storage.filesystem.path = " + json::serialize(*value) +
        ": set it to a directory path, absolute or relative to the workspace");
  }
  std::filesystem::path path(std::string(value->get_string()));
  return path.is_absolute() ? path : context.workspace / path;
}

std::chrono::milliseconds lock_timeout(const json::object& settings) {
  const json::value* value = settings.if_contains("lock_timeout_ms");
  if (value == nullptr) return std::chrono::milliseconds(kDefaultLockTimeoutMs);
  if (value->is_int64() && value->get_int64() > 0) {
    return std::chrono::milliseconds(value->get_int64());
  }
  throw sdk::Error::invalid_argument(
      "invalid setting storage.filesystem.lock_timeout_ms = " + json::serialize(*value) +
      ": set it to a positive number of milliseconds");
}

std::filesystem::path create_root(const std::filesystem::path& root) {
  std::error_code error;
  std::filesystem::create_directories(root, error);
  if (error) {
    throw sdk::Error::unavailable("cannot create storage directory '" + root.string() +
                                  "': " + error.message());
  }
  return root;
}

void validate_collection(std::string_view collection) {
  sdk::validate_record_key(collection, "id");  // any valid id: only the collection is checked
}

// The content of a record file before the running transaction first changed it.
struct UndoEntry {
  std::filesystem::path file;
  std::optional<std::string> previous;  // nothing when the file did not exist
};

// Stores each record as the JSON file <root>/<collection>/<id>.json, the layout that
// existing installations keep.
//
// Writers (put, remove, transaction) hold a StoreLock: a mutex for the threads of this
// process and an flock() on <root>/.lock for other processes. Readers take no lock.
// Every write renames a complete file into place, so a reader never sees a partial
// record, but it can see a write of a transaction that has not finished yet and may
// still roll back.
//
// A transaction keeps an undo list in memory, with the previous content (or absence)
// of every record it touched, and restores it when the body throws.
// NOTE: the undo list is not written to disk, so a process that dies inside a
// transaction leaves its writes in place. The kernel still releases its lock.
class FilesystemStorage final : public sdk::StorageBackend {
 public:
  explicit FilesystemStorage(const sdk::PluginContext& context)
      : root_(create_root(root_path(context))),
        lock_(root_ / ".lock", lock_timeout(context.settings)),
        log_(context.log) {
    log_->info("using record files under '{}'", root_.string());
  }

  std::optional<json::object> get(std::string_view collection, std::string_view id) override {
    sdk::validate_record_key(collection, id);
    std::filesystem::path file = record_file(collection, id);
    std::optional<std::string> text = fs_store::read_if_exists(file);
    if (!text) return std::nullopt;
    return fs_store::parse_record(file, *text);
  }

  void put(std::string_view collection, std::string_view id, const json::object& record) override {
    sdk::validate_record_key(collection, id);
    std::filesystem::path file = record_file(collection, id);
    std::lock_guard guard(lock_);
    save_undo_entry(file);
    sdk::write_file_atomically(file, json::serialize(record) + "\n", kRecordFileMode);
    fs_store::sync_directory(file.parent_path());
  }

  bool remove(std::string_view collection, std::string_view id) override {
    sdk::validate_record_key(collection, id);
    std::filesystem::path file = record_file(collection, id);
    std::lock_guard guard(lock_);
    save_undo_entry(file);
    bool removed = fs_store::remove_file(file);
    if (removed) fs_store::sync_directory(file.parent_path());
    return removed;
  }

  // Lists the ids first, then reads and parses one file per visit. A record removed
  // after the listing is skipped.
  void for_each(std::string_view collection, const sdk::RecordVisitor& visit) override {
    validate_collection(collection);
    std::filesystem::path directory = root_ / collection;
    for (const std::string& id : fs_store::list_record_ids(directory, collection)) {
      std::filesystem::path file = directory / (id + std::string(fs_store::kRecordSuffix));
      std::optional<std::string> text = fs_store::read_if_exists(file);
      if (!text) continue;
      if (!visit(id, fs_store::parse_record(file, *text))) return;
    }
  }

  // Counts record files without parsing them.
  std::size_t count(std::string_view collection) override {
    validate_collection(collection);
    return fs_store::list_record_ids(root_ / collection, collection).size();
  }

  void transaction(const std::function<void(sdk::StorageView& view)>& body) override {
    std::lock_guard guard(lock_);
    if (in_transaction_) {
      throw sdk::Error::conflict("a transaction is already open on storage directory '" +
                                 root_.string() +
                                 "': transactions do not nest, so use the view that the outer "
                                 "transaction passed to its body");
    }
    in_transaction_ = true;
    try {
      body(*this);
    } catch (...) {
      roll_back();
      throw;
    }
    finish_transaction();
  }

  std::vector<std::string> collections() override {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(root_, error)) {
      std::string name = entry.path().filename().string();
      std::error_code type_error;
      if (is_collection_name(name) && entry.is_directory(type_error) &&
          fs_store::has_records(entry.path(), name)) {
        names.push_back(std::move(name));
      }
    }
    if (error) {
      throw sdk::Error::unavailable("cannot list storage directory '" + root_.string() +
                                    "': " + error.message());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string location() const override { return root_.string(); }

 private:
  std::filesystem::path record_file(std::string_view collection, std::string_view id) const {
    return root_ / collection / (std::string(id) + std::string(fs_store::kRecordSuffix));
  }

  static bool is_collection_name(const std::string& name) {
    try {
      validate_collection(name);
      return true;
    } catch (const sdk::Error&) {
      return false;
    }
  }

  // Remembers the current content of `file` the first time the running transaction
  // changes it. Called with the lock held.
  void save_undo_entry(const std::filesystem::path& file) {
    if (!in_transaction_ || !touched_.insert(file).second) return;
    undo_.push_back(UndoEntry{file, fs_store::read_if_exists(file)});
  }

  // Restores every touched record, newest change first. A failure is logged rather
  // than thrown, so the caller sees the error that caused the rollback.
  void roll_back() noexcept {
    for (auto entry = undo_.rbegin(); entry != undo_.rend(); ++entry) {
      try {
        restore(*entry);
      } catch (const std::exception& error) {
        log_->error("rollback could not restore record file '{}': {}", entry->file.string(),
                    error.what());
      }
    }
    log_->debug("rolled back a transaction that touched {} records", undo_.size());
    finish_transaction();
  }

  static void restore(const UndoEntry& entry) {
    if (entry.previous) {
      sdk::write_file_atomically(entry.file, *entry.previous, kRecordFileMode);
    } else {
      fs_store::remove_file(entry.file);
    }
    fs_store::sync_directory(entry.file.parent_path());
  }

  void finish_transaction() noexcept {
    undo_.clear();
    touched_.clear();
    in_transaction_ = false;
  }

  std::filesystem::path root_;
  fs_store::StoreLock lock_;
  std::shared_ptr<spdlog::logger> log_;
  bool in_transaction_ = false;  // guarded by lock_, like undo_ and touched_
  std::vector<UndoEntry> undo_;
  std::set<std::filesystem::path> touched_;
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::FilesystemStorage)
