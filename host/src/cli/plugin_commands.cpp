#include <provisioning/sdk/error.h>

#include <iostream>

#include "cli/cli.h"
#include "plugin_catalog.h"

namespace provisioning::cli {
namespace {

json::object candidate_json(const host::PluginCandidate& candidate) {
  json::object object;
  object["kind"] = sdk::to_string(candidate.kind);
  object["name"] = candidate.name;
  object["version"] = candidate.manifest ? candidate.manifest->version : "";
  object["layer"] = host::to_string(candidate.layer);
  object["path"] = candidate.file.string();
  object["status"] = candidate.usable() ? "ok" : "error";
  if (!candidate.usable()) object["error"] = candidate.problem;
  return object;
}

json::object entry_json(const host::PluginEntry& entry) {
  json::object object = candidate_json(entry.active);
  json::array shadows;
  for (const auto& shadowed : entry.shadowed) {
    shadows.push_back({{"layer", host::to_string(shadowed.layer)},
                       {"path", shadowed.file.string()},
                       {"version", shadowed.manifest ? shadowed.manifest->version : ""}});
  }
  object["shadows"] = std::move(shadows);
  return object;
}

std::optional<sdk::PluginKind> kind_option(const std::string& kind) {
  if (kind.empty()) return std::nullopt;
  auto parsed = host::parse_plugin_kind(kind);
  if (!parsed) {
    throw sdk::Error::invalid_argument("unknown plugin kind '" + kind +
                                       "'; use provider, taskserv, storage or api");
  }
  return parsed;
}

void print_plugin_list(const GlobalOptions& options, const host::PluginCatalog& catalog,
                       std::optional<sdk::PluginKind> kind) {
  json::array array;
  for (const auto* entry : catalog.entries(kind)) array.push_back(entry_json(*entry));
  for (const auto& problem : catalog.problems()) {
    if (!kind || problem.kind == *kind) array.push_back(candidate_json(problem));
  }
  if (json_output(options)) {
    print_json(array);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : array) {
    const json::object& object = item.as_object();
    std::string shadows;
    if (const auto* list = object.if_contains("shadows")) {
      for (const auto& shadow : list->as_array()) {
        shadows += (shadows.empty() ? "" : ",") + field(shadow.as_object(), "layer");
      }
    }
    std::string status = field(object, "status");
    if (status == "error") status += ": " + field(object, "error");
    rows.push_back({field(object, "kind"), field(object, "name"), field(object, "version"),
                    field(object, "layer"), shadows.empty() ? "-" : shadows, field(object, "path"),
                    status});
  }
  print_table({"KIND", "NAME", "VERSION", "LAYER", "SHADOWS", "PATH", "STATUS"}, rows);
}

void print_plugin_info(const GlobalOptions& options, const host::PluginEntry& entry) {
  const host::PluginManifest& manifest = *entry.active.manifest;
  json::object object = entry_json(entry);
  object["description"] = manifest.description;
  object["author"] = manifest.author;
  object["license"] = manifest.license;
  object["sdk_abi"] = manifest.sdk_abi;
  json::array capabilities;
  for (const auto& capability : manifest.capabilities) capabilities.emplace_back(capability);
  object["capabilities"] = std::move(capabilities);
  if (json_output(options)) {
    print_json(object);
    return;
  }
  for (const char* key : {"kind", "name", "version", "description", "author", "license", "sdk_abi",
                          "capabilities", "layer", "path", "status"}) {
    std::cout << key << ": " << field(object, key) << '\n';
  }
  for (const auto& shadowed : entry.shadowed) {
    std::cout << "shadows: " << host::to_string(shadowed.layer) << ' ' << shadowed.file.string()
              << '\n';
  }
}

const host::PluginEntry& find_plugin(const host::PluginCatalog& catalog, const std::string& name,
                                     std::optional<sdk::PluginKind> kind) {
  std::vector<const host::PluginEntry*> matches;
  for (const auto* entry : catalog.entries(kind)) {
    if (entry->active.name == name) matches.push_back(entry);
  }
  if (matches.size() == 1) return *matches.front();
  if (matches.size() > 1) {
    throw sdk::Error::invalid_argument("several plugins are named '" + name +
                                       "'; pass --kind provider|taskserv|storage|api");
  }
  throw sdk::Error::not_found("no usable plugin named '" + name +
                              "'; run 'provisioning plugin list' to see plugins and problems");
}

}  // namespace

void add_plugin_commands(CLI::App& app, Invocation& invocation) {
  auto* plugin = app.add_subcommand(
      "plugin", "List and inspect plugins (without loading them), and test plugin files");
  plugin->require_subcommand(1);
  add_plugin_test_command(*plugin, invocation);

  auto list_kind = std::make_shared<std::string>();
  auto* list = plugin->add_subcommand("list", "List plugins of every layer and their status");
  list->add_option("--kind", *list_kind, "Only this kind: provider, taskserv, storage or api");
  on_run(*list, invocation, [&invocation, list_kind](host::Host& host) {
    print_plugin_list(invocation.options, host.catalog(), kind_option(*list_kind));
    return 0;
  });

  auto info_name = std::make_shared<std::string>();
  auto info_kind = std::make_shared<std::string>();
  auto* info = plugin->add_subcommand("info", "Show a plugin's manifest and location");
  info->add_option("name", *info_name, "Plugin name")->required();
  info->add_option("--kind", *info_kind, "Kind, when several plugins share the name");
  on_run(*info, invocation, [&invocation, info_name, info_kind](host::Host& host) {
    print_plugin_info(invocation.options,
                      find_plugin(host.catalog(), *info_name, kind_option(*info_kind)));
    return 0;
  });
}

}  // namespace provisioning::cli
