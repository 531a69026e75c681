#include "bridge/translate.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;

// A legacy flag and the flag of this system that replaces it.
struct FlagRule {
  std::string_view legacy;
  std::string_view current;
  bool takes_value;
};

constexpr std::array<FlagRule, 9> kFlagRules = {{
    {"--dry-run", "--check", false},
    {"--check", "--check", false},
    {"--wait", "--wait", false},
    {"--yes", "--yes", false},
    {"-y", "--yes", false},
    {"--zone", "--zone", true},
    {"--output", "--output", true},
    {"-o", "--output", true},
    {"--out", "--output", true},
}};

struct Verb {
  std::string_view word;
  OperationKind kind;
};

constexpr std::array<Verb, 4> kServerVerbs = {{
    {"create", OperationKind::kServerCreate},
    {"delete", OperationKind::kServerDelete},
    {"list", OperationKind::kServerList},
    {"show", OperationKind::kServerShow},
}};

const FlagRule* find_rule(std::string_view flag) {
  for (const FlagRule& rule : kFlagRules) {
    if (rule.legacy == flag) return &rule;
  }
  return nullptr;
}

std::optional<OperationKind> server_operation(const std::vector<std::string>& legacy) {
  if (legacy.size() < 2 || legacy[0] != "server") return std::nullopt;
  for (const Verb& verb : kServerVerbs) {
    if (verb.word == legacy[1]) return verb.kind;
  }
  return std::nullopt;
}

void apply_flag(TranslatedCommand& command, const FlagRule& rule, const std::string& value) {
  command.arguments.emplace_back(rule.current);
  if (rule.takes_value) command.arguments.push_back(value);
  if (rule.current == "--check") command.check = true;
  if (rule.current == "--wait") command.wait = true;
  if (rule.current == "--zone") command.zone = value;
  if (rule.current == "--output") command.output = value;
}

// Translates the token at `index`, which may consume the next token as a flag value.
// Returns the index of the last token consumed.
std::size_t translate_token(TranslatedCommand& command, const std::vector<std::string>& legacy,
                            std::size_t index, std::size_t command_words) {
  const std::string& token = legacy[index];
  if (index < command_words) {
    command.arguments.push_back(token);
    return index;
  }
  if (!token.starts_with("-") || token == "-") {
    command.arguments.push_back(token);
    command.positionals.push_back(token);
    return index;
  }
  std::size_t equals = token.find('=');
  std::string name = token.substr(0, equals);
  const FlagRule* rule = find_rule(name);
  if (rule == nullptr) {
    command.arguments.push_back(token);
    command.passed_through.push_back(token);
    return index;
  }
  if (!rule->takes_value) {
    apply_flag(command, *rule, "");
    return index;
  }
  if (equals != std::string::npos) {
    apply_flag(command, *rule, token.substr(equals + 1));
    return index;
  }
  if (index + 1 >= legacy.size()) {
    throw sdk::Error::invalid_argument("legacy flag " + name + " needs a value; pass it as " +
                                       name + "=VALUE");
  }
  apply_flag(command, *rule, legacy[index + 1]);
  return index + 1;
}

bool needs_quotes(const std::string& word) {
  if (word.empty()) return true;
  return std::any_of(word.begin(), word.end(), [](char c) {
    return !(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
             c == '/' || c == '=' || c == ':' || c == ',' || c == '@' || c == '+');
  });
}

std::string required_positional(const TranslatedCommand& command, std::size_t index,
                                std::string_view what, std::string_view usage) {
  if (index < command.positionals.size()) return command.positionals[index];
  throw sdk::Error::invalid_argument(std::string(to_string(*command.operation)) + " needs " +
                                     std::string(what) + "; use " + std::string(usage));
}

json::value field_or_null(const json::object& record, std::string_view key) {
  const json::value* value = record.if_contains(key);
  return value != nullptr ? *value : json::value(nullptr);
}

}  // namespace

TranslatedCommand translate_legacy_command(const std::vector<std::string>& legacy) {
  if (legacy.empty()) {
    throw sdk::Error::invalid_argument(
        "no legacy command given; pass one after '--', such as "
        "'provisioning bridge translate -- server create web-01 2xCPU-4GB'");
  }
  TranslatedCommand command;
  command.operation = server_operation(legacy);
  std::size_t command_words = command.operation ? 2 : 0;
  for (std::size_t index = 0; index < legacy.size(); ++index) {
    index = translate_token(command, legacy, index, command_words);
  }
  bool orchestrated = std::find(command.arguments.begin(), command.arguments.end(),
                                "--orchestrated") != command.arguments.end();
  if (command.operation == OperationKind::kServerCreate && !orchestrated) {
    command.arguments.emplace_back("--orchestrated");
  }
  return command;
}

BridgeOperation to_bridge_operation(const TranslatedCommand& command) {
  if (!command.operation) {
    throw sdk::Error::invalid_argument("'" + quote_command(command.arguments) +
                                       "' is not a server operation the bridge routes");
  }
  BridgeOperation operation;
  operation.kind = *command.operation;
  operation.check = command.check;
  operation.wait = command.wait;
  operation.zone = command.zone;
  if (operation.kind == OperationKind::kServerList) return operation;
  std::string usage = "'" + std::string(to_string(operation.kind)) + " NAME" +
                      (operation.kind == OperationKind::kServerCreate ? " PLAN'" : "'");
  operation.server = required_positional(command, 0, "a server name", usage);
  if (operation.kind != OperationKind::kServerCreate) return operation;
  required_positional(command, 1, "a plan", usage);
  for (std::size_t i = 1; i < command.positionals.size(); ++i) {
    operation.plan += (operation.plan.empty() ? "" : " ") + command.positionals[i];
  }
  return operation;
}

std::string quote_command(const std::vector<std::string>& arguments) {
  std::string line;
  for (const std::string& word : arguments) {
    if (!line.empty()) line += ' ';
    if (!needs_quotes(word)) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

json::object to_v2_response(const json::object& record, std::string_view now,
                            const std::function<std::string()>& generate_id) {
  json::object response;
  json::object metadata;
  for (const auto& [key, value] : record) {
    if (key == "id" || key == "name" || key == "status" || key == "created_at") continue;
    if (key == "created" && !record.contains("created_at")) continue;
    if (key == "metadata" && value.is_object()) {
      for (const auto& [inner, item] : value.as_object()) metadata[inner] = item;
      continue;
    }
    metadata[key] = value;
  }
  const json::value* id = record.if_contains("id");
  bool has_id = id != nullptr && id->is_string() && !id->as_string().empty();
  response["id"] = has_id ? *id : json::value(generate_id());
  response["name"] = field_or_null(record, "name");
  response["status"] = field_or_null(record, "status");
  if (const json::value* created = record.if_contains("created_at")) {
    response["created_at"] = *created;
  } else if (const json::value* legacy = record.if_contains("created")) {
    response["created_at"] = *legacy;
  } else {
    response["created_at"] = now;
  }
  response["metadata"] = std::move(metadata);
  response["version"] = "v2-compat";
  return response;
}

json::object legacy_server_view(const json::object& record) {
  json::object view;
  for (std::string_view key : {"name", "plan", "zone", "status"}) {
    view[key] = field_or_null(record, key);
  }
  view["ip"] =
      record.contains("ip_address") ? record.at("ip_address") : field_or_null(record, "ip");
  view["created"] =
      record.contains("created_at") ? record.at("created_at") : field_or_null(record, "created");
  return view;
}

json::value to_legacy_shape(const json::value& result) {
  if (result.is_object()) return legacy_server_view(result.as_object());
  if (!result.is_array()) return result;
  json::array array;
  for (const json::value& item : result.as_array()) {
    array.push_back(item.is_object() ? json::value(legacy_server_view(item.as_object())) : item);
  }
  return array;
}

}  // namespace provisioning::host::bridge
