#pragma once

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/plugin.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "observability/log_context.h"
#include "observability/metrics_hooks.h"
#include "plugin_manifest.h"

namespace provisioning::host {

// Identifies a loaded plugin in error messages.
struct PluginIdentity {
  sdk::PluginKind kind = sdk::PluginKind::kProvider;
  std::string name;
  std::filesystem::path file;
  std::vector<std::string> capabilities;  // from the manifest
};

// An error raised by host code that runs inside a plugin call, such as the body of a
// storage transaction. It crosses the plugin unchanged, because the plugin did not
// cause it.
class HostError : public sdk::Error {
 public:
  using sdk::Error::Error;
};

// Converts any exception thrown inside `operation` of `plugin` into sdk::Error. An
// sdk::Error keeps its code and gets a prefix naming the plugin and the operation. Any
// other exception becomes kInternal and also names the file, because it is a plugin bug.
[[noreturn]] void rethrow_plugin_error(const PluginIdentity& plugin, std::string_view operation);

// A plugin object together with the library it came from. The library stays loaded
// while any copy lives, and the object is destroyed before the library is unloaded.
//
// Every call into the plugin goes through call(), which is the one place where plugin
// exceptions are converted (see rethrow_plugin_error).
template <typename Interface>
class PluginHandle {
 public:
  PluginHandle() = default;
  PluginHandle(std::shared_ptr<Interface> object, PluginIdentity identity)
      : object_(std::move(object)), identity_(std::move(identity)) {}

  // Makes call() run one call at a time, for plugins whose contract allows only one
  // calling thread (providers and taskservs). Copies share the same lock.
  void serialize_calls() { lock_ = std::make_shared<std::mutex>(); }

  template <typename Function>
  decltype(auto) call(std::string_view operation, Function&& function) const {
    std::unique_lock<std::mutex> guard;
    if (lock_) guard = std::unique_lock<std::mutex>(*lock_);
    observability::PluginCallScope log_scope(sdk::to_string(identity_.kind), identity_.name,
                                             operation);
    observability::record_plugin_call(identity_.kind, identity_.name, operation);
    try {
      return std::forward<Function>(function)(*object_);
    } catch (...) {
      rethrow_plugin_error(identity_, operation);
    }
  }

  const PluginIdentity& identity() const { return identity_; }

  bool has_capability(std::string_view capability) const {
    const auto& all = identity_.capabilities;
    return std::find(all.begin(), all.end(), capability) != all.end();
  }
  explicit operator bool() const { return object_ != nullptr; }

 private:
  std::shared_ptr<Interface> object_;
  PluginIdentity identity_;
  std::shared_ptr<std::mutex> lock_;
};

// The untyped result of loading one file: the object as sdk::Plugin.
struct LoadedPlugin {
  std::shared_ptr<sdk::Plugin> object;
  PluginManifest manifest;
  PluginIdentity identity;
};

// Loads the plugin in `file`: reads and checks its manifest (expected kind, SDK ABI
// version) without running plugin code, then loads the library, checks the exported
// manifest alias matches, and calls the factory. Throws sdk::Error naming the file and
// the reason on any failure.
LoadedPlugin load_plugin_file(const std::filesystem::path& file, sdk::PluginKind expected_kind,
                              const sdk::PluginContext& context);

template <typename Interface>
PluginHandle<Interface> load_plugin_as(const std::filesystem::path& file,
                                       sdk::PluginKind expected_kind,
                                       const sdk::PluginContext& context) {
  LoadedPlugin loaded = load_plugin_file(file, expected_kind, context);
  auto typed = std::dynamic_pointer_cast<Interface>(loaded.object);
  if (!typed) {
    throw sdk::Error::invalid_argument(
        "plugin '" + loaded.identity.name + "' in '" + file.string() + "' declares kind '" +
        sdk::to_string(expected_kind) + "' but its object does not implement that interface");
  }
  return PluginHandle<Interface>(std::move(typed), loaded.identity);
}

}  // namespace provisioning::host
