// Tests of `provisioning plugin test`, run through the real binary.

#include <provisioning/sdk/json.h>

#include "conformance_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
namespace json = sdk::json;

class PluginTestCommand : public ::testing::Test {
 protected:
  ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"plugin", "test"});
    return run_cli(home_, args);
  }

  TempDir home_{"provisioning-plugin-test"};
};

TEST_F(PluginTestCommand, PassesEveryFirstPartyPlugin) {
  auto plugins = first_party_plugins();
  ASSERT_GE(plugins.size(), 6u);
  for (const auto& file : plugins) {
    SCOPED_TRACE(file.string());
    auto result = run({file.string()});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_THAT(result.out, HasSubstr(" passed, 0 failed\n"));
    EXPECT_THAT(result.out, ::testing::Not(HasSubstr("FAIL  ")));
    auto kind = conformance::PluginLibrary(file).kind();
    for (const auto& check : conformance::list_checks(kind)) {
      EXPECT_THAT(result.out, HasSubstr("PASS  " + check.name + "\n"));
    }
  }
}

TEST_F(PluginTestCommand, PrintsJsonReport) {
  auto file = std::filesystem::path(PROVISIONING_TEST_PLUGIN_DIR) / "storage" / "sqlite.so";
  auto result = run_cli(home_, {"--output", "json", "plugin", "test", file.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json::object report = json::parse(result.out).as_object();
  EXPECT_EQ(report.at("kind").as_string(), "storage");
  EXPECT_EQ(report.at("name").as_string(), "sqlite");
  EXPECT_EQ(report.at("path").as_string(), file.string());
  EXPECT_EQ(report.at("failed").to_number<int>(), 0);
  const json::array& checks = report.at("checks").as_array();
  ASSERT_EQ(checks.size(), conformance::list_checks(sdk::PluginKind::kStorage).size());
  EXPECT_EQ(report.at("passed").to_number<std::size_t>(), checks.size());
  EXPECT_EQ(checks.front().as_object().at("name").as_string(), "crud_round_trip");
  EXPECT_EQ(checks.front().as_object().at("passed").as_bool(), true);
}

TEST_F(PluginTestCommand, ReportsBrokenProvider) {
  auto result = run({conformance_fixture("conformance_broken_provider", "broken").string()});
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_THAT(result.out, HasSubstr("testing provider 'broken' 1.0.0 from "));
  EXPECT_THAT(result.out, HasSubstr("PASS  plans_are_valid\n"));
  EXPECT_THAT(result.out, HasSubstr("FAIL  delete_server_is_idempotent: a second delete_server("));
  EXPECT_THAT(result.out, HasSubstr("FAIL  unknown_plan_rejected: create_server(name "));
  EXPECT_THAT(result.out, HasSubstr("threw std::runtime_error: no plan called"));
  EXPECT_THAT(result.out, HasSubstr("\n11 passed, 2 failed\n"));
}

TEST_F(PluginTestCommand, ReportsBrokenTaskservInJson) {
  auto result =
      run_cli(home_, {"--output", "json", "plugin", "test",
                      conformance_fixture("conformance_broken_taskserv", "broken").string()});
  EXPECT_EQ(result.exit_code, 7);
  json::object report = json::parse(result.out).as_object();
  EXPECT_EQ(report.at("failed").to_number<int>(), 3);
  EXPECT_EQ(report.at("passed").to_number<int>(), 3);
}

TEST_F(PluginTestCommand, LoadsLoaderApiFixture) {
  auto result = run({loader_fixture("fixture_api", "v0").string()});
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_THAT(result.out, HasSubstr("testing api 'v0' 1.0.0"));
  EXPECT_THAT(result.out, HasSubstr("FAIL  unknown_route_returns_4xx: "));
  EXPECT_THAT(result.out, HasSubstr("\n3 passed, 1 failed\n"));
}

TEST_F(PluginTestCommand, ReportsFileThatIsNotElf) {
  auto file = home_ / "text.so";
  write_text(file, "this is not a shared object\n");
  auto result = run({file.string()});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("error: '" + file.string() + "' is not a shared object"));
}

TEST_F(PluginTestCommand, ReportsWrongAbi) {
  auto file = loader_fixture("fixture_wrong_abi", "wrongabi");
  auto result = run({file.string()});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("was built for SDK ABI version 999"));
  EXPECT_THAT(result.err, HasSubstr(file.string()));
}

TEST_F(PluginTestCommand, ReportsMissingFile) {
  auto result = run({(home_ / "absent.so").string()});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("plugin file not found"));
  EXPECT_THAT(result.err, HasSubstr("absent.so"));
}

TEST_F(PluginTestCommand, RejectsKindOtherThanManifest) {
  auto file = std::filesystem::path(PROVISIONING_TEST_PLUGIN_DIR) / "provider" / "local.so";
  auto result = run({file.string(), "--kind", "taskserv"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("is a provider plugin, expected a taskserv plugin"));
}

TEST_F(PluginTestCommand, RejectsUnknownKind) {
  auto file = std::filesystem::path(PROVISIONING_TEST_PLUGIN_DIR) / "provider" / "local.so";
  auto result = run({file.string(), "--kind", "database"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--kind"));
}

}  // namespace
}  // namespace provisioning::testing
