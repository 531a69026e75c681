// `provisioning client create-server` with each API version, against a real orchestrator.

#include "orchestrator_cli_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

using ClientTest = OrchestratorCliTest;

TEST_F(ClientTest, V1CreatesServerWithLegacyRecord) {
  auto created = run({"--verbose", "client", "create-server", "client-01", "2xCPU-4GB",
                      "--api-version", "v1", "--zone", "local-2"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.err, HasSubstr("HTTP 201, Location: /servers/client-01"));
  auto record = parse_output(created);
  EXPECT_EQ(text(record, "name"), "client-01");
  EXPECT_EQ(text(record, "zone"), "local-2");
  EXPECT_EQ(text(record, "status"), "running");
  // The v1 record has "ip" and "created", not the v2 fields.
  EXPECT_TRUE(record.as_object().contains("ip"));
  EXPECT_FALSE(record.as_object().contains("id"));
  EXPECT_THAT(servers(), Contains("client-01"));
}

TEST_F(ClientTest, V1DuplicateIsConflict) {
  ASSERT_EQ(
      run({"client", "create-server", "client-02", "1xCPU-2GB", "--api-version", "v1"}).exit_code,
      0);
  auto duplicate =
      run({"client", "create-server", "client-02", "1xCPU-2GB", "--api-version", "v1"});
  EXPECT_EQ(duplicate.exit_code, 5);
  auto body = parse_output(duplicate);
  EXPECT_EQ(text(body.at("error"), "code"), "already_exists");
  EXPECT_EQ(text(body, "api_version"), "v1");
  EXPECT_THAT(duplicate.err, HasSubstr("HTTP 409 already_exists"));
}

TEST_F(ClientTest, V1UnknownPlanIsInvalid) {
  auto invalid = run({"client", "create-server", "client-03", "4xCPU-8G", "--api-version", "v1"});
  EXPECT_EQ(invalid.exit_code, 3);
  auto body = parse_output(invalid);
  EXPECT_EQ(text(body.at("error"), "code"), "invalid_argument");
  EXPECT_THAT(text(body.at("error"), "message"), HasSubstr("4xCPU-8G"));
  EXPECT_THAT(servers(), Not(Contains("client-03")));
}

TEST_F(ClientTest, V2WithoutWaitReturnsPendingWorkflow) {
  auto submitted =
      run({"-v", "client", "create-server", "client-04", "1xCPU-2GB", "--api-version", "v2"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  auto workflow = parse_output(submitted);
  EXPECT_THAT(submitted.err, HasSubstr("HTTP 202, Location: /workflows/" + text(workflow, "id")));
  EXPECT_EQ(text(workflow, "type"), "server_create");
  EXPECT_EQ(text(workflow, "status"), "Pending");
  EXPECT_EQ(workflow.at("options").at("wait_for_completion"), json::value(false));

  auto monitor = run({"workflow", "monitor", text(workflow, "id")});
  EXPECT_EQ(monitor.exit_code, 0) << monitor.err;
  EXPECT_THAT(servers(), Contains("client-04"));
}

TEST_F(ClientTest, V2WithWaitReturnsCompletedWorkflow) {
  auto created = run(
      {"-v", "client", "create-server", "client-05", "1xCPU-2GB", "--api-version", "v2", "--wait"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.err, HasSubstr("HTTP 200"));
  auto workflow = parse_output(created);
  EXPECT_EQ(text(workflow, "status"), "Completed");
  EXPECT_EQ(text(workflow.at("result"), "name"), "client-05");
  EXPECT_FALSE(workflow.at("params").as_object().contains("dependencies"));
  EXPECT_THAT(servers(), Contains("client-05"));
}

TEST_F(ClientTest, V3PassesDependencies) {
  auto created =
      run({"client", "create-server", "client-06", "1xCPU-2GB", "--api-version", "v3", "--wait"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto workflow = parse_output(created);
  EXPECT_EQ(text(workflow, "status"), "Completed");
  EXPECT_EQ(workflow.at("params").at("dependencies"), json::array());
  EXPECT_THAT(servers(), Contains("client-06"));
}

TEST_F(ClientTest, V2FailedWorkflowIsStillHttpSuccess) {
  ASSERT_EQ(run({"server", "create", "client-07", "1xCPU-2GB"}).exit_code, 0);
  auto created =
      run({"client", "create-server", "client-07", "1xCPU-2GB", "--api-version", "v2", "--wait"});
  // The request to run the workflow succeeded; the workflow record shows how it ended.
  EXPECT_EQ(created.exit_code, 0) << created.err;
  auto workflow = parse_output(created);
  EXPECT_EQ(text(workflow, "status"), "Failed");
  EXPECT_THAT(text(workflow, "error"), HasSubstr("already exists"));
}

TEST_F(ClientTest, UnknownApiVersionIsUsageError) {
  auto invalid = run({"client", "create-server", "client-08", "1xCPU-2GB", "--api-version", "v4"});
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_THAT(invalid.err, HasSubstr("v4"));
}

}  // namespace
}  // namespace provisioning::testing
