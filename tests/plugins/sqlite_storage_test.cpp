// Tests of what only the SQLite storage backend does: its file, settings and errors.

#include <gtest/gtest.h>
#include <provisioning/sdk/storage.h>
#include <sqlite3.h>

#include <atomic>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

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
    // A new connection may find the write-ahead log busy for a moment while the backend
    // commits; it waits like the backend's own connection does.
    sqlite3_busy_timeout(db_, 10000);
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
  EXPECT_EQ(raw.query_text("PRAGMA user_version"), "2");
}

// Records given as text are stored as TEXT, so the name index and the JSON functions
// read them, and a transaction's view takes text as well.
TEST_F(SqliteStorageTest, RecordTextIsStoredAsText) {
  StorageHandle handle = load();
  auto* text = dynamic_cast<sdk::RecordText*>(&object_of(handle));
  ASSERT_NE(text, nullptr);
  text->put_text("servers", "s1", R"({"name":"web-1","cores":2})");
  object_of(handle).transaction([](sdk::StorageView& view) {
    auto* in_transaction = dynamic_cast<sdk::RecordText*>(&view);
    ASSERT_NE(in_transaction, nullptr);
    in_transaction->put_text("servers", "s2", R"({"name":"web-2"})");
  });

  EXPECT_EQ(object_of(handle).get("servers", "s1"),
            (json::object{{"name", "web-1"}, {"cores", 2}}));
  std::vector<json::object> found = object_of(handle).find("servers", "name", "web-2");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0], (json::object{{"name", "web-2"}}));
  RawConnection raw(default_file());
  EXPECT_EQ(raw.query_text("SELECT group_concat(typeof(data)) FROM records"), "text,text");
}

// Schema version 1 kept records in a WITHOUT ROWID table. Opening such a file moves its
// rows into the rowid table of version 2 and keeps every record readable.
TEST_F(SqliteStorageTest, Version1FileIsConverted) {
  std::filesystem::create_directories(default_file().parent_path());
  {
    RawConnection old(default_file());
    old.execute(
        "PRAGMA journal_mode = WAL;"
        "CREATE TABLE records (collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,"
        " PRIMARY KEY (collection, id)) WITHOUT ROWID;"
        "CREATE INDEX records_by_name ON records (collection,"
        " (CASE WHEN json_valid(data) THEN json_extract(data, '$.name') END));"
        "INSERT INTO records VALUES ('servers', 'b', '{\"name\":\"web-2\"}'),"
        " ('servers', 'a', '{\"name\":\"web-1\"}'), ('workflows', 'w', "
        "'{\"status\":\"Completed\"}');"
        "PRAGMA user_version = 1;");
  }

  StorageHandle handle = load();
  sdk::StorageBackend& storage = object_of(handle);
  RawConnection raw(default_file());
  EXPECT_EQ(raw.query_text("PRAGMA user_version"), "2");
  std::string table = raw.query_text("SELECT sql FROM sqlite_master WHERE name = 'records'");
  EXPECT_EQ(table.find("WITHOUT ROWID"), std::string::npos) << table;
  EXPECT_EQ(raw.query_text("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%version_1%'"),
            "0");
  EXPECT_EQ(raw.query_text("SELECT COUNT(*) FROM sqlite_master WHERE name = 'records_by_name'"),
            "0");

  EXPECT_EQ(storage.count("servers"), 2u);
  EXPECT_EQ(storage.get("workflows", "w")->at("status"), "Completed");
  std::vector<std::string> ids;
  storage.for_each("servers", [&](const std::string& id, const json::object&) {
    ids.push_back(id);
    return true;
  });
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  std::vector<json::object> found = storage.find("servers", "name", "web-2");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].at("name"), "web-2");
  storage.put("servers", "a", json::object{{"name", "web-9"}});
  EXPECT_EQ(storage.find("servers", "name", "web-9").size(), 1u);
  EXPECT_EQ(storage.count("servers"), 2u) << "an update added a row";
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

// Calls write(i, id) for i below `writes` on each of `threads` threads at once, with id
// "t<thread>-<i>", and returns when every thread is done.
void write_concurrently(int threads, int writes,
                        const std::function<void(int, const std::string&)>& write) {
  std::vector<std::thread> running;
  for (int thread = 0; thread < threads; ++thread) {
    running.emplace_back([&, thread] {
      for (int i = 0; i < writes; ++i) {
        write(i, "t" + std::to_string(thread) + "-" + std::to_string(i));
      }
    });
  }
  for (auto& each : running) each.join();
}

// Writes from several threads at once are all kept, and each put() and transaction()
// returns only once its write is committed, so another connection reads it at once.
TEST_F(SqliteStorageTest, ConcurrentWritesCommittedOnReturn) {
  StorageHandle handle = load();
  sdk::StorageBackend& storage = object_of(handle);
  constexpr int kThreads = 8;
  constexpr int kWrites = 40;
  std::atomic<int> unseen{0};
  write_concurrently(kThreads, kWrites, [&](int i, const std::string& id) {
    if (i % 4 == 0) {
      storage.transaction([&](sdk::StorageView& view) {
        view.put("servers", id, json::object{{"name", id}});
        view.put("tasks", id, json::object{{"server", id}});
      });
    } else {
      storage.put("servers", id, json::object{{"name", id}});
    }
    RawConnection other(default_file());
    std::string query = "SELECT id FROM records WHERE collection = 'servers' AND id = '" + id + "'";
    if (other.query_text(query) != id) ++unseen;
  });

  EXPECT_EQ(unseen.load(), 0);
  RawConnection other(default_file());
  EXPECT_EQ(other.query_text("SELECT COUNT(*) FROM records WHERE collection = 'servers'"),
            std::to_string(kThreads * kWrites));
  EXPECT_EQ(other.query_text("SELECT COUNT(*) FROM records WHERE collection = 'tasks'"),
            std::to_string(kThreads * kWrites / 4));
}

// A transaction body that throws writes nothing, while the writes of other threads
// running at the same time are kept.
TEST_F(SqliteStorageTest, FailedConcurrentTransactionWritesNothing) {
  StorageHandle handle = load();
  sdk::StorageBackend& storage = object_of(handle);
  constexpr int kThreads = 6;
  constexpr int kWrites = 30;
  std::atomic<int> failures{0};
  write_concurrently(kThreads, kWrites, [&](int i, const std::string& id) {
    try {
      storage.transaction([&](sdk::StorageView& view) {
        view.put("servers", id, json::object{{"name", id}});
        if (i % 3 == 0) throw sdk::Error::conflict("refused " + id);
      });
    } catch (const sdk::Error& error) {
      if (std::string(error.what()) == "refused " + id) ++failures;
    }
  });

  EXPECT_EQ(failures.load(), kThreads * kWrites / 3);
  RawConnection other(default_file());
  EXPECT_EQ(other.query_text("SELECT COUNT(*) FROM records"),
            std::to_string(kThreads * kWrites * 2 / 3));
  EXPECT_EQ(other.query_text("SELECT COUNT(*) FROM records WHERE id LIKE 't%-0'"), "0");
  EXPECT_EQ(other.query_text("SELECT COUNT(*) FROM records WHERE id LIKE 't%-1'"),
            std::to_string(kThreads));
}

// While one thread's transaction is open, other threads read the last committed state
// at once instead of waiting for it, and the transaction's own reads see its writes.
TEST_F(SqliteStorageTest, ReadsDoNotWaitForOpenTransaction) {
  StorageHandle handle = load();
  sdk::StorageBackend& storage = object_of(handle);
  storage.put("servers", "a", json::object{{"name", "web"}, {"status", "creating"}});
  std::future<std::string> seen_outside;
  std::string seen_inside;
  storage.transaction([&](sdk::StorageView& view) {
    view.put("servers", "a", json::object{{"name", "web"}, {"status", "running"}});
    view.put("servers", "b", json::object{{"name", "db"}, {"status", "running"}});
    seen_inside = view.get("servers", "a")->at("status").as_string().c_str();
    seen_outside = std::async(std::launch::async, [&] {
      std::string status(storage.get("servers", "a")->at("status").as_string());
      return status + "," + std::to_string(storage.find("servers", "name", "db").size()) + "," +
             std::to_string(storage.count("servers"));
    });
    // Guards against a hang: a reader that waited for this transaction would never end.
    ASSERT_EQ(seen_outside.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  });
  EXPECT_EQ(seen_inside, "running");
  EXPECT_EQ(seen_outside.get(), "creating,0,1");
  EXPECT_EQ(storage.get("servers", "a")->at("status"), "running");
  EXPECT_EQ(storage.find("servers", "name", "db").size(), 1u);
}

// Reads leave no read open on their connections: a checkpoint after many reads can
// move the whole log into the database file.
TEST_F(SqliteStorageTest, ReadsLeaveNoSnapshotOpen) {
  StorageHandle handle = load();
  sdk::StorageBackend& storage = object_of(handle);
  for (int i = 0; i < 20; ++i) {
    std::string id = "s" + std::to_string(i);
    storage.put("servers", id, json::object{{"name", id}});
    EXPECT_EQ(std::string(storage.get("servers", id)->at("name").as_string()), id);
    EXPECT_EQ(storage.find("servers", "name", id).size(), 1u);
  }
  EXPECT_EQ(storage.count("servers"), 20u);
  storage.put("servers", "last", json::object{{"name", "last"}});
  RawConnection other(default_file());
  // The first column is 1 when a reader kept the checkpoint from finishing.
  EXPECT_EQ(other.query_text("PRAGMA wal_checkpoint(TRUNCATE)"), "0");
}

// With defer_name_index the name index is not created, and name lookups still work by
// scanning. Opening the file again without the setting builds the index over all rows.
TEST_F(SqliteStorageTest, DeferredNameIndexIsBuiltOnReopen) {
  const std::string kIndexQuery =
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'servers_by_name'";
  {
    StorageHandle filling = load(json::object{{"defer_name_index", true}});
    sdk::StorageBackend& storage = object_of(filling);
    storage.transaction([](sdk::StorageView& view) {
      for (int i = 0; i < 50; ++i) {
        std::string id = "s" + std::to_string(i);
        view.put("servers", id, json::object{{"name", "web-" + std::to_string(i % 10)}});
      }
    });
    EXPECT_EQ(RawConnection(default_file()).query_text(kIndexQuery), "0");
    EXPECT_EQ(storage.find("servers", "name", "web-3").size(), 5u);
  }

  StorageHandle handle = load();
  EXPECT_EQ(RawConnection(default_file()).query_text(kIndexQuery), "1");
  std::vector<json::object> found = object_of(handle).find("servers", "name", "web-3");
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0].at("name"), "web-3");
  EXPECT_TRUE(object_of(handle).find("servers", "name", "web-99").empty());
  object_of(handle).put("servers", "late", json::object{{"name", "web-3"}});
  EXPECT_EQ(object_of(handle).find("servers", "name", "web-3").size(), 6u);
}

TEST_F(SqliteStorageTest, DeferNameIndexFalseKeepsIndex) {
  StorageHandle handle = load(json::object{{"defer_name_index", false}});
  object_of(handle).put("servers", "a", json::object{{"name", "web"}});
  EXPECT_EQ(RawConnection(default_file())
                .query_text("SELECT name FROM sqlite_master WHERE name = 'servers_by_name'"),
            "servers_by_name");
  EXPECT_EQ(object_of(handle).find("servers", "name", "web").size(), 1u);
}

// The name index covers the servers collection only, so that writes to other
// collections do not parse their records for it.
TEST_F(SqliteStorageTest, NameIndexCoversServersOnly) {
  StorageHandle handle = load();
  object_of(handle).put("servers", "a", json::object{{"name", "web"}});
  object_of(handle).put("clusters", "c", json::object{{"name", "web"}});

  RawConnection raw(default_file());
  EXPECT_EQ(raw.query_text("SELECT group_concat(name) FROM sqlite_master WHERE type = 'index'"
                           " AND name NOT LIKE 'sqlite_%'"),
            "servers_by_name");
  std::string index =
      raw.query_text("SELECT sql FROM sqlite_master WHERE name = 'servers_by_name'");
  EXPECT_NE(index.find("WHERE collection = 'servers'"), std::string::npos) << index;
  // The server lookup names the index (INDEXED BY), so it fails unless the index serves it.
  std::vector<json::object> servers = object_of(handle).find("servers", "name", "web");
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].at("name"), "web");
  // Other collections are searched without the index.
  EXPECT_EQ(object_of(handle).find("clusters", "name", "web").size(), 1u);
  EXPECT_TRUE(object_of(handle).find("clusters", "name", "db").empty());
}

TEST_F(SqliteStorageTest, InvalidDeferNameIndexIsRejected) {
  EXPECT_SDK_ERROR(load(json::object{{"defer_name_index", "yes"}}),
                   sdk::ErrorCode::kInvalidArgument, "storage.sqlite.defer_name_index", "\"yes\"",
                   "true or false");
  EXPECT_SDK_ERROR(load(json::object{{"defer_name_index", 1}}), sdk::ErrorCode::kInvalidArgument,
                   "storage.sqlite.defer_name_index = 1", "true or false");
}

}  // namespace
}  // namespace provisioning::testing
