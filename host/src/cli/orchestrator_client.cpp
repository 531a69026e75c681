#include "cli/orchestrator_client.h"

#include <httplib.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <signal.h>

#include <cctype>
#include <cstdio>

#include "orchestrator/orchestrator.h"

namespace provisioning::cli {
namespace {

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// A server bound to every address is reached on loopback.
std::string connectable_host(const std::string& bound) {
  if (bound == "0.0.0.0" || bound.empty()) return "127.0.0.1";
  if (bound == "::") return "::1";
  return bound;
}

std::optional<OrchestratorAddress> address_from_state_file(const host::Host& host) {
  std::filesystem::path file = host::orchestrator_state_file(host.workspace());
  json::object state;
  try {
    json::value parsed = json::parse(sdk::read_file(file));
    if (!parsed.is_object()) return std::nullopt;
    state = parsed.get_object();
  } catch (const std::exception&) {
    return std::nullopt;  // a missing or half-written state file names no orchestrator
  }
  const json::value* pid = state.if_contains("pid");
  const json::value* port = state.if_contains("port");
  if (pid == nullptr || !pid->is_int64() || port == nullptr || !port->is_int64()) {
    return std::nullopt;
  }
  // A state file left behind by a process that has died names no orchestrator.
  if (pid->get_int64() <= 0 || ::kill(static_cast<pid_t>(pid->get_int64()), 0) != 0) {
    return std::nullopt;
  }
  return OrchestratorAddress{connectable_host(string_field(state, "host")),
                             static_cast<int>(port->get_int64()), file.string()};
}

std::string configured_token(const host::Host& host) {
  auto token = host.config().find("orchestrator.auth_token");
  if (!token || !token->value.is_string()) return "";
  return std::string(token->value.get_string());
}

sdk::ErrorCode code_for(const std::string& api_code, int status) {
  if (api_code == "invalid_argument" || api_code == "unsupported_api_version" ||
      api_code == "method_not_allowed" || api_code == "payload_too_large" ||
      api_code == "unauthorized") {
    return sdk::ErrorCode::kInvalidArgument;
  }
  if (api_code == "not_found") return sdk::ErrorCode::kNotFound;
  if (api_code == "already_exists") return sdk::ErrorCode::kAlreadyExists;
  if (api_code == "conflict") return sdk::ErrorCode::kConflict;
  if (api_code == "unavailable") return sdk::ErrorCode::kUnavailable;
  if (api_code == "internal") return sdk::ErrorCode::kInternal;
  // A code this client does not know is handled by its HTTP status.
  if (status == 404) return sdk::ErrorCode::kNotFound;
  if (status == 409) return sdk::ErrorCode::kConflict;
  if (status == 502 || status == 503 || status == 504) return sdk::ErrorCode::kUnavailable;
  if (status >= 400 && status < 500) return sdk::ErrorCode::kInvalidArgument;
  return sdk::ErrorCode::kInternal;
}

}  // namespace

std::string OrchestratorAddress::url() const {
  bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

OrchestratorAddress resolve_orchestrator_address(const host::Host& host) {
  if (auto running = address_from_state_file(host)) return *running;
  return OrchestratorAddress{host.config().get_string("orchestrator.host"),
                             static_cast<int>(host.config().get_int("orchestrator.port")),
                             "orchestrator.host/orchestrator.port"};
}

json::value HttpResponse::json_body() const {
  boost::system::error_code error;
  json::value parsed = json::parse(body, error);
  if (error) return json::value(body);
  return parsed;
}

OrchestratorClient::OrchestratorClient(const host::Host& host, std::string correlation_id)
    : address_(resolve_orchestrator_address(host)),
      auth_token_(configured_token(host)),
      correlation_id_(std::move(correlation_id)),
      client_(std::make_unique<httplib::Client>(address_.host, address_.port)) {
  client_->set_connection_timeout(std::chrono::seconds(5));
  client_->set_tcp_nodelay(true);  // small requests would otherwise wait on delayed ACKs
}

OrchestratorClient::~OrchestratorClient() = default;

bool OrchestratorClient::healthy(std::chrono::milliseconds timeout) {
  httplib::Client probe(address_.host, address_.port);
  probe.set_connection_timeout(timeout);
  probe.set_read_timeout(timeout);
  auto response = probe.Get("/health");
  return response && response->status == 200;
}

HttpResponse OrchestratorClient::send(const std::string& method, const std::string& path,
                                      const json::value& body, const RequestOptions& options) {
  httplib::Headers headers{{"API-Version", options.api_version}};
  if (!auth_token_.empty()) headers.emplace("Authorization", "Bearer " + auth_token_);
  if (!correlation_id_.empty()) headers.emplace("X-Correlation-ID", correlation_id_);
  client_->set_read_timeout(options.read_timeout);

  httplib::Request request;
  request.method = method;
  request.path = path;
  request.headers = std::move(headers);
  if (!body.is_null()) {
    request.body = json::serialize(body);
    request.set_header("Content-Type", "application/json");
  }
  httplib::Result result = client_->send(request);
  if (!result) {
    throw sdk::Error::unavailable(
        "orchestrator at " + address_.url() + " (from " + address_.origin +
        ") is not reachable: " + httplib::to_string(result.error()) +
        "; start it with 'provisioning orchestrator start', or set orchestrator.host and "
        "orchestrator.port to the address of a running one");
  }
  HttpResponse response;
  response.status = result->status;
  response.body = result->body;
  response.correlation_id = result->get_header_value("X-Correlation-ID");
  response.location = result->get_header_value("Location");
  return response;
}

json::value OrchestratorClient::call(const std::string& method, const std::string& path,
                                     const json::value& body, const RequestOptions& options) {
  HttpResponse response = send(method, path, body, options);
  if (response.status < 200 || response.status >= 300) {
    throw error_from_response(response, method + " " + address_.url() + path);
  }
  json::value parsed = response.json_body();
  if (parsed.is_string() && !response.body.empty()) {
    throw sdk::Error::internal("orchestrator returned a body that is not JSON to " + method + " " +
                               path + ": " + response.body.substr(0, 200));
  }
  return parsed;
}

sdk::Error error_from_response(const HttpResponse& response, const std::string& request_line) {
  std::string api_code;
  std::string message;
  json::value body = response.json_body();
  if (const json::value* error =
          body.is_object() ? body.get_object().if_contains("error") : nullptr;
      error != nullptr && error->is_object()) {
    api_code = string_field(error->get_object(), "code");
    message = string_field(error->get_object(), "message");
  }
  if (message.empty()) message = "HTTP " + std::to_string(response.status);
  std::string text = message + " (" + request_line + ": HTTP " + std::to_string(response.status);
  if (!api_code.empty()) text += " " + api_code;
  if (!response.correlation_id.empty()) text += ", correlation id " + response.correlation_id;
  text += ")";
  if (api_code == "unauthorized") {
    text += "; set orchestrator.auth_token to the orchestrator's token";
  }
  return sdk::Error(code_for(api_code, response.status), text);
}

std::string encode_path_segment(const std::string& segment) {
  std::string encoded;
  for (char c : segment) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
      continue;
    }
    char escape[4];
    std::snprintf(escape, sizeof escape, "%%%02X", byte);
    encoded += escape;
  }
  return encoded;
}

std::string with_query(std::string path, const std::map<std::string, std::string>& parameters) {
  char separator = '?';
  for (const auto& [key, value] : parameters) {
    if (value.empty()) continue;
    path += separator + key + "=" + encode_path_segment(value);
    separator = '&';
  }
  return path;
}

}  // namespace provisioning::cli
