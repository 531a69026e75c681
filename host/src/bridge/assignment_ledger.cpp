#include "bridge/assignment_ledger.h"

#include <cstdlib>

#include "bridge/locked_json_file.h"

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;

std::int64_t integer_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_int64() ? value->as_int64() : 0;
}

std::optional<PathKind> recorded_path(const json::object& names, std::string_view name) {
  const json::value* value = names.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->as_string() == "new" ? PathKind::kNew : PathKind::kLegacy;
}

}  // namespace

std::uint64_t stable_name_hash(std::string_view name) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64-bit offset basis
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;  // FNV-1a 64-bit prime
  }
  return hash;
}

PathKind place_new_name(std::int64_t placed_new, std::int64_t placed_total, int percentage,
                        std::string_view name) {
  // Compare, in hundredths of a name, how far each choice leaves the new path's count
  // from its target after this name: percentage * (placed_total + 1) / 100.
  std::int64_t target = static_cast<std::int64_t>(percentage) * (placed_total + 1);
  std::int64_t miss_if_new = std::llabs(100 * (placed_new + 1) - target);
  std::int64_t miss_if_legacy = std::llabs(100 * placed_new - target);
  if (miss_if_new != miss_if_legacy) {
    return miss_if_new < miss_if_legacy ? PathKind::kNew : PathKind::kLegacy;
  }
  return stable_name_hash(name) % 2 == 0 ? PathKind::kNew : PathKind::kLegacy;
}

std::filesystem::path assignment_ledger_file(const Workspace& workspace) {
  return workspace.state_dir() / "bridge" / "assignments.json";
}

std::vector<PathKind> AssignmentLedger::assign(const std::vector<std::string>& names,
                                               int percentage) {
  std::vector<PathKind> paths;
  update_json_object(file_, [&](json::object& ledger) {
    if (integer_field(ledger, "percentage") != percentage || !ledger.contains("names")) {
      ledger["percentage"] = percentage;
      ledger["placed_new"] = 0;
      ledger["placed_total"] = 0;
    }
    json::value& names_value = ledger["names"];
    if (!names_value.is_object()) names_value = json::object();
    json::object& recorded = names_value.as_object();
    std::int64_t placed_new = integer_field(ledger, "placed_new");
    std::int64_t placed_total = integer_field(ledger, "placed_total");
    for (const std::string& name : names) {
      if (auto path = recorded_path(recorded, name)) {
        paths.push_back(*path);
        continue;
      }
      PathKind path = place_new_name(placed_new, placed_total, percentage, name);
      recorded[name] = to_string(path);
      placed_new += path == PathKind::kNew ? 1 : 0;
      placed_total += 1;
      paths.push_back(path);
    }
    ledger["placed_new"] = placed_new;
    ledger["placed_total"] = placed_total;
  });
  return paths;
}

std::optional<PathKind> AssignmentLedger::find(const std::string& name) const {
  json::object ledger = read_json_object(file_);
  const json::value* names = ledger.if_contains("names");
  if (names == nullptr || !names->is_object()) return std::nullopt;
  return recorded_path(names->as_object(), name);
}

}  // namespace provisioning::host::bridge
