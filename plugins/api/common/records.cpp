#include "common/records.h"

#include <algorithm>
#include <utility>

#include "common/request_body.h"

namespace provisioning::plugins::api {

namespace {

const std::vector<std::string> kServerFields = {
    "id",     "name",       "provider",   "provider_id", "plan",     "zone",
    "status", "ip_address", "created_at", "updated_at",  "metadata", "tags"};

const std::vector<std::string> kWorkflowFields = {
    "id",         "type",       "status",     "params",      "options", "result",        "error",
    "created_at", "updated_at", "started_at", "finished_at", "tasks",   "correlation_id"};

const std::vector<std::string> kTaskFields = {
    "id",     "workflow_id",     "type",       "status",     "attempt",    "max_attempts", "error",
    "result", "timeout_seconds", "created_at", "started_at", "finished_at"};

const std::vector<std::string> kBatchFields = {
    "id",         "status",     "operations", "batch_options", "rolled_back",
    "created_at", "updated_at", "started_at", "finished_at"};

const std::vector<std::string> kBatchSummaryFields = {"id",          "status",     "batch_options",
                                                      "rolled_back", "created_at", "updated_at",
                                                      "started_at",  "finished_at"};

const std::vector<std::string> kBatchOperationFields = {"id",          "type",  "status",
                                                        "workflow_id", "error", "rollback"};

const std::vector<std::string> kRollbackFields = {"status", "workflow_id", "error"};

// The operation with its rollback outcome: null until a rollback tried to undo it, then
// {status: done | failed | not_reversible, workflow_id, error}.
json::object batch_operation_view(const json::object& record) {
  json::object shaped = select_fields(record, kBatchOperationFields);
  json::value& rollback = shaped["rollback"];
  if (rollback.is_object()) rollback = select_fields(rollback.get_object(), kRollbackFields);
  return shaped;
}

}  // namespace

const std::vector<std::string>& run_states() {
  static const std::vector<std::string> states = {"Pending", "Running", "Completed", "Failed",
                                                  "Cancelled"};
  return states;
}

bool is_final_state(std::string_view status) {
  return status == "Completed" || status == "Failed" || status == "Cancelled";
}

json::object call_for_object(const HandlerContext& context, const std::string& operation,
                             const json::object& request) {
  json::value result = context.services.call(operation, request);
  if (!result.is_object()) {
    throw ApiError::internal("operation '" + operation + "' returned " + describe_type(result) +
                             " instead of an object");
  }
  return std::move(result.get_object());
}

json::object select_fields(const json::object& record, const std::vector<std::string>& fields) {
  json::object selected;
  selected.reserve(fields.size());
  for (const std::string& field : fields) {
    const json::value* value = record.if_contains(field);
    selected[field] = value != nullptr ? *value : json::value(nullptr);
  }
  return selected;
}

std::string required_record_string(const json::object& record, std::string_view field,
                                   std::string_view operation) {
  const json::value* value = record.if_contains(field);
  if (value == nullptr || !value->is_string() || value->get_string().empty()) {
    throw ApiError::internal("operation '" + std::string(operation) +
                             "' returned a record without a string \"" + std::string(field) + "\"");
  }
  return std::string(value->get_string());
}

json::array shape_list(const json::object& result, std::string_view field,
                       std::string_view operation, RecordView view) {
  const json::value* list = result.if_contains(field);
  bool valid = list != nullptr && list->is_array() &&
               std::all_of(list->get_array().begin(), list->get_array().end(),
                           [](const json::value& item) { return item.is_object(); });
  if (!valid) {
    throw ApiError::internal("operation '" + std::string(operation) +
                             "' returned no array of objects in \"" + std::string(field) + "\"");
  }
  json::array shaped;
  for (const json::value& item : list->get_array()) shaped.push_back(view(item.get_object()));
  return shaped;
}

json::object server_view(const json::object& record) {
  return select_fields(record, kServerFields);
}

json::object workflow_view(const json::object& record) {
  return select_fields(record, kWorkflowFields);
}

json::object task_view(const json::object& record) {
  return select_fields(record, kTaskFields);
}

json::object batch_view(const json::object& record) {
  json::object shaped = select_fields(record, kBatchFields);
  json::value& operations = shaped["operations"];
  if (operations.is_array()) {
    json::array shaped_operations;
    for (const json::value& item : operations.get_array()) {
      shaped_operations.push_back(item.is_object() ? batch_operation_view(item.get_object())
                                                   : item);
    }
    operations = std::move(shaped_operations);
  }
  return shaped;
}

sdk::ApiResponse page_response(const json::object& result, std::string_view field,
                               std::string_view operation, RecordView view,
                               const json::object& query) {
  json::array records = shape_list(result, field, operation, view);
  const json::value* total = result.if_contains("total");
  if (total == nullptr || !(total->is_int64() || total->is_uint64())) {
    throw ApiError::internal("operation '" + std::string(operation) +
                             "' returned no integer \"total\"");
  }
  return json_response(200, json::object{{field, std::move(records)},
                                         {"total", *total},
                                         {"limit", query.at("limit")},
                                         {"offset", query.at("offset")}});
}

json::object batch_summary_view(const json::object& record) {
  json::object shaped = select_fields(record, kBatchSummaryFields);
  const json::value* total = record.if_contains("operations_total");
  const json::value* by_status = record.if_contains("operations_by_status");
  shaped["operations_total"] = total != nullptr ? *total : json::value(0);
  shaped["operations_by_status"] = by_status != nullptr ? *by_status : json::object{};
  return shaped;
}

sdk::ApiResponse json_response(int status, json::value body) {
  sdk::ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace provisioning::plugins::api
