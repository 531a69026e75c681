// The checks against plugins that break known contracts: each must fail exactly the
// checks of the contracts it breaks, with a message naming the call and the rule.

#include "conformance_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using Names = std::set<std::string>;

TEST(BrokenProvider, FailsDeleteAndUnknownPlanChecks) {
  auto results = check_file(conformance_fixture("conformance_broken_provider", "broken"));
  EXPECT_EQ(results.size(), conformance::list_checks(sdk::PluginKind::kProvider).size());
  EXPECT_EQ(failed_checks(results),
            (Names{"delete_server_is_idempotent", "unknown_plan_rejected"}));
}

TEST(BrokenProvider, ExplainsNonIdempotentDelete) {
  auto results = check_file(conformance_fixture("conformance_broken_provider", "broken"));
  std::string message = message_of(results, "delete_server_is_idempotent");
  EXPECT_THAT(message, HasSubstr("a second delete_server('broken-conformance-delete') threw "
                                 "provisioning::sdk::Error (not_found)"));
  EXPECT_THAT(message, HasSubstr("deleting a server that is already gone must succeed"));
}

TEST(BrokenProvider, ExplainsExceptionThatIsNotSdkError) {
  auto results = check_file(conformance_fixture("conformance_broken_provider", "broken"));
  std::string message = message_of(results, "unknown_plan_rejected");
  EXPECT_THAT(message, HasSubstr("create_server(name 'conformance-plan', plan "
                                 "'conformance-no-such-plan', zone 'auto') threw "
                                 "std::runtime_error: no plan called conformance-no-such-plan"));
  EXPECT_THAT(message, HasSubstr("expected sdk::Error (invalid_argument)"));
  EXPECT_THAT(message, HasSubstr("must report every failure as provisioning::sdk::Error"));
}

// The broken provider's manifest lists no capability. Claiming unique names for it in the
// options makes the check run, and it fails.
TEST(BrokenProvider, FailsClaimedUniqueNames) {
  conformance::PluginLibrary library(conformance_fixture("conformance_broken_provider", "broken"));
  conformance::ScratchDirectory directory("provisioning-conformance-test");
  auto plugin = library.create(
      conformance::scratch_context(directory.path(), library.kind(), library.name()));
  conformance::CheckOptions options;
  options.provider.capabilities = {sdk::kUniqueNamesCapability};

  auto result =
      conformance::run_check(sdk::PluginKind::kProvider, "unique_names_enforced", *plugin, options);
  EXPECT_FALSE(result.passed);
  EXPECT_THAT(result.message, HasSubstr("create_server(name 'conformance-unique'"));
  EXPECT_THAT(result.message, HasSubstr("without the entry \"workflow_id\""));
  EXPECT_THAT(result.message, HasSubstr("the unique-names capability promises it"));
}

// The local provider's manifest lists unique-names, so the check runs and must pass.
TEST(LocalProvider, KeepsItsUniqueNamesPromise) {
  auto file = std::filesystem::path(PROVISIONING_TEST_PLUGIN_DIR) / "provider" / "local.so";
  conformance::PluginLibrary library(file);
  const auto& capabilities = library.capabilities();
  EXPECT_NE(std::find(capabilities.begin(), capabilities.end(), sdk::kUniqueNamesCapability),
            capabilities.end());

  auto results = check_file(file);
  EXPECT_EQ(message_of(results, "unique_names_enforced"), "");
  EXPECT_TRUE(failed_checks(results).empty());
}

TEST(BrokenProvider, UnclaimedUniqueNamesPass) {
  auto results = check_file(conformance_fixture("conformance_broken_provider", "broken"));
  EXPECT_EQ(failed_checks(results).count("unique_names_enforced"), 0u);
}

TEST(BrokenTaskserv, FailsIdempotenceAndDependencyChecks) {
  auto results = check_file(conformance_fixture("conformance_broken_taskserv", "broken"));
  EXPECT_EQ(results.size(), conformance::list_checks(sdk::PluginKind::kTaskserv).size());
  EXPECT_EQ(failed_checks(results),
            (Names{"install_is_idempotent", "remove_is_idempotent", "dependencies_are_valid"}));
}

TEST(BrokenTaskserv, ExplainsEachFailure) {
  auto results = check_file(conformance_fixture("conformance_broken_taskserv", "broken"));
  EXPECT_THAT(message_of(results, "install_is_idempotent"),
              HasSubstr("a second install() did not leave the server as the first one did: "
                        "/etc/broken/broken.conf changed content"));
  EXPECT_THAT(message_of(results, "remove_is_idempotent"),
              HasSubstr("remove() on a fresh server failed: it threw provisioning::sdk::Error "
                        "(not_found): broken is not installed"));
  std::string dependencies = message_of(results, "dependencies_are_valid");
  EXPECT_THAT(dependencies, HasSubstr("it lists 'containerd' twice"));
  EXPECT_THAT(dependencies, HasSubstr("it lists the taskserv itself, 'broken'"));
}

TEST(BrokenStorage, FailsOrderStopAndRollbackChecks) {
  auto results = check_file(conformance_fixture("conformance_broken_storage", "broken"));
  EXPECT_EQ(results.size(), conformance::list_checks(sdk::PluginKind::kStorage).size());
  EXPECT_EQ(failed_checks(results),
            (Names{"for_each_ascending_order", "for_each_stops_early", "transaction_rolls_back"}));
}

TEST(BrokenStorage, ExplainsEachFailure) {
  auto results = check_file(conformance_fixture("conformance_broken_storage", "broken"));
  EXPECT_THAT(message_of(results, "for_each_ascending_order"),
              HasSubstr("for_each() visited node-2, Node-1, node-10, alpha, node.1, a:b, zeta_9; "
                        "expected ascending byte order: Node-1, a:b, alpha, node-10, node-2, "
                        "node.1, zeta_9"));
  EXPECT_THAT(message_of(results, "for_each_stops_early"),
              HasSubstr("called the visitor 7 times after it returned false on the second call"));
  EXPECT_THAT(message_of(results, "transaction_rolls_back"),
              HasSubstr("get('conformance_rollback'/'added') after a rolled-back put() returned "
                        "{\"name\":\"added\"}, expected nothing"));
}

TEST(BrokenApi, FailsStatusRoutesAndHandleChecks) {
  auto results = check_file(conformance_fixture("conformance_broken_api", "brokenapi"));
  EXPECT_EQ(failed_checks(results),
            (Names{"status_is_known", "routes_are_valid", "unknown_route_returns_4xx"}));
  EXPECT_THAT(message_of(results, "status_is_known"),
              HasSubstr("status() returned 'experimental'; expected stable, beta or legacy"));
  EXPECT_THAT(message_of(results, "routes_are_valid"), HasSubstr("route 'ping' has method 'get'"));
  EXPECT_THAT(message_of(results, "unknown_route_returns_4xx"),
              HasSubstr("handle(GET /conformance/no-such-route) threw provisioning::sdk::Error "
                        "(not_found): no route /conformance/no-such-route; handle() must return "
                        "an error response instead of throwing"));
}

// The loader tests' API fixture returns status 200 for every request, so it loads and
// passes every check except the one for unknown routes.
TEST(LoaderApiFixture, FailsOnlyUnknownRouteCheck) {
  auto results = check_file(loader_fixture("fixture_api", "v0"));
  EXPECT_EQ(failed_checks(results), (Names{"unknown_route_returns_4xx"}));
  EXPECT_THAT(message_of(results, "unknown_route_returns_4xx"),
              HasSubstr("returned status 200, expected 4xx"));
}

}  // namespace
}  // namespace provisioning::testing
