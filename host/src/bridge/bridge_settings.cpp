#include "bridge/bridge_settings.h"

#include <provisioning/sdk/error.h>

namespace provisioning::host::bridge {
namespace {

constexpr std::string_view kSetLegacyPath =
    "set it with 'provisioning bridge mode set MODE --legacy-path DIR' or as legacy_path "
    "under [bridge] in the workspace's config.toml";

std::string origin_of(const Config& config, std::string_view key) {
  auto value = config.find(key);
  return value ? value->origin : std::string("the shipped defaults");
}

}  // namespace

std::string_view to_string(BridgeMode mode) {
  switch (mode) {
    case BridgeMode::kOff:
      return "off";
    case BridgeMode::kCompatibility:
      return "compatibility";
    case BridgeMode::kMigration:
      return "migration";
  }
  return "off";
}

BridgeMode parse_bridge_mode(std::string_view text, std::string_view origin) {
  if (text == "off") return BridgeMode::kOff;
  if (text == "compatibility") return BridgeMode::kCompatibility;
  if (text == "migration") return BridgeMode::kMigration;
  throw sdk::Error::invalid_argument("invalid bridge mode '" + std::string(text) + "' from " +
                                     std::string(origin) + "; use off, compatibility or migration");
}

int checked_percentage(std::int64_t value, std::string_view origin) {
  if (value < 0 || value > 100) {
    throw sdk::Error::invalid_argument("invalid bridge.new_system_percentage " +
                                       std::to_string(value) + " from " + std::string(origin) +
                                       "; use a whole number from 0 to 100");
  }
  return static_cast<int>(value);
}

BridgeSettings read_bridge_settings(const Config& config,
                                    const std::filesystem::path& workspace_root) {
  BridgeSettings settings;
  settings.mode =
      parse_bridge_mode(config.get_string("bridge.mode"), origin_of(config, "bridge.mode"));
  settings.new_system_percentage =
      checked_percentage(config.get_int("bridge.new_system_percentage"),
                         origin_of(config, "bridge.new_system_percentage"));
  std::filesystem::path legacy(config.get_string("bridge.legacy_path"));
  if (!legacy.empty()) settings.legacy_path = (workspace_root / legacy).lexically_normal();
  return settings;
}

void require_legacy_path(const BridgeSettings& settings) {
  if (settings.mode == BridgeMode::kOff) return;
  std::string mode(to_string(settings.mode));
  if (settings.legacy_path.empty()) {
    throw sdk::Error::invalid_argument("bridge mode '" + mode +
                                       "' needs a legacy data directory, but bridge.legacy_path "
                                       "is empty; " +
                                       std::string(kSetLegacyPath));
  }
  std::error_code error;
  if (!std::filesystem::is_directory(settings.legacy_path, error)) {
    throw sdk::Error::not_found("legacy data directory '" + settings.legacy_path.string() +
                                "' (bridge.legacy_path) does not exist or is not a directory; "
                                "create it, or " +
                                std::string(kSetLegacyPath) + " to the legacy installation's data");
  }
}

}  // namespace provisioning::host::bridge
