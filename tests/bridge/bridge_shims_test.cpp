// The legacy entry points that `bridge install-shims` writes, run as existing scripts
// call them.

#include <sys/stat.h>

#include "bridge_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

class BridgeShimsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(workspace_.init_error(), "");
    auto installed = workspace_.run({"bridge", "install-shims", install_.string()});
    ASSERT_EQ(installed.exit_code, 0) << installed.err;
  }

  BridgeWorkspace workspace_;
  std::filesystem::path install_ = workspace_.home() / "legacy-install";
};

TEST_F(BridgeShimsTest, InstallsExecutableEntryPoints) {
  for (const char* file : {"core/nulib/provisioning", "src/core/nulib/provisioning",
                           "core/nulib/orchestrator", "src/core/nulib/orchestrator"}) {
    struct stat info {};
    ASSERT_EQ(::stat((install_ / file).c_str(), &info), 0) << file;
    EXPECT_EQ(info.st_mode & 0111, 0111u) << file << " is not executable";
    EXPECT_THAT(read_text(install_ / file), HasSubstr(PROVISIONING_BINARY));
  }
}

TEST_F(BridgeShimsTest, LegacyCommandsRunUnchanged) {
  auto set = workspace_.run(
      {"bridge", "mode", "set", "compatibility", "--legacy-path", workspace_.legacy().string()});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  DetachedOrchestrator orchestrator(workspace_, {});
  ASSERT_TRUE(orchestrator.running()) << orchestrator.start_error();

  auto created = workspace_.run_program(
      {(install_ / "core/nulib/provisioning").string(), "server", "create", "web-01", "2xCPU-4GB"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("created server web-01 (2xCPU-4GB, zone "));

  auto listed = workspace_.run_program(
      {(install_ / "src/core/nulib/provisioning").string(), "server", "list", "--out=json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json::value servers = json::parse(listed.out);
  ASSERT_EQ(servers.as_array().size(), 1u);
  EXPECT_EQ(text(servers.as_array()[0], "name"), "web-01");
  EXPECT_EQ(text(servers.as_array()[0], "status"), "running");
  EXPECT_TRUE(servers.as_array()[0].as_object().contains("ip"));
}

TEST_F(BridgeShimsTest, OrchestratorEntryStartsWithBridge) {
  auto started = workspace_.run_program({(install_ / "core/nulib/orchestrator").string(), "start",
                                         "--bridge-mode", "--legacy-path",
                                         workspace_.legacy().string(), "--port", "0", "--detach"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  auto state = json::parse(read_text(workspace_.path() / ".provisioning" / "orchestrator.json"));
  auto pid = state.at("pid").as_int64();
  std::string command_line = read_text("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(command_line.begin(), command_line.end(), '\0', ' ');
  auto stopped = workspace_.run({"orchestrator", "stop"});
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_THAT(command_line, HasSubstr("bridge.mode=compatibility"));
  EXPECT_THAT(command_line, HasSubstr("bridge.legacy_path=" + workspace_.legacy().string()));
}

TEST_F(BridgeShimsTest, OrchestratorEntryRejectsMissingLegacyPath) {
  auto started = workspace_.run_program({(install_ / "core/nulib/orchestrator").string(), "start",
                                         "--bridge-mode", "--legacy-path", "/nonexistent/legacy",
                                         "--port", "0", "--detach"});
  EXPECT_NE(started.exit_code, 0);
  EXPECT_THAT(started.err, HasSubstr("/nonexistent/legacy"));
}

}  // namespace
}  // namespace provisioning::testing
