#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "common/routing.h"

namespace provisioning::plugins::api {

// An API version served from a route table. handle() finds the route, rejects unknown
// query parameters, runs the handler and turns every failure into the error response
// of api_error.h, so no exception leaves it:
//   ApiError            -> its own status, code and details
//   sdk::Error          -> 400, 404, 409, 503 or 500 by code, with its message
//   anything else       -> 500 "internal", logged with the correlation id
class RoutedApi : public sdk::ApiVersion {
 public:
  RoutedApi(const sdk::PluginContext& context, ApiLevel level, std::string status,
            RouteTable table);

  std::string id() const override { return version_name(level_); }
  std::string status() const override { return status_; }
  std::vector<sdk::Route> routes() const override { return table_.routes(); }
  sdk::ApiResponse handle(const sdk::ApiRequest& request, sdk::ApiServices& services) override;

 private:
  sdk::ApiResponse dispatch(const sdk::ApiRequest& request, sdk::ApiServices& services) const;
  sdk::ApiResponse fail(const sdk::ApiRequest& request, int status, std::string_view code,
                        std::string_view message,
                        const std::vector<FieldIssue>& details = {}) const;
  sdk::ApiResponse fail_unexpected(const sdk::ApiRequest& request, std::string_view what) const;

  ApiLevel level_;
  std::string status_;
  RouteTable table_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace provisioning::plugins::api
