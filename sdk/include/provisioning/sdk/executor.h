#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace provisioning::sdk {

// Result of a command run on a server.
struct CommandResult {
  int exit_code = 0;
  std::string output;  // standard output and standard error, interleaved
};

// Runs steps on one server on behalf of a taskserv. A provider creates it with
// Provider::executor(); it stays valid while the provider object lives.
//
// Paths are absolute paths as seen on the server ("/etc/containerd/config.toml"). An
// executor confines them to the server: a path that escapes it (through "..") is
// rejected with ErrorCode::kInvalidArgument. Every method throws Error on failure.
// An executor is used by one thread at a time.
class Executor {
 public:
  virtual ~Executor();

  // Host name or address of the server, for messages.
  virtual std::string target() const = 0;

  // Writes `content` to `path` atomically (a reader sees the old or the new file),
  // creating parent directories. `mode` is the permission bits, such as 0644.
  virtual void write_file(const std::filesystem::path& path, const std::string& content,
                          int mode) = 0;

  // Returns the content of `path`; throws ErrorCode::kNotFound when it does not exist.
  virtual std::string read_file(const std::filesystem::path& path) = 0;

  virtual bool exists(const std::filesystem::path& path) = 0;

  // Removes a file, or a directory with its contents. Removing a missing path is not
  // an error. Returns whether anything was removed.
  virtual bool remove(const std::filesystem::path& path) = 0;

  virtual void create_directories(const std::filesystem::path& path) = 0;

  // Runs `argv` (no shell) on the server and waits for it to exit.
  virtual CommandResult run(const std::vector<std::string>& argv) = 0;
};

}  // namespace provisioning::sdk
