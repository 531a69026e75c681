// A GoogleTest binary that registers the conformance tests of the plugin file given as
// its last argument. The tests run it to see what the adapter reports for a plugin.

#include <gtest/gtest.h>
#include <provisioning/conformance/gtest.h>

#include <iostream>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::cerr << "usage: conformance_probe [GoogleTest flags] PLUGIN_FILE\n";
    return 2;
  }
  try {
    provisioning::conformance::register_conformance_tests(argv[1]);
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << '\n';
    return 3;
  }
  return RUN_ALL_TESTS();
}
