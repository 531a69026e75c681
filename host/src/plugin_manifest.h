#pragma once

#include <provisioning/sdk/plugin.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace provisioning::host {

// The facts a plugin states about itself, read from its file before any of its code runs.
struct PluginManifest {
  sdk::PluginKind kind = sdk::PluginKind::kProvider;
  std::string name;
  std::string version;
  int sdk_abi = 0;
  std::string description;
  std::string author;
  std::string license;
  std::vector<std::string> capabilities;
  std::string text;  // the manifest as stored, compared with the exported alias on load
};

// Parses manifest text ("provisioning-plugin-manifest" then key=value lines). Throws
// sdk::Error (kInvalidArgument) naming the missing or invalid field.
PluginManifest parse_manifest(const std::string& text);

// Reads the manifest section from an ELF shared object without loading it. Throws
// sdk::Error (kInvalidArgument) when the file is not a 64-bit ELF shared object or has no
// manifest section, and (kNotFound or kUnavailable) when it cannot be read.
std::string read_manifest_section(const std::filesystem::path& file);

// Parses a kind name ("provider", ...). Returns nothing for an unknown name.
std::optional<sdk::PluginKind> parse_plugin_kind(std::string_view name);

// All kinds, in the order the CLI lists them.
const std::vector<sdk::PluginKind>& all_plugin_kinds();

}  // namespace provisioning::host
