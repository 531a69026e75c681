#include "orchestrator/api_router.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/time_and_ids.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>

#include "logging.h"
#include "observability/log_context.h"
#include "observability/metrics_orchestrator.h"
#include "observability/status_page.h"
#include "orchestrator/response_cache.h"

namespace provisioning::host {
namespace {

thread_local std::string correlation_id_of_thread;

// Restores the thread's correlation id when a request ends.
class CorrelationScope {
 public:
  explicit CorrelationScope(const std::string& id) { correlation_id_of_thread = id; }
  ~CorrelationScope() { correlation_id_of_thread.clear(); }
};

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  std::stringstream stream(path);
  std::string segment;
  while (std::getline(stream, segment, '/')) {
    if (!segment.empty()) segments.push_back(segment);
  }
  return segments;
}

bool is_parameter(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Returns the number of literal segments of `pattern` when it matches `segments`, so the
// router can prefer "/workflows/batch" over "/workflows/{id}", or nothing when it does
// not match.
std::optional<std::size_t> literal_match(const std::vector<std::string>& pattern,
                                         const std::vector<std::string>& segments) {
  if (pattern.size() != segments.size()) return std::nullopt;
  std::size_t literals = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_parameter(pattern[i])) continue;
    if (pattern[i] != segments[i]) return std::nullopt;
    ++literals;
  }
  return literals;
}

// Accepts a caller's correlation id only when it is 1 to 128 characters of a safe set
// (see observability::correlation_id_problem), so it can go into log lines and headers
// unchanged. Otherwise logs why and generates one.
std::string correlation_id_for(const HttpRequest& request) {
  auto found = request.headers.find("x-correlation-id");
  std::string rejected_because;
  std::string id = observability::accept_or_generate_correlation_id(
      found != request.headers.end() ? &found->second : nullptr, &rejected_because);
  if (!rejected_because.empty()) {
    observability::LogScope log_scope(observability::correlation_context(id));
    component_logger("api")->warn(
        "ignored the X-Correlation-ID header of {} {} because {}; using the new id {}",
        request.method, request.path, rejected_because, id);
  }
  return id;
}

// Turns "2027-06-30" into the HTTP-date "Wed, 30 Jun 2027 00:00:00 GMT" that the Sunset
// header carries (RFC 8594); other text is passed through.
std::string http_date(const std::string& date) {
  std::tm day{};
  if (strptime(date.c_str(), "%Y-%m-%d", &day) == nullptr) return date;
  std::time_t time = timegm(&day);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buffer;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares two secrets in time that does not depend on where they first differ.
bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

// Returns the length of the valid UTF-8 sequence at the start of `text`, or 0 when the
// first byte does not start one (RFC 3629, section 4).
std::size_t utf8_sequence_length(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                       : lead >= 0xE0 && lead <= 0xEF ? 3
                       : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                      : 0;
  if (length == 0 || text.size() < length) return 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead == 0xE0) low = 0xA0;
  if (lead == 0xED) high = 0x9F;  // no UTF-16 surrogates
  if (lead == 0xF0) low = 0x90;
  if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// Replaces each byte of serialized JSON that is not valid UTF-8 with the escape \ufffd.
// Error messages quote the client's input, such as a query parameter decoded from %FF,
// and Boost.JSON writes such bytes as they are. Outside strings serialized JSON is
// ASCII, so every such byte is inside a string, where the escape is valid.
std::string with_valid_utf8(std::string text) {
  std::string valid;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = utf8_sequence_length(std::string_view(text).substr(i));
    if (length == 0) {
      valid += "\\ufffd";
      ++i;
      continue;
    }
    valid.append(text, i, length);
    i += length;
  }
  return valid;
}

HttpResponse json_response(int status, const json::value& body) {
  HttpResponse response;
  response.status = status;
  response.body = json::serialize(body);
  // Only error bodies quote raw client input, and scanning every large listing would
  // cost time.
  if (status >= 400) response.body = with_valid_utf8(std::move(response.body));
  return response;
}

}  // namespace

const std::string& current_correlation_id() {
  return correlation_id_of_thread;
}

json::object error_body(std::string_view code, std::string_view message,
                        const std::string& api_version, const std::string& correlation_id,
                        json::array details) {
  return json::object{
      {"error", {{"code", code}, {"message", message}, {"details", std::move(details)}}},
      {"api_version", api_version},
      {"correlation_id", correlation_id}};
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

ApiRouter::ApiRouter(Host& host, sdk::ApiServices& services, RouterSettings settings)
    : services_(services), settings_(std::move(settings)) {
  auto log = component_logger("api");
  for (const PluginEntry* entry : host.catalog().entries(sdk::PluginKind::kApi)) {
    auto plugin = host.api_version(entry->active.name);
    Version version{plugin,
                    plugin.call("status", [](sdk::ApiVersion& a) { return a.status(); }),
                    plugin.call("routes", [](sdk::ApiVersion& a) { return a.routes(); }),
                    {}};
    for (const auto& route : version.routes) {
      version.compiled.push_back({route.method, split_path(route.path)});
    }
    std::string id = plugin.call("id", [](sdk::ApiVersion& a) { return a.id(); });
    log->info("loaded API version {} ({}) with {} routes from {}", id, version.status,
              version.routes.size(), entry->active.file.string());
    versions_.emplace(id, std::move(version));
  }
  if (versions_.empty()) {
    throw sdk::Error::not_found(
        "no API version plugin is installed; run 'provisioning plugin list --kind api'");
  }
  for (const auto& [id, version] : versions_) {
    supported_header_ += (supported_header_.empty() ? "" : ", ") + id;
  }
  if (!settings_.openapi_file.empty()) openapi_ = read_text_file(settings_.openapi_file);
}

std::vector<std::string> ApiRouter::versions() const {
  std::vector<std::string> ids;
  for (const auto& [id, version] : versions_) ids.push_back(id);
  return ids;
}

bool ApiRouter::authorized(const HttpRequest& request) const {
  if (settings_.auth_token.empty()) return true;
  auto found = request.headers.find("authorization");
  if (found == request.headers.end()) return false;
  // The scheme name is case-insensitive (RFC 7235); the token is not.
  const std::string& value = found->second;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return false;
  }
  return constant_time_equal(value.substr(kScheme.size()), settings_.auth_token);
}

void ApiRouter::add_common_headers(HttpResponse& response, const std::string& version,
                                   const std::string& correlation_id) const {
  response.headers["API-Supported-Versions"] = supported_header_;
  response.headers["X-Correlation-ID"] = correlation_id;
  if (!version.empty() && versions_.count(version) != 0) response.headers["API-Version"] = version;
  if (auto deprecated = settings_.deprecated.find(version);
      deprecated != settings_.deprecated.end()) {
    response.headers["Deprecation"] = "true";
    if (!deprecated->second.empty()) response.headers["Sunset"] = http_date(deprecated->second);
  }
}

std::string ApiRouter::requested_version(const HttpRequest& request) const {
  auto header = request.headers.find("api-version");
  return header != request.headers.end() ? header->second : settings_.default_version;
}

HttpResponse ApiRouter::reject(const HttpRequest& request, int status, std::string_view code,
                               std::string_view message) const {
  std::string correlation_id = correlation_id_for(request);
  std::string version = requested_version(request);
  HttpResponse response = json_response(status, error_body(code, message, version, correlation_id));
  add_common_headers(response, version, correlation_id);
  return response;
}

HttpResponse ApiRouter::handle(const HttpRequest& request) const {
  std::string correlation_id = correlation_id_for(request);
  CorrelationScope scope(correlation_id);
  observability::LogScope log_scope(observability::correlation_context(correlation_id));
  std::string version = requested_version(request);

  HttpResponse response;
  if (request.path == "/health") {
    response = json_response(
        200, json::object{
                 {"status", "ok"}, {"version", PROVISIONING_VERSION}, {"api_version", version}});
  } else if (request.path == "/ui" && request.method == "GET") {
    response = observability::status_page_response();
  } else if (!authorized(request)) {
    component_logger("api")->warn("rejected {} {}: missing or invalid bearer token", request.method,
                                  request.path);
    response = json_response(
        401, error_body("unauthorized",
                        "missing or invalid bearer token; send 'Authorization: Bearer <token>' "
                        "with the orchestrator.auth_token value",
                        version, correlation_id));
    response.headers["WWW-Authenticate"] = "Bearer";
  } else if (request.path == "/health/detailed" && settings_.detailed_health) {
    response = settings_.detailed_health();
  } else if (request.path == "/metrics" && request.method == "GET") {
    response = observability::metrics_response(version, correlation_id);
  } else if (auto found = versions_.find(version); found == versions_.end()) {
    json::object body = error_body(
        "unsupported_api_version",
        "API version '" + version + "' is not supported; supported versions: " + supported_header_,
        version, correlation_id,
        json::array{{{"path", "header.API-Version"}, {"message", "unknown version"}}});
    json::array supported;
    for (const auto& [id, unused] : versions_) supported.emplace_back(id);
    body["error"].as_object()["supported_versions"] = std::move(supported);
    response = json_response(400, body);
  } else if (request.path.starts_with("/api/")) {
    response = shared_route(request, version, correlation_id);
  } else {
    response = dispatch_cached(request, found->second, version, correlation_id);
  }
  add_common_headers(response, version, correlation_id);
  return response;
}

HttpResponse ApiRouter::shared_route(const HttpRequest& request, const std::string& version,
                                     const std::string& correlation_id) const {
  if (request.method == "GET" && request.path == "/api/versions") {
    json::array list;
    for (const auto& [id, entry] : versions_) {
      json::array routes;
      for (const auto& route : entry.routes) {
        routes.push_back(
            {{"method", route.method}, {"path", route.path}, {"summary", route.summary}});
      }
      auto deprecated = settings_.deprecated.find(id);
      list.push_back(
          {{"id", id},
           {"status", entry.status},
           {"deprecated", deprecated != settings_.deprecated.end()},
           {"sunset", deprecated != settings_.deprecated.end() ? deprecated->second : ""},
           {"routes", std::move(routes)}});
    }
    return json_response(
        200, json::object{{"versions", std::move(list)}, {"default", settings_.default_version}});
  }
  if (request.method == "GET" && request.path == "/api/openapi.json" && !openapi_.empty()) {
    HttpResponse response;
    response.body = openapi_;
    return response;
  }
  return json_response(
      404, error_body("not_found", "no route " + request.method + " " + request.path, version,
                      correlation_id));
}

HttpResponse ApiRouter::dispatch_cached(const HttpRequest& request, const Version& version,
                                        const std::string& id,
                                        const std::string& correlation_id) const {
  if (!cache_ || request.method != "GET") return dispatch(request, version, id, correlation_id);
  std::string key = ResponseCache::key_for(id, request);
  if (auto cached = cache_->find(key)) return std::move(*cached);
  RequestReads reads;
  HttpResponse response = dispatch(request, version, id, correlation_id);
  if (reads.cacheable() && ResponseCache::storable(response)) {
    cache_->store(key, response, reads.reads());
  }
  return response;
}

HttpResponse ApiRouter::dispatch(const HttpRequest& request, const Version& version,
                                 const std::string& id, const std::string& correlation_id) const {
  std::vector<std::string> segments = split_path(request.path);
  bool path_known = false;
  std::optional<std::size_t> best;
  std::size_t best_literals = 0;
  for (std::size_t i = 0; i < version.compiled.size(); ++i) {
    const CompiledRoute& route = version.compiled[i];
    std::optional<std::size_t> literals = literal_match(route.segments, segments);
    if (!literals) continue;
    path_known = true;
    if (route.method != request.method) continue;
    if (!best || *literals > best_literals) {
      best = i;
      best_literals = *literals;
    }
  }
  if (best) return call_route(request, version, *best, segments, id, correlation_id);
  if (path_known) {
    return json_response(405, error_body("method_not_allowed",
                                         "method " + request.method + " is not allowed on " +
                                             request.path + " in API " + id,
                                         id, correlation_id));
  }
  return json_response(404, error_body("not_found",
                                       "no route " + request.method + " " + request.path +
                                           " in API " + id + "; GET /api/versions lists them",
                                       id, correlation_id));
}

HttpResponse ApiRouter::call_route(const HttpRequest& request, const Version& version,
                                   std::size_t index, const std::vector<std::string>& segments,
                                   const std::string& id, const std::string& correlation_id) const {
  const CompiledRoute& route = version.compiled[index];
  sdk::ApiRequest api_request;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    if (is_parameter(route.segments[s])) {
      api_request.path_params[route.segments[s].substr(1, route.segments[s].size() - 2)] =
          segments[s];
    }
  }
  api_request.method = request.method;
  api_request.path = request.path;
  api_request.query = request.query;
  api_request.headers = request.headers;
  api_request.body = request.body;
  api_request.correlation_id = correlation_id;
  sdk::ApiResponse result;
  try {
    result = version.plugin.call(
        "handle", [&](sdk::ApiVersion& api) { return api.handle(api_request, services_); });
  } catch (const sdk::Error& error) {
    component_logger("api")->error("{} {} failed: {} [correlation_id={}]", request.method,
                                   request.path, error.what(), correlation_id);
    return json_response(500, error_body("internal", error.what(), id, correlation_id));
  }
  HttpResponse response = json_response(result.status, result.body);
  for (auto& [name, value] : result.headers) response.headers[name] = value;
  response.route = version.routes[index].path;
  return response;
}

}  // namespace provisioning::host
