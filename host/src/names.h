#pragma once

#include <provisioning/sdk/provider.h>
#include <provisioning/sdk/time_and_ids.h>

#include <string>
#include <string_view>
#include <vector>

namespace provisioning::host {

// Throws sdk::Error (kInvalidArgument) unless `name` is a valid host name: labels of 1
// to 63 lower-case letters, digits and inner hyphens, separated by dots, 253 characters
// at most. The message names the value and the rule it breaks.
void validate_server_name(std::string_view name);

// Returns the catalog plan that `typed` means, accepting what users type today: any
// case and spaces ("2xCPU-4 GB" is "2xCPU-4GB"). Throws sdk::Error (kInvalidArgument)
// listing the nearest valid plans when none matches.
std::string resolve_plan(std::string_view typed, const std::vector<sdk::Plan>& plans,
                         std::string_view provider);

using sdk::generate_uuid;
using sdk::utc_timestamp;

}  // namespace provisioning::host
