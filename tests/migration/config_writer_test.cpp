#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>
#include <sys/stat.h>

#include "support/temp_dir.h"
#include "workspace_config_writer.h"

namespace provisioning::host {
namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;

constexpr const char* kConfig =
    "# workspace settings\n"
    "\n"
    "[storage]\n"
    "# which backend\n"
    "backend = \"filesystem\"  # set by hand\n"
    "\n"
    "[storage.sqlite]\n"
    "path = \"state.db\"\n"
    "\n"
    "[api]\n"
    "deprecated = [\n"
    "  \"v1\",  # old\n"
    "]\n";

TEST(ConfigWriter, ReplacesValueKeepsComments) {
  TempDir dir;
  write_text(dir / "config.toml", kConfig);
  set_config_value(dir / "config.toml", "storage.backend", std::string("sqlite"));
  std::string expected = kConfig;
  expected.replace(expected.find("\"filesystem\""), 12, "\"sqlite\"");
  EXPECT_EQ(read_text(dir / "config.toml"), expected);
}

TEST(ConfigWriter, AddsKeyToExistingTable) {
  TempDir dir;
  write_text(dir / "config.toml", kConfig);
  set_config_value(dir / "config.toml", "storage.sqlite.busy_timeout_ms", std::int64_t{500});
  std::string text = read_text(dir / "config.toml");
  EXPECT_NE(text.find("path = \"state.db\"\nbusy_timeout_ms = 500\n"), std::string::npos) << text;
}

TEST(ConfigWriter, AddsMissingTableAtEnd) {
  TempDir dir;
  write_text(dir / "config.toml", kConfig);
  set_config_value(dir / "config.toml", "bridge.mode", std::string("dual"));
  std::string text = read_text(dir / "config.toml");
  EXPECT_EQ(text, std::string(kConfig) + "\n[bridge]\nmode = \"dual\"\n");
}

TEST(ConfigWriter, ReplacesMultiLineArray) {
  TempDir dir;
  write_text(dir / "config.toml", kConfig);
  set_config_value(dir / "config.toml", "api.deprecated",
                   std::vector<std::string>{"v1", "v2 \"quoted\""});
  std::string text = read_text(dir / "config.toml");
  EXPECT_NE(text.find("deprecated = [\"v1\", \"v2 \\\"quoted\\\"\"]\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("# old"), std::string::npos);
}

TEST(ConfigWriter, BooleanAndRootKey) {
  TempDir dir;
  write_text(dir / "config.toml", kConfig);
  set_config_value(dir / "config.toml", "logging.legacy_format", true);
  set_config_value(dir / "config.toml", "top", std::string("x"));
  std::string text = read_text(dir / "config.toml");
  EXPECT_NE(text.find("[logging]\nlegacy_format = true\n"), std::string::npos) << text;
  EXPECT_NE(text.find("top = \"x\"\n[storage]"), std::string::npos) << text;
}

TEST(ConfigWriter, CreatesMissingFile) {
  TempDir dir;
  set_config_value(dir / "config.toml", "storage.backend", std::string("sqlite"));
  EXPECT_EQ(read_text(dir / "config.toml"), "[storage]\nbackend = \"sqlite\"\n");
}

TEST(ConfigWriter, SeveralKeysInOneWrite) {
  TempDir dir;
  write_text(dir / "config.toml", kConfig);
  set_config_values(dir / "config.toml", {{"storage.backend", std::string("sqlite")},
                                          {"storage.sqlite.path", std::string("b.db")}});
  std::string text = read_text(dir / "config.toml");
  EXPECT_NE(text.find("backend = \"sqlite\"  # set by hand"), std::string::npos) << text;
  EXPECT_NE(text.find("path = \"b.db\""), std::string::npos) << text;
}

TEST(ConfigWriter, UnsetRemovesOnlyThatLine) {
  TempDir dir;
  write_text(dir / "config.toml", kConfig);
  EXPECT_TRUE(unset_config_value(dir / "config.toml", "storage.sqlite.path"));
  EXPECT_FALSE(unset_config_value(dir / "config.toml", "storage.sqlite.path"));
  std::string expected = kConfig;
  expected.erase(expected.find("path = \"state.db\"\n"), 18);
  EXPECT_EQ(read_text(dir / "config.toml"), expected);
}

TEST(ConfigWriter, DottedKeyInParentTable) {
  TempDir dir;
  write_text(dir / "config.toml", "[storage]\nsqlite.path = \"a.db\"\n");
  set_config_value(dir / "config.toml", "storage.sqlite.path", std::string("b.db"));
  set_config_value(dir / "config.toml", "storage.sqlite.synchronous", std::string("normal"));
  EXPECT_EQ(read_text(dir / "config.toml"),
            "[storage]\nsqlite.path = \"b.db\"\nsqlite.synchronous = \"normal\"\n");
}

TEST(ConfigWriter, InlineTableLeftUnchanged) {
  TempDir dir;
  std::string original = "storage = { backend = \"filesystem\" }\n";
  write_text(dir / "config.toml", original);
  try {
    set_config_value(dir / "config.toml", "storage.backend", std::string("sqlite"));
    FAIL() << "expected an error";
  } catch (const sdk::Error& error) {
    EXPECT_NE(std::string(error.what()).find("by hand"), std::string::npos) << error.what();
  }
  EXPECT_EQ(read_text(dir / "config.toml"), original);
}

TEST(ConfigWriter, InvalidFileNamesPosition) {
  TempDir dir;
  std::string original = "[storage\nbackend = 1\n";
  write_text(dir / "config.toml", original);
  try {
    set_config_value(dir / "config.toml", "storage.backend", std::string("sqlite"));
    FAIL() << "expected an error";
  } catch (const sdk::Error& error) {
    std::string message = error.what();
    EXPECT_NE(message.find((dir / "config.toml").string() + ":1:"), std::string::npos) << message;
  }
  EXPECT_EQ(read_text(dir / "config.toml"), original);
}

TEST(ConfigWriter, InvalidKeyRejected) {
  TempDir dir;
  EXPECT_THROW(set_config_value(dir / "config.toml", "storage..backend", true), sdk::Error);
  EXPECT_THROW(set_config_value(dir / "config.toml", "a b", true), sdk::Error);
}

TEST(ConfigWriter, KeepsFileMode) {
  TempDir dir;
  write_text(dir / "config.toml", kConfig);
  ::chmod((dir / "config.toml").c_str(), 0600);
  set_config_value(dir / "config.toml", "storage.backend", std::string("sqlite"));
  struct stat info {};
  ASSERT_EQ(::stat((dir / "config.toml").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace provisioning::host
