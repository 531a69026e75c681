#include "host.h"

#include <algorithm>
#include <sstream>

#include "extension_lock.h"
#include "logging.h"
#include "migration/legacy_fallback.h"
#include "migration/workspace_lock.h"

namespace provisioning::host {
namespace {

std::vector<std::filesystem::path> split_path_list(const std::string& list) {
  std::vector<std::filesystem::path> directories;
  std::stringstream stream(list);
  std::string item;
  while (std::getline(stream, item, ':')) {
    if (!item.empty()) directories.emplace_back(item);
  }
  return directories;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::filesystem::path defaults_file(const HostPaths& paths) {
  return paths.core_config / "config.defaults.toml";
}

// Providers and taskservs are called from one thread at a time unless their manifest
// lists the `concurrent` capability (see provider.h).
bool needs_serialized_calls(sdk::PluginKind kind, const PluginCandidate& plugin) {
  if (kind != sdk::PluginKind::kProvider && kind != sdk::PluginKind::kTaskserv) return false;
  if (!plugin.manifest) return true;
  const auto& capabilities = plugin.manifest->capabilities;
  return std::find(capabilities.begin(), capabilities.end(), sdk::kConcurrentCapability) ==
         capabilities.end();
}

}  // namespace

std::unique_ptr<Host> Host::open(const HostOptions& options) {
  std::unique_ptr<Host> host(new Host());
  host->environment_ = options.environment;
  host->paths_ = detect_host_paths(options.environment, options.executable);
  host->workspace_ = resolve_workspace(options.workspace, options.environment, options.cwd,
                                       host->paths_.user_data);

  ConfigSources sources;
  sources.defaults_file = defaults_file(host->paths_);
  sources.user_file = host->paths_.user_config / "config.user.toml";
  sources.workspace_dir = host->workspace_.workspace.root();
  sources.flags = options.config_flags;
  sources.environment = options.environment;
  host->config_ = Config::load(sources);

  ExtensionLock lock = ExtensionLock::read(extension_lock_path(host->workspace().root()));
  host->catalog_ = PluginCatalog::discover(
      search_directories(host->workspace(), host->config_, options.environment, host->paths_),
      lock);
  return host;
}

std::vector<SearchDirectory> Host::search_directories(const Workspace& workspace,
                                                      const Config& config,
                                                      const EnvironmentLookup& environment,
                                                      const HostPaths& paths) {
  std::vector<SearchDirectory> directories;
  directories.push_back({PluginLayer::kWorkspace, workspace.root() / "extensions"});
  std::string extra;
  if (auto variable = environment("PROVISIONING_EXTENSIONS_PATH")) extra = *variable;
  if (auto configured = config.find("paths.extensions");
      configured && configured->value.is_string()) {
    std::string value(configured->value.get_string());
    if (!value.empty()) extra += (extra.empty() ? "" : ":") + value;
  }
  // paths.extensions falls back to PROVISIONING_EXTENSIONS_PATH, so both may list the
  // same directories; search each once.
  std::vector<std::filesystem::path> seen;
  for (const auto& directory : split_path_list(extra)) {
    if (std::find(seen.begin(), seen.end(), directory) != seen.end()) continue;
    seen.push_back(directory);
    directories.push_back({PluginLayer::kExtensionsPath, directory});
  }
  directories.push_back({PluginLayer::kUser, paths.user_data / "extensions"});
  directories.push_back({PluginLayer::kCore, paths.core_extensions});
  return directories;
}

sdk::PluginContext Host::plugin_context(sdk::PluginKind kind, const std::string& name) const {
  sdk::PluginContext context;
  context.name = name;
  context.workspace = workspace().root();
  context.state_dir = workspace().state_dir();
  context.data_dir = workspace().data_dir();
  std::string prefix = kind == sdk::PluginKind::kStorage
                           ? "storage." + name
                           : std::string("plugins.") + sdk::to_string(kind) + "." + name;
  context.settings = config_.table(prefix);
  context.log = component_logger(sdk::to_string(kind));
  return context;
}

template <typename Interface>
PluginHandle<Interface> Host::load(sdk::PluginKind kind, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto key = std::make_pair(kind, name);
  if (auto found = loaded_.find(key); found != loaded_.end()) {
    return *std::static_pointer_cast<PluginHandle<Interface>>(found->second);
  }

  // A pinned workspace plugin that fails its checks blocks its name in every layer.
  if (const PluginCandidate* blocking = catalog_.blocking_problem(kind, name)) {
    throw sdk::Error::invalid_argument(
        std::string(sdk::to_string(kind)) + " '" + name +
        "' is pinned in extensions.lock but cannot be loaded: " + blocking->problem);
  }

  const PluginEntry* entry = catalog_.find(kind, name);
  if (entry == nullptr) {
    std::vector<std::string> installed = catalog_.names(kind);
    std::string message = std::string(sdk::to_string(kind)) + " '" + name + "' not found";
    std::string suggestion = closest_match(name, installed);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    message +=
        installed.empty() ? std::string("; none is installed") : "; installed: " + join(installed);
    message += "; run 'provisioning plugin list' to see every plugin and problem";
    throw sdk::Error::not_found(message);
  }
  auto logger = component_logger("loader");
  logger->debug("loading {} '{}' from {}", sdk::to_string(kind), name, entry->active.file.string());
  auto handle = observability::timed_plugin_load(kind, name, [&] {
    return load_plugin_as<Interface>(entry->active.file, kind, plugin_context(kind, name));
  });
  if (needs_serialized_calls(kind, entry->active)) handle.serialize_calls();
  auto shared = std::make_shared<PluginHandle<Interface>>(handle);
  loaded_.emplace(key, shared);
  return handle;
}

PluginHandle<sdk::Provider> Host::provider(const std::string& name) {
  return load<sdk::Provider>(sdk::PluginKind::kProvider, name);
}

PluginHandle<sdk::Taskserv> Host::taskserv(const std::string& name) {
  return load<sdk::Taskserv>(sdk::PluginKind::kTaskserv, name);
}

PluginHandle<sdk::StorageBackend> Host::storage_backend(const std::string& name) {
  return load<sdk::StorageBackend>(sdk::PluginKind::kStorage, name);
}

PluginHandle<sdk::ApiVersion> Host::api_version(const std::string& name) {
  return load<sdk::ApiVersion>(sdk::PluginKind::kApi, name);
}

PluginHandle<sdk::StorageBackend> Host::storage() {
  workspace_lock().acquire_shared();
  return storage_backend(config_.get_string("storage.backend"));
}

PluginHandle<sdk::StorageBackend> Host::open_storage_backend(const std::string& name,
                                                             const json::object& overrides) {
  const PluginEntry* entry = catalog_.find(sdk::PluginKind::kStorage, name);
  if (entry == nullptr) {
    throw sdk::Error::not_found("storage '" + name + "' not found; installed: " +
                                join(catalog_.names(sdk::PluginKind::kStorage)));
  }
  sdk::PluginContext context = plugin_context(sdk::PluginKind::kStorage, name);
  for (const auto& [key, value] : overrides) context.settings[key] = value;
  return load_plugin_as<sdk::StorageBackend>(entry->active.file, sdk::PluginKind::kStorage,
                                             context);
}

migration::WorkspaceLock& Host::workspace_lock() {
  std::lock_guard lock(mutex_);
  if (!workspace_lock_) {
    workspace_lock_ = std::make_shared<migration::WorkspaceLock>(
        workspace().state_dir(),
        std::chrono::milliseconds(config_.get_int("migration.lock_timeout_ms")));
  }
  return *workspace_lock_;
}

migration::LegacyFallback& Host::records() {
  auto backend = storage();
  std::lock_guard lock(mutex_);
  if (!records_) {
    records_ = std::make_shared<migration::LegacyFallback>(
        backend, migration::configured_legacy_directory(config_.get_string("bridge.legacy_path"),
                                                        workspace().root()));
  }
  return *records_;
}

}  // namespace provisioning::host
