#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace provisioning::plugins::api {

// Returns the candidate that `typed` most likely misspells. A candidate that differs only
// in letter case wins. Next comes the nearest within two edits, when the distance is less
// than half the length of `typed`. Last comes the first candidate that starts with
// `typed`, when `typed` has at least four characters.
std::optional<std::string> closest_match(std::string_view typed,
                                         const std::vector<std::string>& candidates);

// Returns the names separated by ", ", such as "name, plan, zone".
std::string join_names(const std::vector<std::string>& names);

// Returns `text` in double quotes with quotes and backslashes escaped, cut to 60
// characters, for quoting client input in messages.
std::string quote_value(std::string_view text);

}  // namespace provisioning::plugins::api
