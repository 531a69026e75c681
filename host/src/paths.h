#pragma once

#include <filesystem>

#include "environment.h"

namespace provisioning::host {

// Directories the host reads from, found once at start-up.
struct HostPaths {
  // Core plugins: <prefix>/lib/provisioning/extensions, found relative to the
  // executable, so the build tree and an installed prefix both work.
  std::filesystem::path core_extensions;
  // Shipped configuration: <prefix>/share/provisioning/config.
  std::filesystem::path core_config;
  // $XDG_DATA_HOME/provisioning, else ~/.local/share/provisioning.
  std::filesystem::path user_data;
  // $XDG_CONFIG_HOME/provisioning, else ~/.config/provisioning.
  std::filesystem::path user_config;
};

// Finds the directories above. `executable` is the running program's path; it defaults
// to /proc/self/exe. PROVISIONING_CORE_DIR, when set, replaces <prefix>.
HostPaths detect_host_paths(const EnvironmentLookup& environment,
                            std::filesystem::path executable = {});

}  // namespace provisioning::host
