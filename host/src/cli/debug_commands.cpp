// `provisioning debug integration`: every integration point with its status and error,
// for troubleshooting.

#include <provisioning/sdk/plugin.h>

#include <filesystem>
#include <iostream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "logging.h"
#include "observability/health.h"
#include "observability/redact.h"

extern char** environ;

namespace provisioning::cli {
namespace {

namespace observability = host::observability;

struct IntegrationPoint {
  std::string area;    // "plugin provider", "storage", "log file", "config source", ...
  std::string name;    // plugin name, file path, variable name
  std::string status;  // "loaded", "failed", "healthy", "unhealthy", ...
  std::string detail;  // the file, the value or the error
};

// Loads the plugin and returns "" or the error.
std::string load_error(host::Host& host, sdk::PluginKind kind, const std::string& name) {
  try {
    switch (kind) {
      case sdk::PluginKind::kProvider:
        host.provider(name);
        break;
      case sdk::PluginKind::kTaskserv:
        host.taskserv(name);
        break;
      case sdk::PluginKind::kStorage:
        host.storage_backend(name);
        break;
      case sdk::PluginKind::kApi:
        host.api_version(name);
        break;
    }
    return "";
  } catch (const std::exception& error) {
    return observability::redact(error.what());
  }
}

void add_plugins(host::Host& host, std::vector<IntegrationPoint>& points) {
  for (sdk::PluginKind kind : {sdk::PluginKind::kProvider, sdk::PluginKind::kTaskserv,
                               sdk::PluginKind::kStorage, sdk::PluginKind::kApi}) {
    std::string area = std::string("plugin ") + sdk::to_string(kind);
    for (const host::PluginEntry* entry : host.catalog().entries(kind)) {
      std::string error = load_error(host, kind, entry->active.name);
      points.push_back({area, entry->active.name, error.empty() ? "loaded" : "failed",
                        error.empty() ? entry->active.file.string() : error});
    }
  }
  for (const host::PluginCandidate& problem : host.catalog().problems()) {
    points.push_back({std::string("plugin ") + sdk::to_string(problem.kind), problem.name,
                      "skipped", problem.file.string() + ": " + problem.problem});
  }
}

void add_health(host::Host& host, std::vector<IntegrationPoint>& points) {
  observability::HealthReport report = observability::check_all(host);
  for (const auto& component : report.components) {
    std::string detail = component.error;
    if (detail.empty()) detail = json::serialize(component.details);
    points.push_back(
        {component.component, "", std::string(observability::to_string(component.status)), detail});
  }
}

void add_log_files(std::vector<IntegrationPoint>& points) {
  for (const auto& file : host::active_log_files()) {
    std::error_code error;
    auto size = std::filesystem::file_size(file, error);
    if (error) {
      points.push_back({"log file", file.string(), "missing", error.message()});
    } else {
      points.push_back({"log file", file.string(), "open", std::to_string(size) + " bytes"});
    }
  }
}

void add_config_sources(const host::Host& host, std::vector<IntegrationPoint>& points) {
  for (const auto& file : host.config().files()) {
    points.push_back({"config source", file.string(), "read", "file"});
  }
  for (char** item = environ; *item != nullptr; ++item) {
    std::string entry(*item);
    if (!entry.starts_with("PROVISIONING_")) continue;
    auto equals = entry.find('=');
    std::string name = entry.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : entry.substr(equals + 1);
    if (observability::is_secret_key(name)) value = std::string(observability::kRedacted);
    points.push_back({"config source", name, "set", observability::redact(value)});
  }
}

}  // namespace

void add_debug_commands(CLI::App& app, Invocation& invocation) {
  auto* debug = app.add_subcommand("debug", "Troubleshooting aids");
  debug->require_subcommand(1);
  auto* integration = debug->add_subcommand(
      "integration",
      "Print every integration point (plugins, storage, orchestrator, bridge, log files, "
      "configuration sources) with its status and error");
  on_run(*integration, invocation, [&invocation](host::Host& host) {
    std::vector<IntegrationPoint> points;
    add_plugins(host, points);
    add_health(host, points);
    add_log_files(points);
    add_config_sources(host, points);
    json::array items;
    std::vector<std::vector<std::string>> rows;
    for (const auto& point : points) {
      items.push_back({{"area", point.area},
                       {"name", point.name},
                       {"status", point.status},
                       {"detail", point.detail}});
      rows.push_back({point.area, point.name, point.status, point.detail});
    }
    print_json_or_table(invocation.options, json::object{{"integration_points", std::move(items)}},
                        {"AREA", "NAME", "STATUS", "DETAIL"}, rows);
    return kExitSuccess;
  });
}

}  // namespace provisioning::cli
