// Tests of API version v1: synchronous server routes with the legacy record shape.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kLegacyFields = {"name", "plan", "zone", "status", "ip", "created"};

class V1ApiTest : public ApiVersionTest {
 protected:
  V1ApiTest() : ApiVersionTest("v1") {}
};

TEST_F(V1ApiTest, ListUsesLegacyShape) {
  services_.respond(
      "server.list",
      json::object{{"servers", json::array{server_record("web-1"), server_record("db-1")}}});
  sdk::ApiResponse response = send("GET", "/servers");

  EXPECT_EQ(response.status, 200);
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "server.list");
  EXPECT_TRUE(call.request.empty());
  const json::array& servers = response.body.at("servers").as_array();
  ASSERT_EQ(servers.size(), 2u);
  const json::object& first = servers[0].as_object();
  EXPECT_EQ(keys_of(first), kLegacyFields);
  EXPECT_EQ(first.at("name"), json::value("web-1"));
  EXPECT_EQ(first.at("plan"), json::value("2xCPU-4GB"));
  EXPECT_EQ(first.at("zone"), json::value("local-1"));
  EXPECT_EQ(first.at("status"), json::value("running"));
  EXPECT_EQ(first.at("ip"), json::value("10.0.0.7"));
  EXPECT_EQ(first.at("created"), json::value("2026-01-02T10:11:12.345Z"));
  EXPECT_EQ(servers[1].at("name"), json::value("db-1"));
}

TEST_F(V1ApiTest, LegacyShapeFillsMissingFieldsWithNull) {
  services_.respond("server.get", json::object{{"name", "web-1"}, {"status", "planned"}});
  sdk::ApiResponse response = send("GET", "/servers/web-1");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(keys_of(response.body.as_object()), kLegacyFields);
  EXPECT_TRUE(response.body.at("ip").is_null());
  EXPECT_TRUE(response.body.at("created").is_null());
  EXPECT_EQ(response.body.at("status"), json::value("planned"));
}

TEST_F(V1ApiTest, CreateFillsZoneAndReturns201) {
  services_.respond("server.create", server_record("web-1"));
  sdk::ApiResponse response = send("POST", "/servers", R"({"name": "web-1", "plan": "2xCPU-4GB"})");

  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.headers.at("Location"), "/servers/web-1");
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "server.create");
  EXPECT_EQ(call.request,
            (json::object{{"name", "web-1"}, {"plan", "2xCPU-4GB"}, {"zone", "auto"}}));
  EXPECT_EQ(keys_of(response.body.as_object()), kLegacyFields);
  EXPECT_EQ(response.body.at("ip"), json::value("10.0.0.7"));
}

TEST_F(V1ApiTest, CreateKeepsGivenZone) {
  services_.respond("server.create", server_record("web-1"));
  sdk::ApiResponse response =
      send("POST", "/servers", R"({"name": "web-1", "plan": "2xCPU-4GB", "zone": "local-2"})");

  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(only_call().request.at("zone"), json::value("local-2"));
}

TEST_F(V1ApiTest, CreateRejectsV2FieldNamingV2) {
  sdk::ApiResponse response =
      send("POST", "/servers", R"({"name": "web-1", "plan": "2xCPU-4GB", "orchestrated": true,
                                   "workflow_options": {"retry_count": 1}})");

  expect_error(response, 400, "invalid_argument", "v1");
  EXPECT_EQ(detail_paths(response),
            (std::vector<std::string>{"$.orchestrated", "$.workflow_options"}));
  EXPECT_THAT(detail_message(response, "$.orchestrated"), HasSubstr("added in v2"));
  EXPECT_THAT(detail_message(response, "$.orchestrated"), HasSubstr("API-Version: v2"));
  EXPECT_THAT(detail_message(response, "$.workflow_options"), HasSubstr("added in v2"));
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V1ApiTest, CreateRejectsV3FieldNamingV3) {
  sdk::ApiResponse response =
      send("POST", "/servers", R"({"name": "web-1", "plan": "2xCPU-4GB", "dependencies": []})");

  expect_error(response, 400, "invalid_argument", "v1");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$.dependencies"});
  EXPECT_THAT(detail_message(response, "$.dependencies"), HasSubstr("added in v3"));
}

TEST_F(V1ApiTest, GetPassesName) {
  services_.respond("server.get", server_record("web-1"));
  sdk::ApiResponse response = send("GET", "/servers/web-1");

  EXPECT_EQ(response.status, 200);
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "server.get");
  EXPECT_EQ(call.request, (json::object{{"name", "web-1"}}));
  EXPECT_EQ(response.body.at("name"), json::value("web-1"));
}

TEST_F(V1ApiTest, DeleteReturnsDeletedRecord) {
  json::object deleted = server_record("web-1");
  deleted["status"] = "deleted";
  services_.respond("server.delete", deleted);
  sdk::ApiResponse response = send("DELETE", "/servers/web-1");

  EXPECT_EQ(response.status, 200);
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "server.delete");
  EXPECT_EQ(call.request, (json::object{{"name", "web-1"}}));
  EXPECT_EQ(response.body.at("status"), json::value("deleted"));
  EXPECT_EQ(keys_of(response.body.as_object()), kLegacyFields);
}

TEST_F(V1ApiTest, MissingServerIs404WithServiceMessage) {
  services_.fail("server.get", sdk::ErrorCode::kNotFound, "server 'web-9' not found");
  sdk::ApiResponse response = send("GET", "/servers/web-9");

  expect_error(response, 404, "not_found", "v1");
  EXPECT_EQ(response.body.at("error").at("message"), json::value("server 'web-9' not found"));
  EXPECT_TRUE(response.body.at("error").at("details").as_array().empty());
}

TEST_F(V1ApiTest, DuplicateNameIs409) {
  services_.fail("server.create", sdk::ErrorCode::kAlreadyExists, "server 'web-1' exists");
  sdk::ApiResponse response = send("POST", "/servers", R"({"name": "web-1", "plan": "p"})");

  expect_error(response, 409, "already_exists", "v1");
}

}  // namespace
}  // namespace provisioning::testing
