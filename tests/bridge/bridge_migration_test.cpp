// Migration mode through the real binary: the share of server names on the new path and
// the stickiness of each name's path across CLI runs.

#include "bridge_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

class BridgeMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(workspace_.init_error(), ""); }

  void set_percentage(int percentage) {
    auto result =
        workspace_.run({"bridge", "mode", "set", "migration", "--new-system-percentage",
                        std::to_string(percentage), "--legacy-path", workspace_.legacy().string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // Returns each name's path from `bridge route`.
  std::map<std::string, std::string> route(const std::vector<std::string>& names) {
    std::vector<std::string> args = {"bridge", "route"};
    args.insert(args.end(), names.begin(), names.end());
    json::value decisions = workspace_.run_json(args);
    std::map<std::string, std::string> paths;
    for (const auto& decision : decisions.as_array()) {
      paths[text(decision, "name")] = text(decision, "path");
    }
    return paths;
  }

  BridgeWorkspace workspace_;
};

std::vector<std::string> names_with_prefix(const std::string& prefix, int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(prefix + "-web-" + std::to_string(i));
  return names;
}

TEST_F(BridgeMigrationTest, ShareWithinTwoPointsAndSticky) {
  for (int percentage : {10, 50, 90}) {
    set_percentage(percentage);
    auto names = names_with_prefix("p" + std::to_string(percentage), 1000);
    std::map<std::string, std::string> first = route(names);
    ASSERT_EQ(first.size(), 1000u);
    long on_new = std::count_if(first.begin(), first.end(),
                                [](const auto& entry) { return entry.second == "new"; });
    EXPECT_NEAR(on_new / 10.0, percentage, 2.0) << percentage << " %";
    // A later run, of a new process reading the ledger, takes the same path for each name.
    EXPECT_EQ(route(names), first) << percentage << " %";
  }
}

TEST_F(BridgeMigrationTest, OperationsFollowTheirRoute) {
  set_percentage(50);
  DetachedOrchestrator orchestrator(workspace_, {});
  ASSERT_TRUE(orchestrator.running()) << orchestrator.start_error();
  auto names = names_with_prefix("m", 4);
  std::map<std::string, std::string> paths = route(names);
  std::vector<std::string> expected_legacy;
  for (const auto& [name, path] : paths) {
    if (path == "legacy") expected_legacy.push_back(name);
  }
  EXPECT_EQ(expected_legacy.size(), 2u);

  for (const auto& name : names) {
    auto result = workspace_.run({"bridge", "run", "--", "server", "create", name, "1xCPU-2GB"});
    ASSERT_EQ(result.exit_code, 0) << name << ": " << result.err;
    EXPECT_THAT(result.out, HasSubstr("created server " + name));
  }
  EXPECT_EQ(workspace_.legacy_server_names(), expected_legacy);
  json::object status = workspace_.run_json({"bridge", "status"}).as_object();
  json::object migration =
      status.at("operations").as_object().at("by_mode").as_object().at("migration").as_object();
  EXPECT_EQ(migration.at("new"), 2);
  EXPECT_EQ(migration.at("legacy"), 2);
  EXPECT_EQ(migration.at("fallbacks"), 0);
}

}  // namespace
}  // namespace provisioning::testing
