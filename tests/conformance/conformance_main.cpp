// Registers one test per check for every first-party plugin and for the conforming API
// fixture through the GoogleTest adapter, then runs them with the other tests here.

#include <provisioning/conformance/gtest.h>

#include <iostream>

#include "conformance_test_support.h"

namespace provisioning::testing {

std::vector<std::string>& registered_conformance_tests() {
  static std::vector<std::string> names;
  return names;
}

}  // namespace provisioning::testing

int main(int argc, char** argv) {
  namespace testing = provisioning::testing;
  ::testing::InitGoogleTest(&argc, argv);
  std::vector<std::filesystem::path> plugins = testing::first_party_plugins();
  plugins.push_back(testing::conformance_fixture("conformance_api", "v9"));
  try {
    for (const auto& plugin : plugins) {
      for (auto& name : provisioning::conformance::register_conformance_tests(plugin)) {
        testing::registered_conformance_tests().push_back(std::move(name));
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "cannot register the conformance tests: " << error.what() << '\n';
    return 1;
  }
  return RUN_ALL_TESTS();
}
