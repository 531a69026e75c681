#include "plan_catalog.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <cctype>
#include <numeric>

namespace provisioning::plugins::local_provider {

namespace {

constexpr std::size_t kSuggestedPlans = 3;
constexpr const char* kAutoZone = "auto";

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// Names of the catalog's plans ordered by edit distance to `name`, nearest first; ties
// keep catalog order.
std::vector<std::string> nearest_plans(const std::string& name) {
  const std::string requested = to_lower(name);
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (const sdk::Plan& plan : plan_catalog()) {
    ranked.emplace_back(edit_distance(requested, to_lower(plan.name)), plan.name);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> names;
  for (std::size_t i = 0; i < ranked.size() && i < kSuggestedPlans; ++i) {
    names.push_back(ranked[i].second);
  }
  return names;
}

std::string join(const std::vector<std::string>& words) {
  std::string joined;
  for (const std::string& word : words) joined += (joined.empty() ? "" : ", ") + word;
  return joined;
}

}  // namespace

const std::vector<sdk::Plan>& plan_catalog() {
  static const std::vector<sdk::Plan> plans = {
      {"1xCPU-1GB", 1, 1024, 25},         {"1xCPU-2GB", 1, 2048, 50},
      {"2xCPU-4GB", 2, 4096, 80},         {"4xCPU-8GB", 4, 8192, 160},
      {"6xCPU-16GB", 6, 16384, 320},      {"8xCPU-32GB", 8, 32768, 640},
      {"12xCPU-48GB", 12, 49152, 960},    {"16xCPU-64GB", 16, 65536, 1280},
      {"20xCPU-128GB", 20, 131072, 2048},
  };
  return plans;
}

const std::vector<sdk::Zone>& zone_catalog() {
  static const std::vector<sdk::Zone> zones = {
      {"local-1", "this machine, first zone (the one \"auto\" picks)"},
      {"local-2", "this machine, second zone"},
  };
  return zones;
}

const sdk::Plan& find_plan(const std::string& name) {
  const auto& plans = plan_catalog();
  auto plan = std::find_if(plans.begin(), plans.end(),
                           [&](const sdk::Plan& candidate) { return candidate.name == name; });
  if (plan != plans.end()) return *plan;
  throw sdk::Error::invalid_argument(
      "unknown plan '" + name + "' for the local provider: " + "the nearest plans are " +
      join(nearest_plans(name)) + ", and `provisioning server plans` lists all of them");
}

std::string resolve_zone(const std::string& zone) {
  const auto& zones = zone_catalog();
  if (zone == kAutoZone) return zones.front().id;
  for (const sdk::Zone& candidate : zones) {
    if (candidate.id == zone) return zone;
  }
  std::vector<std::string> ids{kAutoZone};
  for (const sdk::Zone& candidate : zones) ids.push_back(candidate.id);
  throw sdk::Error::invalid_argument("unknown zone '" + zone +
                                     "' for the local provider: use one of " + join(ids));
}

std::size_t edit_distance(std::string_view from, std::string_view to) {
  // One row of the Levenshtein table: row[j] is the distance from the prefix of `from`
  // seen so far to to[0..j).
  std::vector<std::size_t> row(to.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= from.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= to.size(); ++j) {
      std::size_t substitution = diagonal + (from[i - 1] == to[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[to.size()];
}

}  // namespace provisioning::plugins::local_provider
