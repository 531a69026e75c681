#pragma once

#include <provisioning/sdk/plugin.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace provisioning::host {

// One plugin pinned by the lock file.
struct LockedExtension {
  sdk::PluginKind kind = sdk::PluginKind::kProvider;
  std::string name;          // the name in the plugin's manifest
  std::string version;       // the version in the plugin's manifest
  std::string sha256;        // SHA-256 of the installed file, 64 lower-case hex digits
  std::string source;        // absolute path of the file it was installed from
  std::string installed_at;  // UTC time of the install or upgrade, RFC 3339

  bool operator==(const LockedExtension&) const = default;
};

// The workspace's extension lock file, <workspace>/extensions.lock. It records every
// plugin installed with `provisioning extension install` so that a checkout of the
// workspace loads exactly the builds that were installed. The format is TOML:
//
//   lock_version = 1
//
//   [[extension]]
//   installed_at = "2026-01-02T10:11:12.345Z"
//   kind = "provider"
//   name = "fixture"
//   sha256 = "<64 hex digits>"
//   source = "/home/alice/build/fixture.so"
//   version = "1.0.0"
//
// after a comment header. Tables are sorted by kind, then name, and keys
// alphabetically, so writing the same entries always produces the same bytes. The
// installed file is always extensions/<kind>/<name>.so, so it is not stored.
class ExtensionLock {
 public:
  static constexpr int kFormatVersion = 1;

  // Reads `file`; a missing file is an empty lock. Throws sdk::Error
  // (kInvalidArgument) naming the file, the position or entry, and the fix.
  static ExtensionLock read(const std::filesystem::path& file);

  // Parses lock file text; `file` only names the source in messages.
  static ExtensionLock parse(std::string_view text, const std::filesystem::path& file);

  // Returns the file content: the comment header, then the TOML.
  std::string to_toml() const;

  // Writes the lock to `file` atomically (temporary file, fsync, rename), mode 0644.
  void write(const std::filesystem::path& file) const;

  const LockedExtension* find(sdk::PluginKind kind, std::string_view name) const;

  // Entries named `name`, of any kind.
  std::vector<LockedExtension> find_by_name(std::string_view name) const;

  // Adds the entry, replacing one of the same kind and name.
  void put(LockedExtension entry);

  // Removes the entry; returns whether there was one.
  bool erase(sdk::PluginKind kind, std::string_view name);

  // All entries, sorted by kind name, then name.
  std::vector<LockedExtension> entries() const;

  bool empty() const { return entries_.empty(); }

 private:
  std::map<std::pair<std::string, std::string>, LockedExtension> entries_;
};

// Returns whether `name` is a valid plugin name: a lower-case letter, then lower-case
// letters, digits, '_' or '-' (the rule provisioning_add_plugin() enforces). Such a
// name is safe as a file name.
bool is_valid_extension_name(std::string_view name);

// Returns <workspace_root>/extensions.lock.
std::filesystem::path extension_lock_path(const std::filesystem::path& workspace_root);

// Returns the file a locked plugin is installed as: <root>/extensions/<kind>/<name>.so.
std::filesystem::path installed_extension_path(const std::filesystem::path& workspace_root,
                                               sdk::PluginKind kind, std::string_view name);

}  // namespace provisioning::host
