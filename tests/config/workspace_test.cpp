#include "workspace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include "../support/sdk_error.h"
#include "config.h"
#include "temp_dir_test.h"

namespace provisioning::host {
namespace {

namespace fs = std::filesystem;
using provisioning::testing::expect_sdk_error;
using ::testing::HasSubstr;

class WorkspaceTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    user_data_ = root_ / "user-data";
    cwd_ = root_ / "cwd";
    fs::create_directories(cwd_);
  }

  ResolvedWorkspace resolve(const std::optional<fs::path>& flag,
                            std::map<std::string, std::string> variables = {}) const {
    return resolve_workspace(flag, fixed_environment(std::move(variables)), cwd_, user_data_);
  }

  fs::path user_data_;
  fs::path cwd_;
};

TEST_F(WorkspaceTest, InitCreatesLayout) {
  fs::path dir = root_ / "ws";

  Workspace workspace = init_workspace(dir);

  EXPECT_EQ(workspace.root(), dir);
  EXPECT_TRUE(fs::is_regular_file(dir / "config.toml"));
  for (const char* kind : {"provider", "taskserv", "storage", "api"}) {
    EXPECT_TRUE(fs::is_directory(dir / "extensions" / kind)) << kind;
  }
  EXPECT_TRUE(fs::is_directory(dir / "clusters"));
  EXPECT_TRUE(fs::is_directory(dir / "data"));
  EXPECT_TRUE(fs::is_directory(dir / ".provisioning"));
  EXPECT_TRUE(Workspace::is_workspace(dir));
}

TEST_F(WorkspaceTest, ConfigTemplateShowsMainKeysAsComments) {
  fs::path dir = root_ / "ws";
  init_workspace(dir);

  std::string text = read(dir / "config.toml");

  EXPECT_THAT(text, HasSubstr("# [storage]\n"));
  EXPECT_THAT(text, HasSubstr("# backend = \"sqlite\"\n"));
  EXPECT_THAT(text, HasSubstr("# default = \"local\"\n"));
  EXPECT_THAT(text, HasSubstr("# [orchestrator]\n"));
  EXPECT_THAT(text, HasSubstr("# port = 9090\n"));
  EXPECT_THAT(text, HasSubstr("# auth_token = "));
  EXPECT_THAT(text, HasSubstr("# level = \"info\"\n"));
}

TEST_F(WorkspaceTest, ConfigTemplateSetsNothing) {
  fs::path dir = root_ / "ws";
  init_workspace(dir);
  ConfigSources sources;
  sources.defaults_file = fs::path(PROVISIONING_SOURCE_CONFIG_DIR) / "config.defaults.toml";
  sources.workspace_dir = dir;
  sources.environment = fixed_environment({});

  Config config = Config::load(sources);

  ASSERT_EQ(config.files().size(), 2u);
  EXPECT_EQ(config.files()[1], dir / "config.toml");
  EXPECT_TRUE(config.warnings().empty());
  for (const auto& [key, value] : config.entries()) {
    EXPECT_THAT(value.origin, HasSubstr("defaults (")) << key;
  }
}

TEST_F(WorkspaceTest, InitTwiceKeepsConfig) {
  fs::path dir = root_ / "ws";
  init_workspace(dir);
  write(dir / "config.toml", "[storage]\nbackend = \"filesystem\"\n");
  fs::remove_all(dir / "clusters");

  init_workspace(dir);

  EXPECT_EQ(read(dir / "config.toml"), "[storage]\nbackend = \"filesystem\"\n");
  EXPECT_TRUE(fs::is_directory(dir / "clusters"));
}

TEST_F(WorkspaceTest, InitOverFileIsRejected) {
  fs::path dir = root_ / "ws";
  write(dir, "not a directory");

  sdk::Error error = expect_sdk_error([&] { init_workspace(dir); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kAlreadyExists);
  EXPECT_THAT(error.what(), HasSubstr(dir.string()));
}

TEST_F(WorkspaceTest, IsWorkspaceNeedsConfigAndStateDir) {
  fs::path dir = root_ / "partial";
  write(dir / "config.toml", "");

  EXPECT_FALSE(Workspace::is_workspace(dir));
  fs::create_directories(dir / ".provisioning");
  EXPECT_TRUE(Workspace::is_workspace(dir));
  EXPECT_FALSE(Workspace::is_workspace(root_ / "missing"));
}

TEST_F(WorkspaceTest, FlagBeatsEnvironmentAndEnclosing) {
  fs::path flagged = init_workspace(root_ / "flagged").root();
  fs::path named = init_workspace(root_ / "named").root();
  cwd_ = init_workspace(root_ / "enclosing").root() / "clusters";

  ResolvedWorkspace resolved = resolve(flagged, {{"PROVISIONING_WORKSPACE", named.string()}});

  EXPECT_EQ(resolved.workspace.root(), flagged);
  EXPECT_EQ(resolved.source, "--workspace");
  EXPECT_FALSE(resolved.created);
}

TEST_F(WorkspaceTest, EnvironmentBeatsEnclosing) {
  fs::path named = init_workspace(root_ / "named").root();
  cwd_ = init_workspace(root_ / "enclosing").root() / "clusters";

  ResolvedWorkspace resolved = resolve(std::nullopt, {{"PROVISIONING_WORKSPACE", named.string()}});

  EXPECT_EQ(resolved.workspace.root(), named);
  EXPECT_EQ(resolved.source, "PROVISIONING_WORKSPACE");
}

TEST_F(WorkspaceTest, EnclosingWorkspaceFoundFromSubdirectory) {
  fs::path enclosing = init_workspace(root_ / "enclosing").root();
  cwd_ = enclosing / "extensions" / "provider";

  ResolvedWorkspace resolved = resolve(std::nullopt);

  EXPECT_EQ(resolved.workspace.root(), enclosing);
  EXPECT_EQ(resolved.source, "enclosing directory");
  EXPECT_FALSE(fs::exists(user_data_ / "workspace"));
}

TEST_F(WorkspaceTest, DefaultWorkspaceCreatedOnFirstUse) {
  ResolvedWorkspace first = resolve(std::nullopt);
  ResolvedWorkspace second = resolve(std::nullopt);

  EXPECT_EQ(first.workspace.root(), user_data_ / "workspace");
  EXPECT_EQ(first.source, "default");
  EXPECT_TRUE(first.created);
  EXPECT_TRUE(Workspace::is_workspace(user_data_ / "workspace"));
  EXPECT_EQ(second.workspace.root(), user_data_ / "workspace");
  EXPECT_FALSE(second.created);
}

TEST_F(WorkspaceTest, RelativeFlagIsTakenFromCwd) {
  init_workspace(cwd_ / "sub");

  ResolvedWorkspace resolved = resolve(fs::path("sub"));

  EXPECT_EQ(resolved.workspace.root(), cwd_ / "sub");
}

TEST_F(WorkspaceTest, FlagNamingMissingDirectoryIsNotFound) {
  fs::path missing = root_ / "missing";

  sdk::Error error = expect_sdk_error([&] { resolve(missing); });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("'" + missing.string() + "'"));
  EXPECT_THAT(error.what(), HasSubstr("--workspace"));
  EXPECT_THAT(error.what(), HasSubstr("does not exist"));
  EXPECT_THAT(error.what(), HasSubstr("provisioning workspace init " + missing.string()));
  EXPECT_FALSE(fs::exists(missing));
}

TEST_F(WorkspaceTest, VariableNamingNonWorkspaceIsNotFound) {
  fs::path plain = root_ / "plain";
  fs::create_directories(plain);

  sdk::Error error = expect_sdk_error([&] {
    resolve(std::nullopt, {{"PROVISIONING_WORKSPACE", plain.string()}});
  });

  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("PROVISIONING_WORKSPACE"));
  EXPECT_THAT(error.what(), HasSubstr("is not a workspace"));
  EXPECT_THAT(error.what(), HasSubstr("workspace init"));
}

}  // namespace
}  // namespace provisioning::host
