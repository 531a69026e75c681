#include "catalog.h"

#include <provisioning/sdk/error.h>

#include <algorithm>

namespace sandbox {

namespace sdk = provisioning::sdk;

namespace {

constexpr const char* kAutoZone = "auto";

std::string join(const std::vector<std::string>& words) {
  std::string joined;
  for (const std::string& word : words) joined += (joined.empty() ? "" : ", ") + word;
  return joined;
}

}  // namespace

const std::vector<sdk::Plan>& plans() {
  static const std::vector<sdk::Plan> catalog = {
      {"small", 1, 1024, 10},
      {"medium", 2, 4096, 40},
      {"large", 4, 8192, 80},
  };
  return catalog;
}

const std::vector<sdk::Zone>& zones() {
  static const std::vector<sdk::Zone> catalog = {
      {"sandbox-a", "first sandbox zone (the one \"auto\" picks)"},
      {"sandbox-b", "second sandbox zone"},
  };
  return catalog;
}

const sdk::Plan& find_plan(const std::string& name) {
  const auto& catalog = plans();
  auto plan = std::find_if(catalog.begin(), catalog.end(),
                           [&](const sdk::Plan& candidate) { return candidate.name == name; });
  if (plan != catalog.end()) return *plan;
  std::vector<std::string> names;
  for (const sdk::Plan& candidate : catalog) names.push_back(candidate.name);
  throw sdk::Error::invalid_argument("unknown plan '" + name +
                                     "' for the sandbox provider: use one of " + join(names));
}

std::string resolve_zone(const std::string& zone) {
  const auto& catalog = zones();
  if (zone == kAutoZone) return catalog.front().id;
  std::vector<std::string> ids{kAutoZone};
  for (const sdk::Zone& candidate : catalog) {
    if (candidate.id == zone) return zone;
    ids.push_back(candidate.id);
  }
  throw sdk::Error::invalid_argument("unknown zone '" + zone +
                                     "' for the sandbox provider: use one of " + join(ids));
}

}  // namespace sandbox
