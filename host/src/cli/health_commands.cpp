// `provisioning health`: the health of each integration point, from this workspace.

#include <iostream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "observability/health.h"

namespace provisioning::cli {
namespace {

namespace observability = host::observability;

// One "key=value" line per detail, for --detailed.
void print_details(const observability::ComponentHealth& component) {
  std::string line;
  for (const auto& [key, value] : component.details) {
    std::string text = value.is_string() ? std::string(value.get_string()) : json::serialize(value);
    line += (line.empty() ? "" : ", ") + std::string(key) + "=" + text;
  }
  if (!line.empty()) std::cout << "  " << component.component << ": " << line << '\n';
}

void print_report(const observability::HealthReport& report, bool detailed) {
  std::cout << "overall: " << observability::to_string(report.overall) << '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& component : report.components) {
    rows.push_back({component.component, std::string(observability::to_string(component.status)),
                    component.error});
  }
  print_table({"COMPONENT", "STATUS", "ERROR"}, rows);
  if (!detailed) return;
  std::cout << "details:\n";
  for (const auto& component : report.components) print_details(component);
}

int health_exit_code(observability::HealthStatus status) {
  switch (status) {
    case observability::HealthStatus::kHealthy:
      return kExitSuccess;
    case observability::HealthStatus::kDegraded:
      return kExitDegraded;
    case observability::HealthStatus::kUnhealthy:
      return kExitUnavailable;
  }
  return kExitUnavailable;
}

}  // namespace

void add_health_commands(CLI::App& app, Invocation& invocation) {
  auto detailed = std::make_shared<bool>(false);
  auto* health = app.add_subcommand(
      "health",
      "Check the legacy system, the orchestrator, the storage backend, the bridge and the "
      "configuration; exit 0 only when all are healthy");
  health->add_flag("--detailed", *detailed, "Also print what each check looked at");
  on_run(*health, invocation, [&invocation, detailed](host::Host& host) {
    observability::HealthReport report = observability::check_all(host);
    if (json_output(invocation.options)) {
      print_json(report.to_json(*detailed));
    } else {
      print_report(report, *detailed);
    }
    return health_exit_code(report.overall);
  });
}

}  // namespace provisioning::cli
