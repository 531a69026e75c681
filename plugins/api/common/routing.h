#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api_error.h"
#include "common/api_level.h"

namespace provisioning::plugins::api {

using PathParams = std::map<std::string, std::string>;

// The request, services, path parameters and API level passed to a handler.
struct HandlerContext {
  const sdk::ApiRequest& request;
  sdk::ApiServices& services;
  PathParams params;
  ApiLevel level;

  // Returns path parameter `name`. Throws ApiError (500) when the route has none, which
  // is a bug in the route table.
  const std::string& param(const std::string& name) const;

  // Returns path parameter `name` as a record id: 1 to 128 letters, digits, '.', '_',
  // ':' or '-'. Throws ApiError (400, path "path.<name>") for anything else.
  const std::string& id_param(const std::string& name) const;
};

// Returns the response for one request, or throws ApiError or sdk::Error.
using Handler = std::function<sdk::ApiResponse(const HandlerContext&)>;

struct RouteEntry {
  sdk::Route route;
  Handler handler;
  std::vector<std::string> query_params;  // every other query parameter is rejected
};

// Returns the parameters of `path` when it matches `pattern`: the same number of
// non-empty segments, with equal literal segments. Each "{name}" takes one segment.
std::optional<PathParams> match_path(std::string_view pattern, std::string_view path);

// The routes of one API version and their handlers. Filled while the plugin is built and
// read-only afterwards, so several threads may look routes up at once.
class RouteTable {
 public:
  void add(std::string method, std::string path, std::string summary, Handler handler,
           std::vector<std::string> query_params = {});

  std::vector<sdk::Route> routes() const;

  // Returns the route for `method` and `path`, or null. When several patterns match,
  // the one with the most literal segments wins, so "/workflows/batch/{id}" is preferred
  // over a pattern with a parameter in place of "batch".
  const RouteEntry* find(std::string_view method, std::string_view path, PathParams& params) const;

 private:
  std::vector<RouteEntry> entries_;
};

}  // namespace provisioning::plugins::api
