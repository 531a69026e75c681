#include "extension_lock.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "plugin_manifest.h"

namespace provisioning::host {
namespace {

constexpr std::string_view kHeader =
    "# Extension lock file of this provisioning workspace. Commit it with the workspace:\n"
    "# it pins the SHA-256 of every plugin installed in extensions/, and provisioning\n"
    "# refuses to load a pinned plugin whose file no longer matches.\n"
    "# Written by `provisioning extension install|upgrade|remove`; do not edit it by hand.\n"
    "# Format: lock_version, then one [[extension]] table per plugin, sorted by kind and\n"
    "# name, with the keys installed_at, kind, name, sha256, source and version.\n"
    "\n";

constexpr std::string_view kFix =
    "fix the file, or delete it and install the extensions again with `provisioning "
    "extension install`";

[[noreturn]] void throw_invalid(const std::filesystem::path& file, const std::string& problem) {
  throw sdk::Error::invalid_argument("invalid extension lock file '" + file.string() +
                                     "': " + problem + "; " + std::string(kFix));
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    bool digit = c >= '0' && c <= '9';
    bool letter = c >= 'a' && c <= 'f';
    if (!digit && !letter) return false;
  }
  return true;
}

std::string required_string(const toml::table& table, std::string_view key,
                            const std::filesystem::path& file, const std::string& where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) throw_invalid(file, where + " has no '" + std::string(key) + "' key");
  const auto* value = node->as_string();
  if (value == nullptr || value->get().empty()) {
    throw_invalid(file, where + " has a '" + std::string(key) + "' that is not a non-empty string");
  }
  return value->get();
}

void reject_unknown_keys(const toml::table& table, const std::vector<std::string_view>& known,
                         const std::filesystem::path& file, const std::string& where) {
  for (auto&& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      throw_invalid(file, where + " has unknown key '" + std::string(key.str()) + "'");
    }
  }
}

LockedExtension parse_entry(const toml::table& table, const std::filesystem::path& file,
                            const std::string& where) {
  reject_unknown_keys(table, {"installed_at", "kind", "name", "sha256", "source", "version"}, file,
                      where);
  LockedExtension entry;
  std::string kind = required_string(table, "kind", file, where);
  auto parsed_kind = parse_plugin_kind(kind);
  if (!parsed_kind) {
    throw_invalid(file, where + " has unknown kind '" + kind +
                            "' (expected provider, taskserv, storage or api)");
  }
  entry.kind = *parsed_kind;
  entry.name = required_string(table, "name", file, where);
  if (!is_valid_extension_name(entry.name)) {
    throw_invalid(file, where + " has invalid name '" + entry.name + "'");
  }
  entry.version = required_string(table, "version", file, where);
  entry.sha256 = required_string(table, "sha256", file, where);
  if (!is_sha256_hex(entry.sha256)) {
    throw_invalid(
        file, where + " has sha256 '" + entry.sha256 + "', which is not 64 lower-case hex digits");
  }
  entry.source = required_string(table, "source", file, where);
  entry.installed_at = required_string(table, "installed_at", file, where);
  return entry;
}

void check_lock_version(const toml::table& root, const std::filesystem::path& file) {
  const toml::node* node = root.get("lock_version");
  if (node == nullptr) throw_invalid(file, "it has no 'lock_version' key");
  const auto* version = node->as_integer();
  if (version == nullptr || version->get() < 1) {
    throw_invalid(file, "'lock_version' is not a positive integer");
  }
  if (version->get() > ExtensionLock::kFormatVersion) {
    throw sdk::Error::invalid_argument(
        "extension lock file '" + file.string() + "' has lock_version " +
        std::to_string(version->get()) + ", but this provisioning reads only version " +
        std::to_string(ExtensionLock::kFormatVersion) +
        "; it was written by a newer provisioning, so upgrade provisioning");
  }
}

toml::table parse_toml(std::string_view text, const std::filesystem::path& file) {
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    const toml::source_position& where = error.source().begin;
    std::ostringstream message;
    message << "invalid extension lock file " << file.string() << ':' << where.line << ':'
            << where.column << ": " << error.description() << "; " << kFix;
    throw sdk::Error::invalid_argument(message.str());
  }
}

toml::table entry_table(const LockedExtension& entry) {
  return toml::table{{"installed_at", entry.installed_at},
                     {"kind", sdk::to_string(entry.kind)},
                     {"name", entry.name},
                     {"sha256", entry.sha256},
                     {"source", entry.source},
                     {"version", entry.version}};
}

}  // namespace

bool is_valid_extension_name(std::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name) {
    bool lower = c >= 'a' && c <= 'z';
    bool digit = c >= '0' && c <= '9';
    if (!lower && !digit && c != '_' && c != '-') return false;
  }
  return true;
}

ExtensionLock ExtensionLock::parse(std::string_view text, const std::filesystem::path& file) {
  toml::table root = parse_toml(text, file);
  ExtensionLock lock;
  if (root.empty()) return lock;
  reject_unknown_keys(root, {"lock_version", "extension"}, file, "the top level");
  check_lock_version(root, file);
  const toml::node* extensions = root.get("extension");
  if (extensions == nullptr) return lock;
  const toml::array* array = extensions->as_array();
  if (array == nullptr) throw_invalid(file, "'extension' is not an array of [[extension]] tables");
  for (std::size_t i = 0; i < array->size(); ++i) {
    std::string where = "[[extension]] table " + std::to_string(i + 1);
    const toml::table* table = array->get(i)->as_table();
    if (table == nullptr) throw_invalid(file, where + " is not a table");
    LockedExtension entry = parse_entry(*table, file, where);
    if (lock.find(entry.kind, entry.name) != nullptr) {
      throw_invalid(file,
                    where + " repeats " + sdk::to_string(entry.kind) + " '" + entry.name + "'");
    }
    lock.put(std::move(entry));
  }
  return lock;
}

ExtensionLock ExtensionLock::read(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return {};
  if (!std::filesystem::is_regular_file(file)) {
    throw sdk::Error::invalid_argument("extension lock file '" + file.string() +
                                       "' is not a regular file; move it away");
  }
  return parse(sdk::read_file(file), file);
}

std::string ExtensionLock::to_toml() const {
  toml::array array;
  for (const auto& [key, entry] : entries_) array.push_back(entry_table(entry));
  toml::table root{{"lock_version", kFormatVersion}};
  if (!array.empty()) root.insert("extension", std::move(array));
  std::ostringstream text;
  text << kHeader << toml::toml_formatter(root, toml::format_flags::allow_unicode_strings) << '\n';
  return text.str();
}

void ExtensionLock::write(const std::filesystem::path& file) const {
  sdk::write_file_atomically(file, to_toml(), 0644);
}

const LockedExtension* ExtensionLock::find(sdk::PluginKind kind, std::string_view name) const {
  auto found = entries_.find({sdk::to_string(kind), std::string(name)});
  return found == entries_.end() ? nullptr : &found->second;
}

std::vector<LockedExtension> ExtensionLock::find_by_name(std::string_view name) const {
  std::vector<LockedExtension> matches;
  for (const auto& [key, entry] : entries_) {
    if (entry.name == name) matches.push_back(entry);
  }
  return matches;
}

void ExtensionLock::put(LockedExtension entry) {
  std::pair<std::string, std::string> key{sdk::to_string(entry.kind), entry.name};
  entries_.insert_or_assign(std::move(key), std::move(entry));
}

bool ExtensionLock::erase(sdk::PluginKind kind, std::string_view name) {
  return entries_.erase({sdk::to_string(kind), std::string(name)}) > 0;
}

std::vector<LockedExtension> ExtensionLock::entries() const {
  std::vector<LockedExtension> all;
  for (const auto& [key, entry] : entries_) all.push_back(entry);
  return all;
}

std::filesystem::path extension_lock_path(const std::filesystem::path& workspace_root) {
  return workspace_root / "extensions.lock";
}

std::filesystem::path installed_extension_path(const std::filesystem::path& workspace_root,
                                               sdk::PluginKind kind, std::string_view name) {
  return workspace_root / "extensions" / sdk::to_string(kind) / (std::string(name) + ".so");
}

}  // namespace provisioning::host
