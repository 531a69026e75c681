#pragma once

#include <filesystem>
#include <vector>

namespace provisioning::host::bridge {

// Returns <prefix>/share/provisioning/shims, the directory of the shim templates, from
// the shipped configuration directory <prefix>/share/provisioning/config.
std::filesystem::path shim_template_directory(const std::filesystem::path& core_config);

// Writes the legacy entry points under `legacy_directory`, as executable files (mode
// 0755) rendered from the templates in `template_directory`:
//   core/nulib/provisioning, src/core/nulib/provisioning  (provisioning.in)
//   core/nulib/orchestrator, src/core/nulib/orchestrator  (orchestrator.in)
// `binary` and `workspace` replace @PROVISIONING_BINARY@ and @WORKSPACE@, shell-quoted.
// Returns the files written. Throws sdk::Error (kNotFound) naming a missing template and
// (kUnavailable) when a file cannot be written.
std::vector<std::filesystem::path> install_shims(const std::filesystem::path& template_directory,
                                                 const std::filesystem::path& legacy_directory,
                                                 const std::filesystem::path& binary,
                                                 const std::filesystem::path& workspace);

}  // namespace provisioning::host::bridge
