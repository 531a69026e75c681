// Runs every storage check of the conformance kit against the surrealdb plugin file,
// loaded with the kit's loader, on a real SurrealDB engine (the adapter in adapter/).
// Each check gets a database of its own, so the checks cannot see each other's records.

#include <gtest/gtest.h>
#include <provisioning/conformance/gtest.h>
#include <provisioning/conformance/plugin_library.h>

#include <atomic>
#include <iostream>
#include <memory>

#include "support/surreal_server.h"

namespace {

namespace conformance = provisioning::conformance;
namespace sdk = provisioning::sdk;
using provisioning::testing::SurrealServer;

// One engine for the whole run, started before the first test.
class SurrealEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { server = std::make_unique<SurrealServer>(); }
  void TearDown() override { server.reset(); }

  static inline std::unique_ptr<SurrealServer> server;
};

// Reports the skip when the engine's npm packages are missing.
class EngineMissing : public ::testing::Test {
 public:
  void TestBody() override { GTEST_SKIP() << SurrealServer::unavailable_reason(); }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!SurrealServer::available()) {
    ::testing::RegisterTest("Conformance/storage_surrealdb", "EngineMissing", nullptr, nullptr,
                            __FILE__, __LINE__,
                            []() -> ::testing::Test* { return new EngineMissing; });
    return RUN_ALL_TESTS();
  }
  ::testing::AddGlobalTestEnvironment(new SurrealEnvironment);
  try {
    auto library = std::make_shared<conformance::PluginLibrary>(SURREALDB_PLUGIN_FILE);
    conformance::register_conformance_tests(
        "Conformance/storage_surrealdb", sdk::PluginKind::kStorage, library->name(),
        [library](const sdk::PluginContext& context) {
          static std::atomic<int> databases{0};
          const SurrealServer& server = *SurrealEnvironment::server;
          sdk::PluginContext settings = context;
          settings.settings = {{"url", server.url()},
                               {"namespace", server.namespace_name()},
                               {"database", "conformance_" + std::to_string(databases++)},
                               {"username", server.username()},
                               {"password", server.password()}};
          return library->create(settings);
        });
  } catch (const std::exception& error) {
    std::cerr << "cannot register the conformance tests: " << error.what() << '\n';
    return 1;
  }
  return RUN_ALL_TESTS();
}
