#include "common/routed_api.h"

#include <utility>

#include "common/query_params.h"

namespace provisioning::plugins::api {

RoutedApi::RoutedApi(const sdk::PluginContext& context, ApiLevel level, std::string status,
                     RouteTable table)
    : level_(level), status_(std::move(status)), table_(std::move(table)), log_(context.log) {}

sdk::ApiResponse RoutedApi::handle(const sdk::ApiRequest& request, sdk::ApiServices& services) {
  try {
    return dispatch(request, services);
  } catch (const ApiError& error) {
    if (error.status() >= 500) {
      log_->error("{} {} failed (correlation id {}): {}", request.method, request.path,
                  request.correlation_id, error.what());
    }
    return fail(request, error.status(), error.code(), error.what(), error.details());
  } catch (const sdk::Error& error) {
    log_->debug("{} {} failed (correlation id {}): {}", request.method, request.path,
                request.correlation_id, error.what());
    return fail(request, http_status_for(error.code()), sdk::to_string(error.code()), error.what());
  } catch (const std::exception& error) {
    return fail_unexpected(request, error.what());
  } catch (...) {
    return fail_unexpected(request, "an exception that is not a std::exception");
  }
}

sdk::ApiResponse RoutedApi::dispatch(const sdk::ApiRequest& request,
                                     sdk::ApiServices& services) const {
  PathParams params;
  const RouteEntry* entry = table_.find(request.method, request.path, params);
  if (entry == nullptr) {
    return fail(request, 404, sdk::to_string(sdk::ErrorCode::kNotFound),
                "API version " + id() + " has no route " + request.method + " " + request.path);
  }
  reject_unknown_query(request, entry->query_params);

  // The orchestrator's parameters win: it may have decoded them.
  for (const auto& [name, value] : request.path_params) params[name] = value;
  HandlerContext context{request, services, std::move(params), level_};
  return entry->handler(context);
}

sdk::ApiResponse RoutedApi::fail(const sdk::ApiRequest& request, int status, std::string_view code,
                                 std::string_view message,
                                 const std::vector<FieldIssue>& details) const {
  return error_response(status, code, message, details, id(), request.correlation_id);
}

sdk::ApiResponse RoutedApi::fail_unexpected(const sdk::ApiRequest& request,
                                            std::string_view what) const {
  log_->error("{} {} failed with an unexpected exception (correlation id {}): {}", request.method,
              request.path, request.correlation_id, what);
  return fail(request, 500, sdk::to_string(sdk::ErrorCode::kInternal),
              "internal error while handling " + request.method + " " + request.path +
                  "; the server log has the details under correlation id " +
                  request.correlation_id);
}

}  // namespace provisioning::plugins::api
