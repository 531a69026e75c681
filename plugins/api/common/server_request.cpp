#include "common/server_request.h"

#include "common/request_body.h"

namespace provisioning::plugins::api {

namespace {

const std::vector<FieldSpec> kServerCreateFields = {
    {"name", ApiLevel::kV1},
    {"plan", ApiLevel::kV1},
    {"zone", ApiLevel::kV1},
    {"orchestrated", ApiLevel::kV2},
    {"workflow_options", ApiLevel::kV2},
    {"batch_options", ApiLevel::kV3},
    {"dependencies", ApiLevel::kV3},
};

const std::vector<std::string> kOrchestrationFields = {"workflow_options", "batch_options",
                                                       "dependencies"};

void read_orchestration(ObjectReader& reader, ApiLevel level, ServerCreateRequest& request) {
  request.orchestrated = reader.optional_bool("orchestrated", false);
  request.workflow_options = read_workflow_options(reader, level);
  if (level < ApiLevel::kV3) return;

  if (reader.has("batch_options")) request.batch_options = read_batch_options(reader, level);
  request.dependencies = reader.optional_string_list("dependencies");
}

}  // namespace

ServerCreateRequest parse_server_create(std::string_view body, ApiLevel level) {
  json::object object = parse_object_body(body);
  std::vector<FieldIssue> issues;
  ObjectReader reader(object, "$", issues);
  reader.reject_unknown_fields(kServerCreateFields, level);

  ServerCreateRequest request;
  request.name = reader.required_string("name");
  request.plan = reader.required_string("plan");
  request.zone = reader.optional_string("zone", request.zone);
  if (level >= ApiLevel::kV2) read_orchestration(reader, level, request);
  for (const auto& member : object) {
    for (const std::string& field : kOrchestrationFields) {
      if (member.key() == field) request.orchestration_fields.push_back(field);
    }
  }

  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));
  return request;
}

}  // namespace provisioning::plugins::api
