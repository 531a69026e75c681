#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "environment.h"

namespace provisioning::host {

// A directory that contains one installation's configuration, extensions and state:
//   config.toml
//   extensions/<kind>/      plugins that override or add to the shipped ones
//   clusters/<name>.toml    cluster definitions
//   data/                   the filesystem backend's records
//   .provisioning/          state: database, server roots, locks, backups
class Workspace {
 public:
  explicit Workspace(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path config_file() const { return root_ / "config.toml"; }
  std::filesystem::path state_dir() const { return root_ / ".provisioning"; }
  std::filesystem::path data_dir() const { return root_ / "data"; }
  std::filesystem::path clusters_dir() const { return root_ / "clusters"; }
  std::filesystem::path extensions_dir(std::string_view kind) const {
    return root_ / "extensions" / kind;
  }

  // Returns whether `dir` looks like a workspace (has config.toml and .provisioning/).
  static bool is_workspace(const std::filesystem::path& dir);

 private:
  std::filesystem::path root_;
};

// Creates the workspace layout in `dir` (created when missing) with a commented
// config.toml. Existing files are kept, so running it twice is harmless.
Workspace init_workspace(const std::filesystem::path& dir);

// The workspace in use and the reason it was chosen, for messages.
struct ResolvedWorkspace {
  Workspace workspace;
  std::string source;  // "--workspace", "PROVISIONING_WORKSPACE", "enclosing directory", "default"
  bool created = false;  // the default workspace was created by this call
};

// Picks the workspace: `flag` (--workspace), else PROVISIONING_WORKSPACE, else the
// nearest enclosing workspace of `cwd`, else <user_data>/workspace, created on first use.
// A workspace named by the flag or the variable must exist; otherwise throws
// sdk::Error (kNotFound) with the path and the `workspace init` command to run.
ResolvedWorkspace resolve_workspace(const std::optional<std::filesystem::path>& flag,
                                    const EnvironmentLookup& environment,
                                    const std::filesystem::path& cwd,
                                    const std::filesystem::path& user_data);

}  // namespace provisioning::host
