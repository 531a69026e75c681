#pragma once

#include <provisioning/sdk/json.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host.h"

namespace provisioning::cli {

namespace json = boost::json;

// Options shared by every command; they may appear before or after the subcommand.
struct GlobalOptions {
  std::optional<std::string> workspace;
  std::string output = "table";  // table or json
  bool yes = false;
  bool check = false;
  bool wait = false;
  bool verbose = false;
  std::vector<std::string> servers;  // --server, repeatable
  std::string provider;
  std::string zone;
  std::vector<std::string> settings;  // --set key=value
  bool orchestrated = false;          // run creates as orchestrator workflows
  std::string correlation_id;         // X-Correlation-ID sent to the orchestrator
};

// The work a parsed command does once the host is open.
using CommandAction = std::function<int(host::Host& host)>;

// Collects the action chosen by the parser. Commands that need no workspace, such as
// `workspace init`, set `standalone` instead of `action`.
struct Invocation {
  GlobalOptions options;
  CommandAction action;
  std::function<int()> standalone;
};

// Registration of each command group on the parser.
void add_server_commands(CLI::App& app, Invocation& invocation);
void add_taskserv_commands(CLI::App& app, Invocation& invocation);
void add_cluster_commands(CLI::App& app, Invocation& invocation);
void add_plugin_commands(CLI::App& app, Invocation& invocation);
// Adds `plugin test` under the `plugin` command.
void add_plugin_test_command(CLI::App& plugin, Invocation& invocation);
void add_path_commands(CLI::App& app, Invocation& invocation);
void add_config_commands(CLI::App& app, Invocation& invocation);
void add_workspace_commands(CLI::App& app, Invocation& invocation);
void add_orchestrator_commands(CLI::App& app, Invocation& invocation);
void add_extension_commands(CLI::App& app, Invocation& invocation);
void add_workflow_commands(CLI::App& app, Invocation& invocation);
void add_batch_commands(CLI::App& app, Invocation& invocation);
void add_client_commands(CLI::App& app, Invocation& invocation);
void add_health_commands(CLI::App& app, Invocation& invocation);
// Adds `debug` with `debug integration`.
void add_debug_commands(CLI::App& app, Invocation& invocation);
void add_metrics_commands(CLI::App& app, Invocation& invocation);
// Adds `migrate` (with `migrate rollback`) and returns it, so that other command groups
// can add subcommands under it.
CLI::App* add_migrate_commands(CLI::App& app, Invocation& invocation);
// Adds `plan validate`, `plan run` and `readiness` under the `migrate` command.
void add_migrate_plan_commands(CLI::App& migrate, Invocation& invocation);
// Adds `data check` and `data repair`.
void add_data_commands(CLI::App& app, Invocation& invocation);
void add_backup_commands(CLI::App& app, Invocation& invocation);
void add_bridge_commands(CLI::App& app, Invocation& invocation);
// Adds `config diagnose` and `config migrate-env` under the `config` command.
void add_config_migrate_commands(CLI::App& config, Invocation& invocation);

// Makes `action` the work to do when `command` is the subcommand parsed.
void on_run(CLI::App& command, Invocation& invocation, CommandAction action);

// Output helpers.
bool json_output(const GlobalOptions& options);

// Prints `value` with --output json, else the table.
void print_json_or_table(const GlobalOptions& options, const json::value& value,
                         const std::vector<std::string>& columns,
                         const std::vector<std::vector<std::string>>& rows);

json::array to_array(const std::vector<json::object>& records);

// Joins an array of strings with commas.
std::string join_strings(const json::array& items);
void print_json(const json::value& value);
std::string pretty_json(const json::value& value);

// Prints rows as a table with a header line; each row has one cell per column.
void print_table(const std::vector<std::string>& columns,
                 const std::vector<std::vector<std::string>>& rows);

// Returns a string field of a JSON object, or "" when absent.
std::string field(const json::object& object, std::string_view key);

// Asks for confirmation of a destructive action unless --yes was given. Without --yes
// and without a terminal on standard input, throws sdk::Error (kInvalidArgument) saying
// to pass --yes.
void confirm(const GlobalOptions& options, const std::string& question);

}  // namespace provisioning::cli
