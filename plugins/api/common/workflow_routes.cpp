#include "common/workflow_routes.h"

#include "common/query_params.h"
#include "common/records.h"
#include "common/request_body.h"
#include "common/server_request.h"
#include "common/server_routes.h"
#include "common/submission.h"
#include "common/workflow_requests.h"

namespace provisioning::plugins::api {

namespace {

const std::vector<std::string> kListQuery = {"status", "limit", "offset"};

sdk::ApiResponse create_server_workflow(const HandlerContext& context) {
  ServerCreateRequest request = parse_server_create(context.request.body, context.level);
  return submit_server_create(context, request);
}

sdk::ApiResponse create_taskserv_workflow(const HandlerContext& context) {
  TaskservCreateRequest request = parse_taskserv_create(context.request.body, context.level);
  json::object params{{"name", request.name},
                      {"servers", json::array(request.servers.begin(), request.servers.end())}};
  return submit_workflow(context, "taskserv_create", std::move(params), request.workflow_options);
}

sdk::ApiResponse create_cluster_workflow(const HandlerContext& context) {
  ClusterCreateRequest request = parse_cluster_create(context.request.body, context.level);
  return submit_workflow(context, "cluster_create", {{"name", request.name}},
                         request.workflow_options);
}

sdk::ApiResponse list_records(const HandlerContext& context, const std::string& operation,
                              std::string_view field, RecordView view) {
  json::object query = read_list_query(context.request, run_states()).to_request();
  json::object result = call_for_object(context, operation, query);
  return page_response(result, field, operation, view, query);
}

sdk::ApiResponse get_record(const HandlerContext& context, const std::string& operation,
                            RecordView view) {
  json::object record = call_for_object(context, operation, {{"id", context.id_param("id")}});
  return json_response(200, view(record));
}

sdk::ApiResponse cancel_workflow(const HandlerContext& context) {
  require_empty_body(context.request.body);
  return get_record(context, "workflow.cancel", workflow_view);
}

}  // namespace

void add_workflow_routes(RouteTable& table) {
  table.add("POST", "/workflows/servers/create", "Submit a server_create workflow",
            create_server_workflow);
  table.add("POST", "/workflows/taskserv/create", "Submit a taskserv_create workflow",
            create_taskserv_workflow);
  table.add("POST", "/workflows/cluster/create", "Submit a cluster_create workflow",
            create_cluster_workflow);
  table.add(
      "GET", "/workflows", "List workflows",
      [](const HandlerContext& context) {
        return list_records(context, "workflow.list", "workflows", workflow_view);
      },
      kListQuery);
  table.add("GET", "/workflows/{id}", "Get a workflow", [](const HandlerContext& context) {
    return get_record(context, "workflow.get", workflow_view);
  });
  table.add("POST", "/workflows/{id}/cancel", "Cancel a workflow", cancel_workflow);
  table.add(
      "GET", "/tasks", "List tasks",
      [](const HandlerContext& context) {
        return list_records(context, "task.list", "tasks", task_view);
      },
      kListQuery);
  table.add("GET", "/tasks/{id}", "Get a task", [](const HandlerContext& context) {
    return get_record(context, "task.get", task_view);
  });
}

}  // namespace provisioning::plugins::api
