#include <provisioning/sdk/error.h>

#include <iostream>

#include "cli/cli.h"
#include "plugin_catalog.h"

namespace provisioning::cli {
namespace {

// One line per search directory: what was found there for the name, and why it was
// selected, shadowed or skipped.
json::array describe_layers(const host::PluginCatalog& catalog, sdk::PluginKind kind,
                            const std::string& name, const host::PluginEntry* entry) {
  auto candidates = catalog.candidates(kind, name);
  json::array layers;
  for (const auto& directory : catalog.directories()) {
    std::filesystem::path where = directory.path / sdk::to_string(kind);
    bool found = false;
    for (const auto& candidate : candidates) {
      if (candidate.file.parent_path() != where) continue;
      found = true;
      std::string outcome;
      if (!candidate.usable())
        outcome = "skipped: " + candidate.problem;
      else if (entry != nullptr && entry->active.file == candidate.file)
        outcome = "selected";
      else
        outcome = "shadowed by the " + std::string(host::to_string(entry->active.layer)) + " layer";
      layers.push_back({{"layer", host::to_string(directory.layer)},
                        {"path", candidate.file.string()},
                        {"result", outcome}});
    }
    if (!found) {
      std::string reason =
          std::filesystem::is_directory(where)
              ? "skipped: no " + std::string(sdk::to_string(kind)) + " named '" + name + "'"
              : "skipped: directory does not exist";
      layers.push_back({{"layer", host::to_string(directory.layer)},
                        {"path", where.string()},
                        {"result", reason}});
    }
  }
  return layers;
}

int resolve_extension(const GlobalOptions& options, const host::Host& host,
                      const std::string& kind_name, const std::string& name) {
  auto kind = host::parse_plugin_kind(kind_name);
  if (!kind) {
    throw sdk::Error::invalid_argument("unknown plugin kind '" + kind_name +
                                       "'; use provider, taskserv, storage or api");
  }
  const host::PluginEntry* entry = host.catalog().find(*kind, name);
  json::array layers = describe_layers(host.catalog(), *kind, name, entry);
  json::object result{{"kind", kind_name}, {"name", name}, {"layers", layers}};
  if (entry != nullptr) {
    result["path"] = entry->active.file.string();
    result["layer"] = host::to_string(entry->active.layer);
  }
  if (json_output(options)) {
    print_json(result);
  } else {
    if (entry != nullptr) {
      std::cout << entry->active.file.string() << " (" << host::to_string(entry->active.layer)
                << ")\n";
    }
    for (const auto& layer : layers) {
      const json::object& object = layer.as_object();
      std::cout << "  " << field(object, "layer") << ": " << field(object, "path") << ": "
                << field(object, "result") << '\n';
    }
  }
  if (entry == nullptr) {
    throw sdk::Error::not_found(kind_name + " '" + name + "' not found in any layer");
  }
  return 0;
}

int resolve_config(const GlobalOptions& options, const host::Host& host, const std::string& what) {
  std::filesystem::path defaults = host.paths().core_config / "config.defaults.toml";
  std::filesystem::path path;
  if (what == "user")
    path = host.paths().user_config / "config.user.toml";
  else if (what == "workspace")
    path = host.workspace().config_file();
  else if (what == "defaults" || what == "core")
    path = defaults;
  else {
    throw sdk::Error::invalid_argument("unknown configuration layer '" + what +
                                       "'; use user, workspace or defaults");
  }
  bool exists = std::filesystem::exists(path);
  std::filesystem::path resolved = exists ? path : defaults;
  std::string layer = exists ? what : "defaults";
  json::object result{{"layer", layer}, {"path", resolved.string()}, {"requested", what}};
  if (!exists) {
    result["skipped"] = path.string() + ": does not exist, falling back to the shipped defaults";
  }
  if (json_output(options)) {
    print_json(result);
    return 0;
  }
  std::cout << resolved.string() << " (" << layer << ")\n";
  if (!exists) std::cout << "  " << what << ": " << path.string() << ": skipped: does not exist\n";
  return 0;
}

}  // namespace

void add_path_commands(CLI::App& app, Invocation& invocation) {
  auto* path = app.add_subcommand("path", "Show where plugins and configuration are found");
  path->require_subcommand(1);

  auto kind = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto* extension = path->add_subcommand(
      "resolve-extension", "Show which file a plugin name resolves to, layer by layer");
  extension->add_option("kind", *kind, "provider, taskserv, storage or api")->required();
  extension->add_option("name", *name, "Plugin name")->required();
  on_run(*extension, invocation, [&invocation, kind, name](host::Host& host) {
    return resolve_extension(invocation.options, host, *kind, *name);
  });

  auto what = std::make_shared<std::string>();
  auto layer = std::make_shared<std::string>("user");
  auto* resolve = path->add_subcommand("resolve", "Resolve a configuration file");
  resolve->add_option("what", *what, "Only 'config' for now")
      ->required()
      ->check(CLI::IsMember({"config"}));
  resolve->add_option("layer", *layer, "user, workspace or defaults");
  on_run(*resolve, invocation, [&invocation, layer](host::Host& host) {
    return resolve_config(invocation.options, host, *layer);
  });
}

}  // namespace provisioning::cli
