#pragma once

#include <provisioning/sdk/json.h>
#include <spdlog/logger.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server_record.h"

namespace sandbox {

// The servers of one workspace, kept as <directory>/<name>/server.json beside the
// server's file system <directory>/<name>/rootfs/.
//
// Several processes may use one store at once: create() holds an exclusive lock on
// <directory>/.lock while it claims the name and picks an address, so two servers never
// get the same address. Every method throws sdk::Error naming the path on failure.
class ServerStore {
 public:
  // `address_prefix` is the first two octets of every address, such as "127.100".
  ServerStore(std::filesystem::path directory, std::string address_prefix,
              std::shared_ptr<spdlog::logger> log);

  // Returns every server, sorted by name. A directory without server.json, left by a
  // create that was interrupted, is logged and skipped.
  std::vector<ServerRecord> list() const;

  std::optional<ServerRecord> find(const std::string& id) const;

  // Creates the server's directory and file system and returns it as running. Throws
  // kAlreadyExists when a server of that name exists, and kUnavailable when the
  // address range is full.
  ServerRecord create(const std::string& name, const std::string& plan, const std::string& zone);

  // Deletes the server's directory and everything in it.
  void remove(const ServerRecord& server);

  // The directory executors see as "/" of the server.
  std::filesystem::path root_of(const std::string& name) const;

 private:
  std::filesystem::path claim_directory(const std::string& name);
  void provision(const std::filesystem::path& directory, ServerRecord& server);
  std::string free_address() const;

  std::filesystem::path directory_;
  std::string address_prefix_;
  std::shared_ptr<spdlog::logger> log_;
};

// Returns the address_prefix setting: two dot-separated octets starting with 127, so
// every address is a loopback address, such as "127.100" (the default). Throws
// sdk::Error (kInvalidArgument) naming the value otherwise.
std::string address_prefix_setting(const provisioning::sdk::json::object& settings);

}  // namespace sandbox
