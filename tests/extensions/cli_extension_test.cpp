#include "../cli/cli_fixture.h"
#include "extension_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

class ExtensionCliTest : public CliTest {
 protected:
  fs::path installed(const std::string& kind, const std::string& name) const {
    return workspace_ / "extensions" / kind / (name + ".so");
  }
  fs::path lock_file() const { return workspace_ / "extensions.lock"; }
};

const json::value* find_named(const json::value& list, const std::string& name) {
  for (const auto& item : list.as_array()) {
    if (text(item, "name") == name) return &item;
  }
  return nullptr;
}

TEST_P(ExtensionCliTest, InstallListVerify) {
  fs::path source = loader_fixture("fixture_good", "fixture");
  auto installed_json = run_json({"extension", "install", source.string()});
  EXPECT_EQ(text(installed_json, "name"), "fixture");
  EXPECT_EQ(text(installed_json, "version"), "1.0.0");
  EXPECT_EQ(text(installed_json, "path"), installed("provider", "fixture").string());
  EXPECT_EQ(text(installed_json, "sha256"), host::sha256_file_hex(source));

  auto list = run_json({"extension", "list"});
  ASSERT_EQ(list.as_array().size(), 1u);
  EXPECT_EQ(text(list.as_array()[0], "state"), "ok");
  EXPECT_EQ(text(list.as_array()[0], "kind"), "provider");

  auto table = run({"extension", "list"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("SHA256"));
  EXPECT_THAT(table.out, HasSubstr(host::sha256_file_hex(source).substr(0, 12)));

  auto verify = run({"extension", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;

  auto again = run({"extension", "install", source.string()});
  EXPECT_EQ(again.exit_code, 5);
  EXPECT_THAT(again.err, HasSubstr("already installed"));
  EXPECT_THAT(again.err, HasSubstr("--force"));
}

TEST_P(ExtensionCliTest, VerifyFailsOnModifiedFile) {
  run_json({"extension", "install", loader_fixture("fixture_good", "fixture").string()});
  run_json({"extension", "install", loader_fixture("fixture_other", "other").string()});
  corrupt_one_byte(installed("provider", "other"));

  auto verify = run({"extension", "verify"});
  EXPECT_EQ(verify.exit_code, 3);
  EXPECT_THAT(verify.err, HasSubstr("1 extension does not match extensions.lock"));
  EXPECT_THAT(verify.err, HasSubstr("provider 'other' (modified)"));
  EXPECT_THAT(verify.err, HasSubstr(installed("provider", "other").string()));
  EXPECT_THAT(verify.out, HasSubstr("modified"));

  // plugin list shows the pinned file as an error, with the same reason.
  auto plugins = run_json({"plugin", "list", "--kind", "provider"});
  const json::value* other = find_named(plugins, "other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(text(*other, "status"), "error");
  EXPECT_THAT(text(*other, "error"), HasSubstr("does not match its pin"));
  const json::value* fixture_plugin = find_named(plugins, "fixture");
  ASSERT_NE(fixture_plugin, nullptr);
  EXPECT_EQ(text(*fixture_plugin, "status"), "ok");

  // Upgrading with the changed file accepts it.
  auto accepted = run({"extension", "upgrade", "other", installed("provider", "other").string()});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_EQ(run({"extension", "verify"}).exit_code, 0);
}

TEST_P(ExtensionCliTest, ModifiedPinBlocksUserLayer) {
  fs::path user_plugins = home_ / "data" / "provisioning" / "extensions" / "provider";
  fs::create_directories(user_plugins);
  fs::copy_file(loader_fixture("fixture_good_v2", "fixture"), user_plugins / "fixture.so");
  run_json({"extension", "install", loader_fixture("fixture_good", "fixture").string()});
  auto created = run_json({"server", "create", "web-01", "1xCPU-1GB", "--provider", "fixture"});
  EXPECT_EQ(text(created, "status"), "running");

  corrupt_one_byte(installed("provider", "fixture"));
  auto rejected = run({"server", "create", "web-02", "1xCPU-1GB", "--provider", "fixture"});
  EXPECT_EQ(rejected.exit_code, 3);
  EXPECT_THAT(rejected.err, HasSubstr("provider 'fixture' is pinned in extensions.lock"));
  EXPECT_THAT(rejected.err, HasSubstr("extension upgrade fixture"));
}

TEST_P(ExtensionCliTest, RejectedInstallCopiesNothing) {
  write_text(home_ / "notes.so", "not an ELF file");
  auto before = snapshot(workspace_ / "extensions");

  auto text_file = run({"extension", "install", (home_ / "notes.so").string()});
  EXPECT_EQ(text_file.exit_code, 3);
  EXPECT_THAT(text_file.err, HasSubstr("is not a shared object"));

  auto wrong_abi =
      run({"extension", "install", loader_fixture("fixture_wrong_abi", "wrongabi").string()});
  EXPECT_EQ(wrong_abi.exit_code, 3);
  EXPECT_THAT(wrong_abi.err, HasSubstr("SDK ABI version 999"));

  auto wrong_kind = run({"extension", "install", loader_fixture("fixture_good", "fixture").string(),
                         "--kind", "storage"});
  EXPECT_EQ(wrong_kind.exit_code, 3);
  EXPECT_THAT(wrong_kind.err, HasSubstr("--kind is storage"));

  EXPECT_EQ(snapshot(workspace_ / "extensions"), before);
  EXPECT_FALSE(fs::exists(lock_file()));
}

TEST_P(ExtensionCliTest, RemoveAsksForConfirmation) {
  run_json({"extension", "install", loader_fixture("fixture_good", "fixture").string()});
  auto unconfirmed = run({"extension", "remove", "fixture"});
  EXPECT_EQ(unconfirmed.exit_code, 3);
  EXPECT_THAT(unconfirmed.err, HasSubstr("Pass --yes"));
  EXPECT_TRUE(fs::exists(installed("provider", "fixture")));

  auto removed = run({"extension", "remove", "fixture", "--yes"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_THAT(removed.out, HasSubstr("removed provider 'fixture'"));
  EXPECT_FALSE(fs::exists(installed("provider", "fixture")));
  EXPECT_THAT(read_text(lock_file()), ::testing::Not(HasSubstr("fixture")));

  auto missing = run({"extension", "remove", "fixture", "--yes"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_THAT(missing.err, HasSubstr("no extension named 'fixture' is installed"));
}

TEST_P(ExtensionCliTest, ListShowsUnlockedAndMissing) {
  run_json({"extension", "install", loader_fixture("fixture_good", "fixture").string()});
  fs::copy_file(loader_fixture("fixture_other", "other"), installed("provider", "other"));
  fs::remove(installed("provider", "fixture"));

  auto list = run_json({"extension", "list"});
  const json::value* other = find_named(list, "other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(text(*other, "state"), "unlocked");
  const json::value* fixture_entry = find_named(list, "fixture");
  ASSERT_NE(fixture_entry, nullptr);
  EXPECT_EQ(text(*fixture_entry, "state"), "missing");

  auto verify = run({"extension", "verify"});
  EXPECT_EQ(verify.exit_code, 3);
  EXPECT_THAT(verify.err, HasSubstr("provider 'fixture' (missing)"));
  EXPECT_THAT(verify.err, ::testing::Not(HasSubstr("provider 'other'")));
}

TEST_P(ExtensionCliTest, UpgradeChangesPinnedVersion) {
  run_json({"extension", "install", loader_fixture("fixture_good", "fixture").string()});
  auto upgraded = run_json(
      {"extension", "upgrade", "fixture", loader_fixture("fixture_good_v2", "fixture").string()});
  EXPECT_EQ(text(upgraded, "version"), "2.0.0");
  EXPECT_EQ(text(upgraded, "replaced_version"), "1.0.0");
  auto list = run_json({"extension", "list"});
  ASSERT_EQ(list.as_array().size(), 1u);
  EXPECT_EQ(text(list.as_array()[0], "version"), "2.0.0");
  EXPECT_EQ(text(list.as_array()[0], "state"), "ok");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ExtensionCliTest, ::testing::Values("sqlite"));

}  // namespace
}  // namespace provisioning::testing
