// The surrealdb plugin file, loaded with the conformance kit's loader, on a real SurrealDB
// engine: what the conformance checks do not cover, such as exact JSON round trips,
// reads inside a transaction, the writer lock between two backend objects (as two
// processes would hold them) and broken records.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <provisioning/conformance/plugin_library.h>
#include <provisioning/conformance/scratch.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/storage.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "support/surreal_server.h"

namespace provisioning::testing {
namespace {

namespace conformance = provisioning::conformance;
namespace json = sdk::json;
using ::testing::HasSubstr;

class SurrealBackend : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!SurrealServer::available()) return;
    server_ = std::make_unique<SurrealServer>();
    library_ = std::make_unique<conformance::PluginLibrary>(SURREALDB_PLUGIN_FILE);
  }
  static void TearDownTestSuite() {
    library_.reset();
    server_.reset();
  }

  void SetUp() override {
    if (!SurrealServer::available()) GTEST_SKIP() << SurrealServer::unavailable_reason();
    static std::atomic<int> databases{0};
    database_ = "backend_" + std::to_string(databases++);
  }

  // A new backend object on this test's database; `settings` override the defaults.
  std::shared_ptr<sdk::StorageBackend> open(json::object settings = {}) const {
    json::object all = {{"url", server_->url()},
                        {"namespace", server_->namespace_name()},
                        {"database", database_},
                        {"username", server_->username()},
                        {"password", server_->password()}};
    for (const auto& member : settings) all[member.key()] = member.value();
    sdk::PluginContext context =
        conformance::scratch_context(scratch_.path(), sdk::PluginKind::kStorage, "surrealdb");
    context.settings = all;
    return std::dynamic_pointer_cast<sdk::StorageBackend>(library_->create(context));
  }

  // Sends SurrealQL straight to the engine, bypassing the plugin.
  json::array raw_sql(const std::string& sql) const {
    httplib::Client client(server_->url());
    client.set_basic_auth(server_->username(), server_->password());
    httplib::Headers headers = {{"Surreal-NS", server_->namespace_name()},
                                {"Surreal-DB", database_},
                                {"Accept", "application/json"}};
    auto response = client.Post("/sql", headers, sql, "text/plain");
    EXPECT_TRUE(response);
    EXPECT_EQ(response->status, 200) << response->body;
    return json::parse(response->body).as_array();
  }

  static std::vector<std::string> ids(sdk::StorageView& view, std::string_view collection) {
    std::vector<std::string> visited;
    view.for_each(collection, [&](const std::string& id, const json::object&) {
      visited.push_back(id);
      return true;
    });
    return visited;
  }

  static inline std::unique_ptr<SurrealServer> server_;
  static inline std::unique_ptr<conformance::PluginLibrary> library_;
  conformance::ScratchDirectory scratch_{"surrealdb-backend-test"};
  std::string database_;
};

TEST_F(SurrealBackend, RecordRoundTripIsExact) {
  auto storage = open();
  const std::string text =
      R"({"z":1,"a":2.0,"big":18446744073709551615,"small":-9223372036854775808,)"
      R"("tiny":5e-324,"text":"quote \" backslash \\ tab \t nul \u0000 é 😀",)"
      R"("nested":{"list":[null,true,false,[],{}],"":"empty key"}})";
  json::object record = json::parse(text).as_object();
  storage->put("servers", "exact-1", record);

  auto stored = storage->get("servers", "exact-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(json::serialize(*stored), json::serialize(record));
  EXPECT_TRUE(stored->at("a").is_double());
  EXPECT_TRUE(stored->at("big").is_uint64());
  EXPECT_EQ(stored->begin()->key(), "z");
}

TEST_F(SurrealBackend, DataFieldIsQueryable) {
  auto storage = open();
  storage->put("servers", "s-1", {{"name", "web-01"}, {"status", "running"}});
  auto rows = raw_sql("SELECT VALUE data.status FROM records WHERE collection = 'servers'");
  EXPECT_EQ(rows.at(0).at("result").as_array().at(0).as_string(), "running");
}

TEST_F(SurrealBackend, ForEachReadsPastOnePage) {
  auto storage = open();
  storage->transaction([](sdk::StorageView& view) {
    for (int i = 0; i < 1203; ++i) {
      char id[16];
      std::snprintf(id, sizeof(id), "n-%05d", i);
      view.put("pages", id, {{"index", i}});
    }
  });
  std::vector<std::string> visited = ids(*storage, "pages");
  ASSERT_EQ(visited.size(), 1203u);
  EXPECT_EQ(visited.front(), "n-00000");
  EXPECT_EQ(visited[500], "n-00500");
  EXPECT_EQ(visited.back(), "n-01202");
  EXPECT_TRUE(std::is_sorted(visited.begin(), visited.end()));
  EXPECT_EQ(storage->count("pages"), 1203u);
}

TEST_F(SurrealBackend, TransactionReadsItsOwnWrites) {
  auto storage = open();
  storage->put("servers", "b", {{"role", "db"}});
  storage->put("servers", "d", {{"role", "web"}});
  storage->put("servers", "f", {{"role", "web"}});

  storage->transaction([&](sdk::StorageView& view) {
    view.put("servers", "a", {{"role", "web"}});
    view.put("servers", "d", {{"role", "db"}});
    EXPECT_TRUE(view.remove("servers", "f"));
    view.put("servers", "g", {{"role", "web"}});
    EXPECT_FALSE(view.remove("servers", "missing"));

    EXPECT_EQ(ids(view, "servers"), (std::vector<std::string>{"a", "b", "d", "g"}));
    EXPECT_EQ(view.count("servers"), 4u);
    auto web = view.find("servers", "role", "web");
    ASSERT_EQ(web.size(), 2u);
    auto db = view.find("servers", "role", "db");
    EXPECT_EQ(db.size(), 2u);
    EXPECT_EQ(view.get("servers", "d")->at("role").as_string(), "db");
    EXPECT_FALSE(view.get("servers", "f").has_value());

    // Another backend object reads none of these writes before the commit.
    auto other = open();
    EXPECT_EQ(ids(*other, "servers"), (std::vector<std::string>{"b", "d", "f"}));
  });
  EXPECT_EQ(ids(*storage, "servers"), (std::vector<std::string>{"a", "b", "d", "g"}));
}

TEST_F(SurrealBackend, ForEachStopsInsideTransaction) {
  auto storage = open();
  storage->put("servers", "b", {});
  storage->put("servers", "d", {});
  storage->transaction([&](sdk::StorageView& view) {
    view.put("servers", "a", {});
    view.put("servers", "c", {});
    std::vector<std::string> visited;
    view.for_each("servers", [&](const std::string& id, const json::object&) {
      visited.push_back(id);
      return visited.size() < 3;
    });
    EXPECT_EQ(visited, (std::vector<std::string>{"a", "b", "c"}));
  });
}

TEST_F(SurrealBackend, BackendCallsInsideBodyUseView) {
  auto storage = open();
  storage->transaction([&](sdk::StorageView&) {
    storage->put("servers", "inner", {{"name", "x"}});
    EXPECT_TRUE(storage->get("servers", "inner").has_value());
    EXPECT_EQ(storage->count("servers"), 1u);
  });
  EXPECT_TRUE(storage->get("servers", "inner").has_value());
}

TEST_F(SurrealBackend, NestedTransactionIsConflict) {
  auto storage = open();
  try {
    storage->transaction(
        [&](sdk::StorageView&) { storage->transaction([](sdk::StorageView&) {}); });
    FAIL() << "a nested transaction did not throw";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kConflict);
    EXPECT_THAT(error.what(), HasSubstr("transactions do not nest"));
  }
}

// Two backend objects take the writer lock as two processes would: while one holds it,
// the other's writes wait and then fail with the holder's name, and write nothing.
TEST_F(SurrealBackend, WriterLockExcludesOtherObject) {
  auto first = open();
  auto second = open({{"timeout_ms", 300}});
  first->transaction([&](sdk::StorageView& view) {
    view.put("servers", "first", {});
    try {
      second->put("servers", "second", {});
      ADD_FAILURE() << "a write outside the lock's transaction did not wait for it";
    } catch (const sdk::Error& error) {
      EXPECT_EQ(error.code(), sdk::ErrorCode::kUnavailable);
      EXPECT_THAT(error.what(), HasSubstr("another process holds the writer lock"));
      EXPECT_THAT(error.what(), HasSubstr("storage.surrealdb.timeout_ms"));
    }
    try {
      second->transaction([](sdk::StorageView&) {});
      ADD_FAILURE() << "a second transaction took a held writer lock";
    } catch (const sdk::Error& error) {
      EXPECT_EQ(error.code(), sdk::ErrorCode::kUnavailable);
      EXPECT_THAT(error.what(), HasSubstr("waiting for the writer lock"));
      EXPECT_THAT(error.what(), HasSubstr(" pid "));
    }
  });
  EXPECT_TRUE(second->get("servers", "first").has_value());
  EXPECT_FALSE(second->get("servers", "second").has_value());
  second->put("servers", "second", {});
  EXPECT_EQ(first->count("servers"), 2u);
}

TEST_F(SurrealBackend, ExpiredLeaseRollsBack) {
  auto storage = open({{"lock_lease_ms", 100}});
  try {
    storage->transaction([](sdk::StorageView& view) {
      view.put("servers", "late", {});
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
    });
    FAIL() << "a commit after the lease expired did not throw";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kUnavailable);
    EXPECT_THAT(error.what(), HasSubstr("expired before the commit, so nothing was written"));
    EXPECT_THAT(error.what(), HasSubstr("storage.surrealdb.lock_lease_ms"));
  }
  EXPECT_FALSE(storage->get("servers", "late").has_value());
  storage->put("servers", "after", {});
  EXPECT_TRUE(storage->get("servers", "after").has_value());
}

TEST_F(SurrealBackend, OversizedCommitWritesNothing) {
  auto storage = open();
  storage->put("servers", "kept", {{"name", "kept"}});
  std::string padding(100 * 1024, 'x');
  try {
    storage->transaction([&](sdk::StorageView& view) {
      view.remove("servers", "kept");
      for (int i = 0; i < 12; ++i)
        view.put("servers", "big-" + std::to_string(i), {{"pad", padding}});
    });
    FAIL() << "a commit over the server's body limit did not throw";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kUnavailable);
    EXPECT_THAT(error.what(), HasSubstr("too large (HTTP 413)"));
    EXPECT_THAT(error.what(), HasSubstr("SURREAL_HTTP_MAX_SQL_BODY_SIZE"));
  }
  EXPECT_EQ(ids(*storage, "servers"), (std::vector<std::string>{"kept"}));
  storage->put("servers", "next", {});  // the lock was released
}

TEST_F(SurrealBackend, BrokenRecordNamesItself) {
  auto storage = open();
  storage->put("servers", "good", {{"name", "good"}});
  raw_sql(
      "UPSERT records:['servers', 'bad'] CONTENT {collection: 'servers', key: 'bad', json: "
      "'{not json'}");
  try {
    storage->get("servers", "bad");
    FAIL() << "reading a record that is not JSON did not throw";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInternal);
    EXPECT_THAT(error.what(), HasSubstr("record 'servers/bad'"));
    EXPECT_THAT(error.what(), HasSubstr("not a JSON object"));
    EXPECT_THAT(error.what(), HasSubstr("restore it from a backup"));
  }
  EXPECT_EQ(storage->get("servers", "good")->at("name").as_string(), "good");
}

TEST_F(SurrealBackend, InvalidSettingsAreRejected) {
  struct Case {
    json::object settings;
    std::string message;
  };
  std::vector<Case> cases = {
      {{{"url", "ftp://127.0.0.1:1"}}, "use http://HOST:PORT or https://HOST:PORT"},
      {{{"url", "http://127.0.0.1:1/sql"}}, "without a path"},
      {{{"timeout_ms", 0}}, "storage.surrealdb.timeout_ms = 0"},
      {{{"lock_lease_ms", "long"}}, "storage.surrealdb.lock_lease_ms = \"long\""},
      {{{"namespace", ""}}, "storage.surrealdb.namespace = \"\""},
      {{{"auth_level", "scope"}}, "storage.surrealdb.auth_level = \"scope\""},
  };
  for (const auto& entry : cases) {
    SCOPED_TRACE(json::serialize(entry.settings));
    try {
      open(entry.settings);
      ADD_FAILURE() << "invalid settings were accepted";
    } catch (const sdk::Error& error) {
      EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
      EXPECT_THAT(error.what(), HasSubstr(entry.message));
    }
  }
}

TEST_F(SurrealBackend, LocationHasNoPassword) {
  auto storage = open();
  EXPECT_EQ(storage->location(), "SurrealDB at " + server_->url() + " (namespace " +
                                     server_->namespace_name() + ", database " + database_ + ")");
  EXPECT_THAT(storage->location(), ::testing::Not(HasSubstr(server_->password())));
}

TEST_F(SurrealBackend, DatabaseUserReadsAndWrites) {
  raw_sql("DEFINE USER app_db ON DATABASE PASSWORD 'db-user-secret' ROLES EDITOR;");
  auto storage =
      open({{"username", "app_db"}, {"password", "db-user-secret"}, {"auth_level", "database"}});
  storage->put("servers", "web-1", {{"name", "web-1"}, {"cores", 4}});
  storage->transaction([](sdk::StorageView& view) {
    view.put("servers", "web-2", {{"cores", 2}});
  });

  auto first = storage->get("servers", "web-1");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->at("cores").as_int64(), 4);
  EXPECT_EQ(storage->count("servers"), 2U);
  json::array rows = raw_sql("SELECT VALUE key FROM records ORDER BY key;");
  EXPECT_EQ(json::serialize(rows.at(0).at("result")), R"(["web-1","web-2"])");
}

TEST_F(SurrealBackend, NamespaceUserReadsAndWrites) {
  raw_sql("DEFINE USER app_ns ON NAMESPACE PASSWORD 'ns-user-secret' ROLES EDITOR;");
  auto storage =
      open({{"username", "app_ns"}, {"password", "ns-user-secret"}, {"auth_level", "namespace"}});
  storage->put("clusters", "prod", {{"nodes", 3}});

  auto stored = storage->get("clusters", "prod");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->at("nodes").as_int64(), 3);
  json::array rows = raw_sql("SELECT VALUE json FROM records;");
  EXPECT_EQ(json::serialize(rows.at(0).at("result")), R"(["{\"nodes\":3}"])");
}

TEST_F(SurrealBackend, UserAtWrongLevelIsRejected) {
  raw_sql("DEFINE USER level_db ON DATABASE PASSWORD 'level-secret' ROLES EDITOR;");
  struct Case {
    std::string auth_level;
    std::string message;
  };
  // A database user signed in as root or as a namespace user is not found at that level.
  std::vector<Case> cases = {
      {"root", "root-level user 'level_db'"},
      {"namespace", "namespace-level user 'level_db' of namespace " + server_->namespace_name()},
  };
  for (const auto& entry : cases) {
    SCOPED_TRACE(entry.auth_level);
    try {
      open({{"username", "level_db"},
            {"password", "level-secret"},
            {"auth_level", entry.auth_level}});
      ADD_FAILURE() << "a database user signed in at level " << entry.auth_level;
    } catch (const sdk::Error& error) {
      EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
      EXPECT_THAT(error.what(), HasSubstr(entry.message));
      EXPECT_THAT(error.what(), HasSubstr("storage.surrealdb.auth_level"));
      EXPECT_THAT(error.what(), ::testing::Not(HasSubstr("level-secret")));
    }
  }
}

TEST_F(SurrealBackend, DatabaseUserStaysInItsDatabase) {
  raw_sql("DEFINE USER own_db ON DATABASE PASSWORD 'own-secret' ROLES EDITOR;");
  json::object user = {
      {"username", "own_db"}, {"password", "own-secret"}, {"auth_level", "database"}};
  auto storage = open(user);
  storage->put("servers", "inside", {{"name", "inside"}});

  // The same user selecting another database signs in to a database where it does not
  // exist, so the server rejects the credentials.
  json::object elsewhere = user;
  elsewhere["database"] = database_ + "_other";
  EXPECT_THROW(open(elsewhere), sdk::Error);
}

}  // namespace
}  // namespace provisioning::testing
