#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace provisioning::host::observability {

// One sample line of the text format: `name{labels} value`.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0.0;
};

// Parses an exposition in the text format 0.0.4, skipping comment lines. Throws
// sdk::Error (kInvalidArgument) naming the line number and the line when a sample line
// is malformed.
std::vector<Sample> parse_exposition(std::string_view text);

// Sums the values of the samples named `name` whose labels include every pair of
// `match`. Returns std::nullopt when no sample matches.
std::optional<double> sum_samples(const std::vector<Sample>& samples, std::string_view name,
                                  const std::map<std::string, std::string>& match = {});

// Estimates the `quantile` (0 to 1) of histogram `name` over the series that match, the
// way PromQL's histogram_quantile() does: linear within the bucket that contains it.
// Returns std::nullopt when the histogram has no observation.
std::optional<double> histogram_quantile(const std::vector<Sample>& samples, std::string_view name,
                                         double quantile,
                                         const std::map<std::string, std::string>& match = {});

}  // namespace provisioning::host::observability
