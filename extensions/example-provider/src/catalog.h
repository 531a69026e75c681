#pragma once

#include <provisioning/sdk/provider.h>

#include <string>
#include <vector>

// The plans and zones the sandbox provider offers.
namespace sandbox {

// The plans, smallest first. A sandbox server is a directory, so the sizes are
// nominal and nothing is reserved.
const std::vector<provisioning::sdk::Plan>& plans();

// The zones. The first one is where "auto" places servers.
const std::vector<provisioning::sdk::Zone>& zones();

// Returns the plan named `name`. Throws sdk::Error (kInvalidArgument) listing every
// plan when there is none.
const provisioning::sdk::Plan& find_plan(const std::string& name);

// Returns the concrete zone for `zone`, resolving "auto" to the first zone. Throws
// sdk::Error (kInvalidArgument) listing the valid zones when it is unknown.
std::string resolve_zone(const std::string& zone);

}  // namespace sandbox
