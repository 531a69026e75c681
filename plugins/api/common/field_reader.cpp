#include "common/field_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "common/request_body.h"
#include "common/suggest.h"

namespace provisioning::plugins::api {

namespace {

constexpr std::int64_t kNoMaximum = std::numeric_limits<std::int64_t>::max();

// Returns a double in its shortest form, "2.5" where Boost.JSON writes "2.5E0".
std::string format_double(double number) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
  return std::string(buffer, result.ptr);
}

std::string got(const json::value& value) {
  if (value.is_string()) return "got the string " + quote_value(value.get_string());
  if (value.is_double()) return "got " + format_double(value.get_double());
  if (value.is_number() || value.is_bool()) return "got " + json::serialize(value);
  return "got " + describe_type(value);
}

std::string later_level_message(ApiLevel since, ApiLevel level) {
  std::string introduced = version_name(since);
  return "is not supported by API version " + version_name(level) + ": it was added in " +
         introduced + "; send the header \"API-Version: " + introduced + "\" to use it";
}

std::string unknown_field_message(std::string_view key, const std::vector<std::string>& known) {
  std::string message = "is an unknown field.";
  if (auto match = closest_match(key, known)) {
    message = "is an unknown field; did you mean \"" + *match + "\"?";
  }
  if (known.empty()) return message + " This object takes no fields.";
  return message + " Fields accepted here: " + join_names(known) + ".";
}

}  // namespace

std::string integer_range_message(std::int64_t min, std::int64_t max) {
  if (max == kNoMaximum) return "must be an integer of " + std::to_string(min) + " or more";
  return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

std::optional<std::int64_t> integer_value(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) return std::nullopt;  // above the int64 range
  if (!value.is_double()) return std::nullopt;
  double number = value.get_double();
  // 2^63 is exactly representable, so this comparison excludes every double out of range.
  if (std::trunc(number) != number || number < -9.2233720368547758e18 ||
      number >= 9.2233720368547758e18) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(number);
}

ObjectReader::ObjectReader(const json::object& object, std::string path,
                           std::vector<FieldIssue>& issues)
    : object_(object), path_(std::move(path)), issues_(issues) {}

std::string ObjectReader::path_of(std::string_view key) const {
  return member_path(path_, key);
}

void ObjectReader::add_issue(std::string_view key, std::string message) {
  issues_.push_back({path_of(key), std::move(message)});
}

ObjectReader ObjectReader::nested(std::string_view key, const json::object& child) const {
  return ObjectReader(child, path_of(key), issues_);
}

void ObjectReader::reject_unknown_fields(const std::vector<FieldSpec>& fields, ApiLevel level) {
  std::vector<std::string> known;
  for (const FieldSpec& field : fields) {
    if (field.since <= level) known.push_back(field.name);
  }
  for (const auto& member : object_) {
    std::string_view key = member.key();
    auto spec = std::find_if(fields.begin(), fields.end(),
                             [&](const FieldSpec& field) { return field.name == key; });
    if (spec == fields.end()) {
      add_issue(key, unknown_field_message(key, known));
    } else if (spec->since > level) {
      add_issue(key, later_level_message(spec->since, level));
    }
  }
}

const json::value* ObjectReader::find_present(std::string_view key) const {
  return object_.if_contains(key);
}

std::string ObjectReader::required_string(std::string_view key) {
  const json::value* value = find_present(key);
  if (value == nullptr) {
    add_issue(key, "is missing: it is required and must be a non-empty string");
    return {};
  }
  return optional_string(key, "");
}

std::string ObjectReader::optional_string(std::string_view key, std::string_view fallback) {
  const json::value* value = find_present(key);
  if (value == nullptr) return std::string(fallback);
  if (!value->is_string() || value->get_string().empty()) {
    add_issue(key, "must be a non-empty string, " + got(*value));
    return std::string(fallback);
  }
  return std::string(value->get_string());
}

bool ObjectReader::optional_bool(std::string_view key, bool fallback) {
  const json::value* value = find_present(key);
  if (value == nullptr) return fallback;
  if (!value->is_bool()) {
    add_issue(key, "must be true or false, " + got(*value));
    return fallback;
  }
  return value->get_bool();
}

std::int64_t ObjectReader::optional_integer(std::string_view key, std::int64_t min,
                                            std::int64_t max, std::int64_t fallback) {
  const json::value* value = find_present(key);
  if (value == nullptr) return fallback;
  std::optional<std::int64_t> number = integer_value(*value);
  if (!number || *number < min || *number > max) {
    add_issue(key, integer_range_message(min, max) + ", " + got(*value));
    return fallback;
  }
  return *number;
}

std::string ObjectReader::optional_choice(std::string_view key,
                                          const std::vector<std::string>& choices,
                                          std::string_view fallback) {
  const json::value* value = find_present(key);
  if (value == nullptr) return std::string(fallback);
  if (value->is_string()) {
    std::string text(value->get_string());
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
  }
  std::string message = "must be one of " + join_names(choices) + ", " + got(*value);
  if (value->is_string()) {
    if (auto match = closest_match(value->get_string(), choices)) {
      message += "; did you mean \"" + *match + "\"?";
    }
  }
  add_issue(key, std::move(message));
  return std::string(fallback);
}

std::vector<std::string> ObjectReader::optional_string_list(std::string_view key) {
  const json::value* value = find_present(key);
  if (value == nullptr) return {};
  if (!value->is_array()) {
    add_issue(key, "must be an array of strings, " + got(*value));
    return {};
  }
  std::vector<std::string> strings;
  std::set<std::string, std::less<>> seen;
  const json::array& array = value->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::string path = element_path(path_of(key), i);
    if (!array[i].is_string() || array[i].get_string().empty()) {
      issues_.push_back({path, "must be a non-empty string, " + got(array[i])});
      continue;
    }
    std::string text(array[i].get_string());
    if (!seen.insert(text).second) {
      issues_.push_back({path, "repeats " + quote_value(text) + ": list each value once"});
      continue;
    }
    strings.push_back(std::move(text));
  }
  return strings;
}

const json::object* ObjectReader::optional_object(std::string_view key) {
  const json::value* value = find_present(key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    add_issue(key, "must be an object, " + got(*value));
    return nullptr;
  }
  return &value->get_object();
}

}  // namespace provisioning::plugins::api
