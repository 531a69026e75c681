#include "bridge/bridge.h"

#include <set>

#include "bridge/assignment_ledger.h"
#include "bridge/bridge_stats.h"
#include "bridge/translate.h"
#include "logging.h"

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;

std::string display_name(const BridgeOperation& operation) {
  return operation.server.empty() ? "-" : operation.server;
}

}  // namespace

bool falls_back(const sdk::Error& error) {
  return error.code() == sdk::ErrorCode::kUnavailable || error.code() == sdk::ErrorCode::kInternal;
}

Bridge::Bridge(BridgeSettings settings, ExecutionPath& new_path, ExecutionPath& legacy_path,
               BridgeStateFiles files, std::string correlation_id)
    : settings_(std::move(settings)),
      new_path_(new_path),
      legacy_path_(legacy_path),
      files_(std::move(files)),
      correlation_id_(std::move(correlation_id)) {}

Decision Bridge::decide(const BridgeOperation& operation) {
  if (settings_.mode == BridgeMode::kOff) return {PathKind::kNew, "bridge off"};
  if (!operation.server.empty() && legacy_path_.has_server(operation.server)) {
    return {PathKind::kLegacy, "server is in the legacy store"};
  }
  if (settings_.mode == BridgeMode::kCompatibility || operation.server.empty()) {
    return {PathKind::kNew, std::string(to_string(settings_.mode)) + " mode"};
  }
  int percentage = settings_.new_system_percentage;
  AssignmentLedger ledger(files_.assignments);
  PathKind path = ledger.assign({operation.server}, percentage).front();
  return {path, "assigned to the " + std::string(to_string(path)) + " path at " +
                    std::to_string(percentage) + " %"};
}

BridgeOutcome Bridge::run(const BridgeOperation& operation) {
  bool merged_list =
      operation.kind == OperationKind::kServerList && settings_.mode != BridgeMode::kOff;
  Decision decision =
      merged_list ? Decision{PathKind::kNew, "server list reads both stores"} : decide(operation);
  component_logger("bridge")->info("{} server={} path={} reason=\"{}\" mode={} correlation_id={}",
                                   to_string(operation.kind), display_name(operation),
                                   to_string(decision.path), decision.reason,
                                   to_string(settings_.mode), correlation_id_);
  return merged_list ? run_list(operation, decision) : run_on(operation, decision);
}

BridgeOutcome Bridge::run_on(const BridgeOperation& operation, const Decision& decision) {
  BridgeOutcome outcome;
  outcome.decision = decision;
  outcome.served_by = decision.path;
  if (decision.path == PathKind::kLegacy) {
    outcome.result = legacy_path_.run(operation);
    count(PathKind::kLegacy, false);
    return outcome;
  }
  try {
    outcome.result = to_legacy_shape(new_path_.run(operation));
    count(PathKind::kNew, false);
    return outcome;
  } catch (const sdk::Error& error) {
    if (settings_.mode == BridgeMode::kOff || !falls_back(error)) throw;
    outcome.result = fall_back(operation, error);
  }
  outcome.served_by = PathKind::kLegacy;
  outcome.fallback = true;
  return outcome;
}

json::value Bridge::fall_back(const BridgeOperation& operation, const sdk::Error& error) {
  component_logger("bridge")->warn(
      "{} server={} failed on the new path, falling back to legacy: {} correlation_id={}",
      to_string(operation.kind), display_name(operation), error.what(), correlation_id_);
  json::value result = legacy_path_.run(operation);
  count(PathKind::kLegacy, true);
  return result;
}

BridgeOutcome Bridge::run_list(const BridgeOperation& operation, const Decision& decision) {
  BridgeOutcome outcome = run_on(operation, decision);
  if (outcome.fallback) return outcome;  // the legacy path listed its own store already
  json::array merged = outcome.result.as_array();
  std::set<std::string> names;
  for (const json::value& record : merged) {
    if (const json::value* name = record.as_object().if_contains("name"); name && name->is_string())
      names.emplace(name->as_string());
  }
  json::value legacy = legacy_path_.run(operation);
  for (const json::value& record : legacy.as_array()) {
    const json::value* name = record.as_object().if_contains("name");
    if (name == nullptr || !name->is_string() || names.count(std::string(name->as_string())) == 0)
      merged.push_back(record);
  }
  count(PathKind::kLegacy, false);
  outcome.result = std::move(merged);
  return outcome;
}

void Bridge::count(PathKind path, bool fallback) {
  record_bridge_operation(files_.stats, settings_.mode, path, fallback);
}

}  // namespace provisioning::host::bridge
