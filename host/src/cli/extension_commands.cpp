#include <provisioning/sdk/error.h>

#include <iostream>

#include "cli/cli.h"
#include "extensions.h"
#include "plugin_manifest.h"

namespace provisioning::cli {
namespace {

std::optional<sdk::PluginKind> parse_kind_option(const std::string& kind) {
  if (kind.empty()) return std::nullopt;
  auto parsed = host::parse_plugin_kind(kind);
  if (!parsed) {
    throw sdk::Error::invalid_argument("unknown plugin kind '" + kind +
                                       "' for --kind; use provider, taskserv, storage or api");
  }
  return parsed;
}

std::string describe(sdk::PluginKind kind, const std::string& name) {
  return std::string(sdk::to_string(kind)) + " '" + name + "'";
}

json::object locked_json(const host::LockedExtension& entry) {
  return {{"kind", sdk::to_string(entry.kind)},
          {"name", entry.name},
          {"version", entry.version},
          {"sha256", entry.sha256},
          {"source", entry.source},
          {"installed_at", entry.installed_at}};
}

// Prints what install or upgrade did, or would do with --check.
void print_install(const GlobalOptions& options, const host::InstallResult& result,
                   const std::string& verb) {
  const host::LockedExtension& entry = result.installed;
  if (json_output(options)) {
    json::object object = locked_json(entry);
    object["path"] = result.file.string();
    object["replaced_version"] = result.replaced ? result.replaced->version : "";
    object["status"] = options.check ? "planned" : "done";
    print_json(object);
    return;
  }
  std::string from = result.replaced ? result.replaced->version + " -> " : "";
  std::cout << (options.check ? "would have " : "") << verb << ' '
            << describe(entry.kind, entry.name) << ' ' << from << entry.version << " as "
            << result.file.string() << " (sha256 " << host::hash_prefix(entry.sha256) << ")\n";
}

json::object check_json(const host::ExtensionCheck& check) {
  json::object object;
  object["kind"] = sdk::to_string(check.extension.kind);
  object["name"] = check.extension.name;
  object["version"] = check.locked ? check.locked->version : check.extension.version;
  object["file_version"] = check.extension.version;
  object["sha256"] = check.locked ? check.locked->sha256 : "";
  object["actual_sha256"] = check.actual_sha256;
  object["path"] = check.extension.file.string();
  object["state"] = host::to_string(check.state);
  if (!check.problem.empty()) object["error"] = check.problem;
  return object;
}

void print_checks(const GlobalOptions& options, const std::vector<host::ExtensionCheck>& checks) {
  json::array array;
  std::vector<std::vector<std::string>> rows;
  for (const auto& check : checks) {
    json::object object = check_json(check);
    std::string sha256 = check.locked ? check.locked->sha256 : check.actual_sha256;
    rows.push_back({field(object, "kind"), field(object, "name"), field(object, "version"),
                    sha256.empty() ? "-" : host::hash_prefix(sha256), field(object, "state"),
                    field(object, "path")});
    array.push_back(std::move(object));
  }
  print_json_or_table(options, array, {"KIND", "NAME", "VERSION", "SHA256", "STATE", "PATH"}, rows);
}

// Throws sdk::Error (kInvalidArgument, exit code 3) listing every modified or missing
// plugin; unlocked files are not failures, because pinning is opt-in.
void require_all_match(const std::vector<host::ExtensionCheck>& checks) {
  std::string failures;
  int count = 0;
  for (const auto& check : checks) {
    if (check.state != host::LockState::kModified && check.state != host::LockState::kMissing) {
      continue;
    }
    ++count;
    failures += "\n  " + describe(check.extension.kind, check.extension.name) + " (" +
                host::to_string(check.state) + "): " + check.problem;
  }
  if (count == 0) return;
  throw sdk::Error::invalid_argument(std::to_string(count) +
                                     (count == 1 ? " extension does" : " extensions do") +
                                     " not match extensions.lock:" + failures);
}

int run_verify(const GlobalOptions& options, const host::Host& host) {
  auto checks = host::check_workspace_extensions(host.workspace().root());
  print_checks(options, checks);
  require_all_match(checks);
  if (!json_output(options)) {
    for (const auto& check : checks) {
      if (check.state != host::LockState::kUnlocked) continue;
      std::cerr << "note: '" << check.extension.file.string()
                << "' is not in extensions.lock; pin it with `provisioning extension install "
                << check.extension.file.string() << " --force`\n";
    }
  }
  return 0;
}

// Names what removing `extension` deletes: its file, its pin, or both.
std::string removal_summary(const host::InstalledExtension& extension) {
  std::string description = describe(extension.kind, extension.name);
  std::string file = "'" + extension.file.string() + "'";
  if (extension.file_exists && extension.locked) return description + " (" + file + ") and its pin";
  if (extension.file_exists) return description + " (" + file + ", not pinned)";
  return "the pin of " + description + " (its file " + file + " is already missing)";
}

int run_remove(const GlobalOptions& options, const host::Host& host, const std::string& name,
               const std::string& kind) {
  const std::filesystem::path& root = host.workspace().root();
  host::InstalledExtension extension =
      host::find_installed_extension(root, name, parse_kind_option(kind));
  confirm(options, "Remove " + removal_summary(extension) + "?");
  if (!options.check) host::remove_extension(root, extension);
  if (json_output(options)) {
    print_json(json::object{{"kind", sdk::to_string(extension.kind)},
                            {"name", extension.name},
                            {"path", extension.file.string()},
                            {"status", options.check ? "planned" : "removed"}});
  } else {
    std::cout << (options.check ? "would have removed " : "removed ")
              << describe(extension.kind, extension.name) << '\n';
  }
  return 0;
}

void add_install(CLI::App& extension, Invocation& invocation) {
  auto request = std::make_shared<host::InstallRequest>();
  auto kind = std::make_shared<std::string>();
  auto* install = extension.add_subcommand(
      "install", "Copy a plugin into the workspace's extensions/ and pin it in extensions.lock");
  install->add_option("path", request->source, "The plugin's .so file")->required();
  install->add_option("--kind", *kind, "Expected kind: provider, taskserv, storage or api");
  install->add_flag("--force", request->force, "Replace an installed plugin of the same name");
  on_run(*install, invocation, [&invocation, request, kind](host::Host& host) {
    host::InstallRequest checked = *request;
    checked.kind = parse_kind_option(*kind);
    checked.dry_run = invocation.options.check;
    print_install(invocation.options, host::install_extension(host.workspace().root(), checked),
                  "installed");
    return 0;
  });
}

void add_upgrade(CLI::App& extension, Invocation& invocation) {
  auto name = std::make_shared<std::string>();
  auto request = std::make_shared<host::InstallRequest>();
  auto* upgrade = extension.add_subcommand(
      "upgrade", "Replace an installed plugin with a new build of the same name and re-pin it");
  upgrade->add_option("name", *name, "Name of the installed plugin")->required();
  upgrade->add_option("path", request->source, "The new build's .so file")->required();
  on_run(*upgrade, invocation, [&invocation, name, request](host::Host& host) {
    host::InstallRequest checked = *request;
    checked.dry_run = invocation.options.check;
    print_install(invocation.options,
                  host::upgrade_extension(host.workspace().root(), *name, checked), "upgraded");
    return 0;
  });
}

void add_remove(CLI::App& extension, Invocation& invocation) {
  auto name = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>();
  auto* command = extension.add_subcommand(
      "remove", "Delete an installed plugin and its pin (asks unless --yes)");
  command->add_option("name", *name, "Name of the installed plugin")->required();
  command->add_option("--kind", *kind, "Kind, when plugins of several kinds share the name");
  on_run(*command, invocation, [&invocation, name, kind](host::Host& host) {
    return run_remove(invocation.options, host, *name, *kind);
  });
}

}  // namespace

void add_extension_commands(CLI::App& app, Invocation& invocation) {
  auto* extension = app.add_subcommand(
      "extension", "Install workspace plugins and check them against extensions.lock");
  extension->require_subcommand(1);
  add_install(*extension, invocation);
  add_upgrade(*extension, invocation);
  add_remove(*extension, invocation);

  auto* list = extension->add_subcommand(
      "list", "List workspace plugins with their pin state: ok, modified, missing or unlocked");
  on_run(*list, invocation, [&invocation](host::Host& host) {
    print_checks(invocation.options, host::check_workspace_extensions(host.workspace().root()));
    return 0;
  });

  auto* verify_command = extension->add_subcommand(
      "verify", "Recompute every pinned plugin's SHA-256; fail (exit code 3) on any mismatch");
  on_run(*verify_command, invocation,
         [&invocation](host::Host& host) { return run_verify(invocation.options, host); });
}

}  // namespace provisioning::cli
