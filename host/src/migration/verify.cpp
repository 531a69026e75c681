#include "verify.h"

#include <set>

#include "fault_injection.h"
#include "legacy_records.h"

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

constexpr std::uint64_t kProgressEvery = 1000;

std::string field_text(const json::object& record, std::string_view field) {
  const json::value* value = record.if_contains(field);
  return value == nullptr ? "(missing)" : json::serialize(*value);
}

// Describes how `copy` differs from `original`, or returns an empty string.
std::string describe_difference(std::string_view collection, std::string_view id,
                                const json::object& original, const json::object& copy) {
  for (std::string_view field : {"name", "status", "plan"}) {
    if (field_text(original, field) != field_text(copy, field)) {
      return std::string(field) + " differs: source " + field_text(original, field) + ", target " +
             field_text(copy, field);
    }
  }
  if (record_hash(collection, id, original) != record_hash(collection, id, copy)) {
    return "content differs (SHA-256 of the canonical JSON)";
  }
  return {};
}

// Lists the records of `collection` that the target lacks or stores differently.
void list_mismatches(const std::string& collection, const RecordLookup& lookup,
                     RecordReader& source, bool normalize, std::uint64_t target_count,
                     std::vector<RecordMismatch>& mismatches) {
  std::uint64_t matched = 0;
  std::uint64_t unlisted = 0;
  auto add = [&](const std::string& id, std::string problem) {
    if (mismatches.size() < kMaxListedMismatches) {
      mismatches.push_back({collection, id, std::move(problem)});
    } else {
      ++unlisted;
    }
  };
  source.for_each(collection, [&](const std::string& id, const json::object& raw) {
    json::object original = normalize ? normalize_legacy_record(collection, id, raw) : raw;
    std::optional<json::object> copy = lookup(collection, id);
    if (!copy) {
      add(id, "missing in target");
      return true;
    }
    ++matched;
    std::string difference = describe_difference(collection, id, original, *copy);
    if (!difference.empty()) add(id, difference);
    return true;
  });
  if (target_count > matched) {
    add("*", std::to_string(target_count - matched) + " records in target are not in the source");
  }
  if (unlisted > 0) add("*", std::to_string(unlisted) + " more mismatched records not listed");
}

}  // namespace

std::vector<RecordMismatch> verify_copy(RecordReader& target, const RecordLookup& lookup,
                                        RecordReader& source, bool normalize,
                                        const std::map<std::string, CollectionDigest>& expected,
                                        std::map<std::string, CollectionDigest>& digests,
                                        const ProgressCallback& progress) {
  MigrationProgress state{"verify", "", 0, 0};
  for (const auto& [name, digest] : expected) state.records_total += digest.count();

  std::set<std::string> names;
  for (const auto& [name, digest] : expected) {
    if (digest.count() > 0) names.insert(name);
  }
  for (const std::string& name : target.collections()) names.insert(name);

  std::vector<RecordMismatch> mismatches;
  for (const std::string& collection : names) {
    CollectionDigest& digest = digests[collection];
    state.collection = collection;
    target.for_each(collection, [&](const std::string& id, const json::object& record) {
      digest.add(collection, id, record);
      ++state.records_done;
      fault_point("verify", state.records_done);
      if (progress && state.records_done % kProgressEvery == 0) progress(state);
      return true;
    });
    auto wanted = expected.find(collection);
    CollectionDigest none;
    if (digest == (wanted == expected.end() ? none : wanted->second)) continue;
    std::size_t listed = mismatches.size();
    list_mismatches(collection, lookup, source, normalize, digest.count(), mismatches);
    if (mismatches.size() == listed) {
      mismatches.push_back({collection, "*",
                            "the digest differs although every record matches: the source "
                            "changed during the migration"});
    }
  }
  if (progress) progress(state);
  return mismatches;
}

}  // namespace provisioning::host::migration
