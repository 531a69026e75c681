#pragma once

// GoogleTest adapter of the conformance kit (library provisioning_conformance_gtest):
// one test per check, so a plugin's own suite reports each contract separately.
//
//   int main(int argc, char** argv) {
//     ::testing::InitGoogleTest(&argc, argv);
//     provisioning::conformance::register_conformance_tests("build/my_provider.so");
//     return RUN_ALL_TESTS();
//   }

#include <provisioning/conformance/conformance.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace provisioning::conformance {

// Creates a plugin object of the kind under test from a context.
using PluginMaker = std::function<std::shared_ptr<sdk::Plugin>(const sdk::PluginContext& context)>;

// Registers one test per check of the plugin in `plugin` (a .so file), in the suite
// "Conformance/<kind>_<name>", each test named after its check. Each test creates a
// scratch directory and a new plugin object with scratch_context(), runs its check, and
// fails with the check's message. The options' taskserv name and provider
// capabilities default to the manifest's. Returns the full test names ("suite.test"). Call it
// before RUN_ALL_TESTS(). Throws sdk::Error when the file cannot be loaded (see PluginLibrary).
std::vector<std::string> register_conformance_tests(const std::filesystem::path& plugin,
                                                    CheckOptions options = {});

// Registers the same tests for objects made by `make`, for a plugin class linked into
// the test binary: `name` is the plugin's name, passed to scratch_context(), and
// `suite` names the test suite.
std::vector<std::string> register_conformance_tests(const std::string& suite, sdk::PluginKind kind,
                                                    const std::string& name, PluginMaker make,
                                                    CheckOptions options = {});

}  // namespace provisioning::conformance
