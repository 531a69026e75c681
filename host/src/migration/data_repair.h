#pragma once

#include <provisioning/sdk/json.h>
#include <provisioning/sdk/storage.h>

#include <optional>
#include <string>
#include <vector>

#include "migration/data_check.h"
#include "plugin_loader.h"

namespace provisioning::host::migration {

// The change that `data repair` made, or would make, to one record of the current store.
struct RepairChange {
  std::string collection;
  std::string id;
  std::string action;                    // "insert", "replace" or "skip"
  std::vector<std::string> fields;       // "replace": the fields that changed
  std::string detail;                    // "skip": why the record was left as it is
  std::optional<json::object> previous;  // "replace": the current record it overwrote
};

struct RepairReport {
  bool dry_run = false;
  std::string legacy_path;
  std::vector<RepairChange> changes;
  std::size_t only_in_current = 0;  // records kept because only the current store has them

  // Returns whether every difference was, or would be, repaired: nothing was skipped.
  bool complete() const;
  std::size_t count(std::string_view action) const;
  json::object to_json() const;
};

// Returns the changes that make `check`'s current store match the legacy directory:
// missing records inserted, different ones replaced by the translated legacy record,
// unreadable legacy files skipped. Records only in the current store are kept.
RepairReport plan_repair(const DataCheckReport& check);

// Makes the current store match the legacy directory: compares both stores and writes
// every inserted or replaced record in one transaction of `current`, so a failure
// changes nothing. With `dry_run`, compares and returns the changes without writing.
// The legacy directory is only read.
RepairReport repair_data(const PluginHandle<sdk::StorageBackend>& current,
                         const LegacyDirectory& legacy, bool dry_run);

}  // namespace provisioning::host::migration
