// --orchestrated on server create, taskserv install and cluster create, against a real
// orchestrator.

#include "orchestrator_cli_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using OrchestratedTest = OrchestratorCliTest;

TEST_F(OrchestratedTest, ServerCreateWaitCreatesServer) {
  auto created = run({"server", "create", "orch-01", "2xCPU-4GB", "--orchestrated", "--wait"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, StartsWith("workflow "));
  EXPECT_THAT(created.out, HasSubstr("(server_create): Completed\n"));
  EXPECT_THAT(created.out, HasSubstr("\"name\":\"orch-01\""));
  EXPECT_THAT(created.err, Not(HasSubstr("not answering")));

  auto record = run_json({"server", "show", "orch-01"});
  EXPECT_EQ(text(record, "status"), "running");
  EXPECT_EQ(text(record, "plan"), "2xCPU-4GB");
}

TEST_F(OrchestratedTest, ServerCreateJsonPrintsWorkflow) {
  // Global options may also follow the subcommand.
  auto workflow = run_json({"server", "create", "orch-02", "1xCPU-2GB", "--zone", "local-2",
                            "--wait", "--orchestrated"});
  EXPECT_EQ(text(workflow, "type"), "server_create");
  EXPECT_EQ(text(workflow, "status"), "Completed");
  const auto& params = workflow.at("params");
  EXPECT_EQ(text(params, "name"), "orch-02");
  EXPECT_EQ(text(params, "plan"), "1xCPU-2GB");
  EXPECT_EQ(text(params, "zone"), "local-2");
  EXPECT_EQ(workflow.at("options").at("wait_for_completion"), json::value(true));
  EXPECT_EQ(text(workflow.at("result"), "zone"), "local-2");
  EXPECT_THAT(servers(), Contains("orch-02"));
}

TEST_F(OrchestratedTest, ServerCreateWithoutWaitSubmits) {
  auto workflow = run_json({"server", "create", "orch-03", "1xCPU-2GB", "--orchestrated"});
  EXPECT_EQ(text(workflow, "status"), "Pending");
  EXPECT_EQ(workflow.at("options").at("wait_for_completion"), json::value(false));
  std::string id = text(workflow, "id");
  ASSERT_FALSE(id.empty());

  auto monitor = run({"workflow", "monitor", id});
  EXPECT_EQ(monitor.exit_code, 0) << monitor.err;
  EXPECT_THAT(monitor.out, HasSubstr("workflow " + id + ": Completed\n"));
  EXPECT_THAT(servers(), Contains("orch-03"));
}

TEST_F(OrchestratedTest, ServerCreateWithoutWaitPrintsFollowUp) {
  auto submitted = run({"server", "create", "orch-04", "1xCPU-2GB", "--orchestrated"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  EXPECT_THAT(submitted.out, StartsWith("submitted workflow "));
  EXPECT_THAT(submitted.out, HasSubstr("(server_create): Pending"));
  EXPECT_THAT(submitted.out, HasSubstr("'provisioning workflow monitor "));
}

TEST_F(OrchestratedTest, FailedWorkflowExitsWithCode8) {
  ASSERT_EQ(run({"server", "create", "orch-05", "1xCPU-2GB"}).exit_code, 0);
  auto duplicate = run({"server", "create", "orch-05", "1xCPU-2GB", "--orchestrated", "--wait"});
  EXPECT_EQ(duplicate.exit_code, 8);
  EXPECT_THAT(duplicate.out, HasSubstr("(server_create): Failed\n"));
  EXPECT_THAT(duplicate.err, HasSubstr("ended Failed: "));
  EXPECT_THAT(duplicate.err, HasSubstr("'orch-05' already exists"));
}

TEST_F(OrchestratedTest, InvalidPlanIsRejectedByOrchestrator) {
  auto invalid = run({"server", "create", "orch-06", "4xCPU-8G", "--orchestrated", "--wait"});
  EXPECT_NE(invalid.exit_code, 0);
  EXPECT_THAT(invalid.err, HasSubstr("4xCPU-8G"));
  EXPECT_THAT(servers(), Not(Contains("orch-06")));
}

TEST_F(OrchestratedTest, TaskservInstallRunsWorkflow) {
  ASSERT_EQ(run({"server", "create", "orch-07", "2xCPU-4GB"}).exit_code, 0);
  auto workflow = run_json(
      {"taskserv", "install", "containerd", "--server", "orch-07", "--orchestrated", "--wait"});
  EXPECT_EQ(text(workflow, "type"), "taskserv_create");
  EXPECT_EQ(text(workflow, "status"), "Completed");
  EXPECT_EQ(workflow.at("params").at("servers"), json::array({"orch-07"}));

  auto installed = run_json({"taskserv", "list", "--server", "orch-07"});
  ASSERT_EQ(installed.as_array().size(), 1u);
  EXPECT_EQ(text(installed.as_array()[0], "name"), "containerd");
  EXPECT_EQ(text(installed.as_array()[0], "status"), "installed");
}

TEST_F(OrchestratedTest, ClusterCreateRunsWorkflow) {
  auto created = run({"cluster", "create", "buildkit", "--orchestrated", "--wait"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("(cluster_create): Completed\n"));

  auto clusters = run_json({"cluster", "list"});
  ASSERT_EQ(clusters.as_array().size(), 1u);
  EXPECT_EQ(text(clusters.as_array()[0], "name"), "buildkit");
  EXPECT_EQ(text(clusters.as_array()[0], "status"), "ready");
  EXPECT_THAT(servers(), Contains("buildkit-control-1"));
}

TEST_F(OrchestratedTest, CheckRunsDirectly) {
  auto check = run({"server", "create", "orch-08", "2xCPU-4GB", "--orchestrated", "--check"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, StartsWith("would create server orch-08"));
  EXPECT_THAT(servers(), Not(Contains("orch-08")));
}

TEST_F(OrchestratedTest, TagIsRejected) {
  auto tagged = run({"server", "create", "orch-09", "2xCPU-4GB", "--tag", "a", "--orchestrated"});
  EXPECT_EQ(tagged.exit_code, 3);
  EXPECT_THAT(tagged.err, HasSubstr("--tag cannot be used with --orchestrated"));
  EXPECT_THAT(servers(), Not(Contains("orch-09")));
}

TEST_F(OrchestratedTest, CorrelationIdIsPassedThrough) {
  auto workflow = run_json({"--correlation-id", "orch-cli-test-42", "server", "create", "orch-10",
                            "1xCPU-2GB", "--orchestrated", "--wait"});
  EXPECT_EQ(text(workflow, "correlation_id"), "orch-cli-test-42");
}

}  // namespace
}  // namespace provisioning::testing
