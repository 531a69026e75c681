#include "migration/legacy_fallback.h"

#include <provisioning/sdk/error.h>

#include <algorithm>

#include "logging.h"
#include "migration/legacy_records.h"

namespace provisioning::host::migration {
namespace {

constexpr std::string_view kRecordSuffix = ".json";

bool valid_record_key(std::string_view collection, std::string_view id) {
  try {
    sdk::validate_record_key(collection, id);
    return true;
  } catch (const sdk::Error&) {
    return false;
  }
}

bool matches_field(const json::object& record, std::string_view field, std::string_view value) {
  const json::value* found = record.if_contains(field);
  return found != nullptr && found->is_string() && found->get_string() == value;
}

}  // namespace

std::filesystem::path LegacyDirectory::file(std::string_view collection,
                                            std::string_view id) const {
  return root_ / collection / (std::string(id) + std::string(kRecordSuffix));
}

std::vector<std::string> LegacyDirectory::ids(std::string_view collection) const {
  std::vector<std::string> ids;
  std::error_code error;
  std::filesystem::directory_iterator entries(root_ / collection, error);
  if (error) return ids;  // no such collection directory: no records
  for (const auto& entry : entries) {
    std::string name = entry.path().filename().string();
    if (!name.ends_with(kRecordSuffix) || !entry.is_regular_file(error)) continue;
    std::string id = name.substr(0, name.size() - kRecordSuffix.size());
    if (valid_record_key(collection, id)) ids.push_back(std::move(id));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<json::object> LegacyDirectory::get(std::string_view collection,
                                                 std::string_view id) const {
  std::filesystem::path path = file(collection, id);
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
  return normalize_legacy_record(collection, id, parse_legacy_file(path));
}

std::optional<LegacyDirectory> configured_legacy_directory(const std::string& legacy_path,
                                                           const std::filesystem::path& workspace) {
  if (legacy_path.empty()) return std::nullopt;
  std::filesystem::path root(legacy_path);
  if (root.is_relative()) root = (workspace / root).lexically_normal();
  std::error_code error;
  if (!std::filesystem::is_directory(root, error)) {
    throw sdk::Error::not_found("bridge.legacy_path '" + legacy_path + "' (" + root.string() +
                                ") is not a directory; set it to the legacy installation's data "
                                "directory, or to \"\" to turn dual operation off");
  }
  return LegacyDirectory(root);
}

LegacyFallback::LegacyFallback(PluginHandle<sdk::StorageBackend> current,
                               std::optional<LegacyDirectory> legacy)
    : current_(std::move(current)), legacy_(std::move(legacy)) {}

bool LegacyFallback::covers(std::string_view collection) const {
  if (!legacy_) return false;
  return std::find(std::begin(kDualCollections), std::end(kDualCollections), collection) !=
         std::end(kDualCollections);
}

void LegacyFallback::note_legacy_read(std::string_view collection, const std::string& id) {
  ++legacy_reads_;
  component_logger("storage")->debug("read {}/{} from the legacy data directory {}", collection, id,
                                     legacy_->root().string());
}

std::optional<json::object> LegacyFallback::legacy_record(std::string_view collection,
                                                          const std::string& id) {
  try {
    return legacy_->get(collection, id);
  } catch (const sdk::Error& error) {
    component_logger("storage")->warn("skipped legacy record {}/{}: {}", collection, id,
                                      error.what());
    return std::nullopt;
  }
}

std::optional<json::object> LegacyFallback::get(std::string_view collection, std::string_view id) {
  auto record = current_.call("get", [&](sdk::StorageBackend& s) { return s.get(collection, id); });
  if (record) {
    ++current_reads_;
    return record;
  }
  if (!covers(collection)) return std::nullopt;
  record = legacy_->get(collection, id);
  if (record) note_legacy_read(collection, std::string(id));
  return record;
}

void LegacyFallback::put(std::string_view collection, std::string_view id,
                         const json::object& record) {
  current_.call("put", [&](sdk::StorageBackend& s) { s.put(collection, id, record); });
}

bool LegacyFallback::remove(std::string_view collection, std::string_view id) {
  return current_.call("remove", [&](sdk::StorageBackend& s) { return s.remove(collection, id); });
}

void LegacyFallback::for_each(std::string_view collection, const sdk::RecordVisitor& visit) {
  std::vector<std::string> legacy_ids;
  if (covers(collection)) legacy_ids = legacy_->ids(collection);
  auto next_legacy = legacy_ids.begin();
  bool stopped = false;
  // Emits the legacy records whose ids sort before `limit` (all of them without one).
  auto visit_legacy_before = [&](const std::string* limit) {
    for (; !stopped && next_legacy != legacy_ids.end(); ++next_legacy) {
      if (limit != nullptr && *next_legacy >= *limit) break;
      auto record = legacy_record(collection, *next_legacy);
      if (!record) continue;
      note_legacy_read(collection, *next_legacy);
      stopped = !visit(*next_legacy, *record);
    }
  };
  current_.call("for_each", [&](sdk::StorageBackend& storage) {
    storage.for_each(collection, [&](const std::string& id, const json::object& record) {
      visit_legacy_before(&id);
      if (stopped) return false;
      if (next_legacy != legacy_ids.end() && *next_legacy == id) ++next_legacy;  // shadowed
      ++current_reads_;
      stopped = !visit(id, record);
      return !stopped;
    });
  });
  visit_legacy_before(nullptr);
}

std::vector<json::object> LegacyFallback::find(std::string_view collection, std::string_view field,
                                               std::string_view value) {
  auto found = current_.call(
      "find", [&](sdk::StorageBackend& s) { return s.find(collection, field, value); });
  current_reads_ += found.size();
  if (!covers(collection)) return found;
  for (const std::string& id : legacy_->ids(collection)) {
    auto record = legacy_record(collection, id);
    if (!record || !matches_field(*record, field, value)) continue;
    // The current store's version of this id wins, even when its field now differs.
    bool shadowed = current_.call(
        "get", [&](sdk::StorageBackend& s) { return s.get(collection, id).has_value(); });
    if (shadowed) continue;
    note_legacy_read(collection, id);
    found.push_back(std::move(*record));
  }
  return found;
}

std::size_t LegacyFallback::count(std::string_view collection) {
  if (!covers(collection)) {
    return current_.call("count", [&](sdk::StorageBackend& s) { return s.count(collection); });
  }
  std::size_t total = 0;
  for_each(collection, [&](const std::string&, const json::object&) {
    ++total;
    return true;
  });
  return total;
}

std::optional<RecordOrigin> LegacyFallback::source_of(std::string_view collection,
                                                      std::string_view id) {
  bool in_current = current_.call(
      "get", [&](sdk::StorageBackend& s) { return s.get(collection, id).has_value(); });
  if (in_current) return RecordOrigin::kCurrent;
  if (!covers(collection)) return std::nullopt;
  std::error_code error;
  if (std::filesystem::is_regular_file(legacy_->file(collection, id), error)) {
    return RecordOrigin::kLegacy;
  }
  return std::nullopt;
}

void reject_legacy_only(LegacyFallback& records, std::string_view collection, std::string_view id,
                        const std::string& what) {
  if (records.source_of(collection, id) != RecordOrigin::kLegacy) return;
  throw sdk::Error::conflict(what + " exists only in the legacy data directory " +
                             records.legacy()->root().string() +
                             "; run 'provisioning data repair' to copy it into the current "
                             "store first, or change it with the legacy installation");
}

}  // namespace provisioning::host::migration
