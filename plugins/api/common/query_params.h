#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api_error.h"

namespace provisioning::plugins::api {

inline constexpr std::int64_t kDefaultPageLimit = 100;
inline constexpr std::int64_t kMaxPageLimit = 1000;

// The query of a list route: ?status=&limit=&offset=
struct ListQuery {
  std::optional<std::string> status;
  std::int64_t limit = kDefaultPageLimit;
  std::int64_t offset = 0;

  // Returns the request of "workflow.list" or "task.list".
  json::object to_request() const;
};

// Reads the query of a list route: `status` must be one of `statuses`, `limit` an integer
// from 1 to 1000 (default 100) and `offset` an integer of 0 or more (default 0). Throws
// ApiError (400) listing every invalid parameter, named "query.<name>".
ListQuery read_list_query(const sdk::ApiRequest& request, const std::vector<std::string>& statuses);

// Returns the query parameter `name`, or `fallback` when it is absent. Throws ApiError
// (400) naming "query.<name>" and the accepted values when it is not one of `choices`.
std::string read_query_choice(const sdk::ApiRequest& request, const std::string& name,
                              const std::vector<std::string>& choices, const std::string& fallback);

// Throws ApiError (400) listing each query parameter that is not in `allowed`.
void reject_unknown_query(const sdk::ApiRequest& request, const std::vector<std::string>& allowed);

}  // namespace provisioning::plugins::api
