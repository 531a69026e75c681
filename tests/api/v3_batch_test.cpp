// Tests of the batch routes of API version v3.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

class V3BatchTest : public ApiVersionTest {
 protected:
  V3BatchTest() : ApiVersionTest("v3") {}

  sdk::ApiResponse submit(const std::string& body) {
    return send("POST", "/workflows/batch/submit", body);
  }
};

TEST_F(V3BatchTest, SubmitPassesOperationsWithDefaults) {
  services_.respond("batch.submit", batch_record("b-1"));
  sdk::ApiResponse response = submit(R"({"operations": [
      {"id": "db", "type": "server_create",
       "params": {"name": "db-1", "plan": "2xCPU-4GB", "labels": {"tier": ["data", 1]}}},
      {"id": "etcd", "type": "taskserv_install", "params": {"name": "etcd"},
       "depends_on": ["db"]},
      {"id": "settings", "type": "config"}]})");

  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.headers.at("Location"), "/workflows/batch/b-1");
  FakeServices::Call call = only_call();
  EXPECT_EQ(call.operation, "batch.submit");
  json::array expected_operations{
      json::object{
          {"id", "db"},
          {"type", "server_create"},
          {"params", json::object{{"name", "db-1"},
                                  {"plan", "2xCPU-4GB"},
                                  {"labels", json::object{{"tier", json::array{"data", 1}}}}}},
          {"depends_on", json::array()}},
      json::object{{"id", "etcd"},
                   {"type", "taskserv_install"},
                   {"params", json::object{{"name", "etcd"}}},
                   {"depends_on", json::array{"db"}}},
      json::object{{"id", "settings"},
                   {"type", "config"},
                   {"params", json::object()},
                   {"depends_on", json::array()}}};
  EXPECT_EQ(call.request, (json::object{{"operations", expected_operations},
                                        {"batch_options", json::object{{"parallel_limit", 4},
                                                                       {"on_failure", "fail"}}}}));
}

TEST_F(V3BatchTest, SubmitPassesBatchOptions) {
  services_.respond("batch.submit", batch_record("b-2"));
  sdk::ApiResponse response = submit(R"({"operations": [{"id": "a", "type": "server_delete"}],
      "batch_options": {"parallel_limit": 100, "on_failure": "continue"}})");

  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(only_call().request.at("batch_options"),
            (json::value(json::object{{"parallel_limit", 100}, {"on_failure", "continue"}})));
}

TEST_F(V3BatchTest, SubmitResponseShapesBatch) {
  services_.respond("batch.submit", batch_record("b-1"));
  sdk::ApiResponse response = submit(R"({"operations": [{"id": "db", "type": "server_create"}]})");

  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(keys_of(response.body.as_object()),
            (std::vector<std::string>{"id", "status", "operations", "batch_options", "rolled_back",
                                      "created_at", "updated_at", "started_at", "finished_at"}));
  EXPECT_EQ(keys_of(response.body.at("operations").at(0).as_object()),
            (std::vector<std::string>{"id", "type", "status", "workflow_id", "error", "rollback"}));
}

struct BatchCase {
  std::string label;
  std::string body;
  std::vector<std::string> paths;
  std::string message;  // expected in the message of the first path
};

TEST_F(V3BatchTest, SubmitValidationListsPaths) {
  const std::vector<BatchCase> cases = {
      {"missing operations", "{}", {"$.operations"}, "is missing"},
      {"empty operations", R"({"operations": []})", {"$.operations"}, "got 0 operations"},
      {"operations not array", R"({"operations": {}})", {"$.operations"}, "got an object"},
      {"operation not object", R"({"operations": [7]})", {"$.operations[0]"}, "must be an object"},
      {"missing id and type",
       R"({"operations": [{}]})",
       {"$.operations[0].id", "$.operations[0].type"},
       "is missing"},
      {"bad id",
       R"({"operations": [{"id": "a b", "type": "config"}]})",
       {"$.operations[0].id"},
       "letters, digits"},
      {"unknown type",
       R"({"operations": [{"id": "a", "type": "server_craete"}]})",
       {"$.operations[0].type"},
       "did you mean \"server_create\"?"},
      {"params not object",
       R"({"operations": [{"id": "a", "type": "config", "params": []}]})",
       {"$.operations[0].params"},
       "must be an object, got an array"},
      {"unknown operation field",
       R"({"operations": [{"id": "a", "type": "config", "dependson": ["b"]}]})",
       {"$.operations[0].dependson"},
       "did you mean \"depends_on\"?"},
      {"duplicate id",
       R"({"operations": [{"id": "a", "type": "config"}, {"id": "a", "type": "config"}]})",
       {"$.operations[1].id"},
       "repeats the id \"a\""},
      {"unknown dependency",
       R"({"operations": [{"id": "a", "type": "config", "depends_on": ["b"]}]})",
       {"$.operations[0].depends_on[0]"},
       "names no operation of this batch"},
      {"self dependency",
       R"({"operations": [{"id": "a", "type": "config", "depends_on": ["a"]}]})",
       {"$.operations[0].depends_on[0]"},
       "names the operation itself"},
      {"cycle",
       R"({"operations": [{"id": "a", "type": "config", "depends_on": ["c"]},
                          {"id": "b", "type": "config", "depends_on": ["a"]},
                          {"id": "c", "type": "config", "depends_on": ["b"]}]})",
       {"$.operations"},
       "has a dependency cycle: a -> c -> b -> a"},
      {"parallel limit",
       R"({"operations": [{"id": "a", "type": "config"}], "batch_options": {"parallel_limit": 0}})",
       {"$.batch_options.parallel_limit"},
       "must be an integer from 1 to 100, got 0"},
      {"on failure",
       R"({"operations": [{"id": "a", "type": "config"}], "batch_options": {"on_failure": "abort"}})",
       {"$.batch_options.on_failure"},
       "must be one of fail, continue, rollback"},
      {"unknown top-level field",
       R"({"operations": [{"id": "a", "type": "config"}], "options": {}})",
       {"$.options"},
       "Fields accepted here: operations, batch_options."},
  };
  for (const BatchCase& test : cases) {
    SCOPED_TRACE(test.label);
    sdk::ApiResponse response = submit(test.body);
    expect_error(response, 400, "invalid_argument", "v3");
    EXPECT_EQ(detail_paths(response), test.paths);
    EXPECT_THAT(detail_message(response, test.paths.front()), HasSubstr(test.message));
  }
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V3BatchTest, TooManyOperationsRejected) {
  json::array operations;
  for (int i = 0; i < 1001; ++i) {
    operations.push_back(json::object{{"id", "op-" + std::to_string(i)}, {"type", "config"}});
  }
  sdk::ApiResponse response = submit(json::serialize(json::object{{"operations", operations}}));

  expect_error(response, 400, "invalid_argument", "v3");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"$.operations"});
  EXPECT_THAT(detail_message(response, "$.operations"), HasSubstr("got 1001 operations"));
}

TEST_F(V3BatchTest, GetBatch) {
  services_.respond("batch.get", batch_record("b-1"));
  sdk::ApiResponse response = send("GET", "/workflows/batch/b-1");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(only_call().request, (json::object{{"id", "b-1"}}));
  EXPECT_EQ(response.body.at("status"), json::value("Pending"));
  EXPECT_FALSE(response.body.at("operations").at(0).as_object().contains("attempts"));
}

// The host counts the operations of each batch; the view keeps the summary fields.
json::object summary_record(const std::string& id) {
  json::object record = batch_record(id);
  record.erase("operations");
  record["operations_total"] = 3;
  record["operations_by_status"] = json::object{{"Pending", 1}, {"Completed", 2}};
  record["correlation_id"] = "not shown";
  return record;
}

TEST_F(V3BatchTest, ListBatchesAsSummaries) {
  services_.respond("batch.list",
                    json::object{{"batches", json::array{summary_record("b-1")}}, {"total", 7}});
  sdk::ApiResponse response =
      send("GET", "/workflows/batch", "", {{"status", "Running"}, {"limit", "1"}, {"offset", "2"}});

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(only_call().request,
            (json::object{{"limit", 1}, {"offset", 2}, {"status", "Running"}}));
  EXPECT_EQ(response.body.at("total"), json::value(7));
  EXPECT_EQ(response.body.at("limit"), json::value(1));
  EXPECT_EQ(response.body.at("offset"), json::value(2));
  const json::object& item = response.body.at("batches").at(0).as_object();
  EXPECT_FALSE(item.contains("operations"));
  EXPECT_FALSE(item.contains("correlation_id"));
  EXPECT_EQ(item.at("operations_total"), json::value(3));
  EXPECT_EQ(item.at("operations_by_status"), (json::object{{"Pending", 1}, {"Completed", 2}}));
  EXPECT_EQ(item.at("id"), json::value("b-1"));
}

TEST_F(V3BatchTest, GetBatchSummary) {
  services_.respond("batch.summary", summary_record("b-1"));
  sdk::ApiResponse response = send("GET", "/workflows/batch/b-1", "", {{"view", "summary"}});

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(only_call().operation, "batch.summary");
  EXPECT_EQ(only_call().request, (json::object{{"id", "b-1"}}));
  EXPECT_FALSE(response.body.as_object().contains("operations"));
  EXPECT_EQ(response.body.at("operations_total"), json::value(3));
  EXPECT_EQ(response.body.at("operations_by_status"),
            (json::object{{"Pending", 1}, {"Completed", 2}}));
}

TEST_F(V3BatchTest, GetBatchFullViewByName) {
  services_.respond("batch.get", batch_record("b-1"));
  sdk::ApiResponse response = send("GET", "/workflows/batch/b-1", "", {{"view", "full"}});

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(only_call().operation, "batch.get");
  EXPECT_EQ(response.body.at("operations").as_array().size(), 1u);
}

TEST_F(V3BatchTest, GetBatchRejectsUnknownView) {
  sdk::ApiResponse response = send("GET", "/workflows/batch/b-1", "", {{"view", "summry"}});
  expect_error(response, 400, "invalid_argument", "v3");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"query.view"});
  EXPECT_THAT(detail_message(response, "query.view"),
              HasSubstr("must be one of full, summary, got \"summry\"; did you mean \"summary\"?"));
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V3BatchTest, ListRejectsWorkflowOnlyStatus) {
  sdk::ApiResponse response = send("GET", "/workflows/batch", "", {{"status", "Pending"}});
  expect_error(response, 400, "invalid_argument", "v3");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"query.status"});
  EXPECT_THAT(detail_message(response, "query.status"),
              HasSubstr("must be one of Running, Completed, Failed, Cancelled"));
  EXPECT_TRUE(services_.calls().empty());
}

TEST_F(V3BatchTest, OperationShowsRollbackOutcome) {
  json::object record = batch_record("b-1");
  json::object& operation = record["operations"].as_array()[0].as_object();
  operation["status"] = "RolledBack";
  operation["rollback"] = json::object{
      {"status", "failed"}, {"workflow_id", "wf-9"}, {"error", "provider down"}, {"extra", 1}};
  services_.respond("batch.get", record);
  sdk::ApiResponse response = send("GET", "/workflows/batch/b-1");

  ASSERT_EQ(response.status, 200);
  const json::object& shown = response.body.at("operations").at(0).as_object();
  EXPECT_EQ(shown.at("status"), json::value("RolledBack"));
  EXPECT_EQ(
      shown.at("rollback"),
      (json::object{{"status", "failed"}, {"workflow_id", "wf-9"}, {"error", "provider down"}}));
}

TEST_F(V3BatchTest, OperationWithoutRollbackShowsNull) {
  services_.respond("batch.get", batch_record("b-1"));
  sdk::ApiResponse response = send("GET", "/workflows/batch/b-1");
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.at("operations").at(0).at("rollback").is_null());
  EXPECT_TRUE(response.body.as_object().contains("rolled_back"));
}

TEST_F(V3BatchTest, CancelAndRollback) {
  services_.respond("batch.cancel", batch_record("b-1"));
  services_.respond("batch.rollback", batch_record("b-1"));
  EXPECT_EQ(send("POST", "/workflows/batch/b-1/cancel").status, 200);
  EXPECT_EQ(send("POST", "/workflows/batch/b-1/rollback", "{}").status, 200);

  std::vector<FakeServices::Call> calls = services_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].operation, "batch.cancel");
  EXPECT_EQ(calls[0].request, (json::object{{"id", "b-1"}}));
  EXPECT_EQ(calls[1].operation, "batch.rollback");
  EXPECT_EQ(calls[1].request, (json::object{{"id", "b-1"}}));
}

TEST_F(V3BatchTest, RollbackOfRunningBatchIs409) {
  services_.fail("batch.rollback", sdk::ErrorCode::kConflict, "batch b-1 is still running");
  sdk::ApiResponse response = send("POST", "/workflows/batch/b-1/rollback");

  expect_error(response, 409, "conflict", "v3");
  EXPECT_EQ(response.body.at("error").at("message"), json::value("batch b-1 is still running"));
}

TEST_F(V3BatchTest, BatchRoutesAbsentFromV2) {
  ApiHandle v2_handle = load_api("v2");
  sdk::ApiResponse response = api_of(v2_handle).handle(
      make_request("POST", "/workflows/batch/submit", R"({"operations": []})"), services_);

  expect_error(response, 404, "not_found", "v2");
  EXPECT_TRUE(services_.calls().empty());
}

}  // namespace
}  // namespace provisioning::testing
