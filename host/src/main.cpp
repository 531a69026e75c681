// provisioning: command-line entry point. Parse, open the workspace, run, report.

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/version.h>

#include <csignal>
#include <iostream>
#include <set>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "host.h"
#include "logging.h"
#include "observability/log_context.h"
#include "observability/redact.h"

namespace {

using provisioning::cli::GlobalOptions;
using provisioning::cli::Invocation;

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("-w,--workspace", options.workspace,
                 "Workspace directory (default: PROVISIONING_WORKSPACE, the enclosing "
                 "workspace, or the user's default workspace)");
  app.add_option("-o,--output", options.output, "Output format")
      ->check(CLI::IsMember({"table", "json"}));
  app.add_flag("-y,--yes", options.yes, "Confirm destructive actions without asking");
  app.add_flag("--check", options.check, "Print what would be done and change nothing");
  app.add_flag("--wait", options.wait,
               "Wait until created servers report running, or until a submitted workflow or "
               "batch ends");
  app.add_flag("--orchestrated", options.orchestrated,
               "Run server create, taskserv install and cluster create as orchestrator "
               "workflows when the orchestrator is reachable");
  app.add_option("--correlation-id", options.correlation_id,
                 "X-Correlation-ID to send with orchestrator requests");
  app.add_flag("-v,--verbose", options.verbose, "Show info-level log messages on stderr");
  app.add_option("--server", options.servers, "Target server name (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--provider", options.provider, "Provider plugin (default: provider.default)");
  app.add_option("--zone", options.zone, "Zone (default: server.default_zone)");
  app.add_option("--set", options.settings,
                 "Set a configuration key for this command, as KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
}

std::map<std::string, std::string> parse_settings(const std::vector<std::string>& settings) {
  std::map<std::string, std::string> flags;
  for (const auto& setting : settings) {
    auto equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw provisioning::sdk::Error::invalid_argument(
          "invalid --set '" + setting +
          "': use KEY=VALUE, such as --set storage.backend=filesystem");
    }
    flags[setting.substr(0, equals)] = setting.substr(equals + 1);
  }
  return flags;
}

void setup_command_logging(const provisioning::host::Host& host, const GlobalOptions& options) {
  provisioning::host::LoggingOptions logging = provisioning::host::logging_options(
      host.config(), host.environment(), host.workspace().state_dir() / "logs", "provisioning.log");
  logging.console_level = options.verbose ? "info" : "warn";
  if (logging.level == "debug" || logging.level == "trace") logging.console_level = logging.level;
  provisioning::host::setup_logging(logging);
}

int run(Invocation& invocation) {
  if (invocation.standalone) return invocation.standalone();
  const GlobalOptions& options = invocation.options;
  provisioning::host::HostOptions host_options;
  if (options.workspace) host_options.workspace = *options.workspace;
  host_options.config_flags = parse_settings(options.settings);
  auto host = provisioning::host::Host::open(host_options);
  setup_command_logging(*host, options);
  if (host->resolved_workspace().created) {
    std::cerr << "note: created the default workspace at " << host->workspace().root().string()
              << '\n';
  }
  for (const auto& warning : host->config().warnings()) std::cerr << "warning: " << warning << '\n';
  return invocation.action(*host);
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that closes its socket mid-request (a server refusing an oversized body, a
  // client that hangs up) must give an error on that write, not end the process.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"provisioning: create servers, install taskservs on them and build clusters",
               "provisioning"};
  app.set_version_flag("-V,--version", std::string("provisioning ") + PROVISIONING_VERSION +
                                           " (SDK " + PROVISIONING_SDK_VERSION + ", ABI " +
                                           std::to_string(PROVISIONING_SDK_ABI_VERSION) + ")");
  app.require_subcommand(1);
  app.fallthrough();

  Invocation invocation;
  add_global_options(app, invocation.options);
  provisioning::cli::add_server_commands(app, invocation);
  provisioning::cli::add_taskserv_commands(app, invocation);
  provisioning::cli::add_cluster_commands(app, invocation);
  provisioning::cli::add_plugin_commands(app, invocation);
  provisioning::cli::add_path_commands(app, invocation);
  provisioning::cli::add_config_commands(app, invocation);
  provisioning::cli::add_workspace_commands(app, invocation);
  provisioning::cli::add_orchestrator_commands(app, invocation);
  provisioning::cli::add_extension_commands(app, invocation);
  provisioning::cli::add_workflow_commands(app, invocation);
  provisioning::cli::add_batch_commands(app, invocation);
  provisioning::cli::add_client_commands(app, invocation);
  provisioning::cli::add_health_commands(app, invocation);
  provisioning::cli::add_debug_commands(app, invocation);
  provisioning::cli::add_metrics_commands(app, invocation);
  [[maybe_unused]] CLI::App* migrate = provisioning::cli::add_migrate_commands(app, invocation);
  provisioning::cli::add_migrate_plan_commands(*migrate, invocation);
  provisioning::cli::add_data_commands(app, invocation);
  provisioning::cli::add_backup_commands(app, invocation);
  provisioning::cli::add_bridge_commands(app, invocation);
  provisioning::cli::add_config_migrate_commands(*app.get_subcommand("config"), invocation);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);  // prints help, the version or the parse error
    return code == 0 ? provisioning::cli::kExitSuccess : provisioning::cli::kExitUsage;
  }
  // The main thread's log lines carry the command's correlation id, until the end.
  std::optional<provisioning::host::observability::LogScope> log_scope;
  try {
    log_scope.emplace(
        provisioning::host::observability::command_log_context(invocation.options.correlation_id));
    return run(invocation);
  } catch (const provisioning::sdk::Error& error) {
    std::cerr << "error: " << provisioning::host::observability::redact(error.what()) << '\n';
    // Also into the log file, when the command got far enough to open it.
    provisioning::host::component_logger("host")->info("command failed: {}", error.what());
    return provisioning::cli::exit_code_for(error.code());
  } catch (const std::exception& error) {
    std::cerr << "error: unexpected failure: "
              << provisioning::host::observability::redact(error.what()) << '\n';
    return provisioning::cli::kExitInternal;
  }
}
