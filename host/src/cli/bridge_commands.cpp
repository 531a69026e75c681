// `provisioning bridge ...`: the bridge between a legacy installation and this system.

#include "cli/bridge_commands.h"

#include <provisioning/sdk/error.h>

#include <iostream>

#include "bridge/bridge_stats.h"
#include "bridge/translate.h"
#include "workspace_config_writer.h"

namespace provisioning::cli {
namespace {

namespace bridge = host::bridge;

bridge::BridgeSettings settings_of(const host::Host& host) {
  return bridge::read_bridge_settings(host.config(), host.workspace().root());
}

struct ModeArguments {
  std::string mode;
  std::optional<std::int64_t> percentage;
  std::optional<std::string> legacy_path;
};

// Returns the settings that `mode set` writes: the arguments given, else the values in
// force. The current mode is not read, so this command also replaces an invalid one.
bridge::BridgeSettings requested_settings(const host::Host& host, const ModeArguments& arguments) {
  bridge::BridgeSettings settings;
  settings.mode = bridge::parse_bridge_mode(arguments.mode, "the command line");
  if (arguments.percentage) {
    settings.new_system_percentage =
        bridge::checked_percentage(*arguments.percentage, "--new-system-percentage");
  } else {
    const char* key = "bridge.new_system_percentage";
    settings.new_system_percentage =
        bridge::checked_percentage(host.config().get_int(key), host.config().require(key).origin);
  }
  if (arguments.legacy_path) {
    settings.legacy_path = std::filesystem::absolute(*arguments.legacy_path);
  } else if (auto configured = host.config().get_string("bridge.legacy_path");
             !configured.empty()) {
    settings.legacy_path = (host.workspace().root() / configured).lexically_normal();
  }
  return settings;
}

void add_mode_set(CLI::App& bridge_command, Invocation& invocation) {
  auto arguments = std::make_shared<ModeArguments>();
  auto* mode = bridge_command.add_subcommand("mode", "Set the bridge mode");
  mode->require_subcommand(1);
  auto* set = mode->add_subcommand("set", "Write bridge.mode to the workspace's config.toml");
  set->add_option("mode", arguments->mode, "off, compatibility or migration")->required();
  set->add_option("--new-system-percentage", arguments->percentage,
                  "Share of new server names sent to the new system in migration mode, in "
                  "percent (0 to 100)");
  set->add_option("--legacy-path", arguments->legacy_path,
                  "Legacy data directory (bridge.legacy_path), absolute or relative to the "
                  "workspace");
  on_run(*set, invocation, [arguments](host::Host& host) {
    bridge::BridgeSettings settings = requested_settings(host, *arguments);
    bridge::require_legacy_path(settings);

    std::filesystem::path file = host.workspace().root() / "config.toml";
    if (arguments->legacy_path) {
      host::set_config_value(file, "bridge.legacy_path", settings.legacy_path.string());
    }
    if (arguments->percentage) {
      host::set_config_value(file, "bridge.new_system_percentage",
                             std::int64_t{settings.new_system_percentage});
    }
    host::set_config_value(file, "bridge.mode", std::string(bridge::to_string(settings.mode)));
    std::cout << "bridge mode " << bridge::to_string(settings.mode) << " ("
              << settings.new_system_percentage << " % of new server names to the new system"
              << (settings.legacy_path.empty() ? ""
                                               : ", legacy path " + settings.legacy_path.string())
              << ") written to " << file.string() << '\n';
    return 0;
  });
}

void add_status(CLI::App& bridge_command, Invocation& invocation) {
  auto* status = bridge_command.add_subcommand("status", "Show the bridge mode and its counts");
  on_run(*status, invocation, [&invocation](host::Host& host) {
    bridge::BridgeSettings settings = settings_of(host);
    bridge::BridgeStats stats =
        bridge::read_bridge_stats(bridge::bridge_stats_file(host.workspace()));
    json::object report{{"mode", bridge::to_string(settings.mode)},
                        {"new_system_percentage", settings.new_system_percentage},
                        {"legacy_path", settings.legacy_path.string()},
                        {"operations", stats.to_json()}};
    if (json_output(invocation.options)) {
      print_json(report);
      return 0;
    }
    std::cout << "mode: " << bridge::to_string(settings.mode) << '\n'
              << "new system percentage: " << settings.new_system_percentage << '\n'
              << "legacy path: "
              << (settings.legacy_path.empty() ? "(none)" : settings.legacy_path.string())
              << "\n\n";
    std::vector<std::vector<std::string>> rows;
    auto add_row = [&rows](const std::string& label, const bridge::PathCounts& counts) {
      rows.push_back({label, std::to_string(counts.new_path), std::to_string(counts.legacy_path),
                      std::to_string(counts.fallbacks)});
    };
    for (const auto& [mode, counts] : stats.by_mode) add_row(mode, counts);
    add_row("total", stats.total);
    print_table({"MODE", "NEW", "LEGACY", "FALLBACKS"}, rows);
    return 0;
  });
}

void add_translate(CLI::App& bridge_command, Invocation& invocation) {
  auto legacy = std::make_shared<std::vector<std::string>>();
  auto* translate =
      bridge_command.add_subcommand("translate", "Print the translation of a legacy command");
  translate->add_option("legacy", *legacy, "The legacy command, after '--'");
  translate->callback([&invocation, legacy] {
    invocation.standalone = [&invocation, legacy] {
      bridge::TranslatedCommand command = bridge::translate_legacy_command(*legacy);
      if (!json_output(invocation.options)) {
        std::cout << "provisioning " << bridge::quote_command(command.arguments) << '\n';
        return 0;
      }
      json::array arguments;
      for (const auto& word : command.arguments) arguments.emplace_back(word);
      json::array passed;
      for (const auto& word : command.passed_through) passed.emplace_back(word);
      print_json(json::object{
          {"command", "provisioning " + bridge::quote_command(command.arguments)},
          {"arguments", arguments},
          {"operation", command.operation ? json::value(bridge::to_string(*command.operation))
                                          : json::value(nullptr)},
          {"passed_through", passed}});
      return 0;
    };
  });
}

}  // namespace

void add_orchestrator_bridge_options(CLI::App& start, Invocation& invocation) {
  start.add_flag_callback(
      "--bridge-mode",
      [&invocation] { invocation.options.settings.emplace_back("bridge.mode=compatibility"); },
      "Run with the bridge in compatibility mode (bridge.mode = \"compatibility\")");
  start
      .add_option_function<std::string>(
          "--legacy-path",
          [&invocation](const std::string& directory) {
            invocation.options.settings.push_back("bridge.legacy_path=" +
                                                  std::filesystem::absolute(directory).string());
          },
          "Legacy data directory (bridge.legacy_path) for this run")
      ->check(CLI::ExistingDirectory);
}

void add_bridge_commands(CLI::App& app, Invocation& invocation) {
  auto* bridge_command =
      app.add_subcommand("bridge", "Run legacy commands through the bridge and control its mode");
  bridge_command->require_subcommand(1);
  add_mode_set(*bridge_command, invocation);
  add_status(*bridge_command, invocation);
  add_translate(*bridge_command, invocation);
  add_bridge_run_commands(*bridge_command, invocation);
}

}  // namespace provisioning::cli
