#include "batch_routes.h"

#include "batch_request.h"
#include "common/query_params.h"
#include "common/records.h"
#include "common/request_body.h"
#include "common/submission.h"

namespace provisioning::plugins::api {

namespace {

const std::vector<std::string> kBatchStates = {"Running", "Completed", "Failed", "Cancelled"};
const std::vector<std::string> kListQuery = {"status", "limit", "offset"};
const std::vector<std::string> kViews = {"full", "summary"};

sdk::ApiResponse list_batches(const HandlerContext& context) {
  json::object query = read_list_query(context.request, kBatchStates).to_request();
  json::object result = call_for_object(context, "batch.list", query);
  return page_response(result, "batches", "batch.list", batch_summary_view, query);
}

sdk::ApiResponse submit(const HandlerContext& context) {
  BatchSubmitRequest request = parse_batch_submit(context.request.body, context.level);
  json::array operations;
  for (const BatchOperation& operation : request.operations) {
    operations.push_back(operation.to_json());
  }
  return submit_batch(context, std::move(operations), request.batch_options);
}

sdk::ApiResponse batch_operation(const HandlerContext& context, const std::string& operation) {
  json::object batch = call_for_object(context, operation, {{"id", context.id_param("id")}});
  return json_response(200, batch_view(batch));
}

// With ?view=summary, returns the batch without its operations and with their counts by
// state, which is what a client that polls a large batch for its progress needs.
sdk::ApiResponse get_batch(const HandlerContext& context) {
  if (read_query_choice(context.request, "view", kViews, "full") == "full") {
    return batch_operation(context, "batch.get");
  }
  json::object batch = call_for_object(context, "batch.summary", {{"id", context.id_param("id")}});
  return json_response(200, batch_summary_view(batch));
}

sdk::ApiResponse change_batch(const HandlerContext& context, const std::string& operation) {
  require_empty_body(context.request.body);
  return batch_operation(context, operation);
}

}  // namespace

void add_batch_routes(RouteTable& table) {
  table.add("POST", "/workflows/batch/submit", "Submit a batch of operations", submit);
  table.add("GET", "/workflows/batch", "List batches", list_batches, kListQuery);
  table.add("GET", "/workflows/batch/{id}", "Get a batch", get_batch, {"view"});
  table.add("POST", "/workflows/batch/{id}/cancel", "Cancel a batch",
            [](const HandlerContext& context) { return change_batch(context, "batch.cancel"); });
  table.add("POST", "/workflows/batch/{id}/rollback", "Roll back a batch",
            [](const HandlerContext& context) { return change_batch(context, "batch.rollback"); });
}

}  // namespace provisioning::plugins::api
