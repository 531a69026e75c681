#pragma once

#include <provisioning/sdk/json.h>
#include <provisioning/sdk/storage.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "migration/legacy_fallback.h"

namespace provisioning::host::migration {

// The kind of difference of one record between the current store and the legacy data
// directory.
enum class DifferenceKind {
  kMissing,        // only the legacy directory has it: repair inserts it
  kDifferent,      // both have it with different fields: repair replaces the current one
  kOnlyInCurrent,  // only the current store has it, such as a record this system created
  kUnreadable,     // the legacy file cannot be parsed: repair skips it
};

// "missing", "different", "only_in_current" or "unreadable".
const char* to_string(DifferenceKind kind);

struct RecordDifference {
  std::string collection;
  std::string id;
  DifferenceKind kind = DifferenceKind::kMissing;
  std::vector<std::string> fields;      // kDifferent: top-level fields that differ, sorted
  std::string detail;                   // kUnreadable: the parser's error
  std::optional<json::object> legacy;   // the translated legacy record, when readable
  std::optional<json::object> current;  // the current record, when there is one
};

// Record counts of one collection in each store.
struct CollectionCounts {
  std::size_t legacy = 0;  // readable and unreadable legacy files
  std::size_t current = 0;
  std::size_t equal = 0;  // ids whose translated legacy record equals the current one
};

struct DataCheckReport {
  std::string legacy_path;
  std::map<std::string, CollectionCounts> counts;  // by collection
  std::vector<RecordDifference> differences;       // by collection, then id

  // Returns whether `data repair` has nothing to do: no record is missing, different or
  // unreadable. Records only in the current store do not count.
  bool consistent() const;

  json::object to_json() const;
};

// Returns the top-level fields whose values differ between `a` and `b`, or that only one
// of them has, sorted.
std::vector<std::string> differing_fields(const json::object& a, const json::object& b);

// Compares the records of `current` with the legacy directory for every collection that
// dual operation covers, record by record and field by field, after translating each
// legacy record with normalize_legacy_record(). Reads both stores in id order without
// loading a whole collection.
DataCheckReport check_data(sdk::StorageView& current, const LegacyDirectory& legacy);

// Compares `target` with `reference` in every collection that either store holds, with
// each reference record translated by normalize_legacy_record() first. The report uses
// the kinds of check_data(), with `reference` in the legacy role: kMissing is a record
// only `reference` has, kOnlyInCurrent one only `target` has. `reference_name` fills
// legacy_path.
DataCheckReport compare_stores(sdk::StorageView& reference,
                               const std::vector<std::string>& collections,
                               sdk::StorageView& target, const std::string& reference_name);

}  // namespace provisioning::host::migration
