// Tests of the reuse of GET responses: a reused GET /servers must always equal what the
// plugin would compute now, whoever changed the servers (this orchestrator, another
// connection to the same SQLite file, or files of the filesystem backend), and the cache
// itself keeps its bounds.

#include "orchestrator/response_cache.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/files.h>

#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

// The names in a GET /servers body, in order.
std::vector<std::string> names_in(const Reply& reply) {
  std::vector<std::string> names;
  const json::value* servers = reply.object().if_contains("servers");
  if (servers == nullptr || !servers->is_array()) {
    ADD_FAILURE() << "no servers list in " << reply.body;
    return names;
  }
  for (const auto& server : servers->get_array()) names.push_back(text(server, "name"));
  return names;
}

json::object server_record(const std::string& id, const std::string& name,
                           const std::string& status) {
  return json::object{{"id", id},
                      {"name", name},
                      {"provider", "local"},
                      {"provider_id", "p-" + id},
                      {"plan", "1xCPU-1GB"},
                      {"zone", "local-1"},
                      {"status", status},
                      {"ip_address", "127.0.0.9"},
                      {"created_at", "2026-01-02T10:11:12.345Z"},
                      {"updated_at", "2026-01-02T10:11:12.345Z"},
                      {"metadata", json::object{}},
                      {"tags", json::array{}}};
}

// Writes a server record through a new SQLite connection, as another process would.
void write_from_other_connection(const fs::path& database, const json::object& record) {
  SQLite::Database connection(database, SQLite::OPEN_READWRITE, 10000);
  SQLite::Statement statement(connection,
                              "INSERT INTO records (collection, id, data) VALUES ('servers', ?, ?)"
                              " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data");
  statement.bind(1, text(record, "id"));
  statement.bind(2, json::serialize(record));
  statement.exec();
}

void delete_from_other_connection(const fs::path& database, const std::string& id) {
  SQLite::Database connection(database, SQLite::OPEN_READWRITE, 10000);
  SQLite::Statement statement(connection,
                              "DELETE FROM records WHERE collection = 'servers' AND id = ?");
  statement.bind(1, id);
  statement.exec();
}

class ResponseCacheTest : public OrchestratorTest {};

TEST_F(ResponseCacheTest, RepeatedListIsIdentical) {
  start({{"storage.backend", "sqlite"}});
  Reply created = call("POST", "/servers", "v1", R"({"name": "web-01", "plan": "1xCPU-1GB"})");
  ASSERT_EQ(created.status, 201) << created.body;

  Reply first = call("GET", "/servers", "v2");
  Reply second = call("GET", "/servers", "v2");
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.body, first.body);
  EXPECT_NE(second.header("X-Correlation-ID"), first.header("X-Correlation-ID"));
  EXPECT_EQ(second.header("API-Version"), "v2");
}

TEST_F(ResponseCacheTest, VersionsKeepTheirOwnShape) {
  start({{"storage.backend", "sqlite"}});
  ASSERT_EQ(call("POST", "/servers", "v1", R"({"name": "web-01", "plan": "1xCPU-1GB"})").status,
            201);
  Reply v2 = call("GET", "/servers", "v2");
  Reply v1 = call("GET", "/servers", "v1");
  Reply v2_again = call("GET", "/servers", "v2");
  ASSERT_EQ(v1.status, 200) << v1.body;
  const json::object& legacy = v1.object().at("servers").as_array().at(0).as_object();
  EXPECT_TRUE(legacy.contains("ip")) << v1.body;
  EXPECT_FALSE(legacy.contains("id")) << v1.body;
  EXPECT_EQ(v2_again.body, v2.body);
  EXPECT_NE(v1.body, v2.body);
}

TEST_F(ResponseCacheTest, ListShowsOwnCreatesAndDeletes) {
  start({{"storage.backend", "sqlite"}});
  EXPECT_EQ(names_in(call("GET", "/servers", "v1")), std::vector<std::string>{});

  ASSERT_EQ(call("POST", "/servers", "v1", R"({"name": "web-02", "plan": "1xCPU-1GB"})").status,
            201);
  EXPECT_EQ(names_in(call("GET", "/servers", "v1")), (std::vector<std::string>{"web-02"}));

  ASSERT_EQ(call("POST", "/servers", "v1", R"({"name": "web-01", "plan": "1xCPU-1GB"})").status,
            201);
  EXPECT_EQ(names_in(call("GET", "/servers", "v1")),
            (std::vector<std::string>{"web-01", "web-02"}));

  ASSERT_EQ(call("DELETE", "/servers/web-02", "v1").status, 200);
  EXPECT_EQ(names_in(call("GET", "/servers", "v1")), (std::vector<std::string>{"web-01"}));
  EXPECT_EQ(call("GET", "/servers/web-02", "v1").status, 404);
}

TEST_F(ResponseCacheTest, ListShowsWorkflowCreates) {
  start({{"storage.backend", "sqlite"}});
  EXPECT_EQ(names_in(call("GET", "/servers", "v2")), std::vector<std::string>{});
  Reply submitted =
      call("POST", "/workflows/servers/create", "v2", R"({"name": "wf-01", "plan": "1xCPU-1GB"})");
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  EXPECT_EQ(text(submitted.json, "status"), "Completed") << submitted.body;
  EXPECT_EQ(names_in(call("GET", "/servers", "v2")), (std::vector<std::string>{"wf-01"}));
}

TEST_F(ResponseCacheTest, ListShowsOtherConnectionWrites) {
  start({{"storage.backend", "sqlite"}});
  fs::path database = workspace_.state_dir() / "state.db";
  EXPECT_EQ(names_in(call("GET", "/servers", "v2")), std::vector<std::string>{});

  write_from_other_connection(database, server_record("id-1", "other-01", "running"));
  Reply added = call("GET", "/servers", "v2");
  EXPECT_EQ(names_in(added), (std::vector<std::string>{"other-01"}));

  write_from_other_connection(database, server_record("id-1", "other-01", "stopped"));
  Reply changed = call("GET", "/servers", "v2");
  ASSERT_EQ(names_in(changed), (std::vector<std::string>{"other-01"}));
  EXPECT_EQ(text(changed.object().at("servers").as_array().at(0), "status"), "stopped");
  Reply single = call("GET", "/servers/other-01", "v2");
  EXPECT_EQ(text(single.json, "status"), "stopped") << single.body;

  delete_from_other_connection(database, "id-1");
  EXPECT_EQ(names_in(call("GET", "/servers", "v2")), std::vector<std::string>{});
  EXPECT_EQ(call("GET", "/servers/other-01", "v2").status, 404);
}

TEST_F(ResponseCacheTest, FilesystemBackendSeesFileChanges) {
  start({{"storage.backend", "filesystem"}});
  EXPECT_EQ(names_in(call("GET", "/servers", "v2")), std::vector<std::string>{});
  fs::path file = workspace_.root() / "data" / "servers" / "id-7.json";
  sdk::write_file_atomically(file, json::serialize(server_record("id-7", "file-01", "running")),
                             0600);
  EXPECT_EQ(names_in(call("GET", "/servers", "v2")), (std::vector<std::string>{"file-01"}));
  fs::remove(file);
  EXPECT_EQ(names_in(call("GET", "/servers", "v2")), std::vector<std::string>{});
}

TEST_F(ResponseCacheTest, ErrorsAreNotReused) {
  start({{"storage.backend", "sqlite"}});
  Reply missing = call("GET", "/servers/web-09", "v2");
  EXPECT_EQ(missing.status, 404) << missing.body;
  ASSERT_EQ(call("POST", "/servers", "v1", R"({"name": "web-09", "plan": "1xCPU-1GB"})").status,
            201);
  Reply found = call("GET", "/servers/web-09", "v2");
  EXPECT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(text(found.json, "name"), "web-09") << found.body;
}

// The cache on its own, with the real sqlite backend's stamps.
class ResponseCacheUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = workspace_.open_host({{"storage.backend", "sqlite"}});
    storage_ = host_->storage();
  }

  std::uint64_t stamp(std::string_view collection) {
    return host::StorageChangeStamps(storage_).stamp(collection);
  }

  void put(std::string_view collection, const std::string& id) {
    storage_.call("put", [&](sdk::StorageBackend& s) {
      s.put(collection, id, server_record(id, "n-" + id, "running"));
    });
  }

  static host::HttpResponse response_of(std::string body) {
    host::HttpResponse response;
    response.body = std::move(body);
    return response;
  }

  TestWorkspace workspace_;
  std::unique_ptr<host::Host> host_;
  host::PluginHandle<sdk::StorageBackend> storage_;
};

TEST_F(ResponseCacheUnitTest, SqliteHasStamps) {
  EXPECT_TRUE(host::StorageChangeStamps(storage_).available());
}

TEST_F(ResponseCacheUnitTest, StampFollowsOwnWrites) {
  std::uint64_t before = stamp("servers");
  EXPECT_EQ(stamp("servers"), before);
  put("workflows", "w-1");
  EXPECT_EQ(stamp("servers"), before);
  put("servers", "s-1");
  std::uint64_t after_put = stamp("servers");
  EXPECT_GT(after_put, before);
  storage_.call("transaction", [&](sdk::StorageBackend& s) {
    s.transaction([&](sdk::StorageView& view) { view.remove("servers", "s-1"); });
  });
  EXPECT_GT(stamp("servers"), after_put);
}

TEST_F(ResponseCacheUnitTest, StampFollowsOtherConnections) {
  std::uint64_t before = stamp("servers");
  write_from_other_connection(workspace_.state_dir() / "state.db",
                              server_record("id-2", "other-02", "running"));
  EXPECT_GT(stamp("servers"), before);
}

TEST_F(ResponseCacheUnitTest, InvalidCollectionRejected) {
  try {
    stamp("Bad Name");
    FAIL() << "expected an error";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("Bad Name"), std::string::npos) << error.what();
  }
}

TEST_F(ResponseCacheUnitTest, EntryDroppedWhenStampMoves) {
  host::ResponseCache cache{host::StorageChangeStamps(storage_)};
  cache.store("k", response_of("[1]"), {{"servers", stamp("servers")}});
  ASSERT_TRUE(cache.find("k").has_value());
  EXPECT_EQ(cache.find("k")->body, "[1]");
  put("servers", "s-3");
  EXPECT_FALSE(cache.find("k").has_value());
}

TEST_F(ResponseCacheUnitTest, BytesStayBounded) {
  host::ResponseCache cache{host::StorageChangeStamps(storage_), 10};
  std::uint64_t now = stamp("servers");
  cache.store("a", response_of("12345"), {{"servers", now}});
  cache.store("b", response_of("12345"), {{"servers", now}});
  cache.store("c", response_of("12345"), {{"servers", now}});
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.find("a").has_value());
  EXPECT_TRUE(cache.find("c").has_value());
  cache.store("big", response_of("12345678901"), {{"servers", now}});
  EXPECT_FALSE(cache.find("big").has_value());
}

TEST_F(ResponseCacheUnitTest, KeysSeparateQueryFields) {
  host::HttpRequest first;
  first.path = "/servers";
  first.query = {{"a", "1&b=2"}};
  host::HttpRequest second;
  second.path = "/servers";
  second.query = {{"a", "1"}, {"b", "2"}};
  EXPECT_NE(host::ResponseCache::key_for("v2", first), host::ResponseCache::key_for("v2", second));
  EXPECT_NE(host::ResponseCache::key_for("v1", first), host::ResponseCache::key_for("v2", first));
}

TEST_F(ResponseCacheUnitTest, OnlyPlainSuccessesStorable) {
  host::HttpResponse ok = response_of("{}");
  EXPECT_TRUE(host::ResponseCache::storable(ok));
  host::HttpResponse created = ok;
  created.status = 201;
  EXPECT_FALSE(host::ResponseCache::storable(created));
  host::HttpResponse no_store = ok;
  no_store.headers["Cache-Control"] = "No-Store";
  EXPECT_FALSE(host::ResponseCache::storable(no_store));
  host::HttpResponse varies = ok;
  varies.headers["Vary"] = "Accept-Language";
  EXPECT_FALSE(host::ResponseCache::storable(varies));
}

}  // namespace
}  // namespace provisioning::testing
