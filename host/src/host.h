#pragma once

#include <provisioning/sdk/api_version.h>
#include <provisioning/sdk/provider.h>
#include <provisioning/sdk/storage.h>
#include <provisioning/sdk/taskserv.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config.h"
#include "environment.h"
#include "paths.h"
#include "plugin_catalog.h"
#include "plugin_loader.h"
#include "workspace.h"

namespace provisioning::host {

namespace migration {
class LegacyFallback;
class WorkspaceLock;
}  // namespace migration

struct HostOptions {
  std::optional<std::filesystem::path> workspace;   // --workspace
  std::map<std::string, std::string> config_flags;  // config keys set on the command line
  EnvironmentLookup environment = process_environment();
  std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::path executable;  // defaults to /proc/self/exe
};

// Everything one command needs: the workspace, its configuration and its plugins.
// Plugins are discovered from their manifests when the host opens and loaded only when
// first asked for, once each.
class Host {
 public:
  // Resolves the workspace, loads the configuration and discovers plugins. Throws
  // sdk::Error when the workspace or the configuration is invalid.
  static std::unique_ptr<Host> open(const HostOptions& options);

  const HostPaths& paths() const { return paths_; }
  const ResolvedWorkspace& resolved_workspace() const { return workspace_; }
  const Workspace& workspace() const { return workspace_.workspace; }
  const Config& config() const { return config_; }
  const PluginCatalog& catalog() const { return catalog_; }
  const EnvironmentLookup& environment() const { return environment_; }

  // The search directories, most specific first.
  static std::vector<SearchDirectory> search_directories(const Workspace& workspace,
                                                         const Config& config,
                                                         const EnvironmentLookup& environment,
                                                         const HostPaths& paths);

  // Loads (once) and returns the named plugin. Throws sdk::Error (kNotFound) listing the
  // installed plugins of that kind, with a "did you mean" when a name is close.
  PluginHandle<sdk::Provider> provider(const std::string& name);
  PluginHandle<sdk::Taskserv> taskserv(const std::string& name);
  PluginHandle<sdk::StorageBackend> storage_backend(const std::string& name);
  PluginHandle<sdk::ApiVersion> api_version(const std::string& name);

  // The backend named by storage.backend. The first call takes the workspace lock
  // shared (see migration::WorkspaceLock), so it waits while a migration runs.
  PluginHandle<sdk::StorageBackend> storage();

  // Loads a new instance of storage backend `name`, not shared with storage_backend(),
  // with the settings of storage.<name> and `overrides` replacing keys, such as a
  // staging "path" for a migration. Throws sdk::Error (kNotFound) when not installed.
  PluginHandle<sdk::StorageBackend> open_storage_backend(const std::string& name,
                                                         const json::object& overrides);

  // The workspace's migration lock; its timeout is migration.lock_timeout_ms.
  migration::WorkspaceLock& workspace_lock();

  // Reads of servers, taskservs and clusters: the storage backend, falling back to the
  // legacy data directory of bridge.legacy_path while that is set (dual operation).
  migration::LegacyFallback& records();

 private:
  Host() = default;

  template <typename Interface>
  PluginHandle<Interface> load(sdk::PluginKind kind, const std::string& name);

  sdk::PluginContext plugin_context(sdk::PluginKind kind, const std::string& name) const;

  HostPaths paths_;
  ResolvedWorkspace workspace_{Workspace(std::filesystem::path()), "", false};
  Config config_;
  PluginCatalog catalog_;
  EnvironmentLookup environment_;

  std::mutex mutex_;
  std::map<std::pair<sdk::PluginKind, std::string>, std::shared_ptr<void>> loaded_;
  std::shared_ptr<migration::LegacyFallback> records_;
  std::shared_ptr<migration::WorkspaceLock> workspace_lock_;
};

}  // namespace provisioning::host
