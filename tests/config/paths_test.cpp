#include "paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include "temp_dir_test.h"

namespace provisioning::host {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class PathsTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    prefix_ = fs::weakly_canonical(root_) / "prefix";
    executable_ = prefix_ / "bin" / "provisioning";
    write(executable_, "");
  }

  fs::path prefix_;
  fs::path executable_;
};

TEST_F(PathsTest, CoreDirectoriesFollowExecutable) {
  HostPaths paths = detect_host_paths(fixed_environment({{"HOME", "/home/ada"}}), executable_);

  EXPECT_EQ(paths.core_extensions, prefix_ / PROVISIONING_PLUGIN_SUBDIR);
  EXPECT_EQ(paths.core_config, prefix_ / PROVISIONING_CONFIG_SUBDIR);
  EXPECT_EQ(paths.core_extensions.filename(), "extensions");
  EXPECT_EQ(paths.core_config.filename(), "config");
}

TEST_F(PathsTest, ExecutableSymlinkResolvesToItsPrefix) {
  fs::path link = root_ / "elsewhere" / "provisioning";
  fs::create_directories(link.parent_path());
  fs::create_symlink(executable_, link);

  HostPaths paths = detect_host_paths(fixed_environment({{"HOME", "/home/ada"}}), link);

  EXPECT_EQ(paths.core_config, prefix_ / PROVISIONING_CONFIG_SUBDIR);
}

TEST_F(PathsTest, CoreDirOverridesPrefix) {
  auto environment =
      fixed_environment({{"HOME", "/home/ada"}, {"PROVISIONING_CORE_DIR", "/opt/provisioning"}});

  HostPaths paths = detect_host_paths(environment, executable_);

  EXPECT_EQ(paths.core_extensions, fs::path("/opt/provisioning") / PROVISIONING_PLUGIN_SUBDIR);
  EXPECT_EQ(paths.core_config, fs::path("/opt/provisioning") / PROVISIONING_CONFIG_SUBDIR);
}

TEST_F(PathsTest, UserDirectoriesFromXdgVariables) {
  auto environment = fixed_environment(
      {{"HOME", "/home/ada"}, {"XDG_DATA_HOME", "/xdg/data"}, {"XDG_CONFIG_HOME", "/xdg/config"}});

  HostPaths paths = detect_host_paths(environment, executable_);

  EXPECT_EQ(paths.user_data, fs::path("/xdg/data/provisioning"));
  EXPECT_EQ(paths.user_config, fs::path("/xdg/config/provisioning"));
}

TEST_F(PathsTest, UserDirectoriesFromHomeWithoutXdg) {
  HostPaths paths = detect_host_paths(fixed_environment({{"HOME", "/home/ada"}}), executable_);

  EXPECT_EQ(paths.user_data, fs::path("/home/ada/.local/share/provisioning"));
  EXPECT_EQ(paths.user_config, fs::path("/home/ada/.config/provisioning"));
}

TEST_F(PathsTest, RelativeOrEmptyXdgValuesAreIgnored) {
  auto environment = fixed_environment(
      {{"HOME", "/home/ada"}, {"XDG_DATA_HOME", "relative/data"}, {"XDG_CONFIG_HOME", ""}});

  HostPaths paths = detect_host_paths(environment, executable_);

  EXPECT_EQ(paths.user_data, fs::path("/home/ada/.local/share/provisioning"));
  EXPECT_EQ(paths.user_config, fs::path("/home/ada/.config/provisioning"));
}

TEST_F(PathsTest, MissingHomeAndXdgIsAnError) {
  try {
    detect_host_paths(fixed_environment({}), executable_);
    FAIL() << "no sdk::Error was thrown";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
    EXPECT_THAT(error.what(), HasSubstr("XDG_DATA_HOME"));
    EXPECT_THAT(error.what(), HasSubstr("HOME"));
  }
}

TEST_F(PathsTest, RunningExecutableFindsShippedConfig) {
  // The test binary sits in <build>/bin, and the build tree mirrors the installed layout.
  HostPaths paths = detect_host_paths(fixed_environment({{"HOME", "/home/ada"}}));

  EXPECT_TRUE(fs::is_regular_file(paths.core_config / "config.defaults.toml")) << paths.core_config;
}

}  // namespace
}  // namespace provisioning::host
