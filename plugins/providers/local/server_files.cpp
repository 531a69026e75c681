#include "server_files.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <ctime>
#include <random>

namespace provisioning::plugins::local_provider {

namespace {

namespace json = sdk::json;

constexpr std::array kStates = {sdk::ServerState::kCreating, sdk::ServerState::kRunning,
                                sdk::ServerState::kStopped, sdk::ServerState::kDeleted,
                                sdk::ServerState::kError};

std::optional<sdk::ServerState> parse_state(std::string_view text) {
  for (sdk::ServerState state : kStates) {
    if (text == sdk::to_string(state)) return state;
  }
  return std::nullopt;
}

[[noreturn]] void throw_invalid_file(const std::filesystem::path& file, const std::string& reason) {
  throw sdk::Error::invalid_argument("server state file '" + file.string() + "' is invalid (" +
                                     reason +
                                     "): fix it, or delete the server's directory to forget it");
}

std::string string_field(const json::object& object, std::string_view key,
                         const std::filesystem::path& file) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    throw_invalid_file(file, "missing string field '" + std::string(key) + "'");
  }
  return std::string(value->get_string());
}

ServerFile from_json(const json::object& object, const std::filesystem::path& file) {
  ServerFile server;
  server.id = string_field(object, "id", file);
  server.name = string_field(object, "name", file);
  server.plan = string_field(object, "plan", file);
  server.zone = string_field(object, "zone", file);
  std::string state = string_field(object, "state", file);
  auto parsed = parse_state(state);
  if (!parsed) throw_invalid_file(file, "unknown state '" + state + "'");
  server.state = *parsed;
  server.ip_address = string_field(object, "ip_address", file);
  server.created_at = string_field(object, "created_at", file);
  // Files written before labels were kept have none.
  if (const json::value* labels = object.if_contains("labels")) {
    if (!labels->is_object()) throw_invalid_file(file, "field 'labels' is not an object");
    server.labels = labels->as_object();
  }
  return server;
}

json::object to_json(const ServerFile& server) {
  return json::object{
      {"id", server.id},
      {"name", server.name},
      {"plan", server.plan},
      {"zone", server.zone},
      {"state", sdk::to_string(server.state)},
      {"ip_address", server.ip_address},
      {"created_at", server.created_at},
      {"labels", server.labels},
  };
}

// 32-bit FNV-1a: small, stable across builds and platforms, unlike std::hash.
std::uint32_t fnv1a(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::string address_from_hash(std::uint32_t hash) {
  unsigned second = (hash >> 16) & 0xffu;
  unsigned third = (hash >> 8) & 0xffu;
  unsigned fourth = 1 + (hash & 0xffu) % 254;  // 1..254: no network or broadcast look
  return "127." + std::to_string(second) + "." + std::to_string(third) + "." +
         std::to_string(fourth);
}

}  // namespace

void write_server_file(const std::filesystem::path& directory, const ServerFile& server) {
  sdk::write_file_atomically(directory / kServerFileName, json::serialize(to_json(server)) + "\n",
                             0644);
}

std::optional<ServerFile> read_server_file(const std::filesystem::path& directory) {
  const std::filesystem::path file = directory / kServerFileName;
  std::string text;
  try {
    text = sdk::read_file(file);
  } catch (const sdk::Error& error) {
    if (error.code() == sdk::ErrorCode::kNotFound) return std::nullopt;
    throw;
  }
  boost::system::error_code parse_error;
  json::value value = json::parse(text, parse_error);
  if (parse_error) throw_invalid_file(file, parse_error.message());
  if (!value.is_object()) throw_invalid_file(file, "not a JSON object");
  return from_json(value.as_object(), file);
}

std::vector<ServerFile> read_all_server_files(const std::filesystem::path& servers_dir,
                                              std::vector<std::filesystem::path>* skipped) {
  std::vector<ServerFile> servers;
  std::error_code error;
  std::filesystem::directory_iterator entries(servers_dir, error);
  if (error == std::errc::no_such_file_or_directory) return servers;
  if (error) {
    throw sdk::Error::unavailable("cannot read server directory '" + servers_dir.string() +
                                  "': " + error.message());
  }
  for (const auto& entry : entries) {
    std::error_code type_error;
    if (!entry.is_directory(type_error)) continue;
    if (auto server = read_server_file(entry.path())) {
      servers.push_back(std::move(*server));
    } else if (skipped != nullptr) {
      skipped->push_back(entry.path());
    }
  }
  std::sort(servers.begin(), servers.end(),
            [](const ServerFile& a, const ServerFile& b) { return a.name < b.name; });
  return servers;
}

std::string loopback_address(const std::string& name,
                             const std::vector<std::string>& used_addresses) {
  // Rehashes with an attempt counter until the address is free; there are about 16
  // million candidates, so this ends after very few attempts.
  for (std::uint32_t attempt = 0;; ++attempt) {
    std::string seed = attempt == 0 ? name : name + "#" + std::to_string(attempt);
    std::string address = address_from_hash(fnv1a(seed));
    bool is_used =
        std::find(used_addresses.begin(), used_addresses.end(), address) != used_addresses.end();
    if (address != "127.0.0.1" && !is_used) return address;
  }
}

}  // namespace provisioning::plugins::local_provider
