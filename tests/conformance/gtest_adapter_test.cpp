// Tests of the GoogleTest adapter's reports, through a separate test binary
// (conformance_probe) that registers the conformance tests of one plugin file.

#include "conformance_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

ProcessResult run_probe(std::vector<std::string> args) {
  args.insert(args.begin(), CONFORMANCE_PROBE);
  return run_process(args);
}

TEST(GtestAdapter, ListsOneTestPerCheck) {
  auto file = std::filesystem::path(PROVISIONING_TEST_PLUGIN_DIR) / "provider" / "local.so";
  auto result = run_probe({"--gtest_list_tests", file.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Conformance/provider_local.\n"));
  for (const auto& check : conformance::list_checks(sdk::PluginKind::kProvider)) {
    EXPECT_THAT(result.out, HasSubstr("  " + check.name + "\n"));
  }
}

TEST(GtestAdapter, ReportsFailingChecksWithMessages) {
  auto file = conformance_fixture("conformance_broken_provider", "broken");
  auto result = run_probe({file.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("[       OK ] Conformance/provider_broken.plans_are_valid"));
  EXPECT_THAT(result.out,
              HasSubstr("[  FAILED  ] Conformance/provider_broken.delete_server_is_idempotent"));
  EXPECT_THAT(result.out,
              HasSubstr("[  FAILED  ] Conformance/provider_broken.unknown_plan_rejected"));
  EXPECT_THAT(result.out, HasSubstr("delete_server_is_idempotent failed: a second delete_server("));
  EXPECT_THAT(result.out, HasSubstr("2 FAILED TESTS"));
}

TEST(GtestAdapter, RunsEachCheckAlone) {
  auto file = conformance_fixture("conformance_broken_provider", "broken");
  auto result = run_probe(
      {"--gtest_filter=Conformance/provider_broken.delete_server_is_idempotent", file.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("[==========] 1 test from 1 test suite ran."));
}

TEST(GtestAdapter, ReportsUnloadableFile) {
  TempDir dir;
  auto file = dir / "text.so";
  write_text(file, "this is not a shared object\n");
  auto result = run_probe({file.string()});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("error: cannot load plugin '" + file.string() + "'"));
}

}  // namespace
}  // namespace provisioning::testing
