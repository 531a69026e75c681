#pragma once

// A small Prometheus metrics registry: counters, gauges and histograms with fixed label
// names, exposed in the Prometheus text format 0.0.4.
//
// Each series keeps its values in atomics, so recording a value takes no lock once the
// series exists. Looking a series up takes a shared lock on its family, and creating one
// takes the family's exclusive lock. Every type here is thread-safe.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace provisioning::host::observability {

// Orders label-value lists of any string type, so a lookup by string_view values
// allocates nothing.
struct LabelValuesLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](const auto& x, const auto& y) { return std::string_view(x) < std::string_view(y); });
  }
};

using LabelValues = std::initializer_list<std::string_view>;

class Counter {
 public:
  void increment(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

  // Sets the value from a count that another store keeps, such as a file that other
  // processes update. That count must never decrease.
  void mirror(double total) { value_.store(total, std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted in fixed buckets. `bounds` are the upper bounds, ascending,
// without +Inf.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);

  void observe(double value);

  // A consistent-enough copy: the +Inf bucket equals `count`.
  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    std::uint64_t count = 0;
    double sum = 0.0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, not cumulative
  std::atomic<double> sum_{0.0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

// All series of one metric name. Label values of new series beyond kMaxSeries go to
// one series whose every label value is "other", so a bug cannot grow memory without
// bound.
template <typename Series>
class Family {
 public:
  static constexpr std::size_t kMaxSeries = 2000;

  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {});

  // Returns the series with these label values (one per label name), creating it on
  // first use. The reference stays valid for the life of the family.
  Series& with(LabelValues values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& bounds() const { return bounds_; }

  // Calls `visit(label values, series)` for every series, in label order.
  void for_each(
      const std::function<void(const std::vector<std::string>&, const Series&)>& visit) const;

 private:
  Series& create(LabelValues values);

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>, LabelValuesLess> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Removes its collector from the registry when destroyed.
class CollectorHandle {
 public:
  CollectorHandle() = default;
  explicit CollectorHandle(std::function<void()> remove) : remove_(std::move(remove)) {}
  CollectorHandle(CollectorHandle&& other) noexcept : remove_(std::move(other.remove_)) {
    other.remove_ = nullptr;
  }
  CollectorHandle& operator=(CollectorHandle&& other) noexcept;
  CollectorHandle(const CollectorHandle&) = delete;
  CollectorHandle& operator=(const CollectorHandle&) = delete;
  ~CollectorHandle() { reset(); }

  void reset();

 private:
  std::function<void()> remove_;
};

// The metric families of one process, in registration order.
class Registry {
 public:
  // Each function returns the family of that name, creating it on first call. Throws
  // sdk::Error (kInvalidArgument) when the name is not a valid metric name, a counter
  // name does not end in "_total", or the name is taken by a family of another type
  // or other labels.
  CounterFamily& counter(const std::string& name, const std::string& help,
                         const std::vector<std::string>& label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names,
                             const std::vector<double>& bounds);

  // Adds a function that updates gauges right before each exposition, such as one that
  // reads the workflow engine's queue. It runs on the scraping thread.
  CollectorHandle add_collector(std::function<void()> collect);

  // Runs the collectors, then returns every family in the text format 0.0.4.
  std::string expose();

 private:
  struct Entry {
    MetricType type;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  Entry& entry(const std::string& name, MetricType type, const std::vector<std::string>& labels,
               const std::vector<double>& bounds, const std::string& help);

  std::mutex mutex_;
  std::vector<std::string> order_;
  std::map<std::string, Entry> families_;
  std::mutex collectors_mutex_;
  std::map<std::uint64_t, std::function<void()>> collectors_;
  std::uint64_t next_collector_ = 0;
};

// Bucket bounds in seconds for request and plugin-call latencies: 0.5 ms to 10 s.
const std::vector<double>& latency_buckets();
// Bucket bounds in seconds for task durations: 10 ms to 30 min.
const std::vector<double>& task_duration_buckets();

// Escapes a label value for the text format: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);
// Formats a sample value: integers without a fraction, +Inf, -Inf and NaN by name.
std::string format_value(double value);

}  // namespace provisioning::host::observability
