#include "workspace_config_writer.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <optional>
#include <sstream>

#include "migration/durable_files.h"

namespace provisioning::host {
namespace {

// One `key = value` assignment of the file, which may span several lines.
struct Assignment {
  std::size_t first_line = 0;
  std::size_t last_line = 0;
  std::string table;     // the [table] it is in, dotted; empty for the root table
  std::string full_key;  // table + "." + key, dotted, without quotes
  std::string prefix;    // the first line up to and including '='
  std::string comment;   // the trailing comment of the last line with the space before it
};

struct ScannedFile {
  std::vector<std::string> lines;
  std::vector<Assignment> assignments;
  std::vector<std::pair<std::size_t, std::string>> headers;  // line, table name
};

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

// Splits a dotted TOML key into its parts, removing quotes from quoted parts.
std::string normalize_key(std::string_view key) {
  std::string result;
  std::string part;
  char quote = 0;
  auto finish_part = [&] {
    result += (result.empty() ? "" : ".") + trim(part);
    part.clear();
  };
  for (char c : key) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        part += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '.') {
      finish_part();
    } else {
      part += c;
    }
  }
  finish_part();
  return result;
}

// Tracks brackets and strings across the lines of one value.
class ValueScanner {
 public:
  // Scans `text`; returns the offset of a comment that starts outside any string or
  // nothing.
  std::optional<std::size_t> scan(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (!multi_quote_.empty()) {
        if (text.substr(i, 3) == multi_quote_) {
          multi_quote_.clear();
          i += 2;
        } else if (text[i] == '\\' && multi_quote_ == "\"\"\"") {
          ++i;
        }
        continue;
      }
      char c = text[i];
      if (c == '#') return i;
      if (text.substr(i, 3) == "\"\"\"" || text.substr(i, 3) == "'''") {
        multi_quote_ = std::string(text.substr(i, 3));
        i += 2;
      } else if (c == '"' || c == '\'') {
        i = skip_string(text, i);
      } else if (c == '[' || c == '{') {
        ++depth_;
      } else if (c == ']' || c == '}') {
        --depth_;
      }
    }
    return std::nullopt;
  }

  bool complete() const { return depth_ <= 0 && multi_quote_.empty(); }

 private:
  static std::size_t skip_string(std::string_view text, std::size_t start) {
    char quote = text[start];
    for (std::size_t i = start + 1; i < text.size(); ++i) {
      if (quote == '"' && text[i] == '\\') {
        ++i;
      } else if (text[i] == quote) {
        return i;
      }
    }
    return text.size();
  }

  int depth_ = 0;
  std::string multi_quote_;
};

// Returns the offset of the '=' of an assignment line, outside quoted key parts.
std::optional<std::size_t> find_equals(std::string_view line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '=') {
      return i;
    }
  }
  return std::nullopt;
}

std::string header_name(const std::string& line) {
  std::string inner = trim(line).substr(1);
  auto close = inner.rfind(']');
  return normalize_key(close == std::string::npos ? inner : inner.substr(0, close));
}

// Scans the assignment starting at `index`; returns the index of its last line.
std::size_t scan_assignment(ScannedFile& file, std::size_t index, const std::string& table,
                            std::size_t equals) {
  const std::string& line = file.lines[index];
  Assignment assignment;
  assignment.first_line = index;
  assignment.table = table;
  std::string key = normalize_key(line.substr(0, equals));
  assignment.full_key = table.empty() ? key : table + "." + key;
  assignment.prefix = line.substr(0, equals + 1);

  ValueScanner scanner;
  std::string_view rest = std::string_view(line).substr(equals + 1);
  std::optional<std::size_t> comment = scanner.scan(rest);
  std::size_t comment_base = equals + 1;
  while (!scanner.complete() && index + 1 < file.lines.size()) {
    ++index;
    comment = scanner.scan(file.lines[index]);
    comment_base = 0;
  }
  assignment.last_line = index;
  if (comment) {
    const std::string& last = file.lines[index];
    std::size_t at = comment_base + *comment;
    std::size_t space = last.find_last_not_of(" \t", at == 0 ? 0 : at - 1);
    std::size_t start = space == std::string::npos ? 0 : space + 1;
    assignment.comment = last.substr(start);
  }
  file.assignments.push_back(std::move(assignment));
  return index;
}

ScannedFile scan_file(const std::string& text) {
  ScannedFile file;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) file.lines.push_back(line);

  std::string table;
  for (std::size_t index = 0; index < file.lines.size(); ++index) {
    std::string content = trim(file.lines[index]);
    if (content.empty() || content[0] == '#') continue;
    if (content.starts_with("[[")) {
      table = "[[" + header_name(content.substr(1)) + "]]";  // matches no dotted key
      file.headers.emplace_back(index, table);
    } else if (content[0] == '[') {
      table = header_name(content);
      file.headers.emplace_back(index, table);
    } else if (auto equals = find_equals(file.lines[index])) {
      index = scan_assignment(file, index, table, *equals);
    }
  }
  return file;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

std::string escape_toml_string(std::string_view value) {
  std::string text = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        text += "\\\"";
        break;
      case '\\':
        text += "\\\\";
        break;
      case '\n':
        text += "\\n";
        break;
      case '\t':
        text += "\\t";
        break;
      case '\r':
        text += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          text += escaped;
        } else {
          text += static_cast<char>(c);
        }
    }
  }
  return text + "\"";
}

std::string split_parent(std::string_view key, std::string& leaf) {
  auto dot = key.rfind('.');
  if (dot == std::string_view::npos) {
    leaf = std::string(key);
    return {};
  }
  leaf = std::string(key.substr(dot + 1));
  return std::string(key.substr(0, dot));
}

// Returns the key as written inside `table`: `full_key` without the table's prefix.
std::string relative_key(const std::string& full_key, const std::string& table) {
  return table.empty() ? full_key : full_key.substr(table.size() + 1);
}

// Inserts `key = value` for a key that no line sets.
void insert_assignment(ScannedFile& file, std::string_view key, const std::string& value_text) {
  std::string leaf;
  std::string parent = split_parent(key, leaf);
  // After the last assignment of a sibling key, in the table that line is in.
  const Assignment* sibling = nullptr;
  for (const Assignment& assignment : file.assignments) {
    std::string assignment_leaf;
    if (split_parent(assignment.full_key, assignment_leaf) == parent) sibling = &assignment;
  }
  if (sibling != nullptr) {
    std::string line = relative_key(std::string(key), sibling->table) + " = " + value_text;
    file.lines.insert(file.lines.begin() + static_cast<long>(sibling->last_line) + 1, line);
    return;
  }
  for (const auto& [line_index, table] : file.headers) {
    if (table == parent) {
      file.lines.insert(file.lines.begin() + static_cast<long>(line_index) + 1,
                        leaf + " = " + value_text);
      return;
    }
  }
  if (parent.empty()) {  // a root key goes before the first table
    std::size_t at = file.headers.empty() ? file.lines.size() : file.headers.front().first;
    file.lines.insert(file.lines.begin() + static_cast<long>(at), leaf + " = " + value_text);
    return;
  }
  if (!file.lines.empty() && !trim(file.lines.back()).empty()) file.lines.emplace_back();
  file.lines.push_back("[" + parent + "]");
  file.lines.push_back(leaf + " = " + value_text);
}

const Assignment* find_assignment(const ScannedFile& file, std::string_view key) {
  for (const Assignment& assignment : file.assignments) {
    if (assignment.full_key == key) return &assignment;
  }
  return nullptr;
}

toml::table parse_or_throw(const std::string& text, const std::filesystem::path& config_file,
                           std::string_view context) {
  try {
    return toml::parse(text, config_file.string());
  } catch (const toml::parse_error& error) {
    const toml::source_position& where = error.source().begin;
    std::ostringstream message;
    message << config_file.string() << ':' << where.line << ':' << where.column << ": "
            << error.description() << "; " << context;
    throw sdk::Error::invalid_argument(message.str());
  }
}

bool node_equals(const toml::node* node, const ConfigFileValue& value) {
  if (node == nullptr) return false;
  if (const auto* text = std::get_if<std::string>(&value)) {
    return node->value<std::string>() == *text;
  }
  if (const auto* number = std::get_if<std::int64_t>(&value)) {
    return node->value<std::int64_t>() == *number;
  }
  if (const auto* flag = std::get_if<bool>(&value)) return node->value<bool>() == *flag;
  const auto& items = std::get<std::vector<std::string>>(value);
  const toml::array* array = node->as_array();
  if (array == nullptr || array->size() != items.size()) return false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if ((*array)[i].value<std::string>() != items[i]) return false;
  }
  return true;
}

std::optional<std::string> read_if_exists(const std::filesystem::path& file) {
  try {
    return sdk::read_file(file);
  } catch (const sdk::Error& error) {
    if (error.code() == sdk::ErrorCode::kNotFound) return std::nullopt;
    throw;
  }
}

int file_mode(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return 0644;
  return static_cast<int>(info.st_mode & 07777);
}

void validate_key(std::string_view key, const std::filesystem::path& config_file) {
  bool valid = !key.empty() && key.front() != '.' && key.back() != '.' &&
               key.find("..") == std::string_view::npos;
  for (char c : key) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
    valid = valid && plain;
  }
  if (!valid) {
    throw sdk::Error::invalid_argument("invalid configuration key '" + std::string(key) + "' for " +
                                       config_file.string() +
                                       ": use dotted names of letters, digits, '_' and '-', "
                                       "such as storage.backend");
  }
}

void write_config(const std::filesystem::path& config_file, const std::string& text) {
  sdk::write_file_atomically(config_file, text, file_mode(config_file));
  migration::sync_directory(config_file.parent_path().empty() ? std::filesystem::path(".")
                                                              : config_file.parent_path());
}

}  // namespace

std::string to_toml_text(const ConfigFileValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return escape_toml_string(*text);
  if (const auto* number = std::get_if<std::int64_t>(&value)) return std::to_string(*number);
  if (const auto* flag = std::get_if<bool>(&value)) return *flag ? "true" : "false";
  std::string text = "[";
  for (const auto& item : std::get<std::vector<std::string>>(value)) {
    text += (text.size() > 1 ? ", " : "") + escape_toml_string(item);
  }
  return text + "]";
}

namespace {

// Edits `text` so that it sets `key` to `value`; checks the result with toml++.
std::string with_value(const std::string& text, const std::filesystem::path& config_file,
                       std::string_view key, const ConfigFileValue& value) {
  validate_key(key, config_file);
  ScannedFile file = scan_file(text);
  std::string value_text = to_toml_text(value);
  if (const Assignment* found = find_assignment(file, key)) {
    std::string line = found->prefix + " " + value_text + found->comment;
    auto first = file.lines.begin() + static_cast<long>(found->first_line);
    auto last = file.lines.begin() + static_cast<long>(found->last_line) + 1;
    file.lines.insert(file.lines.erase(first, last), line);
  } else {
    insert_assignment(file, key, value_text);
  }

  std::string updated = join_lines(file.lines);
  toml::table parsed = parse_or_throw(
      updated, config_file, "the file was left unchanged; set " + std::string(key) + " by hand");
  if (!node_equals(parsed.at_path(key).node(), value)) {
    throw sdk::Error::invalid_argument(
        "cannot set " + std::string(key) + " in " + config_file.string() +
        ": the file sets it in a form this command does not edit, such as an inline table; "
        "the file was left unchanged, so set it to " +
        value_text + " by hand");
  }
  return updated;
}

}  // namespace

void set_config_values(const std::filesystem::path& config_file,
                       const std::vector<std::pair<std::string, ConfigFileValue>>& values) {
  std::string text = read_if_exists(config_file).value_or("");
  parse_or_throw(text, config_file, "fix the file before changing it");
  for (const auto& [key, value] : values) text = with_value(text, config_file, key, value);
  write_config(config_file, text);
}

void set_config_value(const std::filesystem::path& config_file, std::string_view key,
                      const ConfigFileValue& value) {
  set_config_values(config_file, {{std::string(key), value}});
}

bool unset_config_value(const std::filesystem::path& config_file, std::string_view key) {
  validate_key(key, config_file);
  std::optional<std::string> original = read_if_exists(config_file);
  if (!original) return false;
  parse_or_throw(*original, config_file, "fix the file before removing " + std::string(key));

  ScannedFile file = scan_file(*original);
  const Assignment* found = find_assignment(file, key);
  if (found == nullptr) return false;
  file.lines.erase(file.lines.begin() + static_cast<long>(found->first_line),
                   file.lines.begin() + static_cast<long>(found->last_line) + 1);

  std::string updated = join_lines(file.lines);
  toml::table parsed = parse_or_throw(
      updated, config_file, "the file was left unchanged; remove " + std::string(key) + " by hand");
  if (parsed.at_path(key).node() != nullptr) {
    throw sdk::Error::invalid_argument("cannot remove " + std::string(key) + " from " +
                                       config_file.string() +
                                       ": the file sets it in a form this command does not "
                                       "edit; the file was left unchanged, so remove it by hand");
  }
  write_config(config_file, updated);
  return true;
}

}  // namespace provisioning::host
