// Tests of v3 batches against a real orchestrator: the three on_failure modes, dependency
// order, rejected graphs, explicit rollback and cancel.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include <algorithm>
#include <set>

#include "orchestrator/batch_engine.h"
#include "orchestrator_test_support.h"
#include "servers.h"
#include "taskservs.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

// Returns a server_create operation. A plan of "no-such-plan" makes it fail.
json::object create_server(const std::string& id, const std::string& name,
                           const std::vector<std::string>& depends_on = {},
                           const std::string& plan = "1xCPU-1GB") {
  return {{"id", id},
          {"type", "server_create"},
          {"params", {{"name", name}, {"plan", plan}}},
          {"depends_on", json::array(depends_on.begin(), depends_on.end())}};
}

json::object install_taskserv(const std::string& id, const std::string& taskserv,
                              const std::vector<std::string>& servers,
                              const std::vector<std::string>& depends_on = {}) {
  return {
      {"id", id},
      {"type", "taskserv_install"},
      {"params", {{"name", taskserv}, {"servers", json::array(servers.begin(), servers.end())}}},
      {"depends_on", json::array(depends_on.begin(), depends_on.end())}};
}

// Returns `count` server_create operations op-0, op-1, ..., each depending on the one
// before, that create servers named `prefix` followed by the position.
json::array create_chain(int count, const std::string& prefix) {
  json::array operations;
  for (int i = 0; i < count; ++i) {
    std::vector<std::string> depends_on;
    if (i > 0) depends_on.push_back("op-" + std::to_string(i - 1));
    operations.push_back(
        create_server("op-" + std::to_string(i), prefix + std::to_string(i), depends_on));
  }
  return operations;
}

std::string batch_body(const json::array& operations, int parallel_limit,
                       const std::string& on_failure) {
  return json::serialize(json::object{
      {"operations", operations},
      {"batch_options", {{"parallel_limit", parallel_limit}, {"on_failure", on_failure}}}});
}

std::map<std::string, json::object> operations_by_id(const json::object& batch) {
  std::map<std::string, json::object> operations;
  for (const auto& item : batch.at("operations").as_array()) {
    operations[text(item, "id")] = item.as_object();
  }
  return operations;
}

std::string first_detail_path(const Reply& reply) {
  const json::array& details = reply.object().at("error").as_object().at("details").as_array();
  return details.empty() ? "" : text(details[0], "path");
}

class BatchTest : public OrchestratorTest {
 protected:
  void SetUp() override { start({{"orchestrator.max_parallel_tasks", "2"}}); }

  // Submits a batch, expects 202, and returns its id.
  std::string submit(const json::array& operations, int parallel_limit,
                     const std::string& on_failure) {
    Reply reply = call("POST", "/workflows/batch/submit", "v3",
                       batch_body(operations, parallel_limit, on_failure));
    EXPECT_EQ(reply.status, 202) << reply.body;
    EXPECT_EQ(text(reply.json, "status"), "Running") << reply.body;
    return text(reply.json, "id");
  }

  // The workflow behind an operation, from GET /workflows/{id}.
  json::object workflow_of(const json::object& operation) {
    Reply reply = call("GET", "/workflows/" + text(operation, "workflow_id"), "v2");
    EXPECT_EQ(reply.status, 200) << "operation " << text(operation, "id") << ": " << reply.body;
    return reply.json.is_object() ? reply.json.get_object() : json::object{};
  }

  std::set<std::string> server_names() {
    Reply reply = call("GET", "/servers", "v2");
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::set<std::string> names;
    for (const auto& server : reply.object().at("servers").as_array()) {
      names.insert(text(server, "name"));
    }
    return names;
  }

  std::set<std::string> taskservs_on(const std::string& server) {
    host::ServerService servers(*host_);
    host::TaskservService taskservs(*host_, servers);
    std::set<std::string> names;
    for (const auto& record : taskservs.list({server})) names.insert(text(record, "name"));
    return names;
  }

  // The batch record as the engine stores it, with the fields the API does not show,
  // such as each operation's "rollback".
  json::object stored_batch(const std::string& id) {
    auto record = orchestrator().batches().get(id);
    EXPECT_TRUE(record.has_value()) << id;
    return record ? *record : json::object{};
  }
};

TEST_F(BatchTest, FailModeCancelsUnstartedOperations) {
  std::string id = submit({create_server("bad", "never-1", {}, "no-such-plan"),
                           create_server("later-1", "fail-1"), create_server("later-2", "fail-2")},
                          1, "fail");
  json::object batch = wait_for_batch(id);
  EXPECT_EQ(text(batch, "status"), "Failed");
  auto operations = operations_by_id(batch);
  EXPECT_EQ(text(operations["bad"], "status"), "Failed");
  EXPECT_THAT(text(operations["bad"], "error"), HasSubstr("no-such-plan"));
  for (const std::string later : {"later-1", "later-2"}) {
    SCOPED_TRACE(later);
    EXPECT_EQ(text(operations[later], "status"), "Cancelled");
    EXPECT_THAT(text(operations[later], "error"), HasSubstr("'bad' failed"));
    EXPECT_EQ(text(operations[later], "workflow_id"), "") << "a cancelled operation ran";
  }
  EXPECT_TRUE(server_names().empty());
}

TEST_F(BatchTest, ContinueModeSkipsOnlyDependents) {
  std::string id =
      submit({create_server("a", "cont-a"), create_server("bad", "cont-bad", {}, "no-such-plan"),
              create_server("after-bad", "cont-after", {"bad"}),
              create_server("after-after", "cont-after-after", {"after-bad"}),
              install_taskserv("on-a", "containerd", {"cont-a"}, {"a"}),
              create_server("other", "cont-other")},
             4, "continue");
  json::object batch = wait_for_batch(id);
  EXPECT_EQ(text(batch, "status"), "Failed") << "a batch with a failed operation ends Failed";
  auto operations = operations_by_id(batch);
  for (const std::string completed : {"a", "on-a", "other"}) {
    EXPECT_EQ(text(operations[completed], "status"), "Completed") << completed;
  }
  EXPECT_EQ(text(operations["bad"], "status"), "Failed");
  EXPECT_EQ(text(operations["after-bad"], "status"), "Skipped");
  EXPECT_THAT(text(operations["after-bad"], "error"), HasSubstr("'bad'"));
  EXPECT_EQ(text(operations["after-after"], "status"), "Skipped");
  EXPECT_THAT(text(operations["after-after"], "error"), HasSubstr("'after-bad'"));
  EXPECT_EQ(server_names(), (std::set<std::string>{"cont-a", "cont-other"}));
  EXPECT_EQ(taskservs_on("cont-a"), (std::set<std::string>{"containerd"}));
}

TEST_F(BatchTest, RollbackModeUndoesCompletedInReverseOrder) {
  Reply existing = call("POST", "/servers", "v2", R"({"name": "pre-1", "plan": "1xCPU-1GB"})");
  ASSERT_EQ(existing.status, 201) << existing.body;
  // parallel_limit 1 runs the operations one at a time in list order, so they complete
  // in the order s1, t1, s2, t2 before "bad" fails.
  std::string id =
      submit({create_server("s1", "rb-1"), install_taskserv("t1", "containerd", {"pre-1"}),
              create_server("s2", "rb-2", {"s1"}), install_taskserv("t2", "etcd", {"rb-1"}, {"s1"}),
              create_server("bad", "rb-bad", {"s2", "t1", "t2"}, "no-such-plan")},
             1, "rollback");
  json::object batch = wait_for_batch(id);
  EXPECT_EQ(text(batch, "status"), "Failed");
  auto operations = operations_by_id(batch);
  EXPECT_EQ(text(operations["bad"], "status"), "Failed");
  const std::vector<std::string> completion = {"s1", "t1", "s2", "t2"};
  for (const auto& op : completion) {
    EXPECT_EQ(text(operations[op], "status"), "RolledBack") << op;
  }

  // The forward workflows completed in list order.
  std::vector<json::object> forward;
  for (const auto& op : completion) forward.push_back(workflow_of(operations[op]));
  for (std::size_t i = 1; i < forward.size(); ++i) {
    EXPECT_LE(text(forward[i - 1], "finished_at"), text(forward[i], "started_at"))
        << completion[i - 1] << " then " << completion[i];
  }

  // The undo workflows ran one after the other, in reverse order.
  json::object stored = stored_batch(id);
  EXPECT_EQ(stored.at("rolled_back"), json::value(true));
  auto stored_operations = operations_by_id(stored);
  const std::map<std::string, std::string> undo_types = {{"s1", "server_delete"},
                                                         {"t1", "taskserv_remove"},
                                                         {"s2", "server_delete"},
                                                         {"t2", "taskserv_remove"}};
  std::vector<json::object> undone;
  for (auto op = completion.rbegin(); op != completion.rend(); ++op) {
    SCOPED_TRACE("rollback of " + *op);
    const json::value* rollback = stored_operations[*op].if_contains("rollback");
    ASSERT_NE(rollback, nullptr) << json::serialize(stored_operations[*op]);
    EXPECT_EQ(text(*rollback, "status"), "done");
    Reply workflow = call("GET", "/workflows/" + text(*rollback, "workflow_id"), "v2");
    ASSERT_EQ(workflow.status, 200) << workflow.body;
    EXPECT_EQ(text(workflow.json, "type"), undo_types.at(*op));
    EXPECT_EQ(text(workflow.json, "status"), "Completed");
    undone.push_back(workflow.json.as_object());
  }
  for (std::size_t i = 1; i < undone.size(); ++i) {
    EXPECT_LE(text(undone[i - 1], "finished_at"), text(undone[i], "started_at"));
  }
  EXPECT_FALSE(stored_operations["bad"].contains("rollback")) << "a failed operation is undone";

  // The v3 view shows each outcome, and null for the operation nothing undid.
  EXPECT_EQ(batch.at("rolled_back"), json::value(true));
  for (const auto& op : completion) {
    SCOPED_TRACE("view of " + op);
    const json::value& shown = operations[op].at("rollback");
    ASSERT_TRUE(shown.is_object()) << json::serialize(operations[op]);
    EXPECT_EQ(text(shown, "status"), "done");
    EXPECT_EQ(text(shown, "workflow_id"),
              text(stored_operations[op].at("rollback"), "workflow_id"));
    EXPECT_EQ(text(shown, "error"), "");
  }
  EXPECT_TRUE(operations["bad"].at("rollback").is_null());

  EXPECT_EQ(server_names(), (std::set<std::string>{"pre-1"}));
  EXPECT_TRUE(taskservs_on("pre-1").empty());
  EXPECT_EQ(workspace_.server_directories(), (std::vector<std::string>{"pre-1"}));

  // A batch rolled back on failure cannot be rolled back again.
  Reply again = call("POST", "/workflows/batch/" + id + "/rollback", "v3");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.error_code(), "conflict");
}

TEST_F(BatchTest, FailureWhileOthersRunEndsBatchOnce) {
  // Operations that run in parallel with the failing one may finish after it failed. The
  // batch records their end and only then finishes.
  json::array operations{create_server("bad", "par-bad", {}, "no-such-plan")};
  for (int i = 0; i < 6; ++i) {
    operations.push_back(create_server("s" + std::to_string(i), "par-" + std::to_string(i)));
  }
  std::string id = submit(operations, 4, "fail");
  json::object batch = wait_for_batch(id);
  EXPECT_EQ(text(batch, "status"), "Failed");
  std::size_t completed = 0;
  for (const auto& [op, record] : operations_by_id(batch)) {
    std::string status = text(record, "status");
    if (op == "bad") {
      EXPECT_EQ(status, "Failed");
      continue;
    }
    EXPECT_TRUE(status == "Completed" || status == "Cancelled") << op << " is " << status;
    if (status == "Completed") ++completed;
  }
  EXPECT_EQ(server_names().size(), completed);
}

TEST_F(BatchTest, RollbackAfterParallelOperationsFinish) {
  json::array operations{create_server("bad", "rbp-bad", {}, "no-such-plan")};
  for (int i = 0; i < 6; ++i) {
    operations.push_back(create_server("s" + std::to_string(i), "rbp-" + std::to_string(i)));
  }
  std::string id = submit(operations, 4, "rollback");
  json::object batch = wait_for_batch(id);
  EXPECT_EQ(text(batch, "status"), "Failed");
  for (const auto& [op, record] : operations_by_id(batch)) {
    std::string status = text(record, "status");
    if (op == "bad") continue;
    EXPECT_TRUE(status == "RolledBack" || status == "Cancelled") << op << " is " << status;
  }
  EXPECT_EQ(stored_batch(id).at("rolled_back"), json::value(true));
  EXPECT_TRUE(server_names().empty());
  EXPECT_TRUE(workspace_.server_directories().empty());
}

TEST_F(BatchTest, DiamondRunsInDependencyOrder) {
  std::string id = submit({create_server("a", "dia-a"), create_server("b", "dia-b", {"a"}),
                           create_server("c", "dia-c", {"a"}),
                           install_taskserv("d", "containerd", {"dia-b", "dia-c"}, {"b", "c"})},
                          4, "fail");
  json::object batch = wait_for_batch(id);
  EXPECT_EQ(text(batch, "status"), "Completed");
  auto operations = operations_by_id(batch);
  std::map<std::string, json::object> workflows;
  for (const std::string op : {"a", "b", "c", "d"}) {
    EXPECT_EQ(text(operations[op], "status"), "Completed") << op;
    workflows[op] = workflow_of(operations[op]);
    EXPECT_EQ(text(workflows[op], "status"), "Completed") << op;
  }
  for (const std::string op : {"b", "c"}) {
    EXPECT_LE(text(workflows["a"], "finished_at"), text(workflows[op], "started_at"))
        << op << " started before a finished";
    EXPECT_LE(text(workflows[op], "finished_at"), text(workflows["d"], "started_at"))
        << "d started before " << op << " finished";
  }
  EXPECT_EQ(taskservs_on("dia-b"), (std::set<std::string>{"containerd"}));
  EXPECT_EQ(taskservs_on("dia-c"), (std::set<std::string>{"containerd"}));
}

TEST_F(BatchTest, CycleRejectedAtSubmit) {
  Reply two =
      call("POST", "/workflows/batch/submit", "v3",
           batch_body({create_server("a", "cyc-a", {"b"}), create_server("b", "cyc-b", {"a"})}, 1,
                      "fail"));
  EXPECT_EQ(two.status, 400) << two.body;
  EXPECT_EQ(two.error_code(), "invalid_argument");
  EXPECT_EQ(first_detail_path(two), "$.operations");
  EXPECT_THAT(two.error_message(), HasSubstr("dependency cycle: a -> b -> a"));

  Reply three =
      call("POST", "/workflows/batch/submit", "v3",
           batch_body({create_server("x", "cyc-x"), create_server("a", "cyc-a", {"c"}),
                       create_server("b", "cyc-b", {"a"}), create_server("c", "cyc-c", {"b"})},
                      1, "fail"));
  EXPECT_EQ(three.status, 400) << three.body;
  EXPECT_THAT(three.error_message(), HasSubstr("dependency cycle: a -> c -> b -> a"));

  EXPECT_EQ(orchestrator().batches().list("", 10, 0).second, 0u) << "a rejected batch was stored";
  EXPECT_TRUE(server_names().empty());
}

TEST_F(BatchTest, UnknownDependencyRejected) {
  Reply reply = call(
      "POST", "/workflows/batch/submit", "v3",
      batch_body({create_server("a", "dep-a"), create_server("b", "dep-b", {"zz"})}, 1, "fail"));
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_EQ(reply.error_code(), "invalid_argument");
  EXPECT_EQ(first_detail_path(reply), "$.operations[1].depends_on[0]");
  EXPECT_THAT(reply.error_message(), HasSubstr("\"zz\""));
  EXPECT_EQ(orchestrator().batches().list("", 10, 0).second, 0u);
}

TEST(BatchValidationTest, EngineRejectsCyclesAndUnknownDependencies) {
  auto message_of = [](const json::array& operations) -> std::string {
    try {
      host::validate_batch(operations);
    } catch (const sdk::Error& error) {
      EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
      return error.what();
    }
    return "";
  };
  EXPECT_THAT(message_of({create_server("a", "a", {"b"}), create_server("b", "b", {"a"})}),
              HasSubstr("dependency cycle: a -> b -> a"));
  EXPECT_THAT(message_of({create_server("a", "a"), create_server("b", "b", {"zz"})}),
              HasSubstr("'b' depends on unknown operation 'zz'"));
  EXPECT_THAT(message_of({create_server("a", "a", {"a"})}), HasSubstr("'a' depends on itself"));
  EXPECT_THAT(message_of({create_server("a", "a"), create_server("a", "b")}),
              HasSubstr("duplicate id 'a'"));
  EXPECT_EQ(message_of({create_server("a", "a"), create_server("b", "b", {"a"})}), "");
}

TEST_F(BatchTest, ExplicitRollbackOfFinishedBatch) {
  std::string id =
      submit({create_server("s", "exp-1"), install_taskserv("t", "containerd", {"exp-1"}, {"s"}),
              create_server("u", "exp-2")},
             2, "fail");
  json::object batch = wait_for_batch(id);
  ASSERT_EQ(text(batch, "status"), "Completed");
  EXPECT_EQ(server_names(), (std::set<std::string>{"exp-1", "exp-2"}));

  Reply rolled_back = call("POST", "/workflows/batch/" + id + "/rollback", "v3", "{}");
  ASSERT_EQ(rolled_back.status, 200) << rolled_back.body;
  EXPECT_EQ(text(rolled_back.json, "status"), "Completed") << "rollback keeps the batch status";
  for (const auto& [op, record] : operations_by_id(rolled_back.json.as_object())) {
    EXPECT_EQ(text(record, "status"), "RolledBack") << op;
  }
  // The taskserv completed after its server, so it was removed first.
  auto stored = operations_by_id(stored_batch(id));
  json::object remove_workflow =
      workflow_of({{"workflow_id", stored["t"].at("rollback").as_object().at("workflow_id")}});
  json::object delete_workflow =
      workflow_of({{"workflow_id", stored["s"].at("rollback").as_object().at("workflow_id")}});
  EXPECT_LE(text(remove_workflow, "finished_at"), text(delete_workflow, "started_at"));
  EXPECT_TRUE(server_names().empty());
  EXPECT_TRUE(workspace_.server_directories().empty());

  Reply again = call("POST", "/workflows/batch/" + id + "/rollback", "v3");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_THAT(again.error_message(), HasSubstr("already rolled back"));
  Reply unknown = call("POST", "/workflows/batch/no-such-batch/rollback", "v3");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
}

TEST_F(BatchTest, CancelRunningBatch) {
  // A chain of creates runs one operation at a time, long enough to cancel midway.
  constexpr int kChain = 100;
  std::string id = submit(create_chain(kChain, "chain-"), 1, "fail");

  Reply early_rollback = call("POST", "/workflows/batch/" + id + "/rollback", "v3");
  EXPECT_EQ(early_rollback.status, 409) << early_rollback.body;
  EXPECT_THAT(early_rollback.error_message(), HasSubstr("still running"));

  Reply cancelled = call("POST", "/workflows/batch/" + id + "/cancel", "v3");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(text(cancelled.json, "status"), "Cancelled");

  json::object batch = wait_for_batch(id);
  EXPECT_EQ(text(batch, "status"), "Cancelled");
  const json::array& results = batch.at("operations").as_array();
  int completed = 0;
  bool seen_cancelled = false;
  for (const auto& item : results) {
    std::string status = text(item, "status");
    SCOPED_TRACE(text(item, "id") + " is " + status);
    ASSERT_TRUE(status == "Completed" || status == "Cancelled");
    // The chain completes a prefix: nothing completes after a cancelled operation.
    if (status == "Completed") {
      EXPECT_FALSE(seen_cancelled);
      ++completed;
    } else {
      seen_cancelled = true;
    }
  }
  EXPECT_TRUE(seen_cancelled) << "the whole chain ran before the cancel";
  EXPECT_EQ(server_names().size(), static_cast<std::size_t>(completed));

  Reply cancel_again = call("POST", "/workflows/batch/" + id + "/cancel", "v3");
  EXPECT_EQ(cancel_again.status, 409) << cancel_again.body;

  // A cancelled batch can be rolled back, which deletes what it created.
  Reply rolled_back = call("POST", "/workflows/batch/" + id + "/rollback", "v3");
  EXPECT_EQ(rolled_back.status, 200) << rolled_back.body;
  EXPECT_TRUE(server_names().empty());
}

TEST_F(BatchTest, ListBatchesNewestFirst) {
  std::string first = submit({create_server("one", "list-1")}, 1, "fail");
  wait_for_batch(first);
  std::string second =
      submit({create_server("two", "list-2"), create_server("bad", "list-bad", {}, "no-such-plan")},
             1, "continue");
  wait_for_batch(second);

  Reply listed = call("GET", "/workflows/batch", "v3");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.object().at("total"), json::value(2));
  const json::array& batches = listed.object().at("batches").as_array();
  ASSERT_EQ(batches.size(), 2u) << listed.body;
  EXPECT_EQ(text(batches[0], "id"), second);
  EXPECT_EQ(text(batches[1], "id"), first);
  EXPECT_EQ(text(batches[0], "status"), "Failed");
  EXPECT_EQ(batches[0].at("operations_total"), json::value(2));
  EXPECT_EQ(batches[0].at("operations_by_status"), (json::object{{"Completed", 1}, {"Failed", 1}}));

  Reply completed = call("GET", "/workflows/batch?status=Completed&limit=5", "v3");
  ASSERT_EQ(completed.status, 200) << completed.body;
  EXPECT_EQ(completed.object().at("total"), json::value(1));
  EXPECT_EQ(text(completed.object().at("batches").as_array().at(0), "id"), first);

  Reply paged = call("GET", "/workflows/batch?limit=1&offset=1", "v3");
  ASSERT_EQ(paged.status, 200) << paged.body;
  EXPECT_EQ(text(paged.object().at("batches").as_array().at(0), "id"), first);
}

// Sums the counts of operations_by_status.
std::int64_t counted(const json::object& summary) {
  std::int64_t sum = 0;
  for (const auto& [status, count] : summary.at("operations_by_status").as_object()) {
    sum += count.as_int64();
  }
  return sum;
}

TEST_F(BatchTest, SummaryCountsOperationsOfRunningAndEndedBatch) {
  constexpr int kChain = 20;
  std::string id = submit(create_chain(kChain, "sum-"), 1, "fail");

  Reply running = call("GET", "/workflows/batch/" + id + "?view=summary", "v3");
  ASSERT_EQ(running.status, 200) << running.body;
  EXPECT_FALSE(running.object().contains("operations")) << running.body;
  EXPECT_EQ(running.object().at("operations_total"), json::value(kChain));
  EXPECT_EQ(counted(running.object()), kChain) << running.body;

  wait_for_batch(id);
  Reply ended = call("GET", "/workflows/batch/" + id + "?view=summary", "v3");
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(text(ended.json, "status"), "Completed");
  EXPECT_EQ(ended.object().at("operations_by_status"), (json::object{{"Completed", kChain}}));
  EXPECT_FALSE(text(ended.json, "finished_at").empty());

  Reply listed = call("GET", "/workflows/batch", "v3");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.object().at("batches").at(0), ended.json) << "list and summary disagree";

  Reply missing = call("GET", "/workflows/batch/no-such-batch?view=summary", "v3");
  EXPECT_EQ(missing.status, 404) << missing.body;
}

TEST_F(BatchTest, BatchPathInV2IsAWorkflowId) {
  Reply reply = call("GET", "/workflows/batch", "v2");
  EXPECT_EQ(reply.status, 404) << reply.body;
  EXPECT_THAT(reply.error_message(), HasSubstr("workflow 'batch' not found"));
}

}  // namespace
}  // namespace provisioning::testing
