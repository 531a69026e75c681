#pragma once

// Summaries of timing samples and the result line both benchmark programs print.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace provisioning::bench {

using Clock = std::chrono::steady_clock;

inline double elapsed_ms(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

struct Summary {
  double median_ms = 0;
  double p90_ms = 0;
};

// Returns the value at `fraction` of the sorted samples by the nearest-rank method, so
// the result is always one of the samples.
inline double percentile(const std::vector<double>& sorted, double fraction) {
  auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// Computes the median (the mean of the two middle samples for an even count) and the
// 90th percentile. Throws std::invalid_argument on an empty sample set.
inline Summary summarize(std::vector<double> samples_ms) {
  if (samples_ms.empty()) throw std::invalid_argument("no samples to summarize");
  std::sort(samples_ms.begin(), samples_ms.end());
  std::size_t middle = samples_ms.size() / 2;
  Summary summary;
  summary.median_ms = samples_ms.size() % 2 == 1
                          ? samples_ms[middle]
                          : (samples_ms[middle - 1] + samples_ms[middle]) / 2;
  summary.p90_ms = percentile(samples_ms, 0.9);
  return summary;
}

// Prints one tab-separated result line, which bench/run.sh reads:
//   name, sample count, median ms, p90 ms, baseline median ms, baseline p90 ms,
//   ratio of the two medians.
inline void print_result(const std::string& name, std::size_t samples, const Summary& subject,
                         const Summary& baseline) {
  std::printf("%s\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\n", name.c_str(), samples, subject.median_ms,
              subject.p90_ms, baseline.median_ms, baseline.p90_ms,
              subject.median_ms / baseline.median_ms);
  std::fflush(stdout);
}

}  // namespace provisioning::bench
