#pragma once

#include <provisioning/sdk/api_version.h>
#include <provisioning/sdk/error.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace provisioning::plugins::api {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;

// One invalid part of a request. `path` is "$.a.b[2]" for body fields, "query.<name>"
// for query parameters, "path.<name>" for path parameters and "$" for the whole body.
struct FieldIssue {
  std::string path;
  std::string message;
};

// A failed request, thrown by handlers and turned into an error response by
// RoutedApi::handle(). It never leaves the plugin.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message,
           std::vector<FieldIssue> details = {});

  // Returns a 400 "invalid_argument" error listing every issue. `issues` must not be empty.
  static ApiError invalid_request(std::vector<FieldIssue> issues);

  // Returns a 500 "internal" error, for a result of the orchestrator that breaks the
  // operation contract.
  static ApiError internal(const std::string& message);

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::vector<FieldIssue>& details() const { return details_; }

 private:
  int status_;
  std::string code_;
  std::vector<FieldIssue> details_;
};

// Returns the HTTP status for an orchestrator failure: 400, 404, 409, 503 or 500.
int http_status_for(sdk::ErrorCode code);

// Builds the error response every version returns:
//   {"error": {"code", "message", "details": [{"path", "message"}]},
//    "api_version", "correlation_id"}
sdk::ApiResponse error_response(int status, std::string_view code, std::string_view message,
                                const std::vector<FieldIssue>& details,
                                std::string_view api_version, std::string_view correlation_id);

}  // namespace provisioning::plugins::api
