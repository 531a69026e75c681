#include <iostream>

#include "cli/cli.h"
#include "observability/redact.h"
#include "workspace.h"

namespace provisioning::cli {
namespace {

std::string display(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  return json::serialize(value);
}

void add_get(CLI::App& config, Invocation& invocation) {
  auto key = std::make_shared<std::string>();
  auto* get = config.add_subcommand("get", "Print the value in force for a key");
  get->add_option("key", *key, "Dotted key, such as storage.backend")->required();
  on_run(*get, invocation, [&invocation, key](host::Host& host) {
    const host::ConfigValue& value = host.config().require(*key);
    if (json_output(invocation.options)) {
      print_json(json::object{{"key", *key}, {"value", value.value}, {"origin", value.origin}});
    } else {
      std::cout << display(value.value) << '\n';
    }
    return 0;
  });
}

void add_show(CLI::App& config, Invocation& invocation) {
  auto origin = std::make_shared<bool>(false);
  auto* show = config.add_subcommand("show", "Print every key in force");
  show->add_flag("--origin", *origin, "Also show which file, variable or flag set each value");
  on_run(*show, invocation, [&invocation, origin](host::Host& host) {
    json::array array;
    std::vector<std::vector<std::string>> rows;
    for (const auto& [key, value] : host.config().entries()) {
      json::value shown = host::observability::redacted_config_value(key, value.value);
      array.push_back({{"key", key}, {"value", shown}, {"origin", value.origin}});
      if (*origin)
        rows.push_back({key, display(shown), value.origin});
      else
        rows.push_back({key, display(shown)});
    }
    if (json_output(invocation.options))
      print_json(array);
    else if (*origin)
      print_table({"KEY", "VALUE", "ORIGIN"}, rows);
    else
      print_table({"KEY", "VALUE"}, rows);
    return 0;
  });
}

}  // namespace

void add_config_commands(CLI::App& app, Invocation& invocation) {
  auto* config = app.add_subcommand("config", "Read the layered configuration");
  config->require_subcommand(1);
  add_get(*config, invocation);
  add_show(*config, invocation);
}

void add_workspace_commands(CLI::App& app, Invocation& invocation) {
  auto* workspace = app.add_subcommand("workspace", "Create and inspect workspaces");
  workspace->require_subcommand(1);

  auto directory = std::make_shared<std::string>(".");
  auto* init = workspace->add_subcommand("init", "Create a workspace (keeps existing files)");
  init->add_option("dir", *directory, "Directory to create it in (default: current directory)");
  init->callback([&invocation, directory] {
    invocation.standalone = [&invocation, directory] {
      host::Workspace created = host::init_workspace(std::filesystem::absolute(*directory));
      if (json_output(invocation.options)) {
        print_json(json::object{{"workspace", created.root().string()}});
      } else {
        std::cout << "workspace ready at " << created.root().string() << '\n';
      }
      return 0;
    };
  });

  auto* show = workspace->add_subcommand("show", "Print the workspace in use and why");
  on_run(*show, invocation, [&invocation](host::Host& host) {
    const auto& resolved = host.resolved_workspace();
    if (json_output(invocation.options)) {
      print_json(json::object{{"workspace", resolved.workspace.root().string()},
                              {"source", resolved.source}});
    } else {
      std::cout << resolved.workspace.root().string() << " (" << resolved.source << ")\n";
    }
    return 0;
  });
}

}  // namespace provisioning::cli
