#include "common/server_routes.h"

#include "common/submission.h"

namespace provisioning::plugins::api {

namespace {

json::object server_create_params(const ServerCreateRequest& request, ApiLevel level) {
  json::object params{{"name", request.name}, {"plan", request.plan}, {"zone", request.zone}};
  if (level >= ApiLevel::kV3) {
    params["dependencies"] = json::array(request.dependencies.begin(), request.dependencies.end());
  }
  return params;
}

bool has_field(const std::vector<std::string>& fields, std::string_view name) {
  return std::find(fields.begin(), fields.end(), name) != fields.end();
}

sdk::ApiResponse submit_as_batch(const HandlerContext& context,
                                 const ServerCreateRequest& request) {
  if (has_field(request.orchestration_fields, "workflow_options")) {
    throw ApiError::invalid_request({
        {"$.workflow_options", "cannot be combined with batch_options: send one of the two"},
        {"$.batch_options", "cannot be combined with workflow_options: send one of the two"},
    });
  }
  json::object operation{{"id", request.name},
                         {"type", "server_create"},
                         {"params", server_create_params(request, context.level)},
                         {"depends_on", json::array()}};
  return submit_batch(context, json::array{std::move(operation)}, *request.batch_options);
}

sdk::ApiResponse create_now(const HandlerContext& context, const ServerCreateRequest& request,
                            RecordView view) {
  std::vector<FieldIssue> issues;
  for (const std::string& field : request.orchestration_fields) {
    issues.push_back({"$." + field,
                      "applies only to orchestrated requests: add \"orchestrated\": true or "
                      "use POST /workflows/servers/create"});
  }
  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));

  json::object record =
      call_for_object(context, "server.create",
                      {{"name", request.name}, {"plan", request.plan}, {"zone", request.zone}});
  sdk::ApiResponse response = json_response(201, view(record));
  response.headers["Location"] = "/servers/" + encode_path_segment(request.name);
  return response;
}

sdk::ApiResponse list_servers(const HandlerContext& context, RecordView view) {
  json::object result = call_for_object(context, "server.list", {});
  return json_response(
      200, json::object{{"servers", shape_list(result, "servers", "server.list", view)}});
}

sdk::ApiResponse create_server(const HandlerContext& context, RecordView view) {
  ServerCreateRequest request = parse_server_create(context.request.body, context.level);
  if (!request.orchestrated) return create_now(context, request, view);
  return submit_server_create(context, request);
}

sdk::ApiResponse server_operation(const HandlerContext& context, const std::string& operation,
                                  RecordView view) {
  json::object record = call_for_object(context, operation, {{"name", context.param("name")}});
  return json_response(200, view(record));
}

}  // namespace

sdk::ApiResponse submit_server_create(const HandlerContext& context,
                                      const ServerCreateRequest& request) {
  if (request.batch_options) return submit_as_batch(context, request);
  return submit_workflow(context, "server_create", server_create_params(request, context.level),
                         request.workflow_options);
}

void add_server_routes(RouteTable& table, RecordView view) {
  table.add("GET", "/servers", "List servers",
            [view](const HandlerContext& context) { return list_servers(context, view); });
  table.add("POST", "/servers", "Create a server",
            [view](const HandlerContext& context) { return create_server(context, view); });
  table.add("GET", "/servers/{name}", "Get a server by name",
            [view](const HandlerContext& context) {
              return server_operation(context, "server.get", view);
            });
  table.add("DELETE", "/servers/{name}", "Delete a server by name",
            [view](const HandlerContext& context) {
              return server_operation(context, "server.delete", view);
            });
}

}  // namespace provisioning::plugins::api
