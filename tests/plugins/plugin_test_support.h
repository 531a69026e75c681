#pragma once

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/plugin.h>

#include <filesystem>
#include <map>
#include <string>

#include "plugin_loader.h"

// Loading the first-party plugins from the build tree for tests.
namespace provisioning::testing {

namespace sdk = provisioning::sdk;

// Returns <build>/lib/provisioning/extensions/<kind>/<name>.so.
std::filesystem::path plugin_file(sdk::PluginKind kind, const std::string& name);

// Returns a context for `workspace` with the usual layout (.provisioning/ and data/)
// and a logger that discards its output.
sdk::PluginContext make_context(const std::filesystem::path& workspace,
                                sdk::json::object settings = {});

template <typename Interface>
host::PluginHandle<Interface> load_plugin(sdk::PluginKind kind, const std::string& name,
                                          const sdk::PluginContext& context) {
  return host::load_plugin_as<Interface>(plugin_file(kind, name), kind, context);
}

// Returns the plugin object of `handle`, which must outlive every use of it. Calls
// through it skip the host's error wrapping, so tests see the plugin's own errors.
template <typename Interface>
Interface& object_of(const host::PluginHandle<Interface>& handle) {
  return handle.call("test access", [](Interface& object) -> Interface& { return object; });
}

// Returns the relative path and content of every regular file under `root`.
std::map<std::string, std::string> snapshot_files(const std::filesystem::path& root);

// Returns a directory name for the running test, "<suite>.<test>" with '/' replaced,
// for use as a TempDir prefix.
std::string test_directory_prefix();

}  // namespace provisioning::testing

// Asserts that `statement` throws sdk::Error with `expected_code` and a message that
// contains each of the following strings.
#define EXPECT_SDK_ERROR(statement, expected_code, ...)                                  \
  do {                                                                                   \
    try {                                                                                \
      statement;                                                                         \
      ADD_FAILURE() << "expected sdk::Error from: " #statement;                          \
    } catch (const ::provisioning::sdk::Error& error_) {                                 \
      EXPECT_EQ(::provisioning::sdk::to_string(error_.code()),                           \
                std::string(::provisioning::sdk::to_string(expected_code)))              \
          << error_.what();                                                              \
      for (const std::string& part_ : std::initializer_list<std::string>{__VA_ARGS__}) { \
        EXPECT_NE(std::string(error_.what()).find(part_), std::string::npos)             \
            << "message lacks '" << part_ << "': " << error_.what();                     \
      }                                                                                  \
    }                                                                                    \
  } while (false)
