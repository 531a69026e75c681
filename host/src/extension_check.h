#pragma once

#include <provisioning/sdk/plugin.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "extension_lock.h"

namespace provisioning::host {

// A plugin file in a workspace's extensions/<kind>/ directory.
struct ExtensionFile {
  sdk::PluginKind kind = sdk::PluginKind::kProvider;
  std::string name;  // from the manifest; the file name without ".so" when unreadable
  std::filesystem::path file;
  std::string version;  // from the manifest; empty when unreadable or not read
};

// The state of a workspace plugin file compared with the lock file.
enum class LockState {
  kOk,        // pinned, and the file's SHA-256 matches
  kModified,  // pinned, but the file's SHA-256 differs or the file cannot be read
  kMissing,   // pinned, but no file in extensions/<kind>/ has that kind and name
  kUnlocked,  // a file whose kind and name the lock does not pin
};

// Returns "ok", "modified", "missing" or "unlocked".
const char* to_string(LockState state);

// The result of comparing one file, or one pin without a file, with the lock.
struct ExtensionCheck {
  ExtensionFile extension;  // for kMissing, the path the pinned file is installed as
  std::optional<LockedExtension> locked;
  std::string actual_sha256;  // empty for kMissing and for an unreadable file
  LockState state = LockState::kOk;
  std::string problem;  // for kModified and kMissing: what is wrong and how to fix it
};

// Hashes every file and compares it with the pin of the same kind and name. A pin that
// no file claims gives one kMissing result. `extensions_dir` is the workspace's
// extensions/ directory, and `lock_file` only names the lock in messages. Results keep
// the order of `files`, followed by missing pins in lock order.
std::vector<ExtensionCheck> check_against_lock(const std::vector<ExtensionFile>& files,
                                               const ExtensionLock& lock,
                                               const std::filesystem::path& extensions_dir,
                                               const std::filesystem::path& lock_file);

// Lists extensions/<kind>/*.so of every kind under `extensions_dir`, with the name from
// each manifest (the file name without ".so" when the manifest cannot be read), sorted
// by kind, then path.
std::vector<ExtensionFile> list_extension_files(const std::filesystem::path& extensions_dir);

// Returns the first `count` characters of a hex digest, for messages and tables.
std::string hash_prefix(std::string_view sha256, std::size_t count = 12);

}  // namespace provisioning::host
