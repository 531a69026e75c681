#pragma once

#include <provisioning/sdk/provider.h>

#include <string>
#include <vector>

// The plans and zones of the local provider.
namespace provisioning::plugins::local_provider {

// The plan catalog, smallest first. The sizes are nominal: a local server is a
// directory and does not reserve them.
const std::vector<sdk::Plan>& plan_catalog();

const std::vector<sdk::Zone>& zone_catalog();

// Returns the plan named `name`. Throws sdk::Error (kInvalidArgument) naming the up to
// three nearest plans by edit distance when there is none.
const sdk::Plan& find_plan(const std::string& name);

// Returns the concrete zone for `zone`: "auto" resolves to the first zone. Throws
// sdk::Error (kInvalidArgument) listing the valid zones when it is unknown.
std::string resolve_zone(const std::string& zone);

// Returns the number of single-character insertions, deletions and substitutions that
// turn `from` into `to`.
std::size_t edit_distance(std::string_view from, std::string_view to);

}  // namespace provisioning::plugins::local_provider
