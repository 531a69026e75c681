#pragma once

#include <spdlog/logger.h>

#include <filesystem>
#include <memory>
#include <string>

#include "provisioning/sdk/json.h"
#include "provisioning/sdk/version.h"

namespace provisioning::sdk {

// The kinds of plugin the host loads. Each has its own interface header.
enum class PluginKind { kProvider, kTaskserv, kStorage, kApi };

// Returns the name used in manifests and directory names: "provider", "taskserv",
// "storage" or "api".
const char* to_string(PluginKind kind);

// The context the host passes to a plugin's factory. The plugin may copy anything from it; the
// context itself lives only for the duration of the factory call.
struct PluginContext {
  std::string name;                 // the plugin's name, as in its manifest
  std::filesystem::path workspace;  // root of the workspace in use
  std::filesystem::path state_dir;  // <workspace>/.provisioning, writable by the plugin
  std::filesystem::path data_dir;   // <workspace>/data
  // The plugin's configuration table: [storage.<name>] for storage backends,
  // [plugins.<kind>.<name>] for every other kind. Values set through environment
  // variables or --set have the type of the shipped default, else they are strings.
  json::object settings;
  std::shared_ptr<spdlog::logger> log;  // the logger of the plugin's kind, never null
};

// Base of every plugin object. The host owns the object, destroys it before unloading
// its library, and never calls it from a static initialiser or destructor.
class Plugin {
 public:
  virtual ~Plugin();
};

// Signature of the factory each plugin exports under the alias named by
// kFactorySymbol. It returns a new object owned by the caller, or throws Error.
using PluginFactory = Plugin*(const PluginContext& context);

// Exported symbol names, shared by the plugin macros and the loader.
inline constexpr const char* kFactorySymbol = "provisioning_plugin_factory";
inline constexpr const char* kManifestSymbol = "provisioning_plugin_manifest";
inline constexpr const char* kManifestSection = ".provisioning_manifest";

// Manifest capability of a provider or taskserv whose methods may be called from several
// threads at once. Without it, the host calls the plugin from one thread at a time.
inline constexpr const char* kConcurrentCapability = "concurrent";

// Manifest capability of a provider whose create_server() fails with kAlreadyExists while
// a server of that name exists, and whose ServerInfo.metadata carries the entries of
// ServerSpec.metadata. The host may then create a server before its reservation of the
// name is durable, because a retry finds the server by name and owner.
inline constexpr const char* kUniqueNamesCapability = "unique-names";

}  // namespace provisioning::sdk
