#pragma once

#include <provisioning/sdk/json.h>
#include <provisioning/sdk/storage.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin_loader.h"

namespace provisioning::host::migration {

namespace json = boost::json;

// The collections that dual operation, `data check` and `data repair` cover.
inline constexpr std::string_view kDualCollections[] = {"servers", "taskservs", "clusters"};

// Read-only access to a legacy data directory: the `filesystem` backend's layout,
// <root>/<collection>/<id>.json, with records possibly in older shapes. Every record
// comes back translated by normalize_legacy_record(). It takes no lock, because the
// legacy installation owns the directory.
class LegacyDirectory {
 public:
  explicit LegacyDirectory(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path file(std::string_view collection, std::string_view id) const;

  // Ids of the record files of `collection`, sorted ascending. Files whose name is not
  // "<valid id>.json" are skipped. A missing directory has no records.
  std::vector<std::string> ids(std::string_view collection) const;

  // Returns the translated record, or nothing when there is no file. Throws sdk::Error
  // (kInvalidArgument) with the file and the parser's line:column for a broken file.
  std::optional<json::object> get(std::string_view collection, std::string_view id) const;

 private:
  std::filesystem::path root_;
};

// Returns the legacy data directory of bridge.legacy_path (relative to the workspace
// root), or nothing when the setting is empty. Throws sdk::Error (kNotFound) when the
// setting names a directory that does not exist.
std::optional<LegacyDirectory> configured_legacy_directory(const std::string& legacy_path,
                                                           const std::filesystem::path& workspace);

// The store that returned a record.
enum class RecordOrigin { kCurrent, kLegacy };

// Number of records each store returned, for `bridge status` and logs.
struct ReadCounts {
  std::uint64_t current = 0;
  std::uint64_t legacy = 0;
};

// A read-through view for dual operation: reads look in the current backend first and
// fall back to the legacy directory, so a record that only the legacy installation has
// is visible with its translated shape. A record in both stores comes from the current
// one. Writes go to the current backend only and the legacy directory is never changed.
// Without a legacy directory every call goes straight to the backend.
//
// A legacy file that cannot be parsed is skipped by for_each() and find() with a warning
// in the log naming the file, so one broken file does not hide every other record.
// `data check` lists such files. get() of such a record throws the parser's error.
class LegacyFallback : public sdk::StorageView {
 public:
  LegacyFallback(PluginHandle<sdk::StorageBackend> current, std::optional<LegacyDirectory> legacy);

  std::optional<json::object> get(std::string_view collection, std::string_view id) override;
  void put(std::string_view collection, std::string_view id, const json::object& record) override;
  bool remove(std::string_view collection, std::string_view id) override;

  // Visits the union of both stores in ascending id order.
  void for_each(std::string_view collection, const sdk::RecordVisitor& visit) override;
  std::vector<json::object> find(std::string_view collection, std::string_view field,
                                 std::string_view value) override;
  std::size_t count(std::string_view collection) override;

  // Returns where get() would find the record, or nothing when neither store has it.
  std::optional<RecordOrigin> source_of(std::string_view collection, std::string_view id);

  bool has_legacy() const { return legacy_.has_value(); }
  const std::optional<LegacyDirectory>& legacy() const { return legacy_; }
  ReadCounts counts() const { return {current_reads_.load(), legacy_reads_.load()}; }

 private:
  bool covers(std::string_view collection) const;
  std::optional<json::object> legacy_record(std::string_view collection, const std::string& id);
  void note_legacy_read(std::string_view collection, const std::string& id);

  PluginHandle<sdk::StorageBackend> current_;
  std::optional<LegacyDirectory> legacy_;
  std::atomic<std::uint64_t> current_reads_{0};
  std::atomic<std::uint64_t> legacy_reads_{0};
};

// Throws sdk::Error (kConflict) when only the legacy directory has the record, because a
// write to the current store cannot change or remove it there. `what` names the record
// in the message, such as "server 'web-01'".
void reject_legacy_only(LegacyFallback& records, std::string_view collection, std::string_view id,
                        const std::string& what);

}  // namespace provisioning::host::migration
