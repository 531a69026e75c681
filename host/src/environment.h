#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace provisioning::host {

// Reads environment variables. Tests pass a map instead of the process environment.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Looks variables up in the process environment.
EnvironmentLookup process_environment();

// Looks variables up in `variables` only.
EnvironmentLookup fixed_environment(std::map<std::string, std::string> variables);

}  // namespace provisioning::host
