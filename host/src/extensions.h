#pragma once

#include <provisioning/sdk/plugin.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "extension_check.h"
#include "extension_lock.h"

namespace provisioning::host {

// Installing, upgrading and removing plugins in a workspace's extensions/ directory,
// each recorded in the workspace's extensions.lock. Commands that change the directory
// or the lock hold an exclusive flock() on <workspace>/.provisioning/extensions.flock,
// so two of them never interleave.

struct InstallRequest {
  std::filesystem::path source;         // the plugin file to install
  std::optional<sdk::PluginKind> kind;  // when set, the manifest must declare this kind
  bool force = false;                   // replace an installed plugin of the same kind and name
  bool dry_run = false;                 // run every check but write nothing
};

struct InstallResult {
  LockedExtension installed;                // the new pin
  std::optional<LockedExtension> replaced;  // the pin it replaced, if any
  std::filesystem::path file;               // extensions/<kind>/<name>.so
};

// Checks `request.source` without loading it (an ELF shared object with a manifest,
// built for this host's SDK ABI, of the kind requested, with a valid name), then copies
// it to <workspace>/extensions/<kind>/<name>.so (temporary file and rename, mode 0755)
// and pins it in extensions.lock. Nothing is written when a check fails. Throws
// sdk::Error: kInvalidArgument for a file that fails a check, kNotFound for a missing
// file, kAlreadyExists when the kind and name are installed and `force` is not set.
InstallResult install_extension(const std::filesystem::path& workspace_root,
                                const InstallRequest& request);

// Replaces the installed plugin `name` with `request.source`, with the checks of
// install_extension(); the new manifest must have the same kind and name. Throws
// sdk::Error (kNotFound) when no plugin of that kind and name is installed.
InstallResult upgrade_extension(const std::filesystem::path& workspace_root,
                                const std::string& name, const InstallRequest& request);

// An installed plugin: a pin, a file at extensions/<kind>/<name>.so, or both.
struct InstalledExtension {
  sdk::PluginKind kind = sdk::PluginKind::kProvider;
  std::string name;
  std::filesystem::path file;
  bool file_exists = false;
  std::optional<LockedExtension> locked;
};

// Finds the installed plugin named `name`, of `kind` when given. Throws sdk::Error
// (kNotFound) when there is none, and (kInvalidArgument) when several kinds have a
// plugin of that name and `kind` is not given.
InstalledExtension find_installed_extension(const std::filesystem::path& workspace_root,
                                            const std::string& name,
                                            std::optional<sdk::PluginKind> kind);

// Removes the pin and the file of `extension`, whichever exist.
void remove_extension(const std::filesystem::path& workspace_root,
                      const InstalledExtension& extension);

// Compares every file in <workspace>/extensions/ with extensions.lock (see
// check_against_lock), hashing each file.
std::vector<ExtensionCheck> check_workspace_extensions(const std::filesystem::path& workspace_root);

}  // namespace provisioning::host
