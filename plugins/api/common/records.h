#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/routing.h"

namespace provisioning::plugins::api {

// Shapes an orchestrator record into the fields a version documents.
using RecordView = json::object (*)(const json::object& record);

// The states of workflows and tasks.
const std::vector<std::string>& run_states();

// Returns true for "Completed", "Failed" and "Cancelled".
bool is_final_state(std::string_view status);

// Calls `operation` and returns its result. Throws ApiError (500) when the result is not
// a JSON object, since that breaks the operation contract. sdk::Error passes through.
json::object call_for_object(const HandlerContext& context, const std::string& operation,
                             const json::object& request);

// Returns exactly `fields` of `record`, in that order, with null for a missing one, so
// responses keep their documented shape when records gain internal fields.
json::object select_fields(const json::object& record, const std::vector<std::string>& fields);

// Returns the string field `field` of `record`. Throws ApiError (500) when it is missing
// or empty. `operation` names the source in the message.
std::string required_record_string(const json::object& record, std::string_view field,
                                   std::string_view operation);

// Returns each element of the array `field` of `result` through `view`. Throws ApiError
// (500) when the field is missing or contains anything but objects.
json::array shape_list(const json::object& result, std::string_view field,
                       std::string_view operation, RecordView view);

// The v2 and v3 views of orchestrator records.
json::object server_view(const json::object& record);
json::object workflow_view(const json::object& record);
json::object task_view(const json::object& record);
json::object batch_view(const json::object& record);

// A batch summary as "batch.list" and "batch.summary" return it: the batch fields plus
// "operations_total" and "operations_by_status" (status -> count), without operations.
json::object batch_summary_view(const json::object& record);

// Returns 200 with the page of `field` records from a "*.list" result, with its total and
// the limit and offset used. Throws ApiError (500) when the result has no integer total.
sdk::ApiResponse page_response(const json::object& result, std::string_view field,
                               std::string_view operation, RecordView view,
                               const json::object& query);

sdk::ApiResponse json_response(int status, json::value body);

}  // namespace provisioning::plugins::api
