#pragma once

#include <provisioning/sdk/json.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "host.h"

namespace httplib {
class Client;
}

namespace provisioning::cli {

namespace json = boost::json;

// The orchestrator address that the CLI sends requests to, and the setting or file that
// chose it.
struct OrchestratorAddress {
  std::string host;
  int port = 0;
  std::string origin;  // "orchestrator.host/orchestrator.port" or the state file's path

  // Returns the base URL, such as http://127.0.0.1:9090.
  std::string url() const;
};

// Returns the address of the orchestrator of this workspace when its state file names a
// live process, else orchestrator.host and orchestrator.port from the configuration.
OrchestratorAddress resolve_orchestrator_address(const host::Host& host);

// One HTTP response: the status, the body as received and the headers the CLI reports.
struct HttpResponse {
  int status = 0;
  std::string body;
  std::string correlation_id;  // X-Correlation-ID
  std::string location;        // Location, on 201 and 202

  // Returns the body parsed as JSON, or the body as a JSON string when it is not JSON.
  json::value json_body() const;
};

// Request options that differ from one call to the next.
struct RequestOptions {
  std::string api_version = "v2";  // API-Version header
  // How long to wait for the response once the request is sent.
  std::chrono::seconds read_timeout{30};
};

// An HTTP client for the orchestrator API (docs/http-api.md). It sends
// "Authorization: Bearer <orchestrator.auth_token>" when a token is configured, and the
// --correlation-id value as X-Correlation-ID when one is given. Not thread-safe.
class OrchestratorClient {
 public:
  OrchestratorClient(const host::Host& host, std::string correlation_id);
  ~OrchestratorClient();
  OrchestratorClient(const OrchestratorClient&) = delete;
  OrchestratorClient& operator=(const OrchestratorClient&) = delete;

  const OrchestratorAddress& address() const { return address_; }

  // Returns whether GET /health returns 200 within `timeout` for connecting and for
  // reading. A failed request returns false instead of throwing.
  bool healthy(std::chrono::milliseconds timeout);

  // Sends a request and returns the response, whatever its status. Throws sdk::Error
  // (kUnavailable) naming the address and `provisioning orchestrator start` when the
  // orchestrator cannot be reached.
  HttpResponse send(const std::string& method, const std::string& path, const json::value& body,
                    const RequestOptions& options);

  // Sends a request and returns the JSON body of a 2xx response. Throws the error of a
  // non-2xx response as sdk::Error (see error_from_response()).
  json::value call(const std::string& method, const std::string& path, const json::value& body,
                   const RequestOptions& options);
  json::value get(const std::string& path, const RequestOptions& options) {
    return call("GET", path, nullptr, options);
  }

 private:
  OrchestratorAddress address_;
  std::string auth_token_;
  std::string correlation_id_;
  std::unique_ptr<httplib::Client> client_;
};

// Converts a non-2xx response into sdk::Error: the API's error.code picks the ErrorCode
// (by the HTTP status when the code is unknown), and the message carries the server's
// message, its code, the request and the correlation id.
sdk::Error error_from_response(const HttpResponse& response, const std::string& request_line);

// Appends `key=value` query parameters, URL-encoded, to `path`. Empty values are skipped.
std::string with_query(std::string path, const std::map<std::string, std::string>& parameters);

// Returns `segment` percent-encoded for use as one path segment.
std::string encode_path_segment(const std::string& segment);

}  // namespace provisioning::cli
