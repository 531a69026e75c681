#include "workspace.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>

#include <array>
#include <string_view>
#include <system_error>
#include <utility>

namespace provisioning::host {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 4> kExtensionKinds = {"provider", "taskserv", "storage",
                                                             "api"};

// Every line is a comment, so a new workspace runs on the shipped defaults until the
// user uncomments something.
constexpr std::string_view kConfigTemplate = R"(# Workspace configuration.
#
# Settings here override the shipped defaults and the user's config.user.toml.
# config.<env>.toml next to this file overrides them again when PROVISIONING_ENV is
# dev, staging or prod. Uncomment a line to change a setting. The shipped
# config.defaults.toml lists every key with its meaning and unit.

# [storage]
# Storage backend plugin for state: "sqlite" or "filesystem".
# backend = "sqlite"

# [provider]
# Provider plugin used when a server does not name one.
# default = "local"

# [orchestrator]
# Address and TCP port the orchestrator's HTTP API listens on.
# host = "127.0.0.1"
# port = 9090
# Maximum number of tasks the orchestrator runs at the same time.
# max_parallel_tasks = 4
# Token the orchestrator's API requires from clients. It has no default, so keep
# this file private once you set it.
# auth_token = "..."

# [logging]
# Minimum level logged: trace, debug, info, warn, error, critical or off.
# level = "info"
)";

[[noreturn]] void throw_create_failed(const fs::path& dir, const std::error_code& error) {
  throw sdk::Error::unavailable("could not create workspace directory '" + dir.string() +
                                "': " + error.message() +
                                "; check the permissions of its parent or choose another path");
}

void make_workspace_directory(const fs::path& dir) {
  if (fs::exists(dir) && !fs::is_directory(dir)) {
    throw sdk::Error::already_exists("cannot create workspace directory '" + dir.string() +
                                     "' because a file with that name exists; move the file "
                                     "away or choose another path");
  }
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw_create_failed(dir, error);
}

// Returns `path` as an absolute path, with a relative one taken from `cwd`.
fs::path absolute_from(const fs::path& path, const fs::path& cwd) {
  return (path.is_absolute() ? path : cwd / path).lexically_normal();
}

Workspace require_workspace(const fs::path& dir, std::string_view named_by) {
  if (Workspace::is_workspace(dir)) return Workspace(dir);
  std::string problem = fs::exists(dir) ? "is not a workspace (it needs config.toml and "
                                          ".provisioning/)"
                                        : "does not exist";
  throw sdk::Error::not_found("workspace '" + dir.string() + "' named by " + std::string(named_by) +
                              " " + problem + "; create it with `provisioning workspace init " +
                              dir.string() + "` or name another workspace");
}

std::optional<fs::path> enclosing_workspace(const fs::path& cwd) {
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    if (Workspace::is_workspace(dir)) return dir;
    if (dir == dir.parent_path()) return std::nullopt;
  }
}

}  // namespace

Workspace::Workspace(fs::path root) : root_(std::move(root)) {}

bool Workspace::is_workspace(const fs::path& dir) {
  std::error_code error;
  return fs::is_regular_file(dir / "config.toml", error) &&
         fs::is_directory(dir / ".provisioning", error);
}

Workspace init_workspace(const fs::path& dir) {
  Workspace workspace(dir);
  try {
    make_workspace_directory(dir);
    for (std::string_view kind : kExtensionKinds) {
      make_workspace_directory(workspace.extensions_dir(kind));
    }
    make_workspace_directory(workspace.clusters_dir());
    make_workspace_directory(workspace.data_dir());
    make_workspace_directory(workspace.state_dir());
    if (!fs::exists(workspace.config_file())) {
      sdk::write_file_atomically(workspace.config_file(), std::string(kConfigTemplate));
    }
  } catch (const fs::filesystem_error& error) {
    throw_create_failed(dir, error.code());
  }
  return workspace;
}

ResolvedWorkspace resolve_workspace(const std::optional<fs::path>& flag,
                                    const EnvironmentLookup& environment, const fs::path& cwd,
                                    const fs::path& user_data) {
  if (flag && !flag->empty()) {
    fs::path dir = absolute_from(*flag, cwd);
    return {require_workspace(dir, "--workspace"), "--workspace"};
  }
  if (std::optional<std::string> variable = environment("PROVISIONING_WORKSPACE");
      variable && !variable->empty()) {
    fs::path dir = absolute_from(*variable, cwd);
    return {require_workspace(dir, "PROVISIONING_WORKSPACE"), "PROVISIONING_WORKSPACE"};
  }
  if (std::optional<fs::path> dir = enclosing_workspace(fs::absolute(cwd).lexically_normal())) {
    return {Workspace(*dir), "enclosing directory"};
  }
  fs::path default_dir = user_data / "workspace";
  if (Workspace::is_workspace(default_dir)) return {Workspace(default_dir), "default"};
  return {init_workspace(default_dir), "default", true};
}

}  // namespace provisioning::host
