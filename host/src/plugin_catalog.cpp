#include "plugin_catalog.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <map>

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
  return candidate;
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

PluginCatalog PluginCatalog::discover(const std::vector<SearchDirectory>& directories) {
  PluginCatalog catalog;
  catalog.directories_ = directories;
  for (const SearchDirectory& directory : directories) {
    for (sdk::PluginKind kind : all_plugin_kinds()) {
      for (const auto& file : list_shared_objects(directory.path / sdk::to_string(kind))) {
        catalog.all_.push_back(inspect(file, kind, directory.layer));
      }
    }
  }

  // The first usable candidate of each kind and name, in search order, is in force.
  std::map<std::pair<sdk::PluginKind, std::string>, std::size_t> index;
  for (PluginCandidate& candidate : catalog.all_) {
    if (!candidate.usable()) continue;
    auto key = std::make_pair(candidate.kind, candidate.name);
    auto found = index.find(key);
    if (found == index.end()) {
      index.emplace(key, catalog.entries_.size());
      catalog.entries_.push_back(PluginEntry{candidate, {}});
      continue;
    }
    PluginEntry& entry = catalog.entries_[found->second];
    if (entry.active.layer == candidate.layer) {
      candidate.problem = "duplicate " + std::string(sdk::to_string(candidate.kind)) + " '" +
                          candidate.name + "' in the " + to_string(candidate.layer) + " layer; '" +
                          entry.active.file.string() + "' is used, remove one of the two";
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
