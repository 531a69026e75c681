#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "config.h"

// The [bridge] settings: which system serves each operation while a legacy installation
// and this one run side by side.
namespace provisioning::host::bridge {

enum class BridgeMode {
  kOff,            // no bridge: commands run on this system only
  kCompatibility,  // every operation on the new path, legacy path as the fallback
  kMigration,      // new_system_percentage of server names on the new path
};

// Returns "off", "compatibility" or "migration".
std::string_view to_string(BridgeMode mode);

// Parses a mode name. Throws sdk::Error (kInvalidArgument) naming `text`, `origin` (where
// the value came from) and the valid names.
BridgeMode parse_bridge_mode(std::string_view text, std::string_view origin);

// Checks a percentage of 0 to 100. Throws sdk::Error (kInvalidArgument) naming the value
// and `origin` otherwise.
int checked_percentage(std::int64_t value, std::string_view origin);

struct BridgeSettings {
  BridgeMode mode = BridgeMode::kOff;
  int new_system_percentage = 0;
  std::filesystem::path legacy_path;  // absolute; empty when none is configured
};

// Reads bridge.mode, bridge.new_system_percentage and bridge.legacy_path. A relative
// legacy path is relative to `workspace_root`. Throws sdk::Error (kInvalidArgument) for
// an unknown mode or a percentage outside 0 to 100, naming the value and where it came
// from. Does not check the legacy path: see require_legacy_path().
BridgeSettings read_bridge_settings(const Config& config,
                                    const std::filesystem::path& workspace_root);

// Throws sdk::Error (kInvalidArgument) when the mode needs a legacy path and
// bridge.legacy_path is empty, and (kNotFound) when it names no directory. Both messages
// include how to set it.
void require_legacy_path(const BridgeSettings& settings);

}  // namespace provisioning::host::bridge
