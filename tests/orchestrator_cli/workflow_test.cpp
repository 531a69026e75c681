// `provisioning workflow list|status|monitor|cancel` against a real orchestrator.

#include "orchestrator_cli_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using WorkflowTest = OrchestratorCliTest;

// Creates a server through the orchestrator and returns the id of its finished workflow.
std::string completed_workflow(const std::string& server) {
  auto workflow = OrchestratorCliTest::run_json(
      {"server", "create", server, "1xCPU-2GB", "--orchestrated", "--wait"});
  EXPECT_EQ(text(workflow, "status"), "Completed");
  return text(workflow, "id");
}

std::vector<std::string> listed_ids(const json::value& page) {
  std::vector<std::string> ids;
  for (const auto& workflow : page.at("workflows").as_array()) ids.push_back(text(workflow, "id"));
  return ids;
}

TEST_F(WorkflowTest, ListShowsSubmittedWorkflows) {
  std::string first = completed_workflow("list-01");
  std::string second = completed_workflow("list-02");

  auto page = run_json({"workflow", "list"});
  EXPECT_THAT(listed_ids(page), ::testing::IsSupersetOf({first, second}));
  EXPECT_GE(page.at("total").as_int64(), 2);

  auto table = run({"workflow", "list", "--status", "Completed"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, StartsWith("ID "));
  EXPECT_THAT(table.out, HasSubstr(first + "  server_create  Completed"));
}

TEST_F(WorkflowTest, ListPagesWithLimitAndOffset) {
  completed_workflow("page-01");
  completed_workflow("page-02");

  auto first_page = run({"--output", "json", "workflow", "list", "--limit", "1"});
  ASSERT_EQ(first_page.exit_code, 0) << first_page.err;
  auto page = parse_output(first_page);
  EXPECT_EQ(page.at("workflows").as_array().size(), 1u);
  EXPECT_EQ(page.at("limit").as_int64(), 1);
  EXPECT_THAT(first_page.err, HasSubstr("pass --offset 1 for the next page"));

  auto second_page = run_json({"workflow", "list", "--limit", "1", "--offset", "1"});
  EXPECT_EQ(second_page.at("offset").as_int64(), 1);
  EXPECT_NE(listed_ids(page), listed_ids(second_page));
}

TEST_F(WorkflowTest, ListRejectsUnknownStatus) {
  auto listed = run({"workflow", "list", "--status", "running"});
  EXPECT_EQ(listed.exit_code, 3);
  EXPECT_THAT(listed.err, HasSubstr("query.status"));
  EXPECT_THAT(listed.err, HasSubstr("did you mean \"Running\"?"));
  EXPECT_THAT(listed.err, HasSubstr("HTTP 400 invalid_argument"));
}

TEST_F(WorkflowTest, StatusPrintsFields) {
  std::string id = completed_workflow("status-01");

  auto printed = run({"workflow", "status", id});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_THAT(printed.out, StartsWith("id: " + id + "\n"));
  EXPECT_THAT(printed.out, HasSubstr("\ntype: server_create\n"));
  EXPECT_THAT(printed.out, HasSubstr("\nstatus: Completed\n"));
  EXPECT_THAT(printed.out, HasSubstr("\"name\":\"status-01\""));

  auto record = run_json({"workflow", "status", id});
  EXPECT_EQ(text(record, "id"), id);
  EXPECT_EQ(text(record, "status"), "Completed");
  EXPECT_EQ(text(record.at("result"), "name"), "status-01");
}

TEST_F(WorkflowTest, StatusOfUnknownIdIsNotFound) {
  auto printed = run({"workflow", "status", "no-such-workflow"});
  EXPECT_EQ(printed.exit_code, 4);
  EXPECT_THAT(printed.err, HasSubstr("workflow 'no-such-workflow' not found"));
  EXPECT_THAT(printed.err, HasSubstr(orchestrator_->url() + "/workflows/no-such-workflow"));
}

TEST_F(WorkflowTest, MonitorOfCompletedWorkflowExitsZero) {
  std::string id = completed_workflow("monitor-01");

  auto monitor = run({"workflow", "monitor", id});
  EXPECT_EQ(monitor.exit_code, 0) << monitor.err;
  EXPECT_THAT(monitor.out, HasSubstr("  workflow " + id + ": Completed\n"));
  EXPECT_THAT(monitor.out, HasSubstr("result: {"));

  auto record = run_json({"workflow", "monitor", id});
  EXPECT_EQ(text(record, "status"), "Completed");
}

TEST_F(WorkflowTest, MonitorOfFailedWorkflowExitsNonZero) {
  ASSERT_EQ(run({"server", "create", "monitor-02", "1xCPU-2GB"}).exit_code, 0);
  auto failed = run_json({"server", "create", "monitor-02", "1xCPU-2GB", "--orchestrated"});
  std::string id = text(failed, "id");

  auto monitor = run({"workflow", "monitor", id});
  EXPECT_EQ(monitor.exit_code, 8);
  EXPECT_THAT(monitor.out, HasSubstr("workflow " + id + ": Failed"));
  EXPECT_THAT(monitor.err, HasSubstr("error: workflow " + id + " ended Failed"));
}

TEST_F(WorkflowTest, CancelOfFinishedWorkflowIsConflict) {
  std::string id = completed_workflow("cancel-01");

  auto cancelled = run({"workflow", "cancel", id});
  EXPECT_EQ(cancelled.exit_code, 5);
  EXPECT_THAT(cancelled.err, HasSubstr("already ended as Completed; nothing to cancel"));
  EXPECT_THAT(cancelled.err, HasSubstr("HTTP 409 conflict"));
}

TEST_F(WorkflowTest, CancelOfUnknownIdIsNotFound) {
  auto cancelled = run({"workflow", "cancel", "no-such-workflow"});
  EXPECT_EQ(cancelled.exit_code, 4);
  EXPECT_THAT(cancelled.err, HasSubstr("workflow 'no-such-workflow' not found"));
}

// Later workflows stay queued while hold_worker() keeps the only worker busy.
class GatedWorkflowTest : public GatedOrchestratorCliTest {
 protected:
  // Starts a gate install on a new server `server`, waits until the worker runs it, and
  // returns its workflow id.
  static std::string hold_worker(const std::string& server) {
    EXPECT_EQ(run({"server", "create", server, "1xCPU-1GB"}).exit_code, 0);
    auto gate = run_json({"taskserv", "install", "gate", "--server", server, "--orchestrated"});
    std::string id = text(gate, "id");
    EXPECT_EQ(status_after_queue(id, text(gate, "status")), "Running");
    return id;
  }

  // Returns the status of workflow `id` once it has left the queue. `status` is the one
  // its submission returned.
  static std::string status_after_queue(const std::string& id, std::string status) {
    while (status == "Pending") {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      status = text(run_json({"workflow", "status", id}), "status");
    }
    return status;
  }
};

TEST_F(GatedWorkflowTest, CancelQueuedWorkflow) {
  std::string gate = hold_worker("gate-01");
  auto queued = run_json({"server", "create", "queued-01", "1xCPU-1GB", "--orchestrated"});
  std::string id = text(queued, "id");
  ASSERT_EQ(text(queued, "status"), "Pending");

  auto cancelled = run({"workflow", "cancel", id});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_EQ(cancelled.out, "cancel requested for workflow " + id + " (server_create): Cancelled\n");

  auto record = run_json({"workflow", "status", id});
  EXPECT_EQ(text(record, "status"), "Cancelled");
  EXPECT_EQ(text(record, "error"), "cancelled on request");

  auto monitor = run({"workflow", "monitor", id});
  EXPECT_EQ(monitor.exit_code, 8);
  EXPECT_THAT(monitor.err, HasSubstr("ended Cancelled: cancelled on request"));

  release("gate-01");
  auto gate_monitor = run({"workflow", "monitor", gate});
  EXPECT_EQ(gate_monitor.exit_code, 0) << gate_monitor.err;
  EXPECT_THAT(servers(), Not(::testing::Contains("queued-01")));
}

TEST_F(GatedWorkflowTest, ListFiltersByStatus) {
  std::string gate = hold_worker("gate-02");
  auto queued = run_json({"server", "create", "queued-02", "1xCPU-1GB", "--orchestrated"});

  auto pending = run_json({"workflow", "list", "--status", "Pending"});
  EXPECT_THAT(listed_ids(pending), ::testing::Contains(text(queued, "id")));
  EXPECT_THAT(listed_ids(pending), Not(::testing::Contains(gate)));

  release("gate-02");
  EXPECT_EQ(run({"workflow", "monitor", text(queued, "id")}).exit_code, 0);
  EXPECT_THAT(servers(), ::testing::Contains("queued-02"));
}

// A cancel ends a running install between servers: the install on the first server
// finishes, and the second server's install never starts.
TEST_F(GatedWorkflowTest, CancelStopsInstallBetweenServers) {
  for (const char* server : {"gate-03", "gate-04"}) {
    ASSERT_EQ(run({"server", "create", server, "1xCPU-1GB"}).exit_code, 0);
  }
  auto install = run_json({"taskserv", "install", "gate", "--server", "gate-03", "--server",
                           "gate-04", "--orchestrated"});
  std::string id = text(install, "id");
  std::string status = status_after_queue(id, text(install, "status"));
  ASSERT_EQ(status, "Running");

  auto cancelled = run({"workflow", "cancel", id});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  release("gate-03");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (status == "Running" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = text(run_json({"workflow", "status", id}), "status");
  }
  EXPECT_EQ(status, "Cancelled");

  std::vector<std::string> installed_on;
  json::value installed = run_json({"taskserv", "list"});
  ASSERT_TRUE(installed.is_array()) << json::serialize(installed);
  for (const auto& record : installed.as_array()) {
    if (text(record, "name") == "gate") installed_on.push_back(text(record, "server"));
  }
  EXPECT_THAT(installed_on, ::testing::Contains("gate-03"));
  EXPECT_THAT(installed_on, Not(::testing::Contains("gate-04")));
}

}  // namespace
}  // namespace provisioning::testing
