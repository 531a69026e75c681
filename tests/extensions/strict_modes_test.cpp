#include "strict_modes.h"

#include <unistd.h>

#include "extension_test_support.h"
#include "plugin_catalog.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

// A plugin copied into <root>/provider/, with both modes secure to start with.
class StrictModesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(directory_);
    fs::permissions(directory_, fs::perms(0755));
    fs::copy_file(loader_fixture("fixture_good", "fixture"), plugin_);
    fs::permissions(plugin_, fs::perms(0755));
  }

  TempDir temp_{"provisioning-strict"};
  fs::path directory_ = temp_ / "provider";
  fs::path plugin_ = directory_ / "fixture.so";
};

TEST_F(StrictModesTest, SecureFilePasses) {
  EXPECT_EQ(host::insecure_plugin_file_problem(plugin_), "");
}

TEST_F(StrictModesTest, GroupWritableFileIsRejected) {
  fs::permissions(plugin_, fs::perms(0775));
  std::string problem = host::insecure_plugin_file_problem(plugin_);
  EXPECT_THAT(problem, HasSubstr("plugin file '" + plugin_.string() + "'"));
  EXPECT_THAT(problem, HasSubstr("writable by group or others (mode 0775)"));
  EXPECT_THAT(problem, HasSubstr("`chmod go-w " + plugin_.string() + "`"));
}

TEST_F(StrictModesTest, WorldWritableDirectoryIsRejected) {
  fs::permissions(directory_, fs::perms(01777));
  std::string problem = host::insecure_plugin_file_problem(plugin_);
  EXPECT_THAT(problem, HasSubstr("directory '" + directory_.string() + "' containing plugin '" +
                                 plugin_.string() + "'"));
  EXPECT_THAT(problem, HasSubstr("(mode 1777)"));
  EXPECT_THAT(problem, HasSubstr("`chmod go-w " + directory_.string() + "`"));
  fs::permissions(directory_, fs::perms(0755));
}

TEST_F(StrictModesTest, FileOfAnotherUserIsRejected) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing a file's owner needs root";
  ASSERT_EQ(::chown(plugin_.c_str(), 65534, static_cast<gid_t>(-1)), 0);
  std::string problem = host::insecure_plugin_file_problem(plugin_);
  EXPECT_THAT(problem, HasSubstr("plugin file '" + plugin_.string() + "' is owned by uid 65534"));
  EXPECT_THAT(problem, HasSubstr("root or by the user running provisioning (uid 0)"));
  EXPECT_THAT(problem, HasSubstr("`chown 0 " + plugin_.string() + "`"));
}

TEST_F(StrictModesTest, SymlinkIsFollowedAndTargetChecked) {
  fs::path links = temp_ / "links";
  fs::create_directories(links);
  fs::permissions(links, fs::perms(0755));
  fs::path link = links / "fixture.so";
  fs::create_symlink(plugin_, link);
  EXPECT_EQ(host::insecure_plugin_file_problem(link), "");

  fs::permissions(plugin_, fs::perms(0757));
  std::string file_problem = host::insecure_plugin_file_problem(link);
  EXPECT_THAT(file_problem, HasSubstr("plugin file '" + fs::canonical(plugin_).string() +
                                      "' (target of '" + link.string() + "')"));
  EXPECT_THAT(file_problem, HasSubstr("(mode 0757)"));

  fs::permissions(plugin_, fs::perms(0755));
  fs::permissions(directory_, fs::perms(0775));
  std::string directory_problem = host::insecure_plugin_file_problem(link);
  EXPECT_THAT(directory_problem,
              HasSubstr("directory '" + fs::canonical(directory_).string() + "'"));
  EXPECT_THAT(directory_problem, HasSubstr("(mode 0775)"));
}

TEST_F(StrictModesTest, DanglingSymlinkIsRejected) {
  fs::path link = directory_ / "dangling.so";
  fs::create_symlink(temp_ / "nowhere.so", link);
  std::string problem = host::insecure_plugin_file_problem(link);
  EXPECT_THAT(problem, HasSubstr("symbolic link '" + link.string() + "' cannot be resolved"));
}

TEST(StrictModes, BuildTreeCorePluginsPass) {
  fs::path core = fs::path(PROVISIONING_BINARY).parent_path().parent_path() / "lib" /
                  "provisioning" / "extensions";
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(core)) {
    if (entry.path().extension() != ".so") continue;
    EXPECT_EQ(host::insecure_plugin_file_problem(entry.path()), "") << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 6) << "expected the shipped providers, taskservs and storage backends";
}

TEST_F(StrictModesTest, CatalogRejectsInsecurePluginInEveryLayer) {
  for (host::PluginLayer layer : {host::PluginLayer::kWorkspace, host::PluginLayer::kCore}) {
    fs::permissions(plugin_, fs::perms(0766));
    auto catalog = host::PluginCatalog::discover({{layer, temp_.path()}});
    EXPECT_EQ(catalog.find(sdk::PluginKind::kProvider, "fixture"), nullptr);
    auto problems = catalog.problems();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_THAT(problems[0].problem, HasSubstr("(mode 0766)"));
    EXPECT_THAT(problems[0].problem, HasSubstr("chmod go-w"));

    fs::permissions(plugin_, fs::perms(0755));
    auto fixed = host::PluginCatalog::discover({{layer, temp_.path()}});
    EXPECT_NE(fixed.find(sdk::PluginKind::kProvider, "fixture"), nullptr);
    EXPECT_TRUE(fixed.problems().empty());
  }
}

}  // namespace
}  // namespace provisioning::testing
