#include "plugin_loader.h"

#include <spdlog/spdlog.h>

#include <boost/dll/shared_library.hpp>

namespace provisioning::host {
namespace {

std::string describe(const PluginIdentity& plugin) {
  return std::string(sdk::to_string(plugin.kind)) + " '" + plugin.name + "'";
}

PluginManifest read_checked_manifest(const std::filesystem::path& file,
                                     sdk::PluginKind expected_kind) {
  PluginManifest manifest;
  try {
    manifest = parse_manifest(read_manifest_section(file));
  } catch (const sdk::Error& error) {
    // read_manifest_section names the file already; parse_manifest does not.
    std::string message = error.what();
    if (message.find(file.string()) == std::string::npos) message += " in '" + file.string() + "'";
    throw sdk::Error(error.code(), message);
  }
  if (manifest.kind != expected_kind) {
    throw sdk::Error::invalid_argument("'" + file.string() + "' is a " +
                                       sdk::to_string(manifest.kind) + " plugin, expected a " +
                                       sdk::to_string(expected_kind) + " plugin; move it to the " +
                                       sdk::to_string(manifest.kind) + " extensions directory");
  }
  if (manifest.sdk_abi != sdk::kAbiVersion) {
    throw sdk::Error::invalid_argument(
        "plugin '" + manifest.name + "' in '" + file.string() + "' was built for SDK ABI version " +
        std::to_string(manifest.sdk_abi) + ", but this host provides ABI version " +
        std::to_string(sdk::kAbiVersion) + "; rebuild the plugin against SDK " + sdk::kSdkVersion);
  }
  return manifest;
}

std::shared_ptr<boost::dll::shared_library> open_library(const std::filesystem::path& file) {
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::system::error_code error;
  library->load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, error);
  if (error) {
    throw sdk::Error::invalid_argument("cannot load plugin '" + file.string() +
                                       "': " + error.message());
  }
  return library;
}

void check_exported_manifest(const boost::dll::shared_library& library,
                             const PluginManifest& manifest, const std::filesystem::path& file) {
  if (!library.has(sdk::kManifestSymbol) || !library.has(sdk::kFactorySymbol)) {
    throw sdk::Error::invalid_argument("plugin '" + file.string() + "' does not export " +
                                       sdk::kManifestSymbol + " and " + sdk::kFactorySymbol +
                                       "; define them with PROVISIONING_PLUGIN_MANIFEST and "
                                       "PROVISIONING_PLUGIN_FACTORY");
  }
  // Each alias is a pointer variable that contains the address of the real symbol.
  const auto* exported = static_cast<const char*>(library.get<const void*>(sdk::kManifestSymbol));
  if (exported == nullptr || manifest.text != exported) {
    throw sdk::Error::invalid_argument("plugin '" + file.string() +
                                       "' exports a manifest that differs from its manifest "
                                       "section; rebuild it with provisioning_add_plugin()");
  }
}

}  // namespace

void rethrow_plugin_error(const PluginIdentity& plugin, std::string_view operation) {
  try {
    throw;
  } catch (const HostError&) {
    throw;
  } catch (const sdk::Error& error) {
    observability::record_plugin_call_error(plugin.kind, plugin.name, operation);
    throw sdk::Error(error.code(), describe(plugin) + " failed in " + std::string(operation) +
                                       ": " + error.what());
  } catch (const std::exception& error) {
    observability::record_plugin_call_error(plugin.kind, plugin.name, operation);
    throw sdk::Error::internal(describe(plugin) + " (" + plugin.file.string() +
                               ") threw an unexpected exception in " + std::string(operation) +
                               ": " + error.what() + "; report this to the plugin's author");
  } catch (...) {
    throw sdk::Error::internal(describe(plugin) + " (" + plugin.file.string() +
                               ") threw a non-standard exception in " + std::string(operation) +
                               "; report this to the plugin's author");
  }
}

LoadedPlugin load_plugin_file(const std::filesystem::path& file, sdk::PluginKind expected_kind,
                              const sdk::PluginContext& context) {
  PluginManifest manifest = read_checked_manifest(file, expected_kind);
  PluginIdentity identity{manifest.kind, manifest.name, file, manifest.capabilities};

  std::shared_ptr<boost::dll::shared_library> library = open_library(file);
  check_exported_manifest(*library, manifest, file);
  auto* factory = reinterpret_cast<sdk::PluginFactory*>(
      const_cast<void*>(library->get<const void*>(sdk::kFactorySymbol)));

  sdk::PluginContext plugin_context = context;
  plugin_context.name = manifest.name;
  if (!plugin_context.log) plugin_context.log = spdlog::default_logger();

  sdk::Plugin* raw = nullptr;
  try {
    raw = factory(plugin_context);
  } catch (...) {
    rethrow_plugin_error(identity, "its factory");
  }
  if (raw == nullptr) {
    throw sdk::Error::internal(describe(identity) + " (" + file.string() +
                               ") factory returned no object");
  }
  // The deleter owns the library, so the object is destroyed before the library unloads.
  std::shared_ptr<sdk::Plugin> object(raw, [library](sdk::Plugin* plugin) { delete plugin; });
  return LoadedPlugin{std::move(object), std::move(manifest), std::move(identity)};
}

}  // namespace provisioning::host
