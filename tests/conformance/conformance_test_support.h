#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/conformance/conformance.h>
#include <provisioning/conformance/plugin_library.h>
#include <provisioning/conformance/scratch.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support/loader_fixture.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

// Paths and helpers shared by the conformance tests.
namespace provisioning::testing {

namespace conformance = provisioning::conformance;
namespace sdk = provisioning::sdk;

// Every plugin in <build>/lib/provisioning/extensions/<kind>/, sorted by path.
inline std::vector<std::filesystem::path> first_party_plugins() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(PROVISIONING_TEST_PLUGIN_DIR)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".so") continue;
    // The surrealdb backend needs a running server: tests/surrealdb runs every check
    // against it on a real engine.
    if (entry.path().filename() == "surrealdb.so") continue;
    files.push_back(entry);
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::filesystem::path conformance_fixture(const std::string& target,
                                                 const std::string& name) {
  return std::filesystem::path(CONFORMANCE_FIXTURE_DIR) / target / (name + ".so");
}

// Loads `file` with the kit's loader and runs every check of its kind in a scratch
// directory.
inline std::vector<conformance::CheckResult> check_file(const std::filesystem::path& file) {
  conformance::PluginLibrary library(file);
  conformance::ScratchDirectory directory("provisioning-conformance-test");
  conformance::CheckOptions options;
  options.taskserv.name = library.name();
  options.provider.capabilities = library.capabilities();
  options.taskserv.scratch_parent = directory.path() / "servers";
  auto plugin = library.create(
      conformance::scratch_context(directory.path(), library.kind(), library.name()));
  return conformance::check_plugin(library.kind(), *plugin, options);
}

inline std::set<std::string> failed_checks(const std::vector<conformance::CheckResult>& results) {
  std::set<std::string> names;
  for (const auto& result : results) {
    if (!result.passed) names.insert(result.name);
  }
  return names;
}

// Returns the message of the named check, or "<no check NAME>".
inline std::string message_of(const std::vector<conformance::CheckResult>& results,
                              const std::string& name) {
  for (const auto& result : results) {
    if (result.name == name) return result.message;
  }
  return "<no check " + name + ">";
}

// Runs the real provisioning binary with HOME and the XDG directories in `home`.
inline ProcessResult run_cli(const TempDir& home, std::vector<std::string> args) {
  args.insert(args.begin(), PROVISIONING_BINARY);
  return run_process(args, {{"HOME", home.path().string()},
                            {"XDG_DATA_HOME", (home / "data").string()},
                            {"XDG_CONFIG_HOME", (home / "config").string()},
                            {"PROVISIONING_WORKSPACE", ""},
                            {"PROVISIONING_EXTENSIONS_PATH", ""}});
}

// Names of the tests that main() registered through the GoogleTest adapter.
std::vector<std::string>& registered_conformance_tests();

}  // namespace provisioning::testing
