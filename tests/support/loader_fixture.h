#pragma once

#include <filesystem>
#include <string>

namespace provisioning::testing {

// Returns the path of the plugin `file`.so that the CMake target `target` of
// tests/loader/fixtures builds. The test target must define LOADER_FIXTURE_DIR.
inline std::filesystem::path loader_fixture(const std::string& target, const std::string& file) {
  return std::filesystem::path(LOADER_FIXTURE_DIR) / target / (file + ".so");
}

}  // namespace provisioning::testing
