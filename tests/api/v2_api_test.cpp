// Tests of API version v2: full server records, workflows and tasks.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kServerFields = {
    "id",     "name",       "provider",   "provider_id", "plan",     "zone",
    "status", "ip_address", "created_at", "updated_at",  "metadata", "tags"};

const std::vector<std::string> kWorkflowFields = {
    "id",         "type",       "status",     "params",      "options", "result",        "error",
    "created_at", "updated_at", "started_at", "finished_at", "tasks",   "correlation_id"};

const std::vector<std::string> kTaskFields = {
    "id",     "workflow_id",     "type",       "status",     "attempt",    "max_attempts", "error",
    "result", "timeout_seconds", "created_at", "started_at", "finished_at"};

const json::object kDefaultOptions{
    {"wait_for_completion", true}, {"timeout_seconds", 300}, {"retry_count", 3}};

class V2ApiTest : public ApiVersionTest {
 protected:
  V2ApiTest() : ApiVersionTest("v2") {}
};

TEST_F(V2ApiTest, ServerListUsesFullRecords) {
  services_.respond("server.list", json::object{{"servers", json::array{server_record("web-1")}}});
  sdk::ApiResponse response = send("GET", "/servers");

  EXPECT_EQ(response.status, 200);
  const json::object& server = response.body.at("servers").at(0).as_object();
  EXPECT_EQ(keys_of(server), kServerFields);
  EXPECT_EQ(server.at("ip_address"), json::value("10.0.0.7"));
  EXPECT_EQ(server.at("metadata"), (json::value(json::object{{"owner", "ops"}})));
  EXPECT_FALSE(server.contains("reservation"));
}

TEST_F(V2ApiTest, PostServersCreatesNowByDefault) {
  services_.respond("server.create", server_record("web-1"));
  sdk::ApiResponse response = send("POST", "/servers", R"({"name": "web-1", "plan": "2xCPU-4GB"})");

  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.headers.at("Location"), "/servers/web-1");
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "server.create");
  EXPECT_EQ(call.request,
            (json::object{{"name", "web-1"}, {"plan", "2xCPU-4GB"}, {"zone", "auto"}}));
  EXPECT_EQ(keys_of(response.body.as_object()), kServerFields);
}

TEST_F(V2ApiTest, PostServersOrchestratedSubmitsWorkflow) {
  services_.respond("workflow.submit", workflow_record("wf-1", "Completed"));
  sdk::ApiResponse response =
      send("POST", "/servers", R"({"name": "web-1", "plan": "2xCPU-4GB", "orchestrated": true})");

  EXPECT_EQ(response.status, 200);
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "workflow.submit");
  EXPECT_EQ(call.request.at("type"), json::value("server_create"));
  EXPECT_EQ(response.body.at("status"), json::value("Completed"));
}

TEST_F(V2ApiTest, WorkflowOptionsNeedOrchestration) {
  sdk::ApiResponse response =
      send("POST", "/servers",
           R"({"name": "web-1", "plan": "2xCPU-4GB", "workflow_options": {"retry_count": 1}})");

  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$.workflow_options"});
  EXPECT_THAT(detail_message(response, "$.workflow_options"), HasSubstr("\"orchestrated\": true"));
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V2ApiTest, WaitedWorkflowReturns200) {
  services_.respond("workflow.submit", workflow_record("wf-1", "Completed"));
  sdk::ApiResponse response =
      send("POST", "/workflows/servers/create", R"({"name": "web-1", "plan": "2xCPU-4GB"})");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.count("Location"), 0u);
  EXPECT_EQ(keys_of(response.body.as_object()), kWorkflowFields);
  EXPECT_EQ(response.body.at("id"), json::value("wf-1"));
  EXPECT_FALSE(response.body.as_object().contains("lease_owner"));
}

TEST_F(V2ApiTest, FailedWorkflowStillReturns200) {
  json::object failed = workflow_record("wf-1", "Failed");
  failed["error"] = "plan 2xCPU-4GB is sold out in local-1";
  services_.respond("workflow.submit", failed);
  sdk::ApiResponse response =
      send("POST", "/workflows/servers/create", R"({"name": "web-1", "plan": "2xCPU-4GB"})");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body.at("status"), json::value("Failed"));
  EXPECT_EQ(response.body.at("error"), json::value("plan 2xCPU-4GB is sold out in local-1"));
}

TEST_F(V2ApiTest, BackgroundWorkflowReturns202WithLocation) {
  services_.respond("workflow.submit", workflow_record("wf-7", "Pending"));
  sdk::ApiResponse response = send("POST", "/workflows/servers/create",
                                   R"({"name": "web-1", "plan": "2xCPU-4GB",
               "workflow_options": {"wait_for_completion": false}})");

  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.headers.at("Location"), "/workflows/wf-7");
  EXPECT_EQ(response.body.at("status"), json::value("Pending"));
  EXPECT_EQ(only_call().request.at("options"),
            (json::value(json::object{
                {"wait_for_completion", false}, {"timeout_seconds", 300}, {"retry_count", 3}})));
}

TEST_F(V2ApiTest, UnfinishedWaitedWorkflowReturns202) {
  services_.respond("workflow.submit", workflow_record("wf-8", "Running"));
  sdk::ApiResponse response =
      send("POST", "/workflows/servers/create", R"({"name": "web-1", "plan": "2xCPU-4GB"})");

  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.headers.at("Location"), "/workflows/wf-8");
}

TEST_F(V2ApiTest, SubmittedWorkflowWithoutIdIs500) {
  json::object record = workflow_record("wf-1", "Pending");
  record.erase("id");
  services_.respond("workflow.submit", record);
  sdk::ApiResponse response =
      send("POST", "/workflows/servers/create", R"({"name": "web-1", "plan": "2xCPU-4GB"})");

  expect_error(response, 500, "internal", "v2");
  EXPECT_THAT(std::string(response.body.at("error").at("message").as_string()),
              HasSubstr("workflow.submit"));
}

TEST_F(V2ApiTest, TaskservWorkflowRequest) {
  services_.respond("workflow.submit", workflow_record("wf-2", "Completed"));
  sdk::ApiResponse response = send("POST", "/workflows/taskserv/create",
                                   R"({"name": "containerd", "servers": ["web-1", "web-2"],
               "workflow_options": {"timeout_seconds": 900, "retry_count": 0}})");

  EXPECT_EQ(response.status, 200);
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "workflow.submit");
  EXPECT_EQ(call.request,
            (json::object{{"type", "taskserv_create"},
                          {"params", json::object{{"name", "containerd"},
                                                  {"servers", json::array{"web-1", "web-2"}}}},
                          {"options", json::object{{"wait_for_completion", true},
                                                   {"timeout_seconds", 900},
                                                   {"retry_count", 0}}}}));
}

TEST_F(V2ApiTest, TaskservServersDefaultToEmpty) {
  services_.respond("workflow.submit", workflow_record("wf-2", "Completed"));
  sdk::ApiResponse response = send("POST", "/workflows/taskserv/create", R"({"name": "etcd"})");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(only_call().request.at("params"),
            (json::value(json::object{{"name", "etcd"}, {"servers", json::array()}})));
  EXPECT_EQ(only_call().request.at("options"), json::value(kDefaultOptions));
}

TEST_F(V2ApiTest, TaskservRequestErrorsListEachPath) {
  sdk::ApiResponse response = send("POST", "/workflows/taskserv/create",
                                   R"({"name": "Containerd!", "servers": ["web-1", "", "web-1"]})");

  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response),
            (std::vector<std::string>{"$.name", "$.servers[1]", "$.servers[2]"}));
  EXPECT_THAT(detail_message(response, "$.name"), HasSubstr("taskserv name"));
  EXPECT_THAT(detail_message(response, "$.servers[2]"), HasSubstr("repeats \"web-1\""));
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V2ApiTest, ClusterWorkflowRequest) {
  services_.respond("workflow.submit", workflow_record("wf-3", "Pending"));
  sdk::ApiResponse response =
      send("POST", "/workflows/cluster/create",
           R"({"name": "k8s-prod", "workflow_options": {"wait_for_completion": false}})");

  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.headers.at("Location"), "/workflows/wf-3");
  EXPECT_EQ(only_call().request,
            (json::object{{"type", "cluster_create"},
                          {"params", json::object{{"name", "k8s-prod"}}},
                          {"options", json::object{{"wait_for_completion", false},
                                                   {"timeout_seconds", 300},
                                                   {"retry_count", 3}}}}));
}

TEST_F(V2ApiTest, ClusterRequestRejectsServers) {
  sdk::ApiResponse response =
      send("POST", "/workflows/cluster/create", R"({"name": "k8s", "servers": []})");

  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$.servers"});
  EXPECT_THAT(detail_message(response, "$.servers"), HasSubstr("unknown field"));
}

TEST_F(V2ApiTest, ListWorkflowsWithDefaults) {
  services_.respond(
      "workflow.list",
      json::object{{"workflows", json::array{workflow_record("wf-1", "Running")}}, {"total", 41}});
  sdk::ApiResponse response = send("GET", "/workflows");

  EXPECT_EQ(response.status, 200);
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "workflow.list");
  EXPECT_EQ(call.request, (json::object{{"limit", 100}, {"offset", 0}}));
  EXPECT_EQ(keys_of(response.body.as_object()),
            (std::vector<std::string>{"workflows", "total", "limit", "offset"}));
  EXPECT_EQ(response.body.at("total"), json::value(41));
  EXPECT_EQ(response.body.at("limit"), json::value(100));
  EXPECT_EQ(response.body.at("offset"), json::value(0));
  EXPECT_EQ(keys_of(response.body.at("workflows").at(0).as_object()), kWorkflowFields);
}

TEST_F(V2ApiTest, ListWorkflowsPassesQuery) {
  services_.respond("workflow.list", json::object{{"workflows", json::array()}, {"total", 0u}});
  sdk::ApiResponse response =
      send("GET", "/workflows", "", {{"status", "Failed"}, {"limit", "1000"}, {"offset", "20"}});

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(only_call().request,
            (json::object{{"status", "Failed"}, {"limit", 1000}, {"offset", 20}}));
  EXPECT_EQ(response.body.at("limit"), json::value(1000));
  EXPECT_EQ(response.body.at("offset"), json::value(20));
}

struct QueryCase {
  std::string name;
  std::string value;
  std::string message;
};

TEST_F(V2ApiTest, ListQueryValuesValidated) {
  const std::vector<QueryCase> cases = {
      {"limit", "0", "must be an integer from 1 to 1000, got \"0\""},
      {"limit", "1001", "must be an integer from 1 to 1000, got \"1001\""},
      {"limit", "ten", "must be an integer from 1 to 1000"},
      {"limit", "5x", "must be an integer from 1 to 1000"},
      {"limit", "", "must be an integer from 1 to 1000"},
      {"offset", "-1", "must be an integer of 0 or more, got \"-1\""},
      {"offset", "99999999999999999999", "must be an integer of 0 or more"},
      {"status", "running", "did you mean \"Running\"?"},
      {"status", "Done", "must be one of Pending, Running, Completed, Failed, Cancelled"},
  };
  for (const QueryCase& test : cases) {
    SCOPED_TRACE(test.name + "=" + test.value);
    sdk::ApiResponse response = send("GET", "/tasks", "", {{test.name, test.value}});
    expect_error(response, 400, "invalid_argument", "v2");
    EXPECT_EQ(detail_paths(response), std::vector<std::string>{"query." + test.name});
    EXPECT_THAT(detail_message(response, "query." + test.name), HasSubstr(test.message));
  }
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V2ApiTest, ListQueryReportsEveryInvalidParameter) {
  sdk::ApiResponse response =
      send("GET", "/workflows", "", {{"status", "x"}, {"limit", "0"}, {"offset", "-5"}});

  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response),
            (std::vector<std::string>{"query.status", "query.limit", "query.offset"}));
}

TEST_F(V2ApiTest, ListQueryTypoSuggestsParameter) {
  sdk::ApiResponse response = send("GET", "/workflows", "", {{"limt", "5"}});

  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"query.limt"});
  EXPECT_THAT(detail_message(response, "query.limt"), HasSubstr("did you mean \"limit\"?"));
}

TEST_F(V2ApiTest, GetWorkflowById) {
  services_.respond("workflow.get", workflow_record("wf-1", "Running"));
  sdk::ApiResponse response = send("GET", "/workflows/wf-1");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(only_call().operation, "workflow.get");
  EXPECT_EQ(only_call().request, (json::object{{"id", "wf-1"}}));
  EXPECT_EQ(response.body.at("tasks"), (json::value(json::array{"task-1"})));
}

TEST_F(V2ApiTest, InvalidWorkflowIdIs400) {
  sdk::ApiResponse response = send("GET", "/workflows/wf 1");

  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"path.id"});
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V2ApiTest, CancelWorkflow) {
  json::object cancelled = workflow_record("wf-1", "Cancelled");
  services_.respond("workflow.cancel", cancelled);
  sdk::ApiResponse response = send("POST", "/workflows/wf-1/cancel");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(only_call().operation, "workflow.cancel");
  EXPECT_EQ(only_call().request, (json::object{{"id", "wf-1"}}));
  EXPECT_EQ(response.body.at("status"), json::value("Cancelled"));
}

TEST_F(V2ApiTest, CancelAcceptsEmptyObjectOnly) {
  services_.respond("workflow.cancel", workflow_record("wf-1", "Cancelled"));
  EXPECT_EQ(send("POST", "/workflows/wf-1/cancel", "{}").status, 200);

  sdk::ApiResponse response = send("POST", "/workflows/wf-1/cancel", R"({"force": true})");
  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$.force"});
  EXPECT_EQ(services_.calls().size(), 1u);
}

TEST_F(V2ApiTest, CancelFinishedWorkflowIs409) {
  services_.fail("workflow.cancel", sdk::ErrorCode::kConflict, "workflow wf-1 already finished");
  sdk::ApiResponse response = send("POST", "/workflows/wf-1/cancel");

  expect_error(response, 409, "conflict", "v2");
  EXPECT_EQ(response.body.at("error").at("message"), json::value("workflow wf-1 already finished"));
}

TEST_F(V2ApiTest, ListTasks) {
  services_.respond("task.list",
                    json::object{{"tasks", json::array{task_record("task-1")}}, {"total", 1}});
  sdk::ApiResponse response = send("GET", "/tasks", "", {{"status", "Running"}, {"limit", "5"}});

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(only_call().operation, "task.list");
  EXPECT_EQ(only_call().request,
            (json::object{{"status", "Running"}, {"limit", 5}, {"offset", 0}}));
  EXPECT_EQ(keys_of(response.body.at("tasks").at(0).as_object()), kTaskFields);
  EXPECT_EQ(response.body.at("total"), json::value(1));
}

TEST_F(V2ApiTest, GetTask) {
  services_.respond("task.get", task_record("task-1"));
  sdk::ApiResponse response = send("GET", "/tasks/task-1");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(only_call().request, (json::object{{"id", "task-1"}}));
  EXPECT_EQ(response.body.at("max_attempts"), json::value(4));
}

TEST_F(V2ApiTest, ListWithoutTotalIs500) {
  services_.respond("task.list", json::object{{"tasks", json::array()}});
  sdk::ApiResponse response = send("GET", "/tasks");

  expect_error(response, 500, "internal", "v2");
  EXPECT_THAT(std::string(response.body.at("error").at("message").as_string()),
              HasSubstr("task.list"));
}

}  // namespace
}  // namespace provisioning::testing
