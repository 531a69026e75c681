#include "surrealql.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <limits>

namespace provisioning::plugins::surrealdb {
namespace {

void append_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          std::array<char, 8> escape{};
          std::snprintf(escape.data(), escape.size(), "\\u%04x", static_cast<unsigned>(c));
          out += escape.data();
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Shortest text that reads back as the same double, with a '.' or an exponent so that
// SurrealDB parses it as a float.
void append_double(std::string& out, double number) {
  std::array<char, 32> buffer{};
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  std::string text(buffer.data(), end);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  out += text;
}

void append_value(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      out += "NULL";
      break;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(value.get_int64());
      break;
    case json::kind::uint64:
      if (value.get_uint64() <=
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out += std::to_string(value.get_uint64());
      } else {
        append_double(out, static_cast<double>(value.get_uint64()));
      }
      break;
    case json::kind::double_:
      append_double(out, value.get_double());
      break;
    case json::kind::string:
      append_string(out, value.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ", ";
        first = false;
        append_value(out, item);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ", ";
        first = false;
        append_string(out, member.key());
        out += ": ";
        append_value(out, member.value());
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string string_literal(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_string(out, text);
  return out;
}

std::string value_literal(const json::value& value) {
  std::string out;
  append_value(out, value);
  return out;
}

std::string record_reference(std::string_view collection, std::string_view id) {
  return "type::record('records', [" + string_literal(collection) + ", " + string_literal(id) +
         "])";
}

}  // namespace provisioning::plugins::surrealdb
