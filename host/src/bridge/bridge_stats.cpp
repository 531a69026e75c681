#include "bridge/bridge_stats.h"

#include "bridge/locked_json_file.h"

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;

std::int64_t count_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_int64() ? value->as_int64() : 0;
}

PathCounts counts_from_json(const json::object& object) {
  return {count_of(object, "new"), count_of(object, "legacy"), count_of(object, "fallbacks")};
}

json::object counts_to_json(const PathCounts& counts) {
  return {
      {"new", counts.new_path}, {"legacy", counts.legacy_path}, {"fallbacks", counts.fallbacks}};
}

void add_operation(json::object& counts, PathKind path, bool fallback) {
  std::string key(to_string(path));
  counts[key] = count_of(counts, key) + 1;
  if (fallback) counts["fallbacks"] = count_of(counts, "fallbacks") + 1;
}

}  // namespace

std::string_view to_string(PathKind path) {
  return path == PathKind::kNew ? "new" : "legacy";
}

std::string_view to_string(OperationKind kind) {
  switch (kind) {
    case OperationKind::kServerCreate:
      return "server create";
    case OperationKind::kServerDelete:
      return "server delete";
    case OperationKind::kServerList:
      return "server list";
    case OperationKind::kServerShow:
      return "server show";
  }
  return "server list";
}

json::object BridgeStats::to_json() const {
  json::object object = counts_to_json(total);
  json::object modes;
  for (const auto& [mode, counts] : by_mode) modes[mode] = counts_to_json(counts);
  object["by_mode"] = std::move(modes);
  return object;
}

std::filesystem::path bridge_stats_file(const Workspace& workspace) {
  return workspace.state_dir() / "bridge" / "stats.json";
}

BridgeStats read_bridge_stats(const std::filesystem::path& file) {
  json::object object = read_json_object(file);
  BridgeStats stats;
  stats.total = counts_from_json(object);
  if (const json::value* modes = object.if_contains("by_mode"); modes && modes->is_object()) {
    for (const auto& [mode, counts] : modes->as_object()) {
      if (counts.is_object())
        stats.by_mode[std::string(mode)] = counts_from_json(counts.as_object());
    }
  }
  return stats;
}

void record_bridge_operation(const std::filesystem::path& file, BridgeMode mode, PathKind path,
                             bool fallback) {
  update_json_object(file, [&](json::object& object) {
    add_operation(object, path, fallback);
    json::value& modes = object["by_mode"];
    if (!modes.is_object()) modes = json::object();
    json::value& counts = modes.as_object()[to_string(mode)];
    if (!counts.is_object()) counts = json::object();
    add_operation(counts.as_object(), path, fallback);
  });
}

}  // namespace provisioning::host::bridge
