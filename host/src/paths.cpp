#include "paths.h"

#include <provisioning/sdk/error.h>

#include <optional>
#include <string>
#include <system_error>

namespace provisioning::host {
namespace {

namespace fs = std::filesystem;

#ifndef PROVISIONING_PLUGIN_SUBDIR
#define PROVISIONING_PLUGIN_SUBDIR "lib/provisioning/extensions"
#endif
#ifndef PROVISIONING_CONFIG_SUBDIR
#define PROVISIONING_CONFIG_SUBDIR "share/provisioning/config"
#endif

// Returns the variable's value, or nothing when it is unset or empty.
std::optional<std::string> non_empty(const EnvironmentLookup& environment,
                                     const std::string& name) {
  std::optional<std::string> value = environment(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

fs::path running_executable() {
  std::error_code error;
  fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (error) {
    throw sdk::Error::internal(
        "could not read /proc/self/exe to find the installation: " + error.message() +
        "; set PROVISIONING_CORE_DIR to the installation prefix");
  }
  return executable;
}

// The executable lives in <prefix>/bin, so the prefix is two levels up. Symbolic links
// are resolved, so a link to the program elsewhere still finds its own prefix.
fs::path installation_prefix(const EnvironmentLookup& environment, fs::path executable) {
  if (auto core_dir = non_empty(environment, "PROVISIONING_CORE_DIR")) {
    return fs::absolute(*core_dir).lexically_normal();
  }
  if (executable.empty()) executable = running_executable();
  return fs::weakly_canonical(fs::absolute(executable)).parent_path().parent_path();
}

// Applies the XDG Base Directory rule: use $<variable>/provisioning when the variable
// is an absolute path, else ~/<fallback>/provisioning. Relative values are ignored, as
// the specification requires.
fs::path xdg_directory(const EnvironmentLookup& environment, const std::string& variable,
                       const fs::path& fallback) {
  if (auto value = non_empty(environment, variable); value && fs::path(*value).is_absolute()) {
    return fs::path(*value) / "provisioning";
  }
  std::optional<std::string> home = non_empty(environment, "HOME");
  if (!home) {
    throw sdk::Error::invalid_argument("neither " + variable +
                                       " nor HOME is set, so the per-user directories cannot "
                                       "be found; set HOME or " +
                                       variable + " to an absolute path");
  }
  return fs::path(*home) / fallback / "provisioning";
}

}  // namespace

HostPaths detect_host_paths(const EnvironmentLookup& environment, fs::path executable) {
  fs::path prefix = installation_prefix(environment, std::move(executable));
  HostPaths paths;
  paths.core_extensions = prefix / PROVISIONING_PLUGIN_SUBDIR;
  paths.core_config = prefix / PROVISIONING_CONFIG_SUBDIR;
  paths.user_data = xdg_directory(environment, "XDG_DATA_HOME", ".local/share");
  paths.user_config = xdg_directory(environment, "XDG_CONFIG_HOME", ".config");
  return paths;
}

}  // namespace provisioning::host
