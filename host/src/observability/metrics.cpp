#include "observability/metrics.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace provisioning::host::observability {
namespace {

bool is_metric_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  });
}

bool is_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__") ||
      std::isdigit(static_cast<unsigned char>(name.front()))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string escape_help(std::string_view help) {
  std::string escaped;
  for (char c : help) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// Writes {a="x",b="y"} with `extra` (such as le="0.5") appended; nothing when empty.
void write_labels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  out += '}';
}

void write_sample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, double value,
                  std::string_view extra = {}) {
  out += name;
  write_labels(out, names, values, extra);
  out += ' ';
  out += format_value(value);
  out += '\n';
}

void write_header(std::string& out, const std::string& name, const std::string& help,
                  std::string_view type) {
  out += "# HELP " + name + " " + escape_help(help) + "\n";
  out += "# TYPE " + name + " " + std::string(type) + "\n";
}

void write_family(std::string& out, const CounterFamily& family) {
  write_header(out, family.name(), family.help(), "counter");
  family.for_each([&](const std::vector<std::string>& values, const Counter& counter) {
    write_sample(out, family.name(), family.label_names(), values, counter.value());
  });
}

void write_family(std::string& out, const GaugeFamily& family) {
  write_header(out, family.name(), family.help(), "gauge");
  family.for_each([&](const std::vector<std::string>& values, const Gauge& gauge) {
    write_sample(out, family.name(), family.label_names(), values, gauge.value());
  });
}

void write_family(std::string& out, const HistogramFamily& family) {
  write_header(out, family.name(), family.help(), "histogram");
  const std::string bucket = family.name() + "_bucket";
  family.for_each([&](const std::vector<std::string>& values, const Histogram& histogram) {
    Histogram::Snapshot snapshot = histogram.snapshot();
    const auto& bounds = family.bounds();
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      std::string le = "le=\"" + (i < bounds.size() ? format_value(bounds[i]) : "+Inf") + "\"";
      write_sample(out, bucket, family.label_names(), values,
                   static_cast<double>(snapshot.cumulative[i]), le);
    }
    write_sample(out, family.name() + "_sum", family.label_names(), values, snapshot.sum);
    write_sample(out, family.name() + "_count", family.label_names(), values,
                 static_cast<double>(snapshot.count));
  });
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : std::string("NaN");
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  auto found = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(found - bounds_.begin())].fetch_add(1,
                                                                        std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

template <typename Series>
Family<Series>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

template <typename Series>
Series& Family<Series>::with(LabelValues values) {
  if (values.size() != label_names_.size()) {
    throw sdk::Error::internal("metric " + name_ + " takes " + std::to_string(label_names_.size()) +
                               " label values, got " + std::to_string(values.size()) +
                               "; pass one value per label name");
  }
  {
    std::shared_lock lock(mutex_);
    if (auto found = series_.find(values); found != series_.end()) return *found->second;
  }
  return create(values);
}

template <typename Series>
Series& Family<Series>::create(LabelValues values) {
  std::unique_lock lock(mutex_);
  std::vector<std::string> key(values.begin(), values.end());
  if (series_.size() >= kMaxSeries && series_.count(key) == 0) {
    key.assign(label_names_.size(), "other");
  }
  auto& slot = series_[key];
  if (!slot) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      slot = std::make_unique<Histogram>(bounds_);
    } else {
      slot = std::make_unique<Series>();
    }
  }
  return *slot;
}

template <typename Series>
void Family<Series>::for_each(
    const std::function<void(const std::vector<std::string>&, const Series&)>& visit) const {
  std::shared_lock lock(mutex_);
  for (const auto& [values, series] : series_) visit(values, *series);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& other) noexcept {
  if (this != &other) {
    reset();
    remove_ = std::move(other.remove_);
    other.remove_ = nullptr;
  }
  return *this;
}

void CollectorHandle::reset() {
  if (remove_) remove_();
  remove_ = nullptr;
}

Registry::Entry& Registry::entry(const std::string& name, MetricType type,
                                 const std::vector<std::string>& labels,
                                 const std::vector<double>& bounds, const std::string& help) {
  if (!is_metric_name(name)) {
    throw sdk::Error::invalid_argument("invalid metric name '" + name +
                                       "'; use letters, digits, '_' and ':'");
  }
  if ((type == MetricType::kCounter) != name.ends_with("_total")) {
    throw sdk::Error::invalid_argument("metric '" + name +
                                       "': counter names end in '_total' and no other name does");
  }
  for (const auto& label : labels) {
    if (!is_label_name(label) || label == "le") {
      throw sdk::Error::invalid_argument("metric '" + name + "' has invalid label name '" + label +
                                         "'; use letters, digits and '_', not 'le' or '__'");
    }
  }
  std::lock_guard lock(mutex_);
  if (auto found = families_.find(name); found != families_.end()) {
    const Entry& existing = found->second;
    bool same_labels = (existing.counter && existing.counter->label_names() == labels) ||
                       (existing.gauge && existing.gauge->label_names() == labels) ||
                       (existing.histogram && existing.histogram->label_names() == labels &&
                        existing.histogram->bounds() == bounds);
    if (existing.type != type || !same_labels) {
      throw sdk::Error::invalid_argument("metric '" + name +
                                         "' is already registered with another type or labels");
    }
    return found->second;
  }
  Entry created{type, nullptr, nullptr, nullptr};
  if (type == MetricType::kCounter)
    created.counter = std::make_unique<CounterFamily>(name, help, labels);
  if (type == MetricType::kGauge) created.gauge = std::make_unique<GaugeFamily>(name, help, labels);
  if (type == MetricType::kHistogram) {
    created.histogram = std::make_unique<HistogramFamily>(name, help, labels, bounds);
  }
  order_.push_back(name);
  return families_.emplace(name, std::move(created)).first->second;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 const std::vector<std::string>& label_names) {
  return *entry(name, MetricType::kCounter, label_names, {}, help).counter;
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names) {
  return *entry(name, MetricType::kGauge, label_names, {}, help).gauge;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     const std::vector<std::string>& label_names,
                                     const std::vector<double>& bounds) {
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
    throw sdk::Error::invalid_argument("histogram '" + name +
                                       "' needs at least one bucket bound, strictly ascending");
  }
  return *entry(name, MetricType::kHistogram, label_names, bounds, help).histogram;
}

CollectorHandle Registry::add_collector(std::function<void()> collect) {
  std::lock_guard lock(collectors_mutex_);
  std::uint64_t id = next_collector_++;
  collectors_.emplace(id, std::move(collect));
  return CollectorHandle([this, id] {
    std::lock_guard remove_lock(collectors_mutex_);
    collectors_.erase(id);
  });
}

std::string Registry::expose() {
  {
    // Held while collecting, so a collector is never removed while it runs.
    std::lock_guard lock(collectors_mutex_);
    for (const auto& [id, collect] : collectors_) collect();
  }
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& name : order_) {
    const Entry& family = families_.at(name);
    if (family.counter) write_family(out, *family.counter);
    if (family.gauge) write_family(out, *family.gauge);
    if (family.histogram) write_family(out, *family.histogram);
  }
  return out;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return bounds;
}

const std::vector<double>& task_duration_buckets() {
  static const std::vector<double> bounds = {0.01, 0.05, 0.1, 0.25, 0.5, 1,   2.5, 5,
                                             10,   30,   60,  120,  300, 600, 1800};
  return bounds;
}

}  // namespace provisioning::host::observability
