#include "extension_check.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <set>

#include "plugin_manifest.h"
#include "sha256.h"

namespace provisioning::host {
namespace {

using PinKey = std::pair<sdk::PluginKind, std::string>;

std::string modified_problem(const ExtensionFile& extension, const LockedExtension& locked,
                             const std::string& actual, const std::filesystem::path& lock_file) {
  return "'" + extension.file.string() + "' does not match its pin in '" + lock_file.string() +
         "' (expected sha256 " + hash_prefix(locked.sha256) + ", found " + hash_prefix(actual) +
         "); to accept the change, run `provisioning extension upgrade " + locked.name + " " +
         extension.file.string() +
         "` or install the new build with `provisioning extension install PATH --force`, "
         "otherwise restore the file";
}

std::string missing_problem(const LockedExtension& locked, const std::filesystem::path& file,
                            const std::filesystem::path& lock_file) {
  std::string kind = sdk::to_string(locked.kind);
  return "'" + lock_file.string() + "' pins " + kind + " '" + locked.name + "' (sha256 " +
         hash_prefix(locked.sha256) + ") but '" + file.string() +
         "' is missing; restore it with `provisioning extension install PATH --force`, or "
         "drop the pin with `provisioning extension remove " +
         locked.name + " --kind " + kind + " --yes`";
}

ExtensionCheck check_file(const ExtensionFile& extension, const ExtensionLock& lock,
                          const std::filesystem::path& lock_file) {
  ExtensionCheck check;
  check.extension = extension;
  if (const LockedExtension* locked = lock.find(extension.kind, extension.name)) {
    check.locked = *locked;
  }
  try {
    check.actual_sha256 = sha256_file_hex(extension.file);
  } catch (const sdk::Error& error) {
    check.state = check.locked ? LockState::kModified : LockState::kUnlocked;
    if (check.locked) check.problem = error.what();
    return check;
  }
  if (!check.locked) {
    check.state = LockState::kUnlocked;
  } else if (check.actual_sha256 == check.locked->sha256) {
    check.state = LockState::kOk;
  } else {
    check.state = LockState::kModified;
    check.problem = modified_problem(extension, *check.locked, check.actual_sha256, lock_file);
  }
  return check;
}

}  // namespace

const char* to_string(LockState state) {
  switch (state) {
    case LockState::kOk:
      return "ok";
    case LockState::kModified:
      return "modified";
    case LockState::kMissing:
      return "missing";
    case LockState::kUnlocked:
      return "unlocked";
  }
  return "modified";
}

std::string hash_prefix(std::string_view sha256, std::size_t count) {
  return std::string(sha256.substr(0, count));
}

std::vector<ExtensionCheck> check_against_lock(const std::vector<ExtensionFile>& files,
                                               const ExtensionLock& lock,
                                               const std::filesystem::path& extensions_dir,
                                               const std::filesystem::path& lock_file) {
  std::vector<ExtensionCheck> checks;
  std::set<PinKey> claimed;
  for (const ExtensionFile& extension : files) {
    checks.push_back(check_file(extension, lock, lock_file));
    claimed.emplace(extension.kind, extension.name);
  }
  for (const LockedExtension& locked : lock.entries()) {
    if (claimed.count({locked.kind, locked.name}) > 0) continue;
    ExtensionCheck check;
    check.extension.kind = locked.kind;
    check.extension.name = locked.name;
    check.extension.file = extensions_dir / sdk::to_string(locked.kind) / (locked.name + ".so");
    check.locked = locked;
    check.state = LockState::kMissing;
    check.problem = missing_problem(locked, check.extension.file, lock_file);
    checks.push_back(std::move(check));
  }
  return checks;
}

std::vector<ExtensionFile> list_extension_files(const std::filesystem::path& extensions_dir) {
  std::vector<ExtensionFile> files;
  for (sdk::PluginKind kind : all_plugin_kinds()) {
    std::vector<std::filesystem::path> paths;
    std::error_code error;  // a missing kind directory contains no plugins
    for (const auto& entry :
         std::filesystem::directory_iterator(extensions_dir / sdk::to_string(kind), error)) {
      if (entry.path().extension() == ".so") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      ExtensionFile extension{kind, path.stem().string(), path, ""};
      try {
        PluginManifest manifest = parse_manifest(read_manifest_section(path));
        extension.name = manifest.name;
        extension.version = manifest.version;
      } catch (const sdk::Error&) {
        // Keep the file name: the file is listed, and the catalog reports why it is broken.
      }
      files.push_back(std::move(extension));
    }
  }
  return files;
}

}  // namespace provisioning::host
