#include "cli_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

TEST_P(CliTest, VersionNeedsNoWorkspace) {
  auto result = run_raw({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("provisioning 0.1.0"));
  EXPECT_THAT(result.out, HasSubstr("ABI 1"));
}

TEST_P(CliTest, WorkspaceInitCreatesLayout) {
  for (const char* entry :
       {"config.toml", "extensions/provider", "extensions/taskserv", "extensions/storage",
        "extensions/api", "clusters", "data", ".provisioning"}) {
    EXPECT_TRUE(std::filesystem::exists(workspace_ / entry)) << entry;
  }
}

TEST_P(CliTest, ServerCreateListShowDelete) {
  auto created = run_json({"server", "create", "web-01", "2xCPU-4GB"});
  EXPECT_EQ(text(created, "name"), "web-01");
  EXPECT_EQ(text(created, "status"), "running");
  EXPECT_EQ(text(created, "provider"), "local");
  EXPECT_EQ(text(created, "plan"), "2xCPU-4GB");
  EXPECT_EQ(text(created, "zone"), "local-1");
  EXPECT_THAT(text(created, "ip_address"), ::testing::StartsWith("127."));
  for (const char* key : {"id", "created_at", "updated_at", "metadata", "tags"}) {
    EXPECT_TRUE(created.as_object().contains(key)) << key;
  }
  // The provider keeps server.json beside the root, which it makes on first use.
  EXPECT_TRUE(
      std::filesystem::is_regular_file(server_root("web-01").parent_path() / "server.json"));

  auto listed = run_json({"server", "list"});
  ASSERT_EQ(listed.as_array().size(), 1u);
  EXPECT_EQ(text(listed.as_array()[0], "id"), text(created, "id"));

  auto shown = run_json({"server", "show", "web-01"});
  EXPECT_EQ(text(shown, "ip_address"), text(created, "ip_address"));

  auto table = run({"server", "list"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_THAT(table.out, HasSubstr("NAME"));
  EXPECT_THAT(table.out, HasSubstr("web-01"));

  auto deleted = run({"server", "delete", "web-01", "--yes"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_FALSE(std::filesystem::exists(server_root("web-01").parent_path()));
  EXPECT_TRUE(run_json({"server", "list"}).as_array().empty());
}

TEST_P(CliTest, PlanTypedWithSpaceIsAccepted) {
  auto quoted = run_json({"server", "create", "web-01", "2xCPU-4 GB"});
  EXPECT_EQ(text(quoted, "plan"), "2xCPU-4GB");
  auto split = run_json({"server", "create", "web-02", "2xCPU-4", "GB"});
  EXPECT_EQ(text(split, "plan"), "2xCPU-4GB");
}

TEST_P(CliTest, UnknownPlanListsNearest) {
  auto result = run({"server", "create", "web-01", "2xCPU-5GB"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("unknown plan '2xCPU-5GB'"));
  EXPECT_THAT(result.err, HasSubstr("2xCPU-4GB"));
  EXPECT_THAT(result.err, HasSubstr("provisioning server plans"));
  EXPECT_TRUE(run_json({"server", "list"}).as_array().empty());
}

TEST_P(CliTest, InvalidNamesAreRejected) {
  for (const char* name : {"../x", "Web01", "-web", "web_01", "a..b", "x/y"}) {
    auto result = run({"server", "create", "--", name, "1xCPU-1GB"});
    EXPECT_EQ(result.exit_code, 3) << name;
    EXPECT_THAT(result.err, HasSubstr("invalid server name '" + std::string(name) + "'")) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning" / "x"));
  EXPECT_TRUE(run_json({"server", "list"}).as_array().empty());
}

TEST_P(CliTest, UnknownZoneIsRejected) {
  auto result = run({"server", "create", "web-01", "1xCPU-1GB", "--zone", "mars-1"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("unknown zone 'mars-1'"));
  EXPECT_THAT(result.err, HasSubstr("local-1"));
}

TEST_P(CliTest, DuplicateNameIsRejected) {
  run_json({"server", "create", "web-01", "1xCPU-1GB"});
  auto result = run({"server", "create", "web-01", "1xCPU-2GB"});
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_THAT(result.err, HasSubstr("server 'web-01' already exists"));
  EXPECT_THAT(result.err, ::testing::Not(HasSubstr("failed in transaction")))
      << "a host error must not be attributed to the storage plugin";
  auto listed = run_json({"server", "list"});
  ASSERT_EQ(listed.as_array().size(), 1u);
  EXPECT_EQ(text(listed.as_array()[0], "plan"), "1xCPU-1GB");
}

TEST_P(CliTest, CheckChangesNothing) {
  auto planned = run_json({"server", "create", "web-01", "1xCPU-1GB", "--check"});
  EXPECT_EQ(text(planned, "status"), "planned");
  EXPECT_TRUE(run_json({"server", "list"}).as_array().empty());
  EXPECT_FALSE(std::filesystem::exists(server_root("web-01").parent_path()));
}

TEST_P(CliTest, DeleteWithoutYesIsRefused) {
  run_json({"server", "create", "web-01", "1xCPU-1GB"});
  auto result = run({"server", "delete", "web-01"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("--yes"));
  EXPECT_EQ(run_json({"server", "list"}).as_array().size(), 1u);
}

TEST_P(CliTest, ShowUnknownServerSuggests) {
  run_json({"server", "create", "web-01", "1xCPU-1GB"});
  auto result = run({"server", "show", "web-10"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("server 'web-10' not found"));
  EXPECT_THAT(result.err, HasSubstr("did you mean 'web-01'?"));
}

TEST_P(CliTest, WaitReturnsRunningServer) {
  auto created = run_json({"server", "create", "db-01", "1xCPU-2GB", "--wait"});
  EXPECT_EQ(text(created, "status"), "running");
}

TEST_P(CliTest, PlansAndZonesAreListed) {
  auto plans = run_json({"server", "plans"});
  std::vector<std::string> names;
  for (const auto& plan : plans.as_array()) names.push_back(text(plan, "name"));
  EXPECT_THAT(names, ::testing::IsSupersetOf({"1xCPU-1GB", "1xCPU-2GB", "2xCPU-4GB", "4xCPU-8GB"}));
  auto zones = run_json({"server", "zones"});
  EXPECT_FALSE(zones.as_array().empty());
}

TEST_P(CliTest, UnknownProviderIsNamed) {
  auto result = run({"server", "create", "web-01", "1xCPU-1GB", "--provider", "locl"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("provider 'locl' not found"));
  EXPECT_THAT(result.err, HasSubstr("did you mean 'local'?"));
}

TEST_P(CliTest, UsageErrorExitsTwo) {
  auto result = run({"server", "create"});
  EXPECT_EQ(result.exit_code, 2);
  auto unknown = run_raw({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
}

TEST_P(CliTest, TagBeforePlanKeepsPositionals) {
  auto created =
      run_json({"server", "create", "web-01", "--tag", "team:a", "2xCPU-4GB", "--check"});
  EXPECT_EQ(text(created, "plan"), "2xCPU-4GB");
  ASSERT_EQ(created.at("tags").as_array().size(), 1u);
  EXPECT_EQ(created.at("tags").as_array()[0].as_string(), "team:a");
}

TEST_P(CliTest, NumericSettingFromCommandLine) {
  auto listed = run({"--set", "storage.sqlite.busy_timeout_ms=5000", "--set",
                     "storage.filesystem.lock_timeout_ms=5000", "server", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.err, ::testing::Not(HasSubstr("unknown configuration key")));
}

TEST_P(CliTest, InvalidLogLevelIsNamed) {
  auto result = run({"server", "list"}, {{"PROVISIONING_LOG_LEVEL", "verbose"}});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("invalid logging.level 'verbose'"));
  EXPECT_THAT(result.err, HasSubstr("PROVISIONING_LOG_LEVEL"));
}

INSTANTIATE_TEST_SUITE_P(Backends, CliTest, ::testing::Values("sqlite", "filesystem"));

}  // namespace
}  // namespace provisioning::testing
