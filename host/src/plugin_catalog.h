#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "extension_lock.h"
#include "plugin_manifest.h"

namespace provisioning::host {

// The search layer a plugin was found in, from most to least specific. On a name clash the more
// specific layer wins.
enum class PluginLayer { kWorkspace, kExtensionsPath, kUser, kCore };

// Returns "workspace", "extensions-path", "user" or "core".
const char* to_string(PluginLayer layer);

// A directory searched for plugins; plugins of kind K are in <path>/<K>/*.so.
struct SearchDirectory {
  PluginLayer layer;
  std::filesystem::path path;
};

// One plugin file found during discovery.
struct PluginCandidate {
  sdk::PluginKind kind = sdk::PluginKind::kProvider;
  std::string name;  // from the manifest; the file name without ".so" when unreadable
  std::filesystem::path file;
  PluginLayer layer = PluginLayer::kCore;
  std::size_t directory_index = 0;  // position of its search directory, most specific first
  std::optional<PluginManifest> manifest;
  std::string problem;  // why the plugin cannot be used; empty when it can
  // Set on a workspace plugin pinned in extensions.lock that cannot be used: no layer
  // may then serve its kind and name (see blocking_problem()).
  bool blocks_fallback = false;

  bool usable() const { return problem.empty(); }
};

// The plugin in force for one kind and name, and the ones it shadows.
struct PluginEntry {
  PluginCandidate active;
  std::vector<PluginCandidate> shadowed;
};

// All plugins found in the search directories, read from their manifests without
// loading any of them.
class PluginCatalog {
 public:
  // Scans every directory. Unreadable files, manifests of another kind or SDK ABI
  // version, files that fail the strict-mode check (see strict_modes.h) and duplicates
  // within one directory are recorded as problems, never thrown.
  //
  // `lock` is the workspace's extensions.lock and applies to the workspace layer: a
  // file there that claims a pinned kind and name must have the pinned SHA-256. When
  // no usable file matches a pin, the pinned name is blocked in every layer, because
  // falling back to another layer would run code other than the pinned build.
  // NOTE: hashes are checked here only, so a file replaced between discovery and
  // loading in the same process is loaded unchecked.
  static PluginCatalog discover(const std::vector<SearchDirectory>& directories,
                                const ExtensionLock& lock = {});

  // Usable plugins in force, sorted by kind then name; all kinds when `kind` is empty.
  std::vector<const PluginEntry*> entries(std::optional<sdk::PluginKind> kind = {}) const;

  const PluginEntry* find(sdk::PluginKind kind, std::string_view name) const;

  // Every candidate of that kind and name, usable or not, in search order.
  std::vector<PluginCandidate> candidates(sdk::PluginKind kind, std::string_view name) const;

  // The pinned workspace plugin that blocks `kind` and `name` in every layer, or null.
  const PluginCandidate* blocking_problem(sdk::PluginKind kind, std::string_view name) const;

  // Files that cannot be used, with the reason.
  std::vector<PluginCandidate> problems() const;

  // Names of usable plugins of `kind`, sorted.
  std::vector<std::string> names(sdk::PluginKind kind) const;

  const std::vector<SearchDirectory>& directories() const { return directories_; }

 private:
  std::vector<SearchDirectory> directories_;
  std::vector<PluginCandidate> all_;  // search order
  std::vector<PluginEntry> entries_;  // sorted by kind, name
};

}  // namespace provisioning::host
