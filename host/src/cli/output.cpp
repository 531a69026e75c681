#include <provisioning/sdk/error.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/cli.h"

namespace provisioning::cli {
namespace {

void write_pretty(std::string& out, const json::value& value, int indent) {
  std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (value.is_object() && !value.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, item] : value.get_object()) {
      if (!first) out += ",\n";
      first = false;
      out += inner + json::serialize(json::string(key)) + ": ";
      write_pretty(out, item, indent + 1);
    }
    out += "\n" + pad + "}";
  } else if (value.is_array() && !value.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : value.get_array()) {
      if (!first) out += ",\n";
      first = false;
      out += inner;
      write_pretty(out, item, indent + 1);
    }
    out += "\n" + pad + "]";
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

void on_run(CLI::App& command, Invocation& invocation, CommandAction action) {
  command.callback([&invocation, action = std::move(action)] { invocation.action = action; });
}

void print_json_or_table(const GlobalOptions& options, const json::value& value,
                         const std::vector<std::string>& columns,
                         const std::vector<std::vector<std::string>>& rows) {
  if (json_output(options)) {
    print_json(value);
  } else {
    print_table(columns, rows);
  }
}

json::array to_array(const std::vector<json::object>& records) {
  json::array array;
  for (const auto& record : records) array.push_back(record);
  return array;
}

bool json_output(const GlobalOptions& options) {
  return options.output == "json";
}

std::string pretty_json(const json::value& value) {
  std::string out;
  write_pretty(out, value, 0);
  return out;
}

void print_json(const json::value& value) {
  std::cout << pretty_json(value) << '\n';
}

void print_table(const std::vector<std::string>& columns,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& column : columns) widths.push_back(column.size());
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    std::cout << line << '\n';
  };
  print_row(columns);
  for (const auto& row : rows) print_row(row);
}

std::string join_strings(const json::array& items) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += ",";
    text += item.is_string() ? std::string(item.get_string()) : json::serialize(item);
  }
  return text;
}

std::string field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return {};
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}

void confirm(const GlobalOptions& options, const std::string& question) {
  if (options.yes || options.check) return;
  if (::isatty(STDIN_FILENO) == 0) {
    throw sdk::Error::invalid_argument(question +
                                       " Pass --yes to confirm (standard input is "
                                       "not a terminal, so nothing was asked).");
  }
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y" && answer != "yes") {
    throw sdk::Error::conflict("cancelled: nothing was changed");
  }
}

}  // namespace provisioning::cli
