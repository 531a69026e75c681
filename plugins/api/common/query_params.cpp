#include "common/query_params.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "common/field_reader.h"
#include "common/suggest.h"

namespace provisioning::plugins::api {

namespace {

std::string query_path(std::string_view name) {
  return "query." + std::string(name);
}

std::optional<std::int64_t> parse_integer(const std::string& text) {
  std::int64_t number = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, number);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return number;
}

std::int64_t read_integer(const sdk::ApiRequest& request, const std::string& name, std::int64_t min,
                          std::int64_t max, std::int64_t fallback,
                          std::vector<FieldIssue>& issues) {
  auto found = request.query.find(name);
  if (found == request.query.end()) return fallback;
  std::optional<std::int64_t> number = parse_integer(found->second);
  if (!number || *number < min || *number > max) {
    issues.push_back({query_path(name),
                      integer_range_message(min, max) + ", got " + quote_value(found->second)});
    return fallback;
  }
  return *number;
}

std::optional<std::string> read_choice(const sdk::ApiRequest& request, const std::string& name,
                                       const std::vector<std::string>& choices,
                                       std::vector<FieldIssue>& issues) {
  auto found = request.query.find(name);
  if (found == request.query.end()) return std::nullopt;
  const std::string& value = found->second;
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return value;

  std::string message = "must be one of " + join_names(choices) + ", got " + quote_value(value);
  if (auto match = closest_match(value, choices)) message += "; did you mean \"" + *match + "\"?";
  issues.push_back({query_path(name), std::move(message)});
  return std::nullopt;
}

}  // namespace

json::object ListQuery::to_request() const {
  json::object request{{"limit", limit}, {"offset", offset}};
  if (status) request["status"] = *status;
  return request;
}

ListQuery read_list_query(const sdk::ApiRequest& request,
                          const std::vector<std::string>& statuses) {
  std::vector<FieldIssue> issues;
  ListQuery query;
  query.status = read_choice(request, "status", statuses, issues);
  query.limit = read_integer(request, "limit", 1, kMaxPageLimit, kDefaultPageLimit, issues);
  query.offset =
      read_integer(request, "offset", 0, std::numeric_limits<std::int64_t>::max(), 0, issues);
  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));
  return query;
}

std::string read_query_choice(const sdk::ApiRequest& request, const std::string& name,
                              const std::vector<std::string>& choices,
                              const std::string& fallback) {
  std::vector<FieldIssue> issues;
  std::optional<std::string> value = read_choice(request, name, choices, issues);
  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));
  return value.value_or(fallback);
}

void reject_unknown_query(const sdk::ApiRequest& request, const std::vector<std::string>& allowed) {
  std::vector<FieldIssue> issues;
  for (const auto& [name, value] : request.query) {
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string message = "is an unknown query parameter.";
    if (auto match = closest_match(name, allowed)) {
      message = "is an unknown query parameter; did you mean \"" + *match + "\"?";
    }
    message += allowed.empty() ? " This route takes no query parameters."
                               : " Parameters accepted here: " + join_names(allowed) + ".";
    issues.push_back({query_path(name), std::move(message)});
  }
  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));
}

}  // namespace provisioning::plugins::api
