// A real Prometheus server on 127.0.0.1 scrapes a real orchestrator, and the test reads
// the values back through Prometheus' HTTP API.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "metrics_test_support.h"
#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

class MetricsPrometheusTest : public OrchestratorTest {};

TEST_F(MetricsPrometheusTest, PrometheusScrapesAndQueriesBack) {
  if (!require_tool(PROMETHEUS_EXECUTABLE, "prometheus")) return;
  const std::string token = "prometheus-scrape-token";
  start({{"orchestrator.auth_token", token}});
  httplib::Headers auth{{"Authorization", "Bearer " + token}};
  // Counters belong to the process, which earlier tests of this binary may have used.
  double before =
      series_value(
          scrape(port(), token), "provisioning_http_requests_total",
          {{"api_version", "v2"}, {"route", "/servers"}, {"method", "GET"}, {"status", "200"}})
          .value_or(0);
  for (int i = 0; i < 7; ++i) ASSERT_EQ(call("GET", "/servers", "v2", "", auth).status, 200);
  ASSERT_EQ(call("POST", "/workflows/servers/create", "v2",
                 R"({"name": "scraped-1", "plan": "1xCPU-1GB"})", auth)
                .status,
            200);

  PrometheusServer prometheus(port(), token);
  ASSERT_TRUE(prometheus.wait_until_ready()) << prometheus.log();

  const std::string requests =
      "provisioning_http_requests_total{job=\"provisioning\",api_version=\"v2\","
      "route=\"/servers\",method=\"GET\",status=\"200\"}";
  std::optional<double> value;
  bool scraped = poll_until([&] {
    value = prometheus.query_single(requests);
    return value.has_value();
  });
  ASSERT_TRUE(scraped) << "Prometheus has no " << requests << "; its log:\n" << prometheus.log();
  EXPECT_EQ(*value, before + 7);
  EXPECT_EQ(prometheus.query_single("provisioning_workflows{state=\"Completed\"}"), 1);
  EXPECT_EQ(prometheus.query_single("up{job=\"provisioning\"}"), 1);
  EXPECT_EQ(prometheus.query_single("provisioning_build_info"), 1);

  // Prometheus parses every dashboard query once Grafana's variables are filled in.
  for (std::string expression : dashboard_expressions()) {
    for (auto [variable, value] :
         {std::pair{"$__rate_interval", "1m"}, {"$__range", "1h"}, {"$instance", ".*"}}) {
      for (auto at = expression.find(variable); at != std::string::npos;
           at = expression.find(variable)) {
        expression.replace(at, std::strlen(variable), value);
      }
    }
    json::value reply = prometheus.query(expression);
    EXPECT_EQ(text(reply, "status"), "success") << expression << "\n" << json::serialize(reply);
  }

  // Prometheus loaded the shipped alert rules, and none fires on a healthy orchestrator.
  json::value rules = prometheus.get("/api/v1/rules");
  ASSERT_TRUE(rules.is_object()) << prometheus.log();
  const json::array& groups = rules.at("data").at("groups").as_array();
  ASSERT_FALSE(groups.empty());
  std::size_t alert_rules = 0;
  for (const auto& group : groups) alert_rules += group.at("rules").as_array().size();
  EXPECT_GE(alert_rules, 5u);
  json::value alerts = prometheus.get("/api/v1/alerts");
  ASSERT_TRUE(alerts.is_object());
  for (const auto& alert : alerts.at("data").at("alerts").as_array()) {
    EXPECT_NE(text(alert, "state"), "firing") << json::serialize(alert);
  }
}

}  // namespace
}  // namespace provisioning::testing
