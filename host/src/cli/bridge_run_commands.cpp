// `provisioning bridge run`, `bridge route` and `bridge install-shims`.

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/time_and_ids.h>
#include <unistd.h>

#include <iostream>
#include <set>

#include "bridge/assignment_ledger.h"
#include "bridge/bridge.h"
#include "bridge/bridge_stats.h"
#include "bridge/legacy_path.h"
#include "bridge/shims.h"
#include "bridge/translate.h"
#include "cli/bridge_commands.h"
#include "cli/bridge_new_path.h"
#include "logging.h"
#include "migration/legacy_fallback.h"

namespace provisioning::cli {
namespace {

namespace bridge = host::bridge;

bridge::BridgeSettings settings_of(const host::Host& host) {
  return bridge::read_bridge_settings(host.config(), host.workspace().root());
}

// The options the command's host was opened with, for the legacy path's own host.
host::HostOptions host_options_of(const host::Host& host, const GlobalOptions& options) {
  host::HostOptions host_options;
  host_options.workspace = host.workspace().root();
  host_options.environment = host.environment();
  for (const std::string& setting : options.settings) {
    auto equals = setting.find('=');
    if (equals != std::string::npos && equals > 0) {
      host_options.config_flags[setting.substr(0, equals)] = setting.substr(equals + 1);
    }
  }
  return host_options;
}

// Replaces this process with `provisioning <arguments>` in the same workspace, for
// commands the bridge does not route. Returns only when the exec fails.
int run_unrouted(const host::Host& host, const GlobalOptions& options,
                 const std::vector<std::string>& arguments) {
  std::vector<std::string> words = {"provisioning", "--workspace",
                                    host.workspace().root().string()};
  for (const auto& setting : options.settings) words.insert(words.end(), {"--set", setting});
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::cout.flush();
  ::execv("/proc/self/exe", argv.data());
  throw sdk::Error::internal("cannot run 'provisioning " + bridge::quote_command(arguments) +
                             "': " + std::strerror(errno));
}

void print_legacy_record(const json::object& record, bridge::OperationKind kind) {
  if (kind == bridge::OperationKind::kServerShow) {
    for (const auto& [key, value] : record) {
      std::cout << key << ": " << field(record, key) << '\n';
    }
    return;
  }
  std::string verb = kind == bridge::OperationKind::kServerCreate ? "created" : "deleted";
  if (field(record, "status") == "planned") verb = "would create";
  std::cout << verb << " server " << field(record, "name") << " (" << field(record, "plan")
            << ", zone " << field(record, "zone") << ")";
  if (!field(record, "ip").empty()) std::cout << " at " << field(record, "ip");
  std::cout << '\n';
}

void print_legacy_result(const json::value& result, bridge::OperationKind kind, bool as_json) {
  if (as_json) {
    print_json(result);
    return;
  }
  if (kind != bridge::OperationKind::kServerList) {
    print_legacy_record(result.as_object(), kind);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const json::value& item : result.as_array()) {
    const json::object& record = item.as_object();
    rows.push_back({field(record, "name"), field(record, "status"), field(record, "plan"),
                    field(record, "zone"), field(record, "ip"), field(record, "created")});
  }
  print_table({"NAME", "STATUS", "PLAN", "ZONE", "IP", "CREATED"}, rows);
}

void warn_ignored_flags(const bridge::TranslatedCommand& command) {
  for (const std::string& flag : command.passed_through) {
    std::cerr << "warning: legacy flag '" << flag << "' has no meaning for "
              << bridge::to_string(*command.operation) << " on the bridge and was ignored\n";
  }
}

int run_bridged(host::Host& host, const GlobalOptions& options,
                const std::vector<std::string>& legacy) {
  bridge::TranslatedCommand command = bridge::translate_legacy_command(legacy);
  bridge::BridgeSettings settings = settings_of(host);
  std::string correlation_id =
      options.correlation_id.empty() ? sdk::generate_uuid() : options.correlation_id;
  if (!command.operation || settings.mode == bridge::BridgeMode::kOff) {
    host::component_logger("bridge")->info("'{}' runs unrouted (mode {}) correlation_id={}",
                                           bridge::quote_command(command.arguments),
                                           bridge::to_string(settings.mode), correlation_id);
    return run_unrouted(host, options, command.arguments);
  }
  bridge::require_legacy_path(settings);
  bridge::BridgeOperation operation = bridge::to_bridge_operation(command);
  warn_ignored_flags(command);

  BridgeNewPath new_path(host, correlation_id);
  bridge::LegacyPath legacy_path(host, host_options_of(host, options), settings.legacy_path);
  bridge::Bridge router(settings, new_path, legacy_path,
                        {bridge::assignment_ledger_file(host.workspace()),
                         bridge::bridge_stats_file(host.workspace())},
                        correlation_id);
  bridge::BridgeOutcome outcome = router.run(operation);
  bool as_json = command.output.empty() ? json_output(options) : command.output == "json";
  print_legacy_result(outcome.result, operation.kind, as_json);
  return 0;
}

void add_run(CLI::App& bridge_command, Invocation& invocation) {
  auto legacy = std::make_shared<std::vector<std::string>>();
  auto* run = bridge_command.add_subcommand(
      "run", "Run a legacy command through the bridge (what the legacy shims call)");
  run->add_option("legacy", *legacy, "The legacy command, after '--'")->required();
  on_run(*run, invocation, [&invocation, legacy](host::Host& host) {
    return run_bridged(host, invocation.options, *legacy);
  });
}

// Returns the names of the servers in the legacy data directory.
std::set<std::string> legacy_server_names(const std::filesystem::path& directory) {
  std::set<std::string> names;
  host::migration::LegacyDirectory legacy(directory);
  for (const std::string& id : legacy.ids("servers")) {
    auto record = legacy.get("servers", id);
    if (record) names.insert(field(*record, "name"));
  }
  return names;
}

void add_route(CLI::App& bridge_command, Invocation& invocation) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* route = bridge_command.add_subcommand(
      "route", "Print the path each server name takes, recording new names in migration mode");
  route->add_option("names", *names, "Server names")->required();
  on_run(*route, invocation, [&invocation, names](host::Host& host) {
    bridge::BridgeSettings settings = settings_of(host);
    bridge::require_legacy_path(settings);
    std::set<std::string> in_legacy;
    if (settings.mode != bridge::BridgeMode::kOff)
      in_legacy = legacy_server_names(settings.legacy_path);
    std::vector<std::string> to_assign;
    for (const auto& name : *names) {
      if (in_legacy.count(name) == 0) to_assign.push_back(name);
    }
    std::vector<bridge::PathKind> assigned(to_assign.size(), bridge::PathKind::kNew);
    if (settings.mode == bridge::BridgeMode::kMigration) {
      bridge::AssignmentLedger ledger(bridge::assignment_ledger_file(host.workspace()));
      assigned = ledger.assign(to_assign, settings.new_system_percentage);
    }
    json::array decisions;
    std::vector<std::vector<std::string>> rows;
    std::size_t next = 0;
    for (const auto& name : *names) {
      bridge::PathKind path =
          in_legacy.count(name) != 0 ? bridge::PathKind::kLegacy : assigned[next++];
      decisions.push_back({{"name", name}, {"path", bridge::to_string(path)}});
      rows.push_back({name, std::string(bridge::to_string(path))});
    }
    print_json_or_table(invocation.options, decisions, {"NAME", "PATH"}, rows);
    return 0;
  });
}

void add_install_shims(CLI::App& bridge_command, Invocation& invocation) {
  auto directory = std::make_shared<std::string>();
  auto* install = bridge_command.add_subcommand(
      "install-shims", "Write the legacy entry points core/nulib/provisioning and friends");
  install->add_option("dir", *directory, "Legacy installation directory")->required();
  on_run(*install, invocation, [&invocation, directory](host::Host& host) {
    std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe");
    auto written = bridge::install_shims(bridge::shim_template_directory(host.paths().core_config),
                                         std::filesystem::absolute(*directory), binary,
                                         host.workspace().root());
    json::array files;
    for (const auto& file : written) files.emplace_back(file.string());
    if (json_output(invocation.options)) {
      print_json(json::object{{"files", files}});
    } else {
      for (const auto& file : written) std::cout << "wrote " << file.string() << '\n';
    }
    return 0;
  });
}

}  // namespace

void add_bridge_run_commands(CLI::App& bridge_command, Invocation& invocation) {
  add_run(bridge_command, invocation);
  add_route(bridge_command, invocation);
  add_install_shims(bridge_command, invocation);
}

}  // namespace provisioning::cli
