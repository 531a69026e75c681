// Tests of what only the SQLite storage backend does: its file, settings and errors.

#include <gtest/gtest.h>
#include <provisioning/sdk/storage.h>
#include <sqlite3.h>

#include <string>

#include "plugin_test_support.h"
#include "support/temp_dir.h"

namespace provisioning::testing {
namespace {

namespace json = sdk::json;

using StorageHandle = host::PluginHandle<sdk::StorageBackend>;

// A second connection to the database, standing in for another process.
class RawConnection {
 public:
  explicit RawConnection(const std::filesystem::path& file) {
    if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + file.string());
    }
  }
  ~RawConnection() { sqlite3_close(db_); }

  void execute(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "unknown error";
      sqlite3_free(message);
      throw std::runtime_error(sql + ": " + text);
    }
  }

  std::string query_text(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::string text;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return text;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStorageTest : public ::testing::Test {
 protected:
  StorageHandle load(json::object settings = {}) {
    return load_plugin<sdk::StorageBackend>(sdk::PluginKind::kStorage, "sqlite",
                                            make_context(workspace_.path(), std::move(settings)));
  }

  std::filesystem::path default_file() const { return workspace_ / ".provisioning/state.db"; }

  TempDir workspace_{test_directory_prefix()};
};

TEST_F(SqliteStorageTest, DefaultFileIsStateDb) {
  StorageHandle handle = load();
  EXPECT_EQ(object_of(handle).location(), default_file().string());
  EXPECT_TRUE(std::filesystem::is_regular_file(default_file()));
}

TEST_F(SqliteStorageTest, RelativePathResolvesAgainstWorkspace) {
  StorageHandle handle = load(json::object{{"path", "db/custom.db"}});
  object_of(handle).put("servers", "a", json::object{});
  EXPECT_EQ(object_of(handle).location(), (workspace_ / "db/custom.db").string());
  EXPECT_TRUE(std::filesystem::is_regular_file(workspace_ / "db/custom.db"));
}

TEST_F(SqliteStorageTest, RecordsAreCompactJsonInWalMode) {
  StorageHandle handle = load();
  object_of(handle).put("servers", "web-1", json::object{{"name", "web-1"}, {"cores", 2}});

  RawConnection raw(default_file());
  EXPECT_EQ(
      raw.query_text("SELECT data FROM records WHERE collection = 'servers' AND id = 'web-1'"),
      R"({"name":"web-1","cores":2})");
  EXPECT_EQ(raw.query_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.query_text("PRAGMA user_version"), "1");
}

TEST_F(SqliteStorageTest, NonDatabaseFileIsRejected) {
  std::filesystem::create_directories(default_file().parent_path());
  write_text(default_file(), std::string(4096, 'x'));

  EXPECT_SDK_ERROR(load(), sdk::ErrorCode::kUnavailable, default_file().string(),
                   "is not a SQLite database", "storage.sqlite.path");
}

TEST_F(SqliteStorageTest, NewerSchemaIsRejected) {
  std::filesystem::create_directories(default_file().parent_path());
  RawConnection(default_file()).execute("PRAGMA user_version = 7");

  EXPECT_SDK_ERROR(load(), sdk::ErrorCode::kUnavailable, default_file().string(),
                   "schema version 7", "upgrade the sqlite storage plugin");
}

TEST_F(SqliteStorageTest, LockedDatabaseIsUnavailableAfterTimeout) {
  StorageHandle handle = load(json::object{{"busy_timeout_ms", 50}});
  RawConnection other(default_file());
  other.execute("BEGIN IMMEDIATE");

  EXPECT_SDK_ERROR(object_of(handle).put("servers", "a", json::object{}),
                   sdk::ErrorCode::kUnavailable, default_file().string(), "timed out after 50 ms",
                   "busy_timeout_ms");
  EXPECT_SDK_ERROR(object_of(handle).transaction([](sdk::StorageView&) {}),
                   sdk::ErrorCode::kUnavailable, default_file().string());

  other.execute("COMMIT");
  object_of(handle).put("servers", "a", json::object{});
  EXPECT_EQ(object_of(handle).count("servers"), 1u);
}

TEST_F(SqliteStorageTest, InvalidSettingsAreRejected) {
  EXPECT_SDK_ERROR(load(json::object{{"busy_timeout_ms", "fast"}}),
                   sdk::ErrorCode::kInvalidArgument, "storage.sqlite.busy_timeout_ms", "\"fast\"");
  EXPECT_SDK_ERROR(load(json::object{{"busy_timeout_ms", 0}}), sdk::ErrorCode::kInvalidArgument,
                   "storage.sqlite.busy_timeout_ms");
  EXPECT_SDK_ERROR(load(json::object{{"path", 42}}), sdk::ErrorCode::kInvalidArgument,
                   "storage.sqlite.path");
}

TEST_F(SqliteStorageTest, CorruptRowNamesRecord) {
  StorageHandle handle = load();
  RawConnection(default_file())
      .execute("INSERT INTO records VALUES ('servers', 'broken', '{\"name\": ')");

  EXPECT_SDK_ERROR(object_of(handle).get("servers", "broken"), sdk::ErrorCode::kInvalidArgument,
                   "servers/broken", default_file().string(), "is not valid JSON");
}

}  // namespace
}  // namespace provisioning::testing
