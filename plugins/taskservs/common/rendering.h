#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace provisioning::plugins::taskserv_common {

// Replaces every "{{key}}" in `text` with values.at(key). Throws sdk::Error (kInternal)
// naming a placeholder without a value, because that is a bug in the template.
std::string render(std::string_view text, const std::map<std::string, std::string>& values);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

}  // namespace provisioning::plugins::taskserv_common
