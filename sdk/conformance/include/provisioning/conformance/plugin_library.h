#pragma once

// Loading a plugin file for a test suite that does not link the provisioning host.

#include <provisioning/sdk/plugin.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace provisioning::conformance {

namespace sdk = provisioning::sdk;

// A plugin shared object, loaded once, from which plugin objects are created.
//
// NOTE: unlike the host's loader, which reads the manifest section from the file and
// rejects a wrong kind or SDK ABI version before loading it, this class loads the
// library first (running its static initialisers) and checks the exported manifest
// alias before calling the factory. `provisioning plugin test` goes through the host's
// loader and so also checks what the host checks.
class PluginLibrary {
 public:
  // Loads `file` and reads its manifest. Throws sdk::Error (kNotFound) when the file
  // does not exist, and (kInvalidArgument) naming the file when it cannot be loaded,
  // exports no manifest or factory, or was built for another SDK ABI version.
  explicit PluginLibrary(const std::filesystem::path& file);

  const std::filesystem::path& file() const { return file_; }
  sdk::PluginKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  // The manifest's capabilities, such as "concurrent", in manifest order.
  const std::vector<std::string>& capabilities() const { return capabilities_; }

  // Calls the plugin's factory with `context` (its name is set to the plugin's) and
  // returns the new object. The object keeps the library loaded, so it may outlive this
  // PluginLibrary. Exceptions from the factory propagate unchanged.
  std::shared_ptr<sdk::Plugin> create(sdk::PluginContext context) const;

 private:
  std::filesystem::path file_;
  std::shared_ptr<void> library_;  // a boost::dll::shared_library
  sdk::PluginKind kind_ = sdk::PluginKind::kProvider;
  std::string name_;
  std::string version_;
  std::vector<std::string> capabilities_;
};

}  // namespace provisioning::conformance
