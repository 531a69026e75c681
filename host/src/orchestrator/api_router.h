#pragma once

#include <provisioning/sdk/api_version.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host.h"

namespace provisioning::host {

namespace json = boost::json;

class ResponseCache;

// An HTTP request as the router receives it, independent of the server library.
struct HttpRequest {
  std::string method;
  std::string path;                            // without the query string
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON text unless content_type names another type
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  std::string route;  // the route template matched, such as /servers/{name}, for metrics
};

struct RouterSettings {
  std::string default_version = "v1";
  std::map<std::string, std::string> deprecated;  // version -> sunset date ("" when none)
  std::string auth_token;                         // required on every route but /health, /ui
  std::string openapi_file;                       // served at /api/openapi.json
  std::function<HttpResponse()> detailed_health;  // serves /health/detailed when set
};

// Returns the error body every endpoint uses:
// {"error": {"code", "message", "details": [...]}, "api_version", "correlation_id"}.
json::object error_body(std::string_view code, std::string_view message,
                        const std::string& api_version, const std::string& correlation_id,
                        json::array details = {});

// Maps an sdk::ErrorCode to its HTTP status.
int http_status_for(sdk::ErrorCode code);

// Chooses the API version of each request by its API-Version header and dispatches it to
// that version's plugin, plus the routes every version shares: /health, /api/versions and
// /api/openapi.json. Adds API-Supported-Versions and X-Correlation-ID to every response,
// and Deprecation and Sunset for a deprecated version. Thread-safe.
class ApiRouter {
 public:
  // Loads every API plugin in the host's catalog. Throws sdk::Error when none loads.
  ApiRouter(Host& host, sdk::ApiServices& services, RouterSettings settings);

  HttpResponse handle(const HttpRequest& request) const;

  // Returns the error response, with the common headers, for a request that the server
  // rejects before handle() runs, such as one whose body is over the size limit.
  HttpResponse reject(const HttpRequest& request, int status, std::string_view code,
                      std::string_view message) const;

  // The versions loaded, sorted.
  std::vector<std::string> versions() const;

  // Reuses responses to GET requests from `cache` while the data behind them is
  // unchanged. Call before serving; without it every request reaches its plugin.
  void set_response_cache(std::shared_ptr<ResponseCache> cache) { cache_ = std::move(cache); }

 private:
  struct CompiledRoute {
    std::string method;
    std::vector<std::string> segments;  // "{name}" marks a parameter
  };
  struct Version {
    PluginHandle<sdk::ApiVersion> plugin;
    std::string status;
    std::vector<sdk::Route> routes;
    std::vector<CompiledRoute> compiled;
  };

  HttpResponse dispatch_cached(const HttpRequest& request, const Version& version,
                               const std::string& id, const std::string& correlation_id) const;
  HttpResponse dispatch(const HttpRequest& request, const Version& version, const std::string& id,
                        const std::string& correlation_id) const;
  HttpResponse call_route(const HttpRequest& request, const Version& version, std::size_t index,
                          const std::vector<std::string>& segments, const std::string& id,
                          const std::string& correlation_id) const;
  HttpResponse shared_route(const HttpRequest& request, const std::string& version,
                            const std::string& correlation_id) const;
  bool authorized(const HttpRequest& request) const;
  std::string requested_version(const HttpRequest& request) const;
  void add_common_headers(HttpResponse& response, const std::string& version,
                          const std::string& correlation_id) const;

  sdk::ApiServices& services_;
  RouterSettings settings_;
  std::map<std::string, Version> versions_;
  std::string supported_header_;
  std::string openapi_;
  std::shared_ptr<ResponseCache> cache_;
};

// The correlation id of the request the current thread serves, for log lines of the
// operations it runs. Empty outside a request.
const std::string& current_correlation_id();

}  // namespace provisioning::host
