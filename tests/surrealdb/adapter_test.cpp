// Tests of the test-only SurrealDB adapter: the HTTP contract that the surrealdb storage
// backend relies on, as a real `surreal start` server serves it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <provisioning/sdk/json.h>

#include "support/surreal_server.h"
#include "support/temp_dir.h"

namespace provisioning::testing {
namespace {

namespace json = sdk::json;
using ::testing::HasSubstr;

class SurrealAdapter : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SurrealServer::available()) GTEST_SKIP() << SurrealServer::unavailable_reason();
  }

  // Sends `sql` to /sql with the given credentials and the current header names.
  static httplib::Result post_sql(const SurrealServer& server, const std::string& sql,
                                  const std::string& password,
                                  const std::string& database = "test") {
    httplib::Client client(server.url());
    client.set_basic_auth(server.username(), password);
    httplib::Headers headers = {{"Surreal-NS", server.namespace_name()},
                                {"Surreal-DB", database},
                                {"Accept", "application/json"}};
    return client.Post("/sql", headers, sql, "text/plain");
  }

  static json::array statements(const httplib::Result& result) {
    EXPECT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
    return json::parse(result->body).as_array();
  }
};

TEST_F(SurrealAdapter, HealthReturns200) {
  SurrealServer server;
  httplib::Client client(server.url());
  auto result = client.Get("/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_THAT(server.url(), ::testing::StartsWith("http://127.0.0.1:"));
  EXPECT_GT(server.port(), 0);
}

TEST_F(SurrealAdapter, SqlReturnsOneResultPerStatement) {
  SurrealServer server;
  auto results = statements(post_sql(
      server,
      "UPSERT item:1 SET name = 'one'; SELECT VALUE name FROM item; RETURN 9223372036854775807",
      server.password()));
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    EXPECT_EQ(result.at("status").as_string(), "OK");
    EXPECT_FALSE(result.at("time").as_string().empty());
  }
  EXPECT_EQ(results[1].at("result").as_array().at(0).as_string(), "one");
  EXPECT_EQ(results[2].at("result").as_int64(), 9223372036854775807);
}

TEST_F(SurrealAdapter, FailedStatementIsErr) {
  SurrealServer server;
  auto results =
      statements(post_sql(server, "SELECT * FROM missing_table; RETURN 1", server.password()));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].at("status").as_string(), "ERR");
  EXPECT_THAT(std::string(results[0].at("result").as_string()), HasSubstr("missing_table"));
  EXPECT_EQ(results[1].at("status").as_string(), "OK");
}

TEST_F(SurrealAdapter, FailedTransactionRollsBack) {
  SurrealServer server;
  statements(post_sql(server, "DEFINE TABLE item SCHEMALESS", server.password()));
  auto results = statements(post_sql(
      server, "BEGIN TRANSACTION; CREATE item:2 SET n = 2; THROW 'stop'; COMMIT TRANSACTION;",
      server.password()));
  for (std::size_t i = 1; i < results.size(); ++i) {
    EXPECT_EQ(results[i].at("status").as_string(), "ERR") << json::serialize(results[i]);
  }
  auto after = statements(post_sql(server, "SELECT * FROM item", server.password()));
  EXPECT_TRUE(after.at(0).at("result").as_array().empty());
}

TEST_F(SurrealAdapter, WrongPasswordIs401) {
  SurrealServer server;
  auto result = post_sql(server, "RETURN 1", "not-the-password");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  json::object body = json::parse(result->body).as_object();
  EXPECT_EQ(body.at("code").as_int64(), 401);
  EXPECT_EQ(body.at("details").as_string(), "Authentication failed");
  EXPECT_EQ(body.at("information").as_string(), "There was a problem with authentication");
}

TEST_F(SurrealAdapter, ParseErrorIs400) {
  SurrealServer server;
  auto result = post_sql(server, "SELEC 1", server.password());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  json::object body = json::parse(result->body).as_object();
  EXPECT_EQ(body.at("code").as_int64(), 400);
  EXPECT_THAT(std::string(body.at("information").as_string()), HasSubstr("Parse error"));
}

TEST_F(SurrealAdapter, OlderHeaderNamesSelectDatabase) {
  SurrealServer server;
  statements(post_sql(server, "UPSERT item:1 SET name = 'in other'", server.password(), "other"));
  httplib::Client client(server.url());
  client.set_basic_auth(server.username(), server.password());
  httplib::Headers headers = {{"NS", server.namespace_name()}, {"DB", "other"}};
  auto results =
      statements(client.Post("/sql", headers, "SELECT VALUE name FROM item", "text/plain"));
  EXPECT_EQ(results.at(0).at("result").as_array().at(0).as_string(), "in other");
  auto test_db = statements(post_sql(server, "SELECT VALUE name FROM item", server.password()));
  EXPECT_EQ(test_db.at(0).at("status").as_string(), "ERR");
}

TEST_F(SurrealAdapter, FileStoreSurvivesRestart) {
  TempDir directory("surreal-store");
  SurrealServerOptions options;
  options.data_directory = directory / "store";
  {
    SurrealServer server(options);
    statements(post_sql(server, "UPSERT item:1 SET name = 'kept'", server.password()));
  }
  SurrealServer server(options);
  auto results = statements(post_sql(server, "SELECT VALUE name FROM item", server.password()));
  EXPECT_EQ(results.at(0).at("result").as_array().at(0).as_string(), "kept");
}

TEST_F(SurrealAdapter, StopMakesServerUnreachable) {
  SurrealServer server;
  std::string url = server.url();
  server.stop();
  httplib::Client client(url);
  client.set_connection_timeout(std::chrono::seconds(2));
  EXPECT_FALSE(client.Get("/health"));
}

}  // namespace
}  // namespace provisioning::testing
