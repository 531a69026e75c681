#include "extension_lock.h"
#include "extension_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

host::LockedExtension entry(sdk::PluginKind kind, const std::string& name) {
  host::LockedExtension locked;
  locked.kind = kind;
  locked.name = name;
  locked.version = "1.2.3";
  locked.sha256 = std::string(64, 'a');
  locked.source = "/build/" + name + " \"quoted\" \\ path.so";
  locked.installed_at = "2026-01-02T10:11:12.345Z";
  return locked;
}

TEST(LockFile, WriteReadRoundTripIsByteStable) {
  TempDir dir;
  host::ExtensionLock lock;
  lock.put(entry(sdk::PluginKind::kTaskserv, "etcd"));
  lock.put(entry(sdk::PluginKind::kProvider, "zeta"));
  lock.put(entry(sdk::PluginKind::kProvider, "alpha"));
  fs::path file = dir / "extensions.lock";
  lock.write(file);
  std::string first = read_text(file);

  host::ExtensionLock reread = host::ExtensionLock::read(file);
  EXPECT_EQ(reread.entries(), lock.entries());
  reread.write(file);
  EXPECT_EQ(read_text(file), first);
  EXPECT_EQ(reread.to_toml(), first);
}

TEST(LockFile, EntriesAreSortedByKindThenName) {
  host::ExtensionLock lock;
  lock.put(entry(sdk::PluginKind::kTaskserv, "etcd"));
  lock.put(entry(sdk::PluginKind::kProvider, "zeta"));
  lock.put(entry(sdk::PluginKind::kProvider, "alpha"));
  std::string text = lock.to_toml();
  auto alpha = text.find("name = \"alpha\"");
  auto zeta = text.find("name = \"zeta\"");
  auto etcd = text.find("name = \"etcd\"");
  ASSERT_NE(alpha, std::string::npos);
  ASSERT_NE(zeta, std::string::npos);
  ASSERT_NE(etcd, std::string::npos);
  EXPECT_LT(alpha, zeta);
  EXPECT_LT(zeta, etcd);  // "provider" sorts before "taskserv"
}

TEST(LockFile, HeaderSaysToCommitIt) {
  std::string text = host::ExtensionLock().to_toml();
  EXPECT_EQ(text.rfind("# ", 0), 0u);
  EXPECT_THAT(text, HasSubstr("Commit it with the workspace"));
  EXPECT_THAT(text, HasSubstr("lock_version = 1"));
}

TEST(LockFile, MissingFileIsEmpty) {
  TempDir dir;
  EXPECT_TRUE(host::ExtensionLock::read(dir / "extensions.lock").empty());
}

TEST(LockFile, PutReplacesAndEraseRemoves) {
  host::ExtensionLock lock;
  lock.put(entry(sdk::PluginKind::kProvider, "alpha"));
  auto newer = entry(sdk::PluginKind::kProvider, "alpha");
  newer.version = "2.0.0";
  lock.put(newer);
  ASSERT_EQ(lock.entries().size(), 1u);
  EXPECT_EQ(lock.find(sdk::PluginKind::kProvider, "alpha")->version, "2.0.0");
  EXPECT_EQ(lock.find(sdk::PluginKind::kTaskserv, "alpha"), nullptr);
  EXPECT_TRUE(lock.erase(sdk::PluginKind::kProvider, "alpha"));
  EXPECT_FALSE(lock.erase(sdk::PluginKind::kProvider, "alpha"));
  EXPECT_TRUE(lock.empty());
}

struct InvalidLockCase {
  std::string text;
  std::string expected;
};

TEST(LockFile, InvalidContentIsRejected) {
  std::string sha(64, 'b');
  std::string good =
      "kind = \"provider\"\nname = \"x\"\nversion = \"1\"\nsource = \"/s\"\n"
      "installed_at = \"t\"\n";
  std::vector<InvalidLockCase> cases = {
      {"lock_version = 1\n[[extension]\n", "extensions.lock:2:"},
      {"[[extension]]\n" + good + "sha256 = \"" + sha + "\"\n", "no 'lock_version' key"},
      {"lock_version = 1\n[[extension]]\n" + good + "sha256 = \"ABC\"\n",
       "sha256 'ABC', which is not 64 lower-case hex digits"},
      {"lock_version = 1\n[[extension]]\n" + good, "has no 'sha256' key"},
      {"lock_version = 1\n[[extension]]\nkind = \"robot\"\n", "unknown kind 'robot'"},
      {"lock_version = 1\n[[extension]]\n" + good + "sha256 = \"" + sha + "\"\nextra = 1\n",
       "unknown key 'extra'"},
      {"lock_version = 1\n[[extension]]\n" + good + "sha256 = \"" + sha + "\"\n[[extension]]\n" +
           good + "sha256 = \"" + sha + "\"\n",
       "repeats provider 'x'"},
      {"lock_version = 1\n[[extension]]\nkind = \"provider\"\nname = \"../x\"\n",
       "invalid name '../x'"},
  };
  for (const auto& test : cases) {
    auto error =
        expect_sdk_error([&] { host::ExtensionLock::parse(test.text, "ws/extensions.lock"); });
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument) << test.text;
    EXPECT_THAT(error.what(), HasSubstr(test.expected)) << test.text;
    EXPECT_THAT(error.what(), HasSubstr("ws/extensions.lock")) << test.text;
  }
}

TEST(LockFile, NewerFormatAsksForUpgrade) {
  auto error = expect_sdk_error([] { host::ExtensionLock::parse("lock_version = 2\n", "x.lock"); });
  EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("lock_version 2"));
  EXPECT_THAT(error.what(), HasSubstr("upgrade provisioning"));
}

TEST(LockFile, ExtensionNamesFollowPluginRule) {
  EXPECT_TRUE(host::is_valid_extension_name("local"));
  EXPECT_TRUE(host::is_valid_extension_name("my_plugin-2"));
  EXPECT_FALSE(host::is_valid_extension_name(""));
  EXPECT_FALSE(host::is_valid_extension_name("2fast"));
  EXPECT_FALSE(host::is_valid_extension_name("Upper"));
  EXPECT_FALSE(host::is_valid_extension_name("a/b"));
  EXPECT_FALSE(host::is_valid_extension_name(".."));
}

}  // namespace
}  // namespace provisioning::testing
