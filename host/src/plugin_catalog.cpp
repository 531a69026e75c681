#include "plugin_catalog.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <map>
#include <set>

#include "extension_check.h"
#include "strict_modes.h"

namespace provisioning::host {
namespace {

std::vector<std::filesystem::path> list_shared_objects(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string check_manifest(const PluginManifest& manifest, sdk::PluginKind kind) {
  if (manifest.kind != kind) {
    return std::string("manifest declares kind '") + sdk::to_string(manifest.kind) +
           "' but the file is in the " + sdk::to_string(kind) + " directory";
  }
  if (manifest.sdk_abi != sdk::kAbiVersion) {
    return "built for SDK ABI version " + std::to_string(manifest.sdk_abi) +
           ", this host provides " + std::to_string(sdk::kAbiVersion) +
           "; rebuild the plugin against SDK " + sdk::kSdkVersion;
  }
  return {};
}

PluginCandidate inspect(const std::filesystem::path& file, sdk::PluginKind kind,
                        PluginLayer layer) {
  PluginCandidate candidate;
  candidate.kind = kind;
  candidate.file = file;
  candidate.layer = layer;
  candidate.name = file.stem().string();
  try {
    PluginManifest manifest = parse_manifest(read_manifest_section(file));
    candidate.name = manifest.name;
    candidate.problem = check_manifest(manifest, kind);
    candidate.manifest = std::move(manifest);
  } catch (const sdk::Error& error) {
    candidate.problem = error.what();
  }
  std::string insecure = insecure_plugin_file_problem(file);
  if (!insecure.empty()) candidate.problem = insecure;
  return candidate;
}

// A problem candidate for a pin that no workspace file claims, at the path the pinned
// file is installed as.
PluginCandidate missing_pin_candidate(const ExtensionCheck& check, std::size_t directory_index) {
  PluginCandidate missing;
  missing.kind = check.extension.kind;
  missing.name = check.extension.name;
  missing.file = check.extension.file;
  missing.layer = PluginLayer::kWorkspace;
  missing.directory_index = directory_index;
  missing.problem = check.problem;
  missing.blocks_fallback = true;
  return missing;
}

// Compares the workspace-layer files that claim a pinned kind and name with the lock
// (see PluginCatalog::discover). A modified file becomes a problem, a pin without a
// file becomes a problem candidate at the path it is installed as, and a pin that no
// usable file satisfies marks one of them as blocking.
void apply_lock(std::vector<PluginCandidate>& all, const ExtensionLock& lock,
                const std::vector<SearchDirectory>& directories) {
  auto workspace = std::find_if(directories.begin(), directories.end(), [](const auto& directory) {
    return directory.layer == PluginLayer::kWorkspace;
  });
  if (lock.empty() || workspace == directories.end()) return;
  std::vector<ExtensionFile> files;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].layer != PluginLayer::kWorkspace) continue;
    if (lock.find(all[i].kind, all[i].name) == nullptr) continue;
    files.push_back({all[i].kind, all[i].name, all[i].file, ""});
    positions.push_back(i);
  }
  auto checks = check_against_lock(files, lock, workspace->path,
                                   extension_lock_path(workspace->path.parent_path()));

  // A pin is settled by a usable file that matches it. The first file of every pin
  // still unsettled after that blocks the pin's name.
  std::set<std::pair<sdk::PluginKind, std::string>> settled;
  for (std::size_t k = 0; k < positions.size(); ++k) {
    PluginCandidate& candidate = all[positions[k]];
    if (checks[k].state == LockState::kModified) candidate.problem = checks[k].problem;
    if (candidate.usable()) settled.emplace(candidate.kind, candidate.name);
  }
  for (std::size_t position : positions) {
    PluginCandidate& candidate = all[position];
    if (settled.emplace(candidate.kind, candidate.name).second) candidate.blocks_fallback = true;
  }
  auto directory_index = static_cast<std::size_t>(workspace - directories.begin());
  for (std::size_t k = positions.size(); k < checks.size(); ++k) {
    all.insert(all.begin(), missing_pin_candidate(checks[k], directory_index));
  }
}

std::string blocked_problem(const PluginCandidate& blocking) {
  return std::string("not used, because the workspace ") + sdk::to_string(blocking.kind) + " '" +
         blocking.name + "' pinned in extensions.lock cannot be used ('" + blocking.file.string() +
         "') and a pinned plugin never falls back to another layer";
}

bool entry_order(const PluginEntry& left, const PluginEntry& right) {
  if (left.active.kind != right.active.kind) return left.active.kind < right.active.kind;
  return left.active.name < right.active.name;
}

}  // namespace

const char* to_string(PluginLayer layer) {
  switch (layer) {
    case PluginLayer::kWorkspace:
      return "workspace";
    case PluginLayer::kExtensionsPath:
      return "extensions-path";
    case PluginLayer::kUser:
      return "user";
    case PluginLayer::kCore:
      return "core";
  }
  return "core";
}

PluginCatalog PluginCatalog::discover(const std::vector<SearchDirectory>& directories,
                                      const ExtensionLock& lock) {
  PluginCatalog catalog;
  catalog.directories_ = directories;
  for (std::size_t index = 0; index < directories.size(); ++index) {
    const SearchDirectory& directory = directories[index];
    for (sdk::PluginKind kind : all_plugin_kinds()) {
      for (const auto& file : list_shared_objects(directory.path / sdk::to_string(kind))) {
        catalog.all_.push_back(inspect(file, kind, directory.layer));
        catalog.all_.back().directory_index = index;
      }
    }
  }

  apply_lock(catalog.all_, lock, directories);

  // The first usable candidate of each kind and name, in search order, is in force.
  std::map<std::pair<sdk::PluginKind, std::string>, std::size_t> index;
  for (PluginCandidate& candidate : catalog.all_) {
    if (!candidate.usable()) continue;
    if (const PluginCandidate* blocking =
            catalog.blocking_problem(candidate.kind, candidate.name)) {
      candidate.problem = blocked_problem(*blocking);
      continue;
    }
    auto key = std::make_pair(candidate.kind, candidate.name);
    auto found = index.find(key);
    if (found == index.end()) {
      index.emplace(key, catalog.entries_.size());
      catalog.entries_.push_back(PluginEntry{candidate, {}});
      continue;
    }
    PluginEntry& entry = catalog.entries_[found->second];
    // Like PATH, an earlier directory shadows a later one, even in the same layer. Two
    // files of one name in the same directory are a mistake.
    if (entry.active.directory_index == candidate.directory_index) {
      candidate.problem = "duplicate " + std::string(sdk::to_string(candidate.kind)) + " '" +
                          candidate.name + "' in '" + candidate.file.parent_path().string() +
                          "'; '" + entry.active.file.string() + "' is used, remove one of the two";
      continue;
    }
    entry.shadowed.push_back(candidate);
  }
  std::sort(catalog.entries_.begin(), catalog.entries_.end(), entry_order);
  return catalog;
}

std::vector<const PluginEntry*> PluginCatalog::entries(std::optional<sdk::PluginKind> kind) const {
  std::vector<const PluginEntry*> selected;
  for (const PluginEntry& entry : entries_) {
    if (!kind || entry.active.kind == *kind) selected.push_back(&entry);
  }
  return selected;
}

const PluginEntry* PluginCatalog::find(sdk::PluginKind kind, std::string_view name) const {
  for (const PluginEntry& entry : entries_) {
    if (entry.active.kind == kind && entry.active.name == name) return &entry;
  }
  return nullptr;
}

std::vector<PluginCandidate> PluginCatalog::candidates(sdk::PluginKind kind,
                                                       std::string_view name) const {
  std::vector<PluginCandidate> matching;
  for (const PluginCandidate& candidate : all_) {
    if (candidate.kind == kind && candidate.name == name) matching.push_back(candidate);
  }
  return matching;
}

const PluginCandidate* PluginCatalog::blocking_problem(sdk::PluginKind kind,
                                                       std::string_view name) const {
  for (const PluginCandidate& candidate : all_) {
    if (candidate.blocks_fallback && candidate.kind == kind && candidate.name == name) {
      return &candidate;
    }
  }
  return nullptr;
}

std::vector<PluginCandidate> PluginCatalog::problems() const {
  std::vector<PluginCandidate> broken;
  for (const PluginCandidate& candidate : all_) {
    if (!candidate.usable()) broken.push_back(candidate);
  }
  return broken;
}

std::vector<std::string> PluginCatalog::names(sdk::PluginKind kind) const {
  std::vector<std::string> result;
  for (const PluginEntry& entry : entries_) {
    if (entry.active.kind == kind) result.push_back(entry.active.name);
  }
  return result;
}

}  // namespace provisioning::host
