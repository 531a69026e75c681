#include <provisioning/sdk/provider.h>

#include "extension_test_support.h"
#include "host.h"
#include "plugin_catalog.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

// A workspace with fixture 1.0.0 installed and pinned, and fixture 2.0.0 in a lower
// layer that a blocked name must not fall back to.
class CatalogLockTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    WorkspaceTest::SetUp();
    installed_ = install(loader_fixture("fixture_good", "fixture")).file;
    fs::create_directories(user_ / "provider");
    fs::copy_file(loader_fixture("fixture_good_v2", "fixture"), user_ / "provider" / "fixture.so");
  }

  host::PluginCatalog discover() const {
    return host::PluginCatalog::discover(
        {{host::PluginLayer::kWorkspace, extensions_dir()}, {host::PluginLayer::kUser, user_}},
        host::ExtensionLock::read(lock_file()));
  }

  std::unique_ptr<host::Host> open_host() const {
    host::HostOptions options;
    options.workspace = workspace_;
    options.environment =
        host::fixed_environment({{"HOME", temp_.path().string()},
                                 {"XDG_DATA_HOME", (temp_ / "data").string()},
                                 {"XDG_CONFIG_HOME", (temp_ / "config").string()}});
    options.cwd = temp_.path();
    options.executable = PROVISIONING_BINARY;
    return host::Host::open(options);
  }

  fs::path user_ = temp_ / "data" / "provisioning" / "extensions";
  fs::path installed_;
};

TEST_F(CatalogLockTest, MatchingPinIsUsed) {
  auto catalog = discover();
  const host::PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->active.file, installed_);
  EXPECT_EQ(entry->active.manifest->version, "1.0.0");
  EXPECT_TRUE(catalog.problems().empty());
  EXPECT_EQ(catalog.blocking_problem(sdk::PluginKind::kProvider, "fixture"), nullptr);
}

TEST_F(CatalogLockTest, ModifiedPinBlocksEveryLayer) {
  std::string pinned = host::sha256_file_hex(installed_);
  corrupt_one_byte(installed_);
  std::string actual = host::sha256_file_hex(installed_);
  auto catalog = discover();

  EXPECT_EQ(catalog.find(sdk::PluginKind::kProvider, "fixture"), nullptr);
  const host::PluginCandidate* blocking =
      catalog.blocking_problem(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(blocking, nullptr);
  EXPECT_EQ(blocking->file, installed_);
  EXPECT_THAT(blocking->problem, HasSubstr("'" + installed_.string() + "' does not match"));
  EXPECT_THAT(blocking->problem, HasSubstr("expected sha256 " + pinned.substr(0, 12)));
  EXPECT_THAT(blocking->problem, HasSubstr("found " + actual.substr(0, 12)));
  EXPECT_THAT(blocking->problem, HasSubstr("provisioning extension upgrade fixture"));
  EXPECT_THAT(blocking->problem, HasSubstr("--force"));

  auto problems = catalog.problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[1].layer, host::PluginLayer::kUser);
  EXPECT_THAT(problems[1].problem, HasSubstr("never falls back to another layer"));
}

TEST_F(CatalogLockTest, MissingPinnedFileBlocksEveryLayer) {
  fs::remove(installed_);
  auto catalog = discover();
  EXPECT_EQ(catalog.find(sdk::PluginKind::kProvider, "fixture"), nullptr);
  const host::PluginCandidate* blocking =
      catalog.blocking_problem(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(blocking, nullptr);
  EXPECT_EQ(blocking->layer, host::PluginLayer::kWorkspace);
  EXPECT_THAT(blocking->problem, HasSubstr("'" + installed_.string() + "' is missing"));
}

TEST_F(CatalogLockTest, DuplicateClaimingPinnedNameMustMatch) {
  // "a.so" sorts before "fixture.so", so without the pin it would be the one in force.
  fs::copy_file(loader_fixture("fixture_good_v2", "fixture"),
                extensions_dir() / "provider" / "a.so");
  auto catalog = discover();
  const host::PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->active.file, installed_);
  auto problems = catalog.problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].file.filename(), "a.so");
  EXPECT_THAT(problems[0].problem, HasSubstr("does not match its pin"));
}

TEST_F(CatalogLockTest, UnpinnedWorkspacePluginStillLoads) {
  fs::copy_file(loader_fixture("fixture_other", "other"),
                extensions_dir() / "provider" / "other.so");
  auto catalog = discover();
  const host::PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "other");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->active.layer, host::PluginLayer::kWorkspace);
  EXPECT_TRUE(catalog.problems().empty());
}

TEST_F(CatalogLockTest, HostRefusesModifiedPinInsteadOfFallingBack) {
  auto host = open_host();
  auto provider = host->provider("fixture");
  EXPECT_EQ(provider.identity().file, installed_);

  corrupt_one_byte(installed_);
  auto reopened = open_host();
  auto error = expect_sdk_error([&] { reopened->provider("fixture"); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("provider 'fixture' is pinned in extensions.lock"));
  EXPECT_THAT(error.what(), HasSubstr(installed_.string()));
  EXPECT_THAT(error.what(), HasSubstr("provisioning extension upgrade fixture"));
}

TEST_F(CatalogLockTest, InvalidLockFileFailsHostOpen) {
  write_text(lock_file(), "lock_version = 1\n[[extension]]\nkind = 3\n");
  auto error = expect_sdk_error([&] { open_host(); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr(lock_file().string()));
  EXPECT_THAT(error.what(), HasSubstr("'kind' that is not a non-empty string"));
}

}  // namespace
}  // namespace provisioning::testing
