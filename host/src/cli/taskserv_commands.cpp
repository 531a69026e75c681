#include <iostream>

#include "cli/cli.h"
#include "cli/orchestrated.h"
#include "servers.h"
#include "taskservs.h"

namespace provisioning::cli {
namespace {

json::array steps_json(const std::vector<host::TaskservStep>& steps) {
  json::array array;
  for (const auto& step : steps) {
    array.push_back({{"server", step.server},
                     {"taskserv", step.taskserv},
                     {"action", step.action},
                     {"version", step.version}});
  }
  return array;
}

void print_steps(const GlobalOptions& options, const std::vector<host::TaskservStep>& steps) {
  if (json_output(options)) {
    print_json(steps_json(steps));
    return;
  }
  for (const auto& step : steps) {
    std::string verb = step.action == "install" ? (options.check ? "would install" : "installed")
                                                : (options.check ? "would remove" : "removed");
    std::cout << verb << " taskserv " << step.taskserv;
    if (!step.version.empty()) std::cout << ' ' << step.version;
    std::cout << " on " << step.server << '\n';
  }
}

void add_install(CLI::App& taskserv, Invocation& invocation) {
  auto name = std::make_shared<std::string>();
  auto* install = taskserv.add_subcommand(
      "install", "Install a taskserv and its dependencies (on every running server by default)");
  install->alias("create");
  install->add_option("name", *name, "Taskserv name, such as kubernetes")->required();
  on_run(*install, invocation, [&invocation, name](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    if (options.orchestrated && !options.check) {
      json::object body{{"name", *name},
                        {"servers", json::array(options.servers.begin(), options.servers.end())}};
      auto exit_code = run_orchestrated(host, options, "/workflows/taskserv/create", body);
      if (exit_code) return *exit_code;
    }
    host::ServerService servers(host);
    host::TaskservService taskservs(host, servers);
    host::TaskservInstallRequest request;
    request.name = *name;
    request.servers = options.servers;
    request.check = options.check;
    print_steps(options, taskservs.install(request));
    return 0;
  });
}

void add_remove(CLI::App& taskserv, Invocation& invocation) {
  auto name = std::make_shared<std::string>();
  auto* remove = taskserv.add_subcommand("remove", "Remove a taskserv from servers");
  remove->alias("delete");
  remove->add_option("name", *name, "Taskserv name")->required();
  on_run(*remove, invocation, [&invocation, name](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    host::ServerService servers(host);
    host::TaskservService taskservs(host, servers);
    // Plan first, so an unknown taskserv or a blocked removal fails before asking.
    auto steps = taskservs.remove(*name, options.servers, /*check=*/true);
    std::string where;
    for (const auto& step : steps) where += (where.empty() ? "" : ", ") + step.server;
    confirm(options, "Remove taskserv '" + *name + "' from " + where + "?");
    if (options.check) {
      print_steps(options, steps);
      return 0;
    }
    print_steps(options, taskservs.remove(*name, options.servers, /*check=*/false));
    return 0;
  });
}

void print_installed(const GlobalOptions& options, const std::vector<json::object>& records) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& record : records) {
    rows.push_back({field(record, "server"), field(record, "name"), field(record, "version"),
                    field(record, "status"), field(record, "cluster"),
                    field(record, "installed_at")});
  }
  print_json_or_table(options, to_array(records),
                      {"SERVER", "TASKSERV", "VERSION", "STATUS", "CLUSTER", "INSTALLED"}, rows);
}

void print_available(const GlobalOptions& options, const std::vector<json::object>& records) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& record : records) {
    std::string dependencies = join_strings(record.at("dependencies").as_array());
    rows.push_back({field(record, "name"), field(record, "version"),
                    dependencies.empty() ? "-" : dependencies, field(record, "layer")});
  }
  print_json_or_table(options, to_array(records), {"TASKSERV", "VERSION", "DEPENDS_ON", "LAYER"},
                      rows);
}

void add_list(CLI::App& taskserv, Invocation& invocation) {
  auto available = std::make_shared<bool>(false);
  auto* list = taskserv.add_subcommand("list", "List installed taskservs");
  list->add_flag("--available", *available, "List the taskservs that can be installed instead");
  on_run(*list, invocation, [&invocation, available](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    host::ServerService servers(host);
    host::TaskservService taskservs(host, servers);
    if (*available) {
      print_available(options, taskservs.available());
      return 0;
    }
    print_installed(options, taskservs.list(options.servers));
    return 0;
  });
}

}  // namespace

void add_taskserv_commands(CLI::App& app, Invocation& invocation) {
  auto* taskserv = app.add_subcommand("taskserv", "Install, list and remove taskservs");
  taskserv->require_subcommand(1);
  add_install(*taskserv, invocation);
  add_remove(*taskserv, invocation);
  add_list(*taskserv, invocation);
}

}  // namespace provisioning::cli
