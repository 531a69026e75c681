// The registry and the text format, on a registry of the test's own.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include <limits>
#include <thread>

#include "observability/metrics.h"
#include "observability/metrics_hooks.h"
#include "observability/metrics_text.h"
#include "plugin_loader.h"

namespace provisioning::testing {
namespace {

namespace obs = host::observability;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsExposition, CounterWithLabels) {
  obs::Registry registry;
  auto& requests = registry.counter("test_requests_total", "Requests served.", {"route", "code"});
  requests.with({"/servers", "200"}).increment();
  requests.with({"/servers", "200"}).increment(2);
  requests.with({"/servers/{name}", "404"}).increment();

  EXPECT_EQ(registry.expose(),
            "# HELP test_requests_total Requests served.\n"
            "# TYPE test_requests_total counter\n"
            "test_requests_total{route=\"/servers\",code=\"200\"} 3\n"
            "test_requests_total{route=\"/servers/{name}\",code=\"404\"} 1\n");
}

TEST(MetricsExposition, GaugeWithoutLabels) {
  obs::Registry registry;
  auto& depth = registry.gauge("test_queue_depth", "Tasks queued.");
  depth.with({}).set(7);
  depth.with({}).add(-2.5);

  EXPECT_EQ(registry.expose(),
            "# HELP test_queue_depth Tasks queued.\n"
            "# TYPE test_queue_depth gauge\n"
            "test_queue_depth 4.5\n");
}

TEST(MetricsExposition, HistogramBucketsAreCumulative) {
  obs::Registry registry;
  auto& latency =
      registry.histogram("test_duration_seconds", "Durations.", {"kind"}, {0.1, 0.5, 1});
  auto& series = latency.with({"a"});
  for (double value : {0.05, 0.1, 0.3, 0.7, 2.0}) series.observe(value);

  EXPECT_EQ(registry.expose(),
            "# HELP test_duration_seconds Durations.\n"
            "# TYPE test_duration_seconds histogram\n"
            "test_duration_seconds_bucket{kind=\"a\",le=\"0.1\"} 2\n"
            "test_duration_seconds_bucket{kind=\"a\",le=\"0.5\"} 3\n"
            "test_duration_seconds_bucket{kind=\"a\",le=\"1\"} 4\n"
            "test_duration_seconds_bucket{kind=\"a\",le=\"+Inf\"} 5\n"
            "test_duration_seconds_sum{kind=\"a\"} 3.15\n"
            "test_duration_seconds_count{kind=\"a\"} 5\n");
}

TEST(MetricsExposition, LabelValuesAreEscaped) {
  obs::Registry registry;
  registry.gauge("test_info", "Info.", {"text"}).with({"a\\b \"quoted\"\nnext"}).set(1);

  std::string text = registry.expose();
  EXPECT_THAT(text, HasSubstr("test_info{text=\"a\\\\b \\\"quoted\\\"\\nnext\"} 1\n"));
  auto samples = obs::parse_exposition(text);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].labels.at("text"), "a\\b \"quoted\"\nnext");
}

TEST(MetricsExposition, HelpTextIsEscaped) {
  obs::Registry registry;
  registry.gauge("test_help", "Line one\nback\\slash");
  EXPECT_THAT(registry.expose(), HasSubstr("# HELP test_help Line one\\nback\\\\slash\n"));
}

TEST(MetricsExposition, SpecialValues) {
  EXPECT_EQ(obs::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(obs::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(obs::format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(obs::format_value(42), "42");
  EXPECT_EQ(obs::format_value(0.001), "0.001");
  EXPECT_EQ(obs::format_value(1e21), "1e+21");
}

TEST(MetricsExposition, FamiliesInRegistrationOrder) {
  obs::Registry registry;
  registry.gauge("test_b", "B.").with({}).set(1);
  registry.gauge("test_a", "A.").with({}).set(2);
  std::string text = registry.expose();
  EXPECT_LT(text.find("test_b 1"), text.find("test_a 2"));
}

TEST(MetricsRegistry, RejectsCounterWithoutTotalSuffix) {
  obs::Registry registry;
  try {
    registry.counter("test_requests", "Requests.");
    FAIL() << "expected sdk::Error";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
    EXPECT_THAT(error.what(), HasSubstr("'test_requests'"));
    EXPECT_THAT(error.what(), HasSubstr("end in '_total'"));
  }
}

TEST(MetricsRegistry, RejectsGaugeWithTotalSuffix) {
  obs::Registry registry;
  EXPECT_THROW(registry.gauge("test_things_total", "Things."), sdk::Error);
}

TEST(MetricsRegistry, RejectsInvalidNames) {
  obs::Registry registry;
  EXPECT_THROW(registry.gauge("1starts_with_digit", "x"), sdk::Error);
  EXPECT_THROW(registry.gauge("has-dash", "x"), sdk::Error);
  EXPECT_THROW(registry.gauge("test_ok", "x", {"le"}), sdk::Error);
  EXPECT_THROW(registry.gauge("test_ok2", "x", {"__reserved"}), sdk::Error);
  EXPECT_THROW(registry.histogram("test_h_seconds", "x", {}, {1, 0.5}), sdk::Error);
  EXPECT_THROW(registry.histogram("test_h2_seconds", "x", {}, {}), sdk::Error);
}

TEST(MetricsRegistry, SameNameReturnsSameFamily) {
  obs::Registry registry;
  auto& first = registry.counter("test_calls_total", "Calls.", {"kind"});
  auto& second = registry.counter("test_calls_total", "Calls.", {"kind"});
  EXPECT_EQ(&first, &second);
  EXPECT_THROW(registry.counter("test_calls_total", "Calls.", {"other"}), sdk::Error);
  EXPECT_THROW(registry.gauge("test_calls_total", "Calls."), sdk::Error);
}

TEST(MetricsRegistry, WrongLabelCountIsAnError) {
  obs::Registry registry;
  auto& family = registry.counter("test_wrong_total", "x", {"a", "b"});
  EXPECT_THROW(family.with({"only-one"}), sdk::Error);
}

TEST(MetricsRegistry, SeriesBeyondLimitShareOneSeries) {
  obs::Registry registry;
  auto& family = registry.counter("test_many_total", "x", {"id"});
  for (std::size_t i = 0; i < obs::CounterFamily::kMaxSeries + 10; ++i) {
    family.with({std::to_string(i)}).increment();
  }
  auto samples = obs::parse_exposition(registry.expose());
  EXPECT_EQ(samples.size(), obs::CounterFamily::kMaxSeries + 1);
  EXPECT_EQ(obs::sum_samples(samples, "test_many_total", {{"id", "other"}}), 10.0);
  EXPECT_EQ(obs::sum_samples(samples, "test_many_total"),
            static_cast<double>(obs::CounterFamily::kMaxSeries + 10));
}

TEST(MetricsRegistry, ConcurrentIncrementsAreAllCounted) {
  obs::Registry registry;
  auto& family = registry.counter("test_concurrent_total", "x", {"thread"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&family] {
      for (int i = 0; i < 10000; ++i) family.with({i % 2 == 0 ? "even" : "odd"}).increment();
    });
  }
  for (auto& thread : threads) thread.join();
  auto samples = obs::parse_exposition(registry.expose());
  EXPECT_EQ(obs::sum_samples(samples, "test_concurrent_total", {{"thread", "even"}}), 20000.0);
  EXPECT_EQ(obs::sum_samples(samples, "test_concurrent_total", {{"thread", "odd"}}), 20000.0);
}

TEST(MetricsRegistry, CollectorRunsAtExpositionUntilRemoved) {
  obs::Registry registry;
  auto& gauge = registry.gauge("test_collected", "x");
  int calls = 0;
  {
    obs::CollectorHandle handle = registry.add_collector([&] { gauge.with({}).set(++calls); });
    EXPECT_THAT(registry.expose(), HasSubstr("test_collected 1\n"));
    EXPECT_THAT(registry.expose(), HasSubstr("test_collected 2\n"));
  }
  EXPECT_THAT(registry.expose(), HasSubstr("test_collected 2\n"));
  EXPECT_EQ(calls, 2);
}

TEST(MetricsText, ParsesSamplesAndSkipsComments) {
  auto samples = obs::parse_exposition(
      "# HELP a_total x\n# TYPE a_total counter\na_total{x=\"1\",y=\"2\",} 3 1700000000000\n"
      "b +Inf\nc NaN\n\n");
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].name, "a_total");
  EXPECT_EQ(samples[0].labels.at("y"), "2");
  EXPECT_EQ(samples[0].value, 3);
  EXPECT_TRUE(std::isinf(samples[1].value));
  EXPECT_TRUE(std::isnan(samples[2].value));
}

TEST(MetricsText, MalformedLineNamesLineNumber) {
  try {
    obs::parse_exposition("ok 1\nbroken{x=\"1\" 2\n");
    FAIL() << "expected sdk::Error";
  } catch (const sdk::Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("line 2"));
    EXPECT_THAT(error.what(), HasSubstr("broken{x=\"1\" 2"));
  }
  EXPECT_THROW(obs::parse_exposition("name notanumber\n"), sdk::Error);
}

TEST(MetricsText, HistogramQuantileInterpolates) {
  // 10 observations: 4 up to 0.1, 4 more up to 0.5, 2 more up to 1.
  auto samples = obs::parse_exposition(
      "h_bucket{le=\"0.1\"} 4\nh_bucket{le=\"0.5\"} 8\nh_bucket{le=\"1\"} 10\n"
      "h_bucket{le=\"+Inf\"} 10\n");
  EXPECT_DOUBLE_EQ(*obs::histogram_quantile(samples, "h", 0.2), 0.05);
  EXPECT_DOUBLE_EQ(*obs::histogram_quantile(samples, "h", 0.5), 0.2);
  EXPECT_DOUBLE_EQ(*obs::histogram_quantile(samples, "h", 0.9), 0.75);
  EXPECT_FALSE(obs::histogram_quantile(samples, "missing", 0.5).has_value());
}

// A stand-in storage interface: PluginHandle only needs a type to call.
struct FakeStorage {
  int get() { return 1; }
  int fail() { throw sdk::Error::unavailable("database is locked"); }
};

TEST(MetricsHooks, StorageCallsAndErrorsAreCounted) {
  host::PluginHandle<FakeStorage> handle(std::make_shared<FakeStorage>(),
                                         {sdk::PluginKind::kStorage, "fake-metrics", "fake.so"});
  obs::register_metrics();
  auto before = obs::parse_exposition(obs::registry().expose());
  EXPECT_EQ(handle.call("get", [](FakeStorage& s) { return s.get(); }), 1);
  EXPECT_THROW(handle.call("put", [](FakeStorage& s) { return s.fail(); }), sdk::Error);
  auto after = obs::parse_exposition(obs::registry().expose());

  auto count = [](const std::vector<obs::Sample>& samples, const char* name, const char* op) {
    return obs::sum_samples(samples, name, {{"backend", "fake-metrics"}, {"operation", op}})
        .value_or(0);
  };
  EXPECT_EQ(count(after, "provisioning_storage_operations_total", "get") -
                count(before, "provisioning_storage_operations_total", "get"),
            1);
  EXPECT_EQ(count(after, "provisioning_storage_operations_total", "put") -
                count(before, "provisioning_storage_operations_total", "put"),
            1);
  EXPECT_EQ(count(after, "provisioning_storage_errors_total", "put") -
                count(before, "provisioning_storage_errors_total", "put"),
            1);
  EXPECT_EQ(count(after, "provisioning_storage_errors_total", "get"), 0);
}

TEST(MetricsHooks, ProviderCallsAreNotCountedAsStorage) {
  host::PluginHandle<FakeStorage> handle(std::make_shared<FakeStorage>(),
                                         {sdk::PluginKind::kProvider, "fake-provider", "p.so"});
  handle.call("get", [](FakeStorage& s) { return s.get(); });
  EXPECT_THAT(obs::registry().expose(), Not(HasSubstr("fake-provider")));
}

TEST(MetricsHooks, UnknownTaskTypeBecomesOther) {
  EXPECT_EQ(obs::task_type_label("server_create"), "server_create");
  EXPECT_EQ(obs::task_type_label("web-01; drop"), "other");
  obs::record_task_retry("no-such-type");
  auto samples = obs::parse_exposition(obs::registry().expose());
  EXPECT_GE(
      obs::sum_samples(samples, "provisioning_task_retries_total", {{"type", "other"}}).value_or(0),
      1);
  EXPECT_THAT(obs::registry().expose(), Not(HasSubstr("no-such-type")));
}

TEST(MetricsHooks, MigrationProgressGauges) {
  obs::set_migration_progress(250, 1000);
  auto samples = obs::parse_exposition(obs::registry().expose());
  EXPECT_EQ(obs::sum_samples(samples, "provisioning_migration_done_records"), 250);
  EXPECT_EQ(obs::sum_samples(samples, "provisioning_migration_expected_records"), 1000);
  obs::set_migration_progress(0, 0);
}

TEST(MetricsHooks, ProcessMetricsHaveValues) {
  auto samples = obs::parse_exposition(obs::registry().expose());
  EXPECT_GT(obs::sum_samples(samples, "process_resident_memory_bytes").value_or(0), 1 << 20);
  EXPECT_GE(obs::sum_samples(samples, "process_open_fds").value_or(0), 3);
  double start = obs::sum_samples(samples, "process_start_time_seconds").value_or(0);
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(start, now - 3600);
  EXPECT_LE(start, now + 1);
}

TEST(MetricsHooks, BuildInfoNamesVersions) {
  auto samples = obs::parse_exposition(obs::registry().expose());
  EXPECT_EQ(obs::sum_samples(samples, "provisioning_build_info",
                             {{"version", PROVISIONING_VERSION},
                              {"sdk_version", PROVISIONING_SDK_VERSION},
                              {"sdk_abi", std::to_string(PROVISIONING_SDK_ABI_VERSION)}}),
            1);
}

}  // namespace
}  // namespace provisioning::testing
