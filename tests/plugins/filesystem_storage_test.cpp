// Tests of what only the filesystem storage backend does: its layout, files and lock.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/storage.h>
#include <sys/file.h>
#include <unistd.h>

#include <string>

#include "plugin_test_support.h"
#include "support/temp_dir.h"

namespace provisioning::testing {
namespace {

namespace json = sdk::json;

using StorageHandle = host::PluginHandle<sdk::StorageBackend>;

class FilesystemStorageTest : public ::testing::Test {
 protected:
  StorageHandle load(json::object settings = {}) {
    return load_plugin<sdk::StorageBackend>(sdk::PluginKind::kStorage, "filesystem",
                                            make_context(workspace_.path(), std::move(settings)));
  }

  std::filesystem::path data_dir() const { return workspace_ / "data"; }

  TempDir workspace_{test_directory_prefix()};
};

TEST_F(FilesystemStorageTest, RecordIsOneJsonFile) {
  StorageHandle handle = load();
  object_of(handle).put("servers", "web-1", json::object{{"name", "web-1"}});

  EXPECT_EQ(object_of(handle).location(), data_dir().string());
  std::filesystem::path file = data_dir() / "servers/web-1.json";
  ASSERT_TRUE(std::filesystem::is_regular_file(file));
  EXPECT_EQ(json::parse(read_text(file)), (json::object{{"name", "web-1"}}));
}

TEST_F(FilesystemStorageTest, ReadsRecordsWrittenByOthers) {
  write_text(data_dir() / "servers/old-1.json", "{\n  \"name\": \"old-1\"\n}\n");
  StorageHandle handle = load();

  std::optional<json::object> record = object_of(handle).get("servers", "old-1");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->at("name"), "old-1");
}

TEST_F(FilesystemStorageTest, PathSettingResolvesAgainstWorkspace) {
  StorageHandle handle = load(json::object{{"path", "records"}});
  object_of(handle).put("servers", "a", json::object{});

  EXPECT_EQ(object_of(handle).location(), (workspace_ / "records").string());
  EXPECT_TRUE(std::filesystem::is_regular_file(workspace_ / "records/servers/a.json"));
}

TEST_F(FilesystemStorageTest, BrokenJsonFileNamesFileAndPosition) {
  std::filesystem::path file = data_dir() / "servers/broken.json";
  write_text(file, "{\"name\": \"broken\",\n \"plan\": oops}\n");
  StorageHandle handle = load();
  sdk::StorageBackend& store = object_of(handle);

  EXPECT_SDK_ERROR(store.get("servers", "broken"), sdk::ErrorCode::kInvalidArgument, file.string(),
                   "is not valid JSON", "line 2, column 10");
  EXPECT_SDK_ERROR(
      store.for_each("servers", [](const std::string&, const json::object&) { return true; }),
      sdk::ErrorCode::kInvalidArgument, file.string());
}

TEST_F(FilesystemStorageTest, NonObjectJsonIsRejected) {
  std::filesystem::path file = data_dir() / "servers/list.json";
  write_text(file, "[1, 2]");
  StorageHandle handle = load();

  EXPECT_SDK_ERROR(object_of(handle).get("servers", "list"), sdk::ErrorCode::kInvalidArgument,
                   file.string(), "does not contain a JSON object");
}

TEST_F(FilesystemStorageTest, ForeignAndTemporaryFilesAreIgnored) {
  write_text(data_dir() / "servers/a.json", "{}");
  write_text(data_dir() / "servers/.a.json.tmp.123.9f", "{half");
  write_text(data_dir() / "servers/notes.txt", "not a record");
  write_text(data_dir() / "servers/bad name.json", "{}");
  write_text(data_dir() / "scratch/.b.json.tmp.1.2", "{}");
  std::filesystem::create_directories(data_dir() / "empty");
  StorageHandle handle = load();
  sdk::StorageBackend& store = object_of(handle);

  std::vector<std::string> ids;
  store.for_each("servers", [&](const std::string& id, const json::object&) {
    ids.push_back(id);
    return true;
  });
  EXPECT_EQ(ids, std::vector<std::string>{"a"});
  EXPECT_EQ(store.count("servers"), 1u);
  EXPECT_EQ(store.collections(), std::vector<std::string>{"servers"});
}

TEST_F(FilesystemStorageTest, HeldLockMakesWritesUnavailable) {
  StorageHandle handle = load(json::object{{"lock_timeout_ms", 50}});
  std::filesystem::path lock_file = data_dir() / ".lock";
  // A second open file description conflicts with the plugin's, as another process would.
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);

  EXPECT_SDK_ERROR(object_of(handle).put("servers", "a", json::object{}),
                   sdk::ErrorCode::kUnavailable, lock_file.string(), "timed out after 50 ms",
                   "lock_timeout_ms");
  EXPECT_SDK_ERROR(object_of(handle).transaction([](sdk::StorageView&) {}),
                   sdk::ErrorCode::kUnavailable, lock_file.string());

  ::close(fd);
  object_of(handle).put("servers", "a", json::object{});
  EXPECT_EQ(object_of(handle).count("servers"), 1u);
}

TEST_F(FilesystemStorageTest, InvalidSettingsAreRejected) {
  EXPECT_SDK_ERROR(load(json::object{{"lock_timeout_ms", -5}}), sdk::ErrorCode::kInvalidArgument,
                   "storage.filesystem.lock_timeout_ms", "-5");
  EXPECT_SDK_ERROR(load(json::object{{"path", ""}}), sdk::ErrorCode::kInvalidArgument,
                   "storage.filesystem.path");
}

TEST_F(FilesystemStorageTest, RollbackRestoresPreviousFileContent) {
  std::filesystem::path file = data_dir() / "servers/old-1.json";
  const std::string original = "{\n  \"name\": \"old-1\"\n}\n";
  write_text(file, original);
  StorageHandle handle = load();

  EXPECT_THROW(object_of(handle).transaction([](sdk::StorageView& view) {
    view.put("servers", "old-1", json::object{{"name", "changed"}});
    throw std::runtime_error("body failed");
  }),
               std::runtime_error);

  EXPECT_EQ(read_text(file), original);
}

}  // namespace
}  // namespace provisioning::testing
