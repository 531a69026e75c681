#include "environment.h"

#include <cstdlib>
#include <utility>

namespace provisioning::host {

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    // NOTE: std::getenv races with a concurrent setenv, so no thread may change the
    // environment while the host runs.
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

EnvironmentLookup fixed_environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

}  // namespace provisioning::host
