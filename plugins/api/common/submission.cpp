#include "common/submission.h"

#include <cctype>
#include <cstdio>

#include "common/records.h"

namespace provisioning::plugins::api {

sdk::ApiResponse submit_workflow(const HandlerContext& context, const std::string& type,
                                 json::object params, const WorkflowOptions& options) {
  json::object request{
      {"type", type}, {"params", std::move(params)}, {"options", options.to_json()}};
  json::object workflow = call_for_object(context, "workflow.submit", request);
  std::string id = required_record_string(workflow, "id", "workflow.submit");
  std::string status = required_record_string(workflow, "status", "workflow.submit");

  if (options.wait_for_completion && is_final_state(status)) {
    return json_response(200, workflow_view(workflow));
  }
  sdk::ApiResponse response = json_response(202, workflow_view(workflow));
  response.headers["Location"] = "/workflows/" + encode_path_segment(id);
  return response;
}

sdk::ApiResponse submit_batch(const HandlerContext& context, json::array operations,
                              const BatchOptions& options) {
  json::object request{{"operations", std::move(operations)}, {"batch_options", options.to_json()}};
  json::object batch = call_for_object(context, "batch.submit", request);
  std::string id = required_record_string(batch, "id", "batch.submit");

  sdk::ApiResponse response = json_response(202, batch_view(batch));
  response.headers["Location"] = "/workflows/batch/" + encode_path_segment(id);
  return response;
}

std::string encode_path_segment(std::string_view segment) {
  std::string encoded;
  for (char c : segment) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
      continue;
    }
    char escape[4];
    std::snprintf(escape, sizeof escape, "%%%02X", byte);
    encoded += escape;
  }
  return encoded;
}

}  // namespace provisioning::plugins::api
