#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api_error.h"
#include "common/api_level.h"

namespace provisioning::plugins::api {

// A field of a request object and the API level that introduced it.
struct FieldSpec {
  std::string name;
  ApiLevel since = ApiLevel::kV1;
};

// Reads the fields of one JSON object in a request body. An invalid field adds a
// FieldIssue to the shared list and yields the default, so one response can list every
// invalid field. An explicit null is invalid, because clients omit a field to get its
// default.
class ObjectReader {
 public:
  ObjectReader(const json::object& object, std::string path, std::vector<FieldIssue>& issues);

  const json::object& object() const { return object_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const;
  bool has(std::string_view key) const { return object_.contains(key); }
  void add_issue(std::string_view key, std::string message);

  // Returns a reader of `child`, the object at member `key`, that adds its issues to the
  // same list.
  ObjectReader nested(std::string_view key, const json::object& child) const;

  // Adds an issue for each field that is not in `fields` at `level`. A field of a later
  // level gets a message naming that level, any other a "did you mean" when one is close.
  void reject_unknown_fields(const std::vector<FieldSpec>& fields, ApiLevel level);

  std::string required_string(std::string_view key);
  std::string optional_string(std::string_view key, std::string_view fallback);
  bool optional_bool(std::string_view key, bool fallback);

  // Reads an integer from `min` to `max`. A number with a fraction is invalid, but 3.0 is 3.
  std::int64_t optional_integer(std::string_view key, std::int64_t min, std::int64_t max,
                                std::int64_t fallback);

  // Reads a string that must be one of `choices`, matched exactly.
  std::string optional_choice(std::string_view key, const std::vector<std::string>& choices,
                              std::string_view fallback);

  // Reads an array of distinct non-empty strings. An absent member gives an empty list.
  std::vector<std::string> optional_string_list(std::string_view key);

  // Returns the member object, or null when it is absent or not an object (an issue).
  const json::object* optional_object(std::string_view key);

 private:
  const json::value* find_present(std::string_view key) const;

  const json::object& object_;
  std::string path_;
  std::vector<FieldIssue>& issues_;
};

// Returns the message for an integer outside [min, max], such as "must be an integer
// from 1 to 86400".
std::string integer_range_message(std::int64_t min, std::int64_t max);

// Converts a JSON number to an integer when it has no fraction and fits in int64.
std::optional<std::int64_t> integer_value(const json::value& value);

}  // namespace provisioning::plugins::api
