#pragma once

#include <string>
#include <string_view>

#include "common/api_error.h"

namespace provisioning::plugins::api {

// Returns the path of member `key` under `parent`: "$.name", or "$['a b']" for a key
// that is not an identifier.
std::string member_path(std::string_view parent, std::string_view key);

// Returns the path of element `index` under `parent`, such as "$.servers[2]".
std::string element_path(std::string_view parent, std::size_t index);

// Returns the JSON type of `value` with its article for messages, such as "a string".
std::string describe_type(const json::value& value);

// Parses a request body that must be one JSON object. Throws ApiError (400, path "$")
// for an empty body, for invalid JSON (naming its line and column) and for any other
// JSON value.
json::object parse_object_body(std::string_view body);

// Accepts an empty body or "{}", for routes that take no fields. Throws ApiError (400)
// otherwise.
void require_empty_body(std::string_view body);

}  // namespace provisioning::plugins::api
