#pragma once

#include <map>
#include <string>
#include <vector>

#include "provisioning/sdk/json.h"
#include "provisioning/sdk/plugin.h"

namespace provisioning::sdk {

// One HTTP route of an API version. Path parameters are written "{name}".
struct Route {
  std::string method;  // "GET", "POST", "DELETE", ...
  std::string path;    // "/servers/{name}"
  std::string summary;
};

struct ApiRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> path_params;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string correlation_id;
};

struct ApiResponse {
  int status = 200;
  json::value body;
  std::map<std::string, std::string> headers;
};

// Operations of the host an API version may call. The orchestrator implements it.
class ApiServices {
 public:
  virtual ~ApiServices();

  // Runs a named host operation, such as "server.create", with a JSON request, and
  // returns its JSON result. Throws Error on failure.
  virtual json::value call(const std::string& operation, const json::object& request) = 0;
};

// One generation of the HTTP API, chosen per request by the API-Version header.
//
// Contract: handle() is called from several threads at once, and maps failures to an
// ApiResponse with the documented error shape rather than throwing.
class ApiVersion : public Plugin {
 public:
  ~ApiVersion() override;

  // The value of the API-Version header that selects this version, such as "v2".
  virtual std::string id() const = 0;

  // "stable", "beta" or "legacy"; configuration may mark a version deprecated.
  virtual std::string status() const = 0;

  virtual std::vector<Route> routes() const = 0;

  virtual ApiResponse handle(const ApiRequest& request, ApiServices& services) = 0;
};

}  // namespace provisioning::sdk
