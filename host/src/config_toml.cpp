#include "config_toml.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <toml++/toml.h>

#include <sstream>

namespace provisioning::host {
namespace {

namespace json = boost::json;

json::value to_json(const toml::node& node);

// Dates and times have no JSON type, so they keep their TOML spelling as a string.
template <typename Value>
json::value to_json_text(const Value& value) {
  std::ostringstream text;
  text << value;
  return json::value(text.str());
}

json::array array_to_json(const toml::array& array) {
  json::array result;
  result.reserve(array.size());
  for (const toml::node& element : array) result.push_back(to_json(element));
  return result;
}

json::object table_to_json(const toml::table& table) {
  json::object result;
  for (auto&& [key, node] : table) result[key.str()] = to_json(node);
  return result;
}

json::value to_json(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return json::value(node.as_string()->get());
    case toml::node_type::integer:
      return json::value(node.as_integer()->get());
    case toml::node_type::floating_point:
      return json::value(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return json::value(node.as_boolean()->get());
    case toml::node_type::date:
      return to_json_text(*node.as_date());
    case toml::node_type::time:
      return to_json_text(*node.as_time());
    case toml::node_type::date_time:
      return to_json_text(*node.as_date_time());
    case toml::node_type::array:
      return array_to_json(*node.as_array());
    case toml::node_type::table:
      return table_to_json(*node.as_table());
    case toml::node_type::none:
      break;
  }
  return nullptr;
}

void flatten(const toml::table& table, const std::string& prefix, FlatSettings& settings) {
  for (auto&& [key, node] : table) {
    std::string dotted(key.str());
    if (!prefix.empty()) dotted = prefix + "." + dotted;
    if (const toml::table* child = node.as_table()) {
      flatten(*child, dotted, settings);
    } else {
      settings.emplace_back(std::move(dotted), to_json(node));
    }
  }
}

}  // namespace

FlatSettings parse_toml_settings(std::string_view text, const std::filesystem::path& file,
                                 std::string_view fix_hint) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    const toml::source_position& where = error.source().begin;
    std::ostringstream message;
    message << file.string() << ':' << where.line << ':' << where.column << ": "
            << error.description() << "; " << fix_hint;
    throw sdk::Error::invalid_argument(message.str());
  }
  FlatSettings settings;
  flatten(root, "", settings);
  return settings;
}

FlatSettings read_toml_settings(const std::filesystem::path& file, std::string_view fix_hint) {
  if (std::filesystem::exists(file) && !std::filesystem::is_regular_file(file)) {
    throw sdk::Error::invalid_argument("configuration file '" + file.string() +
                                       "' is not a regular file; replace it with a TOML file");
  }
  return parse_toml_settings(sdk::read_file(file), file, fix_hint);
}

}  // namespace provisioning::host
