#include "common/workflow_requests.h"

#include <cctype>

#include "common/request_body.h"
#include "common/suggest.h"

namespace provisioning::plugins::api {

namespace {

const std::vector<FieldSpec> kTaskservCreateFields = {
    {"name", ApiLevel::kV2},
    {"servers", ApiLevel::kV2},
    {"workflow_options", ApiLevel::kV2},
};

const std::vector<FieldSpec> kClusterCreateFields = {
    {"name", ApiLevel::kV2},
    {"workflow_options", ApiLevel::kV2},
};

// Taskserv names are plugin names: a lower-case letter, then lower-case letters, digits,
// '_' or '-'.
bool is_taskserv_name(std::string_view name) {
  if (name.empty() || !std::islower(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    bool allowed = std::islower(static_cast<unsigned char>(c)) ||
                   std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

}  // namespace

TaskservCreateRequest parse_taskserv_create(std::string_view body, ApiLevel level) {
  json::object object = parse_object_body(body);
  std::vector<FieldIssue> issues;
  ObjectReader reader(object, "$", issues);
  reader.reject_unknown_fields(kTaskservCreateFields, level);

  TaskservCreateRequest request;
  request.name = reader.required_string("name");
  if (!request.name.empty() && !is_taskserv_name(request.name)) {
    reader.add_issue("name",
                     "must be a taskserv name: a lower-case letter, then lower-case "
                     "letters, digits, '_' or '-', got " +
                         quote_value(request.name));
  }
  request.servers = reader.optional_string_list("servers");
  request.workflow_options = read_workflow_options(reader, level);

  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));
  return request;
}

ClusterCreateRequest parse_cluster_create(std::string_view body, ApiLevel level) {
  json::object object = parse_object_body(body);
  std::vector<FieldIssue> issues;
  ObjectReader reader(object, "$", issues);
  reader.reject_unknown_fields(kClusterCreateFields, level);

  ClusterCreateRequest request;
  request.name = reader.required_string("name");
  request.workflow_options = read_workflow_options(reader, level);

  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));
  return request;
}

}  // namespace provisioning::plugins::api
