#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "host.h"

namespace provisioning::host::migration {

// The directory or database file a file-based backend (sqlite, filesystem) uses, from
// storage.<backend>.path resolved against the workspace.
std::filesystem::path configured_location_path(const Host& host, const std::string& backend);

// A description of where `backend` keeps its records, for reports and messages.
std::string configured_location_text(const Host& host, const std::string& backend);

// The values that the workspace's config.toml itself sets for storage.backend and for
// the location setting of each of `backends`, so a rollback can put them back. A key
// the file does not set has an empty value.
std::vector<std::pair<std::string, std::string>> workspace_storage_settings(
    const Host& host, const std::vector<std::string>& backends);

// Sets the keys of `settings` with a value in the workspace's config.toml in one atomic
// write, then removes the keys whose value is empty.
void restore_storage_settings(const Host& host,
                              const std::vector<std::pair<std::string, std::string>>& settings);

}  // namespace provisioning::host::migration
