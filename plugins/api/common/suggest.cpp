#include "common/suggest.h"

#include <algorithm>
#include <cctype>

namespace provisioning::plugins::api {

namespace {

constexpr std::size_t kMaxQuotedLength = 60;
constexpr std::size_t kMaxEdits = 2;
constexpr std::size_t kMinPrefixLength = 4;

// Returns the optimal string alignment distance: insertions, deletions, substitutions
// and swaps of two adjacent characters each count as one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::optional<std::string> closest_match(std::string_view typed,
                                         const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = kMaxEdits + 1;
  for (const std::string& candidate : candidates) {
    if (equal_ignoring_case(typed, candidate)) return candidate;
    std::size_t distance = edit_distance(typed, candidate);
    if (distance < best_distance && distance * 2 < typed.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best) return best;

  // A shortened name, such as "timeout" for "timeout_seconds".
  for (const std::string& candidate : candidates) {
    if (typed.size() >= kMinPrefixLength && candidate.starts_with(typed)) return candidate;
  }
  return std::nullopt;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

std::string quote_value(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text.substr(0, kMaxQuotedLength)) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  if (text.size() > kMaxQuotedLength) quoted += "...";
  quoted += '"';
  return quoted;
}

}  // namespace provisioning::plugins::api
