#include "common/request_body.h"

#include <algorithm>
#include <cctype>

namespace provisioning::plugins::api {

namespace {

bool is_identifier(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

[[noreturn]] void throw_body_issue(std::string message) {
  throw ApiError::invalid_request({{"$", std::move(message)}});
}

// Returns "line L, column C" (both from 1) of the byte at `offset` in `text`.
std::string position_of(std::string_view text, std::size_t offset) {
  std::string_view before = text.substr(0, offset);
  std::size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  std::size_t last_newline = before.rfind('\n');
  std::size_t column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

json::value parse_json(std::string_view body) {
  json::stream_parser parser;
  boost::system::error_code error;
  std::size_t consumed = parser.write(body.data(), body.size(), error);
  if (!error) parser.finish(error);
  if (error) {
    throw_body_issue("is not valid JSON: " + error.message() + " at " +
                     position_of(body, consumed));
  }
  return parser.release();
}

}  // namespace

std::string member_path(std::string_view parent, std::string_view key) {
  if (is_identifier(key)) return std::string(parent) + "." + std::string(key);
  std::string escaped;
  for (char c : key) {
    if (c == '\'' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return std::string(parent) + "['" + escaped + "']";
}

std::string element_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string describe_type(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "an unknown value";
}

json::object parse_object_body(std::string_view body) {
  if (is_blank(body)) throw_body_issue("is empty: send a JSON object");
  json::value value = parse_json(body);
  if (!value.is_object()) throw_body_issue("must be a JSON object, got " + describe_type(value));
  return std::move(value.get_object());
}

void require_empty_body(std::string_view body) {
  if (is_blank(body)) return;
  json::object object = parse_object_body(body);
  std::vector<FieldIssue> issues;
  for (const auto& member : object) {
    issues.push_back({member_path("$", member.key()),
                      "is an unknown field: this request takes an empty body or {}"});
  }
  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));
}

}  // namespace provisioning::plugins::api
