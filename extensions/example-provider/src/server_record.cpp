#include "server_record.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <provisioning/sdk/json.h>

#include <array>

namespace sandbox {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;

namespace {

constexpr std::array kStates = {sdk::ServerState::kCreating, sdk::ServerState::kRunning,
                                sdk::ServerState::kStopped, sdk::ServerState::kDeleted,
                                sdk::ServerState::kError};

[[noreturn]] void throw_invalid(const std::filesystem::path& file, const std::string& reason) {
  throw sdk::Error::invalid_argument("sandbox server record '" + file.string() + "' is invalid (" +
                                     reason + "): delete its directory '" +
                                     file.parent_path().string() + "' and create the server again");
}

std::string string_field(const json::object& object, std::string_view key,
                         const std::filesystem::path& file) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    throw_invalid(file, "missing string field '" + std::string(key) + "'");
  }
  return std::string(value->get_string());
}

sdk::ServerState parse_state(const std::string& name, const std::filesystem::path& file) {
  for (sdk::ServerState state : kStates) {
    if (name == sdk::to_string(state)) return state;
  }
  throw_invalid(file, "unknown state '" + name + "'");
}

}  // namespace

void write_server_record(const std::filesystem::path& file, const ServerRecord& server) {
  json::object object{{"id", server.id},
                      {"name", server.name},
                      {"plan", server.plan},
                      {"zone", server.zone},
                      {"state", sdk::to_string(server.state)},
                      {"ip_address", server.ip_address},
                      {"created_at", server.created_at}};
  sdk::write_file_atomically(file, json::serialize(object) + "\n", 0644);
}

std::optional<ServerRecord> read_server_record(const std::filesystem::path& file) {
  std::string text;
  try {
    text = sdk::read_file(file);
  } catch (const sdk::Error& error) {
    if (error.code() == sdk::ErrorCode::kNotFound) return std::nullopt;
    throw;
  }
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error) throw_invalid(file, error.message());
  if (!value.is_object()) throw_invalid(file, "not a JSON object");
  const json::object& object = value.get_object();
  ServerRecord server;
  server.id = string_field(object, "id", file);
  server.name = string_field(object, "name", file);
  server.plan = string_field(object, "plan", file);
  server.zone = string_field(object, "zone", file);
  server.state = parse_state(string_field(object, "state", file), file);
  server.ip_address = string_field(object, "ip_address", file);
  server.created_at = string_field(object, "created_at", file);
  return server;
}

}  // namespace sandbox
