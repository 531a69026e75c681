// Commands that need the orchestrator when none is reachable: --orchestrated falls back to
// running directly, and the others fail with the address and how to start it.

#include "orchestrator_cli_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class UnreachableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(workspace_.init_error().empty()) << workspace_.init_error();
    ASSERT_NE(closed_.port(), 0) << "cannot bind a loopback port";
  }

  // Runs a command with the orchestrator address set to the closed port.
  ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--set", "orchestrator.port=" + std::to_string(closed_.port())});
    return workspace_.run(args);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(closed_.port()); }

  void expect_unreachable(const ProcessResult& result) const {
    EXPECT_EQ(result.exit_code, 6) << result.err;
    EXPECT_THAT(result.err, HasSubstr("orchestrator at " + url() + " "));
    EXPECT_THAT(result.err, HasSubstr("is not reachable"));
    EXPECT_THAT(result.err, HasSubstr("'provisioning orchestrator start'"));
  }

  CliWorkspace workspace_;
  ClosedPort closed_;
};

TEST_F(UnreachableTest, OrchestratedServerCreateFallsBack) {
  auto created = run({"server", "create", "direct-01", "2xCPU-4GB", "--orchestrated"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.err, HasSubstr("note: orchestrator at " + url() +
                                     " is not answering; running directly\n"));
  EXPECT_THAT(created.out, StartsWith("created server direct-01 (2xCPU-4GB"));
  EXPECT_EQ(server_names(workspace_), std::vector<std::string>{"direct-01"});
}

TEST_F(UnreachableTest, OrchestratedTaskservInstallFallsBack) {
  ASSERT_EQ(run({"server", "create", "direct-02", "2xCPU-4GB"}).exit_code, 0);
  auto installed =
      run({"taskserv", "install", "containerd", "--server", "direct-02", "--orchestrated"});
  ASSERT_EQ(installed.exit_code, 0) << installed.err;
  EXPECT_THAT(installed.err, HasSubstr("is not answering; running directly"));
  EXPECT_THAT(installed.out, StartsWith("installed taskserv containerd "));
}

TEST_F(UnreachableTest, WorkflowListNamesAddress) {
  expect_unreachable(run({"workflow", "list"}));
}

TEST_F(UnreachableTest, WorkflowMonitorNamesAddress) {
  expect_unreachable(run({"workflow", "monitor", "wf-1"}));
}

TEST_F(UnreachableTest, BatchSubmitNamesAddress) {
  std::filesystem::path file = workspace_.home() / "batch.toml";
  write_text(file, "[[operations]]\nid = \"a\"\ntype = \"server_create\"\n");
  expect_unreachable(run({"batch", "submit", file.string()}));
}

TEST_F(UnreachableTest, ClientCreateServerNamesAddress) {
  expect_unreachable(
      run({"client", "create-server", "direct-03", "1xCPU-2GB", "--api-version", "v1"}));
}

TEST_F(UnreachableTest, StaleStateFileIsIgnored) {
  // A state file whose process is gone names no orchestrator, so the configured address
  // is used. Pid 0 never names a live process here.
  write_text(workspace_.path() / ".provisioning" / "orchestrator.json",
             R"({"pid": 0, "host": "127.0.0.1", "port": 1})");
  expect_unreachable(run({"workflow", "list"}));
}

}  // namespace
}  // namespace provisioning::testing
