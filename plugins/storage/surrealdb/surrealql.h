#pragma once
// SurrealQL text for values that the backend splices into its queries. The /sql
// endpoint takes no bound parameters in the request body, so every value is written as
// a literal by these functions and nowhere else.

#include <provisioning/sdk/json.h>

#include <string>
#include <string_view>

namespace provisioning::plugins::surrealdb {

namespace json = provisioning::sdk::json;

// A double-quoted string literal: backslash, double quote and control characters are
// escaped (\n, \t, \uXXXX and so on), every other UTF-8 character is written as is.
std::string string_literal(std::string_view text);

// The value as a SurrealQL literal: objects, arrays, strings, booleans, NULL and
// numbers. An unsigned integer above 2^63-1 does not fit SurrealDB's integers and is
// written as a float, so it loses precision.
std::string value_literal(const json::value& value);

// The record id of (collection, id) in the records table, as an expression.
std::string record_reference(std::string_view collection, std::string_view id);

}  // namespace provisioning::plugins::surrealdb
