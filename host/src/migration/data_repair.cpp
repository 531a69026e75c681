#include "migration/data_repair.h"

#include <algorithm>

#include "logging.h"

namespace provisioning::host::migration {
namespace {

RepairChange change_for(const RecordDifference& difference) {
  RepairChange change;
  change.collection = difference.collection;
  change.id = difference.id;
  switch (difference.kind) {
    case DifferenceKind::kMissing:
      change.action = "insert";
      break;
    case DifferenceKind::kDifferent:
      change.action = "replace";
      change.fields = difference.fields;
      change.previous = difference.current;
      break;
    case DifferenceKind::kUnreadable:
      change.action = "skip";
      change.detail = difference.detail +
                      "; fix or remove the legacy file, then run "
                      "'provisioning data repair' again";
      break;
    case DifferenceKind::kOnlyInCurrent:
      break;
  }
  return change;
}

void apply(sdk::StorageView& view, const DataCheckReport& check) {
  auto log = component_logger("storage");
  for (const RecordDifference& difference : check.differences) {
    bool writes = difference.kind == DifferenceKind::kMissing ||
                  difference.kind == DifferenceKind::kDifferent;
    if (!writes || !difference.legacy) continue;
    view.put(difference.collection, difference.id, *difference.legacy);
    log->info("data repair: {} {}/{} from the legacy data directory {}",
              difference.kind == DifferenceKind::kMissing ? "inserted" : "replaced",
              difference.collection, difference.id, check.legacy_path);
  }
}

json::array to_json_array(const std::vector<std::string>& items) {
  json::array array;
  for (const auto& item : items) array.emplace_back(item);
  return array;
}

}  // namespace

bool RepairReport::complete() const {
  return count("skip") == 0;
}

std::size_t RepairReport::count(std::string_view action) const {
  return std::count_if(changes.begin(), changes.end(),
                       [&](const RepairChange& change) { return change.action == action; });
}

json::object RepairReport::to_json() const {
  json::array items;
  for (const RepairChange& change : changes) {
    json::object item{
        {"collection", change.collection}, {"id", change.id}, {"action", change.action}};
    if (change.action == "replace") item["fields"] = to_json_array(change.fields);
    if (change.previous) item["previous"] = *change.previous;
    if (!change.detail.empty()) item["detail"] = change.detail;
    items.push_back(std::move(item));
  }
  return json::object{{"dry_run", dry_run},
                      {"legacy_path", legacy_path},
                      {"complete", complete()},
                      {"inserted", count("insert")},
                      {"replaced", count("replace")},
                      {"skipped", count("skip")},
                      {"only_in_current", only_in_current},
                      {"changes", std::move(items)}};
}

RepairReport plan_repair(const DataCheckReport& check) {
  RepairReport report;
  report.legacy_path = check.legacy_path;
  for (const RecordDifference& difference : check.differences) {
    if (difference.kind == DifferenceKind::kOnlyInCurrent) {
      ++report.only_in_current;
      continue;
    }
    report.changes.push_back(change_for(difference));
  }
  return report;
}

RepairReport repair_data(const PluginHandle<sdk::StorageBackend>& current,
                         const LegacyDirectory& legacy, bool dry_run) {
  DataCheckReport check;
  if (dry_run) {
    check = current.call("for_each", [&](sdk::StorageBackend& s) { return check_data(s, legacy); });
  } else {
    // Comparing inside the transaction keeps other writers out until the repair ends.
    current.call("transaction", [&](sdk::StorageBackend& storage) {
      storage.transaction([&](sdk::StorageView& view) {
        check = check_data(view, legacy);
        apply(view, check);
      });
    });
  }
  RepairReport report = plan_repair(check);
  report.dry_run = dry_run;
  return report;
}

}  // namespace provisioning::host::migration
