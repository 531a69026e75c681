#include "observability/health.h"

#include <httplib.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <provisioning/sdk/time_and_ids.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "bridge/bridge_settings.h"
#include "logging.h"
#include "observability/redact.h"
#include "orchestrator/orchestrator.h"

namespace provisioning::host::observability {
namespace {

ComponentHealth healthy(std::string component, json::object details = {}) {
  return ComponentHealth{std::move(component), HealthStatus::kHealthy, "", std::move(details)};
}

ComponentHealth failing(std::string component, HealthStatus status, const std::string& error,
                        json::object details = {}) {
  return ComponentHealth{std::move(component), status, redact(error), std::move(details)};
}

// The address to reach an orchestrator that listens on `host`: the loopback address of
// the same family when it listens on every address.
std::string reachable_address(const std::string& host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

std::optional<json::object> read_state_file(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return std::nullopt;
  json::value value = json::parse(sdk::read_file(file));
  if (!value.is_object()) throw sdk::Error::invalid_argument("it is not a JSON object");
  return value.as_object();
}

std::int64_t int_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_int64() ? value->get_int64() : 0;
}

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// GETs /health from the orchestrator that `state` names; returns the error, or "".
std::string probe_orchestrator(const json::object& state) {
  std::string address = reachable_address(string_field(state, "host"));
  int port = static_cast<int>(int_field(state, "port"));
  httplib::Client client(address, port);
  client.set_connection_timeout(2);
  client.set_read_timeout(2);
  auto reply = client.Get("/health");
  std::string target = "http://" + address + ":" + std::to_string(port) + "/health";
  if (!reply) {
    return "GET " + target + " failed: " + httplib::to_string(reply.error()) +
           "; the orchestrator may be stuck, see its log";
  }
  if (reply->status != 200) {
    return "GET " + target + " returned HTTP " + std::to_string(reply->status);
  }
  return "";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : std::string(separator)) + item;
  return text;
}

// Checks bridge.legacy_path, which Host::records() also reads while it is set.
ComponentHealth check_legacy_directory(const Host& host) {
  const char* name = "legacy_system";
  std::string mode = host.config().get_string("bridge.mode");
  std::string configured = host.config().get_string("bridge.legacy_path");
  if (configured.empty()) {
    if (mode == "off") return healthy(name, {{"configured", false}, {"bridge_mode", mode}});
    return failing(name, HealthStatus::kUnhealthy,
                   "bridge.mode is '" + mode +
                       "' but bridge.legacy_path is empty; set it to the legacy installation's "
                       "data directory");
  }
  std::filesystem::path path(configured);
  if (path.is_relative()) path = host.workspace().root() / path;
  json::object details{{"configured", true}, {"bridge_mode", mode}, {"legacy_path", path.string()}};
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) {
    return failing(name, HealthStatus::kUnhealthy,
                   "legacy data directory '" + path.string() +
                       "' (bridge.legacy_path) does not exist or is not a directory; create it "
                       "or correct bridge.legacy_path",
                   details);
  }
  if (::access(path.c_str(), R_OK | X_OK) != 0) {
    return failing(name, HealthStatus::kUnhealthy,
                   "legacy data directory '" + path.string() +
                       "' is not readable by this user; fix its permissions",
                   details);
  }
  return healthy(name, details);
}

}  // namespace

std::string_view to_string(HealthStatus status) {
  switch (status) {
    case HealthStatus::kHealthy:
      return "healthy";
    case HealthStatus::kDegraded:
      return "degraded";
    case HealthStatus::kUnhealthy:
      return "unhealthy";
  }
  return "unhealthy";
}

json::object HealthReport::to_json(bool with_details) const {
  json::array items;
  for (const auto& component : components) {
    json::object item{{"component", component.component},
                      {"status", to_string(component.status)},
                      {"error", component.error}};
    if (with_details) item["details"] = component.details;
    items.push_back(std::move(item));
  }
  return json::object{
      {"status", to_string(overall)}, {"checked_at", checked_at}, {"components", std::move(items)}};
}

ComponentHealth check_legacy_system(const Host& host) {
  try {
    return check_legacy_directory(host);
  } catch (const std::exception& error) {
    return failing("legacy_system", HealthStatus::kUnhealthy, error.what());
  }
}

ComponentHealth check_bridge(const Host& host) {
  const char* name = "bridge";
  try {
    bridge::BridgeSettings settings =
        bridge::read_bridge_settings(host.config(), host.workspace().root());
    json::object details{{"mode", bridge::to_string(settings.mode)},
                         {"new_system_percentage", settings.new_system_percentage},
                         {"legacy_path", settings.legacy_path.string()}};
    bridge::require_legacy_path(settings);
    return healthy(name, details);
  } catch (const sdk::Error& error) {
    return failing(name, HealthStatus::kUnhealthy, error.what());
  }
}

ComponentHealth check_storage(Host& host) {
  const char* name = "storage";
  std::string backend = host.config().get_string("storage.backend");
  json::object details{{"backend", backend}};
  try {
    auto storage = host.storage();
    // A read of a record that need not exist: it touches the store without changing it.
    storage.call("get", [](sdk::StorageBackend& s) { return s.get("servers", "health-check"); });
    return healthy(name, details);
  } catch (const std::exception& error) {
    return failing(name, HealthStatus::kUnhealthy, error.what(), details);
  }
}

ComponentHealth check_configuration(const Host& host) {
  const char* name = "configuration";
  ConfigSources sources;
  sources.defaults_file = host.paths().core_config / "config.defaults.toml";
  sources.user_file = host.paths().user_config / "config.user.toml";
  sources.workspace_dir = host.workspace().root();
  sources.environment = host.environment();
  try {
    Config reloaded = Config::load(sources);
    json::array files;
    for (const auto& file : reloaded.files()) files.emplace_back(file.string());
    json::object details{{"files", std::move(files)}};
    logging_options(reloaded, host.environment(), host.workspace().state_dir() / "logs",
                    "provisioning.log");  // throws on an invalid [logging] value
    if (!reloaded.warnings().empty()) {
      json::array warnings;
      for (const auto& warning : reloaded.warnings()) warnings.emplace_back(warning);
      details["warnings"] = std::move(warnings);
      return failing(name, HealthStatus::kDegraded, join(reloaded.warnings(), "; "), details);
    }
    return healthy(name, details);
  } catch (const std::exception& error) {
    return failing(name, HealthStatus::kUnhealthy, error.what());
  }
}

ComponentHealth check_orchestrator_from_client(const Host& host) {
  const char* name = "orchestrator";
  std::filesystem::path file = orchestrator_state_file(host.workspace());
  json::object details{{"state_file", file.string()}};
  std::optional<json::object> state;
  try {
    state = read_state_file(file);
  } catch (const std::exception& error) {
    return failing(name, HealthStatus::kUnhealthy,
                   "cannot read the state file '" + file.string() + "': " + error.what(), details);
  }
  if (!state) {
    return failing(name, HealthStatus::kUnhealthy,
                   "the orchestrator is not running: no state file at '" + file.string() +
                       "'; start it with 'provisioning orchestrator start --detach'",
                   details);
  }
  for (const char* key : {"pid", "host", "port"}) details[key] = (*state)[key];
  auto pid = static_cast<pid_t>(int_field(*state, "pid"));
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) {
    return failing(name, HealthStatus::kUnhealthy,
                   "the state file names pid " + std::to_string(pid) +
                       ", which is not running; the orchestrator stopped without cleaning up, "
                       "start it again with 'provisioning orchestrator start --detach'",
                   details);
  }
  if (std::string problem = probe_orchestrator(*state); !problem.empty()) {
    return failing(name, HealthStatus::kUnhealthy, problem, details);
  }
  return healthy(name, details);
}

ComponentHealth orchestrator_serving(int port, std::size_t queue_depth) {
  return healthy("orchestrator", {{"pid", static_cast<std::int64_t>(::getpid())},
                                  {"port", port},
                                  {"queue_depth", queue_depth}});
}

HealthReport combine(std::vector<ComponentHealth> components) {
  HealthReport report;
  report.checked_at = sdk::utc_timestamp();
  for (const auto& component : components) {
    if (component.status > report.overall) report.overall = component.status;
  }
  report.components = std::move(components);
  return report;
}

HealthReport check_all(Host& host, std::optional<ComponentHealth> orchestrator) {
  std::vector<ComponentHealth> components;
  components.push_back(check_legacy_system(host));
  components.push_back(orchestrator ? std::move(*orchestrator)
                                    : check_orchestrator_from_client(host));
  components.push_back(check_storage(host));
  components.push_back(check_bridge(host));
  components.push_back(check_configuration(host));
  return combine(std::move(components));
}

}  // namespace provisioning::host::observability
