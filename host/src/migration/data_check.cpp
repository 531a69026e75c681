#include "migration/data_check.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <set>

#include "migration/legacy_records.h"

namespace provisioning::host::migration {
namespace {

// Compares one collection of both stores by merging their ascending id lists.
class CollectionComparer {
 public:
  CollectionComparer(std::string_view collection, const LegacyDirectory& legacy,
                     DataCheckReport& report)
      : collection_(collection),
        legacy_(legacy),
        legacy_ids_(legacy.ids(collection)),
        next_(legacy_ids_.begin()),
        report_(report),
        counts_(report.counts[std::string(collection)]) {
    counts_.legacy = legacy_ids_.size();
  }

  void run(sdk::StorageView& current) {
    current.for_each(collection_, [&](const std::string& id, const json::object& record) {
      add_missing_before(&id);
      ++counts_.current;
      if (next_ != legacy_ids_.end() && *next_ == id) {
        compare(id, record);
        ++next_;
      } else {
        add(id, DifferenceKind::kOnlyInCurrent, std::nullopt, record);
      }
      return true;
    });
    add_missing_before(nullptr);
  }

 private:
  // Reads one legacy record, recording an unreadable file as a difference.
  std::optional<json::object> read_legacy(const std::string& id,
                                          const std::optional<json::object>& current) {
    try {
      return legacy_.get(collection_, id);
    } catch (const sdk::Error& error) {
      RecordDifference& difference = add(id, DifferenceKind::kUnreadable, std::nullopt, current);
      difference.detail = error.what();
      return std::nullopt;
    }
  }

  void add_missing_before(const std::string* limit) {
    for (; next_ != legacy_ids_.end(); ++next_) {
      if (limit != nullptr && *next_ >= *limit) break;
      if (auto record = read_legacy(*next_, std::nullopt)) {
        add(*next_, DifferenceKind::kMissing, std::move(record), std::nullopt);
      }
    }
  }

  void compare(const std::string& id, const json::object& current) {
    auto legacy = read_legacy(id, current);
    if (!legacy) return;
    std::vector<std::string> fields = differing_fields(*legacy, current);
    if (fields.empty()) {
      ++counts_.equal;
      return;
    }
    add(id, DifferenceKind::kDifferent, std::move(legacy), current).fields = std::move(fields);
  }

  RecordDifference& add(const std::string& id, DifferenceKind kind,
                        std::optional<json::object> legacy, std::optional<json::object> current) {
    RecordDifference difference;
    difference.collection = collection_;
    difference.id = id;
    difference.kind = kind;
    difference.legacy = std::move(legacy);
    difference.current = std::move(current);
    report_.differences.push_back(std::move(difference));
    return report_.differences.back();
  }

  std::string collection_;
  const LegacyDirectory& legacy_;
  std::vector<std::string> legacy_ids_;
  std::vector<std::string>::const_iterator next_;
  DataCheckReport& report_;
  CollectionCounts& counts_;
};

json::array to_json_array(const std::vector<std::string>& items) {
  json::array array;
  for (const auto& item : items) array.emplace_back(item);
  return array;
}

}  // namespace

const char* to_string(DifferenceKind kind) {
  switch (kind) {
    case DifferenceKind::kMissing:
      return "missing";
    case DifferenceKind::kDifferent:
      return "different";
    case DifferenceKind::kOnlyInCurrent:
      return "only_in_current";
    case DifferenceKind::kUnreadable:
      return "unreadable";
  }
  return "unknown";
}

bool DataCheckReport::consistent() const {
  return std::all_of(differences.begin(), differences.end(), [](const RecordDifference& d) {
    return d.kind == DifferenceKind::kOnlyInCurrent;
  });
}

json::object DataCheckReport::to_json() const {
  json::object collections;
  for (const auto& [name, count] : counts) {
    collections[name] =
        json::object{{"legacy", count.legacy}, {"current", count.current}, {"equal", count.equal}};
  }
  json::array items;
  for (const RecordDifference& difference : differences) {
    json::object item{{"collection", difference.collection},
                      {"id", difference.id},
                      {"kind", to_string(difference.kind)}};
    if (difference.kind == DifferenceKind::kDifferent) {
      item["fields"] = to_json_array(difference.fields);
    }
    if (!difference.detail.empty()) item["detail"] = difference.detail;
    items.push_back(std::move(item));
  }
  return json::object{{"legacy_path", legacy_path},
                      {"consistent", consistent()},
                      {"collections", std::move(collections)},
                      {"differences", std::move(items)}};
}

std::vector<std::string> differing_fields(const json::object& a, const json::object& b) {
  std::set<std::string> fields;
  for (const auto& item : a) {
    const json::value* other = b.if_contains(item.key());
    if (other == nullptr || *other != item.value()) fields.emplace(item.key());
  }
  for (const auto& item : b) {
    if (!a.contains(item.key())) fields.emplace(item.key());
  }
  return {fields.begin(), fields.end()};
}

DataCheckReport check_data(sdk::StorageView& current, const LegacyDirectory& legacy) {
  DataCheckReport report;
  report.legacy_path = legacy.root().string();
  for (std::string_view collection : kDualCollections) {
    CollectionComparer(collection, legacy, report).run(current);
  }
  return report;
}

DataCheckReport compare_stores(sdk::StorageView& reference,
                               const std::vector<std::string>& collections,
                               sdk::StorageView& target, const std::string& reference_name) {
  DataCheckReport report;
  report.legacy_path = reference_name;
  for (const std::string& collection : collections) {
    CollectionCounts& counts = report.counts[collection];
    auto add = [&](const std::string& id, DifferenceKind kind) -> RecordDifference& {
      report.differences.push_back({collection, id, kind, {}, {}, std::nullopt, std::nullopt});
      return report.differences.back();
    };
    reference.for_each(collection, [&](const std::string& id, const json::object& stored) {
      ++counts.legacy;
      json::object expected = normalize_legacy_record(collection, id, stored);
      auto actual = target.get(collection, id);
      if (!actual) {
        add(id, DifferenceKind::kMissing).legacy = std::move(expected);
      } else if (auto fields = differing_fields(expected, *actual); !fields.empty()) {
        add(id, DifferenceKind::kDifferent).fields = std::move(fields);
      } else {
        ++counts.equal;
      }
      return true;
    });
    target.for_each(collection, [&](const std::string& id, const json::object&) {
      ++counts.current;
      if (!reference.get(collection, id)) add(id, DifferenceKind::kOnlyInCurrent);
      return true;
    });
  }
  return report;
}

}  // namespace provisioning::host::migration
