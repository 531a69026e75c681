// Tests of request bodies across versions: old bodies stay valid with defaults filled,
// newer fields are rejected by older versions, and every invalid field is listed by path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kV1Body = R"({"name": "web-1", "plan": "2xCPU-4GB"})";

const json::object kDefaultOptions{
    {"wait_for_completion", true}, {"timeout_seconds", 300}, {"retry_count", 3}};

class ServerCreateTest : public ApiVersionTest, public ::testing::WithParamInterface<std::string> {
 protected:
  ServerCreateTest() : ApiVersionTest(GetParam()) {}

  sdk::ApiResponse create(const std::string& body) {
    return send("POST", "/workflows/servers/create", body);
  }
};

TEST_P(ServerCreateTest, V1BodyGetsDefaults) {
  services_.respond("workflow.submit", workflow_record("wf-1", "Completed"));
  sdk::ApiResponse response = create(kV1Body);

  EXPECT_EQ(response.status, 200);
  json::object params{{"name", "web-1"}, {"plan", "2xCPU-4GB"}, {"zone", "auto"}};
  if (GetParam() == "v3") params["dependencies"] = json::array();
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "workflow.submit");
  EXPECT_EQ(
      call.request,
      (json::object{{"type", "server_create"}, {"params", params}, {"options", kDefaultOptions}}));
}

TEST_P(ServerCreateTest, OrchestratedFalseStillSubmitsWorkflow) {
  services_.respond("workflow.submit", workflow_record("wf-1", "Completed"));
  sdk::ApiResponse response =
      create(R"({"name": "web-1", "plan": "2xCPU-4GB", "orchestrated": false})");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(only_call().operation, "workflow.submit");
}

TEST_P(ServerCreateTest, OptionBoundsAccepted) {
  services_.respond("workflow.submit", workflow_record("wf-1", "Completed"));
  const std::vector<std::pair<std::string, json::object>> cases = {
      {R"({"timeout_seconds": 1, "retry_count": 0})",
       {{"wait_for_completion", true}, {"timeout_seconds", 1}, {"retry_count", 0}}},
      {R"({"timeout_seconds": 86400, "retry_count": 10})",
       {{"wait_for_completion", true}, {"timeout_seconds", 86400}, {"retry_count", 10}}},
      {R"({"timeout_seconds": 60.0})",
       {{"wait_for_completion", true}, {"timeout_seconds", 60}, {"retry_count", 3}}},
  };
  for (const auto& [options, expected] : cases) {
    SCOPED_TRACE(options);
    sdk::ApiResponse response =
        create(R"({"name": "web-1", "plan": "p", "workflow_options": )" + options + "}");
    EXPECT_EQ(response.status, 200) << json::serialize(response.body);
    EXPECT_EQ(services_.calls().back().request.at("options"), json::value(expected));
  }
}

TEST_P(ServerCreateTest, WrongTypesListEachPath) {
  sdk::ApiResponse response = create(R"({
      "name": 5, "plan": "", "zone": null, "orchestrated": "yes",
      "workflow_options": {"wait_for_completion": 1, "timeout_seconds": 0, "retry_count": 2.5}})");

  expect_error(response, 400, "invalid_argument", GetParam());
  EXPECT_EQ(
      detail_paths(response),
      (std::vector<std::string>{
          "$.name", "$.plan", "$.zone", "$.orchestrated", "$.workflow_options.wait_for_completion",
          "$.workflow_options.timeout_seconds", "$.workflow_options.retry_count"}));
  EXPECT_EQ(detail_message(response, "$.name"), "must be a non-empty string, got 5");
  EXPECT_EQ(detail_message(response, "$.plan"), "must be a non-empty string, got the string \"\"");
  EXPECT_EQ(detail_message(response, "$.zone"), "must be a non-empty string, got null");
  EXPECT_EQ(detail_message(response, "$.orchestrated"),
            "must be true or false, got the string \"yes\"");
  EXPECT_EQ(detail_message(response, "$.workflow_options.timeout_seconds"),
            "must be an integer from 1 to 86400, got 0");
  EXPECT_EQ(detail_message(response, "$.workflow_options.retry_count"),
            "must be an integer from 0 to 10, got 2.5");
  EXPECT_THAT(std::string(response.body.at("error").at("message").as_string()),
              HasSubstr("$.name must be a non-empty string, got 5 (and 6 more issues"));
  EXPECT_TRUE(services_.calls().empty());
}

TEST_P(ServerCreateTest, MissingFieldsListed) {
  sdk::ApiResponse response = create("{}");

  expect_error(response, 400, "invalid_argument", GetParam());
  EXPECT_EQ(detail_paths(response), (std::vector<std::string>{"$.name", "$.plan"}));
  EXPECT_THAT(detail_message(response, "$.plan"), HasSubstr("is missing"));
}

TEST_P(ServerCreateTest, UnknownFieldsSuggestNearest) {
  sdk::ApiResponse response =
      create(R"({"name": "web-1", "plan": "p", "zoen": "a", "workflow_options": {"timeout": 5}})");

  expect_error(response, 400, "invalid_argument", GetParam());
  EXPECT_EQ(detail_paths(response),
            (std::vector<std::string>{"$.zoen", "$.workflow_options.timeout"}));
  EXPECT_THAT(detail_message(response, "$.zoen"), HasSubstr("did you mean \"zone\"?"));
  EXPECT_THAT(detail_message(response, "$.workflow_options.timeout"),
              HasSubstr("did you mean \"timeout_seconds\"?"));
}

TEST_P(ServerCreateTest, UnusualKeyIsQuotedInPath) {
  sdk::ApiResponse response = create(R"({"name": "web-1", "plan": "p", "a b": 1})");

  expect_error(response, 400, "invalid_argument", GetParam());
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$['a b']"});
}

TEST_P(ServerCreateTest, InvalidJsonNamesPosition) {
  sdk::ApiResponse response = create("{\n  \"name\": \"web-1\",\n  \"plan\": }");

  expect_error(response, 400, "invalid_argument", GetParam());
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$"});
  EXPECT_THAT(detail_message(response, "$"), HasSubstr("is not valid JSON"));
  EXPECT_THAT(detail_message(response, "$"), HasSubstr("line 3, column 11"));
}

TEST_P(ServerCreateTest, BodyShapeErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "is empty: send a JSON object"},
      {"  \n", "is empty: send a JSON object"},
      {"[1, 2]", "must be a JSON object, got an array"},
      {"\"web-1\"", "must be a JSON object, got a string"},
      {R"({"name": "web-1"} {})", "is not valid JSON"},
      {R"({"name": "web-1")", "is not valid JSON"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    sdk::ApiResponse response = create(body);
    expect_error(response, 400, "invalid_argument", GetParam());
    EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$"});
    EXPECT_THAT(detail_message(response, "$"), HasSubstr(message));
  }
  EXPECT_TRUE(services_.calls().empty());
}

INSTANTIATE_TEST_SUITE_P(Versions, ServerCreateTest, ::testing::Values("v2", "v3"),
                         [](const auto& info) { return info.param; });

class V2RequestTest : public ApiVersionTest {
 protected:
  V2RequestTest() : ApiVersionTest("v2") {}
};

TEST_F(V2RequestTest, V3FieldsRejectedNamingV3) {
  sdk::ApiResponse response = send("POST", "/workflows/servers/create",
                                   R"({"name": "web-1", "plan": "p", "dependencies": ["db-1"],
               "batch_options": {"parallel_limit": 2}})");

  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response),
            (std::vector<std::string>{"$.dependencies", "$.batch_options"}));
  for (std::string path : {"$.dependencies", "$.batch_options"}) {
    EXPECT_EQ(detail_message(response, path),
              "is not supported by API version v2: it was added in v3; send the header "
              "\"API-Version: v3\" to use it");
  }
  EXPECT_TRUE(services_.calls().empty());
}

class V3RequestTest : public ApiVersionTest {
 protected:
  V3RequestTest() : ApiVersionTest("v3") {}
};

TEST_F(V3RequestTest, DependenciesPassToParams) {
  services_.respond("workflow.submit", workflow_record("wf-1", "Pending"));
  sdk::ApiResponse response =
      send("POST", "/workflows/servers/create",
           R"({"name": "web-1", "plan": "p", "zone": "local-2", "dependencies": ["db-1", "lb-1"],
               "workflow_options": {"wait_for_completion": false}})");

  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(only_call().request.at("params"),
            (json::value(json::object{{"name", "web-1"},
                                      {"plan", "p"},
                                      {"zone", "local-2"},
                                      {"dependencies", json::array{"db-1", "lb-1"}}})));
}

TEST_F(V3RequestTest, DependencyErrorsListed) {
  sdk::ApiResponse response =
      send("POST", "/workflows/servers/create",
           R"({"name": "web-1", "plan": "p", "dependencies": ["a", 3, "a"]})");

  expect_error(response, 400, "invalid_argument", "v3");
  EXPECT_EQ(detail_paths(response),
            (std::vector<std::string>{"$.dependencies[1]", "$.dependencies[2]"}));
}

TEST_F(V3RequestTest, BatchOptionsSubmitOneOperationBatch) {
  services_.respond("batch.submit", batch_record("b-1"));
  sdk::ApiResponse response =
      send("POST", "/workflows/servers/create",
           R"({"name": "web-1", "plan": "p", "batch_options": {"on_failure": "rollback"}})");

  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.headers.at("Location"), "/workflows/batch/b-1");
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "batch.submit");
  json::object operation{
      {"id", "web-1"},
      {"type", "server_create"},
      {"params",
       json::object{
           {"name", "web-1"}, {"plan", "p"}, {"zone", "auto"}, {"dependencies", json::array()}}},
      {"depends_on", json::array()}};
  EXPECT_EQ(call.request,
            (json::object{{"operations", json::array{operation}},
                          {"batch_options",
                           json::object{{"parallel_limit", 4}, {"on_failure", "rollback"}}}}));
  EXPECT_EQ(response.body.at("id"), json::value("b-1"));
}

TEST_F(V3RequestTest, BatchAndWorkflowOptionsConflict) {
  sdk::ApiResponse response =
      send("POST", "/workflows/servers/create",
           R"({"name": "web-1", "plan": "p", "batch_options": {}, "workflow_options": {}})");

  expect_error(response, 400, "invalid_argument", "v3");
  EXPECT_EQ(detail_paths(response),
            (std::vector<std::string>{"$.workflow_options", "$.batch_options"}));
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V3RequestTest, PostServersRejectsOrchestrationFieldsUnlessOrchestrated) {
  sdk::ApiResponse response =
      send("POST", "/servers", R"({"name": "web-1", "plan": "p", "dependencies": ["db-1"]})");

  expect_error(response, 400, "invalid_argument", "v3");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$.dependencies"});
  EXPECT_THAT(detail_message(response, "$.dependencies"), HasSubstr("orchestrated"));
  EXPECT_TRUE(services_.calls().empty());
}

}  // namespace
}  // namespace provisioning::testing
