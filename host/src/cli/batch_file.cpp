#include "cli/batch_file.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <regex>
#include <string_view>

#include "config_toml.h"

namespace provisioning::cli {
namespace {

namespace json = boost::json;

// A batch file and the format hint that ends each error about it.
struct Source {
  std::filesystem::path file;
  std::string hint;
};

[[noreturn]] void fail_at(const Source& source, std::size_t line, std::size_t column,
                          const std::string& problem) {
  throw sdk::Error::invalid_argument(source.file.string() + ":" + std::to_string(line) + ":" +
                                     std::to_string(column) + ": " + problem + "; " + source.hint);
}

// Nests flattened TOML keys again: {"batch_options.on_failure": x} becomes
// {"batch_options": {"on_failure": x}}.
json::object unflatten(const host::FlatSettings& settings) {
  json::object root;
  for (const auto& [dotted, value] : settings) {
    json::object* table = &root;
    std::string_view rest = dotted;
    for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
      json::value& child = (*table)[rest.substr(0, dot)];
      if (!child.is_object()) child = json::object{};
      table = &child.get_object();
      rest.remove_prefix(dot + 1);
    }
    (*table)[rest] = value;
  }
  return root;
}

json::value parse_toml(const std::string& text, const Source& source) {
  return unflatten(host::parse_toml_settings(text, source.file, source.hint));
}

// Converts a byte offset into a 1-based line and column.
std::pair<std::size_t, std::size_t> line_and_column(const std::string& text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

json::value parse_json(const std::string& text, const Source& source) {
  json::stream_parser parser;
  boost::system::error_code error;
  std::size_t consumed = parser.write(text.data(), text.size(), error);
  if (!error) parser.finish(error);
  if (error) {
    auto [line, column] = line_and_column(text, consumed);
    fail_at(source, line, column, "invalid JSON: " + error.message());
  }
  return parser.release();
}

// Types an unquoted YAML scalar by the YAML 1.2 core schema. Any other scalar is a string.
json::value plain_scalar(const std::string& text) {
  static const std::regex kInteger("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (std::regex_match(text, kInteger)) {
    std::int64_t number = 0;
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    auto [end, error] = std::from_chars(begin, text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size()) return number;
  }
  if (std::regex_match(text, kFloat)) return std::stod(text);
  return json::value(text);
}

json::value yaml_to_json(const YAML::Node& node, const Source& source) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags a plain (unquoted) scalar "?" and a quoted one "!".
      return node.Tag() == "?" ? plain_scalar(node.Scalar()) : json::value(node.Scalar());
    case YAML::NodeType::Sequence: {
      json::array array;
      for (const YAML::Node& item : node) array.push_back(yaml_to_json(item, source));
      return array;
    }
    case YAML::NodeType::Map: {
      json::object object;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          fail_at(source, entry.first.Mark().line + 1, entry.first.Mark().column + 1,
                  "a mapping key must be a scalar");
        }
        object[entry.first.Scalar()] = yaml_to_json(entry.second, source);
      }
      return object;
    }
  }
  return nullptr;
}

json::value parse_yaml(const std::string& text, const Source& source) {
  try {
    return yaml_to_json(YAML::Load(text), source);
  } catch (const YAML::Exception& error) {
    fail_at(source, error.mark.line + 1, error.mark.column + 1, "invalid YAML: " + error.msg);
  }
}

enum class BatchFormat { kToml, kJson, kYaml };

BatchFormat format_of(const std::filesystem::path& file) {
  std::string extension = file.extension().string();
  if (extension == ".toml") return BatchFormat::kToml;
  if (extension == ".json") return BatchFormat::kJson;
  if (extension == ".yaml" || extension == ".yml") return BatchFormat::kYaml;
  throw sdk::Error::invalid_argument("batch file '" + file.string() + "' has the extension '" +
                                     extension +
                                     "'; name it .toml, .json, .yaml or .yml after "
                                     "its format");
}

json::value parse_batch_text(const std::string& text, const Source& source, BatchFormat format) {
  switch (format) {
    case BatchFormat::kToml:
      return parse_toml(text, source);
    case BatchFormat::kJson:
      return parse_json(text, source);
    case BatchFormat::kYaml:
      return parse_yaml(text, source);
  }
  return nullptr;
}

}  // namespace

json::object read_batch_file(const std::filesystem::path& file,
                             const std::filesystem::path& example) {
  Source source{file, "see " + example.string() + " for the format"};
  BatchFormat format = format_of(file);
  if (!std::filesystem::is_regular_file(file)) {
    throw sdk::Error::not_found("batch file '" + file.string() +
                                "' not found or not a regular file; " + source.hint);
  }
  json::value document = parse_batch_text(sdk::read_file(file), source, format);
  if (!document.is_object()) {
    throw sdk::Error::invalid_argument("batch file '" + file.string() +
                                       "' must be a table (TOML) or mapping (JSON, YAML) with "
                                       "an 'operations' list; " +
                                       source.hint);
  }
  const json::value* operations = document.get_object().if_contains("operations");
  if (operations == nullptr || !operations->is_array()) {
    throw sdk::Error::invalid_argument("batch file '" + file.string() +
                                       "' has no 'operations' list; " + source.hint);
  }
  return document.get_object();
}

}  // namespace provisioning::cli
