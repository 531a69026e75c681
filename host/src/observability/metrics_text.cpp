#include "observability/metrics_text.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace provisioning::host::observability {
namespace {

class LineParser {
 public:
  LineParser(std::string_view line, std::size_t number) : line_(line), number_(number) {}

  Sample parse() {
    Sample sample;
    sample.name = read_while(
        [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'; });
    if (sample.name.empty()) fail("expected a metric name");
    if (peek() == '{') read_labels(sample.labels);
    skip_spaces();
    sample.value = parse_value(read_while([](char c) { return c != ' ' && c != '\t'; }));
    return sample;  // An optional timestamp may follow, which is ignored.
  }

 private:
  char peek() const { return position_ < line_.size() ? line_[position_] : '\0'; }

  template <typename Predicate>
  std::string read_while(Predicate predicate) {
    std::size_t start = position_;
    while (position_ < line_.size() && predicate(line_[position_])) ++position_;
    return std::string(line_.substr(start, position_ - start));
  }

  void skip_spaces() {
    while (peek() == ' ' || peek() == '\t') ++position_;
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++position_;
  }

  void read_labels(std::map<std::string, std::string>& labels) {
    expect('{');
    while (peek() != '}') {
      std::string name = read_while(
          [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
      if (name.empty()) fail("expected a label name");
      expect('=');
      labels[name] = read_quoted();
      if (peek() == ',') ++position_;
    }
    expect('}');
  }

  std::string read_quoted() {
    expect('"');
    std::string value;
    while (peek() != '"') {
      if (position_ >= line_.size()) fail("unterminated label value");
      char c = line_[position_++];
      if (c == '\\') {
        char escaped = peek();
        ++position_;
        value += escaped == 'n' ? '\n' : escaped;
      } else {
        value += c;
      }
    }
    ++position_;
    return value;
  }

  double parse_value(const std::string& text) {
    if (text == "+Inf") return std::numeric_limits<double>::infinity();
    if (text == "-Inf") return -std::numeric_limits<double>::infinity();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    try {
      std::size_t used = 0;
      double value = std::stod(text, &used);
      if (used == text.size()) return value;
    } catch (const std::exception&) {
      // Reported below with the line.
    }
    fail("invalid sample value '" + text + "'");
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw sdk::Error::invalid_argument(
        "invalid metrics exposition at line " + std::to_string(number_) + " (" + reason + "): '" +
        std::string(line_) + "'; check that the address serves the Prometheus text format");
  }

  std::string_view line_;
  std::size_t number_;
  std::size_t position_ = 0;
};

bool labels_match(const Sample& sample, const std::map<std::string, std::string>& match) {
  return std::all_of(match.begin(), match.end(), [&](const auto& pair) {
    auto found = sample.labels.find(pair.first);
    return found != sample.labels.end() && found->second == pair.second;
  });
}

}  // namespace

std::vector<Sample> parse_exposition(std::string_view text) {
  std::vector<Sample> samples;
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    samples.push_back(LineParser(line, number).parse());
  }
  return samples;
}

std::optional<double> sum_samples(const std::vector<Sample>& samples, std::string_view name,
                                  const std::map<std::string, std::string>& match) {
  std::optional<double> total;
  for (const auto& sample : samples) {
    if (sample.name != name || !labels_match(sample, match)) continue;
    total = total.value_or(0.0) + sample.value;
  }
  return total;
}

std::optional<double> histogram_quantile(const std::vector<Sample>& samples, std::string_view name,
                                         double quantile,
                                         const std::map<std::string, std::string>& match) {
  // Cumulative counts by upper bound, summed over the matching series.
  std::map<double, double> buckets;
  std::string bucket_name = std::string(name) + "_bucket";
  for (const auto& sample : samples) {
    if (sample.name != bucket_name || !labels_match(sample, match)) continue;
    auto le = sample.labels.find("le");
    if (le == sample.labels.end()) continue;
    double bound =
        le->second == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le->second);
    buckets[bound] += sample.value;
  }
  if (buckets.empty() || buckets.rbegin()->second <= 0) return std::nullopt;
  double rank = quantile * buckets.rbegin()->second;
  double lower_bound = 0.0;
  double lower_count = 0.0;
  for (const auto& [bound, count] : buckets) {
    if (count >= rank) {
      // The +Inf bucket has no upper bound: report the highest finite bound.
      if (std::isinf(bound)) return lower_bound;
      if (count == lower_count) return bound;
      return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count);
    }
    lower_bound = bound;
    lower_count = count;
  }
  return lower_bound;
}

}  // namespace provisioning::host::observability
