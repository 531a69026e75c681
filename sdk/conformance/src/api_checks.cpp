// Checks of the ApiVersion contract (provisioning/sdk/api_version.h).

#include <set>

#include "check_support.h"

namespace provisioning::conformance::detail {
namespace {

namespace json = sdk::json;

// Host operations for handle(): every call fails as if the host were unreachable, so
// a check never depends on host state.
class UnavailableServices final : public sdk::ApiServices {
 public:
  json::value call(const std::string& operation, const json::object&) override {
    throw sdk::Error::unavailable("host operation " + quote(operation) +
                                  " is unavailable in the conformance kit");
  }
};

void check_id(sdk::ApiVersion& api, const ApiCheckOptions&) {
  if (attempt("id()", [&] { return api.id(); }).empty()) {
    fail("id() is empty; return the API-Version header value that selects it, such as v2");
  }
}

void check_status(sdk::ApiVersion& api, const ApiCheckOptions&) {
  std::string status = attempt("status()", [&] { return api.status(); });
  if (status != "stable" && status != "beta" && status != "legacy") {
    fail("status() returned " + quote(status) + "; expected stable, beta or legacy");
  }
}

void check_routes(sdk::ApiVersion& api, const ApiCheckOptions&) {
  static const std::set<std::string> methods = {"GET",   "HEAD",   "POST",   "PUT",
                                                "PATCH", "DELETE", "OPTIONS"};
  auto routes = attempt("routes()", [&] { return api.routes(); });
  if (routes.empty()) fail("routes() is empty; list at least one route");
  for (const sdk::Route& route : routes) {
    if (methods.count(route.method) == 0) {
      fail("route " + quote(route.path) + " has method " + quote(route.method) +
           "; use an upper-case HTTP method such as GET or POST");
    }
    if (route.path.empty() || route.path.front() != '/') {
      fail("route " + route.method + " " + quote(route.path) + " does not start with '/'");
    }
  }
}

void check_unknown_route(sdk::ApiVersion& api, const ApiCheckOptions& options) {
  sdk::ApiRequest request;
  request.method = "GET";
  request.path = options.unknown_path;
  request.correlation_id = "conformance-unknown-route";
  UnavailableServices services;
  std::string call = "handle(GET " + options.unknown_path + ")";
  sdk::ApiResponse response;
  try {
    response = api.handle(request, services);
  } catch (...) {
    fail(call + " threw " + describe_current_exception() +
         "; handle() must return an error response instead of throwing");
  }
  if (response.status < 400 || response.status > 499) {
    fail(call + " returned status " + std::to_string(response.status) + ", expected 4xx");
  }
  if (!response.body.is_object() || !response.body.get_object().contains("error")) {
    fail(call + " returned body " + json::serialize(response.body) +
         ", expected a JSON object with an \"error\" member");
  }
}

}  // namespace

const std::vector<ApiCheck>& api_checks() {
  static const std::vector<ApiCheck> checks = {
      {"id_is_set", "id() is not empty", check_id},
      {"status_is_known", "status() is stable, beta or legacy", check_status},
      {"routes_are_valid",
       "routes() lists at least one route, each with an HTTP method and a path starting with '/'",
       check_routes},
      {"unknown_route_returns_4xx",
       "handle() of an unknown route returns a 4xx response whose body is a JSON object with an "
       "\"error\" member, without throwing",
       check_unknown_route},
  };
  return checks;
}

}  // namespace provisioning::conformance::detail
