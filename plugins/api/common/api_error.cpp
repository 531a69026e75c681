#include "common/api_error.h"

#include <utility>

#include "common/api_level.h"

namespace provisioning::plugins::api {

namespace {

std::string summarize(const std::vector<FieldIssue>& issues) {
  const FieldIssue& first = issues.front();
  std::string subject = first.path == "$" ? "the body" : first.path;
  std::string message = "invalid request: " + subject + " " + first.message;
  if (issues.size() == 2) message += " (and 1 more issue, see details)";
  if (issues.size() > 2) {
    message += " (and " + std::to_string(issues.size() - 1) + " more issues, see details)";
  }
  return message;
}

}  // namespace

std::string version_name(ApiLevel level) {
  return "v" + std::to_string(static_cast<int>(level));
}

ApiError::ApiError(int status, std::string code, const std::string& message,
                   std::vector<FieldIssue> details)
    : std::runtime_error(message),
      status_(status),
      code_(std::move(code)),
      details_(std::move(details)) {}

ApiError ApiError::invalid_request(std::vector<FieldIssue> issues) {
  std::string message = summarize(issues);
  return ApiError(400, sdk::to_string(sdk::ErrorCode::kInvalidArgument), message,
                  std::move(issues));
}

ApiError ApiError::internal(const std::string& message) {
  return ApiError(500, sdk::to_string(sdk::ErrorCode::kInternal), message);
}

int http_status_for(sdk::ErrorCode code) {
  switch (code) {
    case sdk::ErrorCode::kInvalidArgument:
      return 400;
    case sdk::ErrorCode::kNotFound:
      return 404;
    case sdk::ErrorCode::kAlreadyExists:
    case sdk::ErrorCode::kConflict:
      return 409;
    case sdk::ErrorCode::kUnavailable:
      return 503;
    case sdk::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

sdk::ApiResponse error_response(int status, std::string_view code, std::string_view message,
                                const std::vector<FieldIssue>& details,
                                std::string_view api_version, std::string_view correlation_id) {
  json::array detail_list;
  for (const FieldIssue& issue : details) {
    detail_list.push_back(json::object{{"path", issue.path}, {"message", issue.message}});
  }
  json::object error{{"code", code}, {"message", message}, {"details", std::move(detail_list)}};

  sdk::ApiResponse response;
  response.status = status;
  response.body = json::object{{"error", std::move(error)},
                               {"api_version", api_version},
                               {"correlation_id", correlation_id}};
  return response;
}

}  // namespace provisioning::plugins::api
