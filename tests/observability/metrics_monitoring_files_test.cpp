// The shipped alert rules and Grafana dashboard: promtool accepts the rules and their
// unit tests pass, and every metric the dashboard queries exists in a live exposition.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <set>

#include "metrics_test_support.h"
#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

const std::string kRules =
    std::string(PROVISIONING_SOURCE_DIR) + "/docs/monitoring/alert-rules.yml";
const std::string kDashboard =
    std::string(PROVISIONING_SOURCE_DIR) + "/docs/monitoring/grafana-dashboard.json";

// Metric family names in `expression`, with histogram suffixes removed.
std::set<std::string> metric_families(const std::string& expression) {
  static const std::regex name(R"(\b((provisioning|process)_[a-z_]+)\b)");
  std::set<std::string> names;
  for (std::sregex_iterator it(expression.begin(), expression.end(), name), end; it != end; ++it) {
    std::string family = (*it)[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (family.ends_with(suffix)) family.resize(family.size() - std::strlen(suffix));
    }
    names.insert(family);
  }
  return names;
}

TEST(MetricsMonitoringFiles, PromtoolAcceptsAlertRules) {
  if (!require_tool(PROMTOOL_EXECUTABLE, "promtool")) return;
  ToolResult result = run_tool({PROMTOOL_EXECUTABLE, "check", "rules", kRules});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("SUCCESS: 12 rules found"));
}

TEST(MetricsMonitoringFiles, AlertRulesFireOnTestSeries) {
  if (!require_tool(PROMTOOL_EXECUTABLE, "promtool")) return;
  TempDir directory("provisioning-rules");
  // The unit tests name no rule file, so the test adds the shipped one by absolute path.
  std::string tests = read_text(std::string(PROVISIONING_SOURCE_DIR) +
                                "/tests/observability/metrics_alert_rules_test.yml");
  write_text(directory / "rules_test.yml", "rule_files:\n  - " + kRules + "\n" + tests);
  ToolResult result =
      run_tool({PROMTOOL_EXECUTABLE, "test", "rules", (directory / "rules_test.yml").string()});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("SUCCESS"));
}

TEST(MetricsMonitoringFiles, DashboardIsAnImportableDashboard) {
  json::value dashboard = json::parse(read_text(kDashboard));
  EXPECT_EQ(text(dashboard, "title"), "provisioning");
  EXPECT_FALSE(text(dashboard, "uid").empty());
  EXPECT_TRUE(dashboard.at("schemaVersion").is_int64());
  std::set<std::int64_t> ids;
  for (const auto& panel : dashboard.at("panels").as_array()) {
    EXPECT_TRUE(ids.insert(panel.at("id").as_int64()).second) << json::serialize(panel);
    EXPECT_TRUE(panel.as_object().contains("gridPos")) << json::serialize(panel);
  }
  EXPECT_GE(dashboard_expressions().size(), 20u);
}

class MetricsDashboardTest : public OrchestratorTest {};

TEST_F(MetricsDashboardTest, EveryQueriedMetricIsExposed) {
  start();
  call("POST", "/workflows/servers/create", "v2", R"({"name": "dash-1", "plan": "1xCPU-1GB"})");
  std::string text = scrape(port());
  std::set<std::string> queried;
  for (const auto& expression : dashboard_expressions()) {
    for (const auto& family : metric_families(expression)) queried.insert(family);
  }
  EXPECT_GE(queried.size(), 15u);
  for (const auto& family : queried) {
    EXPECT_THAT(text, HasSubstr("# TYPE " + family + " ")) << family << " is queried by the "
                                                           << "dashboard but not exposed";
  }
}

TEST_F(MetricsDashboardTest, EveryAlertedMetricIsExposed) {
  start();
  std::string text = scrape(port());
  std::set<std::string> alerted = metric_families(read_text(kRules));
  EXPECT_GE(alerted.size(), 10u);
  for (const auto& family : alerted) {
    EXPECT_THAT(text, HasSubstr("# TYPE " + family + " ")) << family << " is used by an alert "
                                                           << "rule but not exposed";
  }
}

}  // namespace
}  // namespace provisioning::testing
