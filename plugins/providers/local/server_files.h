#pragma once

#include <provisioning/sdk/provider.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// The on-disk state of local servers: <servers_dir>/<name>/server.json beside the
// server's root directory <servers_dir>/<name>/root/.
namespace provisioning::plugins::local_provider {

// The content of one server.json.
struct ServerFile {
  std::string id;
  std::string name;
  std::string plan;
  std::string zone;
  sdk::ServerState state = sdk::ServerState::kCreating;
  std::string ip_address;
  std::string created_at;    // ISO 8601 UTC, such as "2026-01-31T12:00:00Z"
  sdk::json::object labels;  // ServerSpec.metadata, such as the workflow that made it
};

inline constexpr const char* kServerFileName = "server.json";
inline constexpr const char* kRootDirectoryName = "root";

// Writes `server` to `directory`/server.json atomically.
void write_server_file(const std::filesystem::path& directory, const ServerFile& server);

// Reads `directory`/server.json. Returns nothing when the file does not exist. Throws
// sdk::Error (kInvalidArgument) naming the file when it is invalid.
std::optional<ServerFile> read_server_file(const std::filesystem::path& directory);

// Reads the server.json of every server directory under `servers_dir`, sorted by name.
// A directory without server.json (left by an interrupted create) is reported through
// `skipped` and otherwise ignored.
std::vector<ServerFile> read_all_server_files(const std::filesystem::path& servers_dir,
                                              std::vector<std::filesystem::path>* skipped);

// Returns a loopback address 127.x.y.z derived from a hash of `name`, never 127.0.0.1
// and never one of `used_addresses`. The result depends only on these two arguments.
std::string loopback_address(const std::string& name,
                             const std::vector<std::string>& used_addresses);

}  // namespace provisioning::plugins::local_provider
