#include <toml++/toml.h>

#include "extension_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

class InstallTest : public WorkspaceTest {};

TEST(Sha256, MatchesKnownDigests) {
  EXPECT_EQ(host::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(host::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  TempDir dir;
  write_text(dir / "abc", "abc");
  EXPECT_EQ(host::sha256_file_hex(dir / "abc"), host::sha256_hex("abc"));
  auto error = expect_sdk_error([&] { host::sha256_file_hex(dir / "missing"); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("missing"));
}

TEST_F(InstallTest, InstallCopiesFileAndPinsIt) {
  fs::path source = loader_fixture("fixture_good", "fixture");
  auto result = install(source);

  fs::path installed = extensions_dir() / "provider" / "fixture.so";
  EXPECT_EQ(result.file, installed);
  ASSERT_TRUE(fs::is_regular_file(installed));
  EXPECT_EQ(read_text(installed), read_text(source));
  EXPECT_EQ(mode_of(installed), 0755u);
  EXPECT_FALSE(result.replaced);

  // The lock file is TOML that another reader parses to the same fields.
  toml::table root = toml::parse_file(lock_file().string());
  EXPECT_EQ(root["lock_version"].value<int64_t>(), 1);
  const toml::array* entries = root["extension"].as_array();
  ASSERT_NE(entries, nullptr);
  ASSERT_EQ(entries->size(), 1u);
  const toml::table& table = *entries->get(0)->as_table();
  EXPECT_EQ(table["kind"].value<std::string>(), "provider");
  EXPECT_EQ(table["name"].value<std::string>(), "fixture");
  EXPECT_EQ(table["version"].value<std::string>(), "1.0.0");
  EXPECT_EQ(table["sha256"].value<std::string>(), host::sha256_file_hex(source));
  EXPECT_EQ(table["source"].value<std::string>(), source.string());
  EXPECT_THAT(table["installed_at"].value<std::string>().value_or(""), HasSubstr("T"));

  host::ExtensionLock lock = host::ExtensionLock::read(lock_file());
  ASSERT_EQ(lock.entries().size(), 1u);
  EXPECT_EQ(lock.entries()[0], result.installed);
}

TEST_F(InstallTest, SecondInstallNeedsForce) {
  install(loader_fixture("fixture_good", "fixture"));
  std::string lock_before = read_text(lock_file());

  auto error = expect_sdk_error([&] { install(loader_fixture("fixture_good_v2", "fixture")); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kAlreadyExists);
  EXPECT_THAT(error.what(), HasSubstr("provider 'fixture' is already installed"));
  EXPECT_THAT(error.what(), HasSubstr("--force"));
  EXPECT_THAT(error.what(), HasSubstr("extension upgrade fixture"));
  EXPECT_EQ(read_text(lock_file()), lock_before);

  auto result = install(loader_fixture("fixture_good_v2", "fixture"), /*force=*/true);
  ASSERT_TRUE(result.replaced);
  EXPECT_EQ(result.replaced->version, "1.0.0");
  EXPECT_EQ(
      host::ExtensionLock::read(lock_file()).find(sdk::PluginKind::kProvider, "fixture")->version,
      "2.0.0");
  EXPECT_EQ(read_text(result.file), read_text(loader_fixture("fixture_good_v2", "fixture")));
}

TEST_F(InstallTest, UnpinnedFileInTheWayNeedsForce) {
  fs::path existing = extensions_dir() / "provider" / "fixture.so";
  fs::copy_file(loader_fixture("fixture_good", "fixture"), existing);
  auto error = expect_sdk_error([&] { install(loader_fixture("fixture_good_v2", "fixture")); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kAlreadyExists);
  EXPECT_THAT(error.what(), HasSubstr("already exists but is not in extensions.lock"));
  EXPECT_THAT(error.what(), HasSubstr("--force"));
  EXPECT_FALSE(fs::exists(lock_file()));
}

// Each rejected file leaves extensions/ and the lock file exactly as they were.
struct RejectedCase {
  std::string label;
  fs::path source;
  std::optional<sdk::PluginKind> kind;
  sdk::ErrorCode code;
  std::vector<std::string> expected;
};

TEST_F(InstallTest, RejectedFilesChangeNothing) {
  install(loader_fixture("fixture_other", "other"));
  write_text(temp_ / "notes.so", "plain text, not ELF");
  fs::create_directories(temp_ / "dir.so");
  std::vector<RejectedCase> cases = {
      {"wrong ABI",
       loader_fixture("fixture_wrong_abi", "wrongabi"),
       std::nullopt,
       sdk::ErrorCode::kInvalidArgument,
       {"built for SDK ABI version 999", "this host provides ABI version 1", "rebuild it",
        "nothing was installed"}},
      {"not ELF",
       temp_ / "notes.so",
       std::nullopt,
       sdk::ErrorCode::kInvalidArgument,
       {"is not a shared object", "notes.so", "nothing was installed"}},
      {"no manifest",
       loader_fixture("fixture_no_manifest", "nomanifest"),
       std::nullopt,
       sdk::ErrorCode::kInvalidArgument,
       {"has no plugin manifest", "nothing was installed"}},
      {"wrong kind",
       loader_fixture("fixture_good", "fixture"),
       sdk::PluginKind::kTaskserv,
       sdk::ErrorCode::kInvalidArgument,
       {"--kind is taskserv but its manifest declares kind provider", "--kind provider"}},
      {"missing",
       temp_ / "absent.so",
       std::nullopt,
       sdk::ErrorCode::kNotFound,
       {"absent.so", "not found"}},
      {"directory",
       temp_ / "dir.so",
       std::nullopt,
       sdk::ErrorCode::kInvalidArgument,
       {"not a regular file"}},
  };
  auto extensions_before = snapshot(extensions_dir());
  std::string lock_before = read_text(lock_file());
  for (const auto& test : cases) {
    host::InstallRequest request;
    request.source = test.source;
    request.kind = test.kind;
    auto error = expect_sdk_error([&] { host::install_extension(workspace_, request); });
    EXPECT_EQ(error.code(), test.code) << test.label;
    for (const auto& part : test.expected) {
      EXPECT_THAT(error.what(), HasSubstr(part)) << test.label;
    }
    EXPECT_EQ(snapshot(extensions_dir()), extensions_before) << test.label;
    EXPECT_EQ(read_text(lock_file()), lock_before) << test.label;
  }
}

TEST_F(InstallTest, DryRunWritesNothing) {
  host::InstallRequest request;
  request.source = loader_fixture("fixture_good", "fixture");
  request.dry_run = true;
  auto result = host::install_extension(workspace_, request);
  EXPECT_EQ(result.installed.name, "fixture");
  EXPECT_FALSE(fs::exists(result.file));
  EXPECT_FALSE(fs::exists(lock_file()));
}

TEST_F(InstallTest, UpgradeReplacesFileAndPin) {
  auto first = install(loader_fixture("fixture_good", "fixture"));
  host::InstallRequest request;
  request.source = loader_fixture("fixture_good_v2", "fixture");
  auto result = host::upgrade_extension(workspace_, "fixture", request);

  ASSERT_TRUE(result.replaced);
  EXPECT_EQ(result.replaced->version, "1.0.0");
  host::ExtensionLock lock = host::ExtensionLock::read(lock_file());
  const host::LockedExtension* pinned = lock.find(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(pinned, nullptr);
  EXPECT_EQ(pinned->version, "2.0.0");
  EXPECT_EQ(pinned->sha256, host::sha256_file_hex(request.source));
  EXPECT_NE(pinned->sha256, first.installed.sha256);
  EXPECT_EQ(read_text(result.file), read_text(request.source));
}

TEST_F(InstallTest, UpgradeRejectsOtherNameAndUninstalled) {
  install(loader_fixture("fixture_good", "fixture"));
  std::string lock_before = read_text(lock_file());
  host::InstallRequest request;
  request.source = loader_fixture("fixture_other", "other");

  auto renamed = expect_sdk_error([&] { host::upgrade_extension(workspace_, "fixture", request); });
  EXPECT_EQ(renamed.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(renamed.what(), HasSubstr("its manifest names provider 'other'"));

  auto missing = expect_sdk_error([&] { host::upgrade_extension(workspace_, "other", request); });
  EXPECT_EQ(missing.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(missing.what(), HasSubstr("provider 'other' is not installed"));
  EXPECT_THAT(missing.what(), HasSubstr("extension install"));
  EXPECT_EQ(read_text(lock_file()), lock_before);

  request.source = loader_fixture("fixture_wrong_abi", "wrongabi");
  auto abi = expect_sdk_error([&] { host::upgrade_extension(workspace_, "fixture", request); });
  EXPECT_EQ(abi.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(abi.what(), HasSubstr("SDK ABI version 999"));
}

TEST_F(InstallTest, RemoveDeletesFileAndPin) {
  install(loader_fixture("fixture_good", "fixture"));
  install(loader_fixture("fixture_other", "other"));
  auto found = host::find_installed_extension(workspace_, "fixture", std::nullopt);
  EXPECT_EQ(found.kind, sdk::PluginKind::kProvider);
  EXPECT_TRUE(found.file_exists);
  ASSERT_TRUE(found.locked);

  host::remove_extension(workspace_, found);
  EXPECT_FALSE(fs::exists(found.file));
  host::ExtensionLock lock = host::ExtensionLock::read(lock_file());
  EXPECT_EQ(lock.find(sdk::PluginKind::kProvider, "fixture"), nullptr);
  EXPECT_NE(lock.find(sdk::PluginKind::kProvider, "other"), nullptr);

  auto error = expect_sdk_error(
      [&] { host::find_installed_extension(workspace_, "fixture", std::nullopt); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kNotFound);
  EXPECT_THAT(error.what(), HasSubstr("no extension named 'fixture' is installed"));
}

TEST_F(InstallTest, RemoveNeedsKindWhenNameIsShared) {
  install(loader_fixture("fixture_good", "fixture"));
  write_text(extensions_dir() / "taskserv" / "fixture.so", "stale");
  auto error = expect_sdk_error(
      [&] { host::find_installed_extension(workspace_, "fixture", std::nullopt); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("provider, taskserv"));
  EXPECT_THAT(error.what(), HasSubstr("--kind"));
  auto taskserv = host::find_installed_extension(workspace_, "fixture", sdk::PluginKind::kTaskserv);
  EXPECT_FALSE(taskserv.locked);
  host::remove_extension(workspace_, taskserv);
  EXPECT_FALSE(fs::exists(extensions_dir() / "taskserv" / "fixture.so"));
  EXPECT_TRUE(fs::exists(extensions_dir() / "provider" / "fixture.so"));
}

std::map<std::string, host::ExtensionCheck> checks_by_name(const fs::path& workspace) {
  std::map<std::string, host::ExtensionCheck> checks;
  for (auto& check : host::check_workspace_extensions(workspace)) {
    checks[check.extension.name] = check;
  }
  return checks;
}

TEST_F(InstallTest, VerifyReportsEveryState) {
  install(loader_fixture("fixture_good", "fixture"));
  install(loader_fixture("fixture_other", "other"));
  install(loader_fixture("fixture_marker", "marker"));
  fs::copy_file(loader_fixture("fixture_api", "v0"), extensions_dir() / "api" / "v0.so");

  auto clean = checks_by_name(workspace_);
  ASSERT_EQ(clean.size(), 4u);
  EXPECT_EQ(clean["fixture"].state, host::LockState::kOk);
  EXPECT_EQ(clean["other"].state, host::LockState::kOk);
  EXPECT_EQ(clean["v0"].state, host::LockState::kUnlocked);
  EXPECT_EQ(clean["v0"].extension.version, "1.0.0");

  fs::path modified = extensions_dir() / "provider" / "other.so";
  std::string pinned = host::sha256_file_hex(modified);
  corrupt_one_byte(modified);
  fs::remove(extensions_dir() / "provider" / "marker.so");

  auto checks = checks_by_name(workspace_);
  EXPECT_EQ(checks["fixture"].state, host::LockState::kOk);
  EXPECT_EQ(checks["other"].state, host::LockState::kModified);
  EXPECT_THAT(checks["other"].problem, HasSubstr(modified.string()));
  EXPECT_THAT(checks["other"].problem, HasSubstr("expected sha256 " + pinned.substr(0, 12)));
  EXPECT_THAT(checks["other"].problem,
              HasSubstr("found " + host::sha256_file_hex(modified).substr(0, 12)));
  EXPECT_THAT(checks["other"].problem, HasSubstr("provisioning extension upgrade other"));
  EXPECT_EQ(checks["marker"].state, host::LockState::kMissing);
  EXPECT_THAT(checks["marker"].problem, HasSubstr("marker.so' is missing"));
  EXPECT_THAT(checks["marker"].problem, HasSubstr("extension remove marker --kind provider"));
}

}  // namespace
}  // namespace provisioning::testing
