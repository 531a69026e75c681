#pragma once

#include <provisioning/sdk/provider.h>

#include <filesystem>
#include <optional>
#include <string>

namespace sandbox {

// What the sandbox provider records about one server, in its server.json.
struct ServerRecord {
  std::string id;
  std::string name;
  std::string plan;
  std::string zone;
  provisioning::sdk::ServerState state = provisioning::sdk::ServerState::kCreating;
  std::string ip_address;
  std::string created_at;  // RFC 3339 UTC, as sdk::utc_timestamp() returns it
};

// Writes `server` to `file` atomically.
void write_server_record(const std::filesystem::path& file, const ServerRecord& server);

// Reads `file`. Returns nothing when it does not exist, and throws sdk::Error
// (kInvalidArgument) naming the file and the field when it is invalid.
std::optional<ServerRecord> read_server_record(const std::filesystem::path& file);

}  // namespace sandbox
