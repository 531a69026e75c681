#include "server_store.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/time_and_ids.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <regex>

namespace sandbox {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;

namespace {

constexpr const char* kRecordFile = "server.json";
constexpr const char* kRootDirectory = "rootfs";
constexpr const char* kLockFile = ".lock";
constexpr const char* kDefaultAddressPrefix = "127.100";

[[noreturn]] void throw_filesystem_error(const std::string& action,
                                         const std::filesystem::path& path,
                                         const std::string& reason) {
  throw sdk::Error::unavailable(action + " '" + path.string() + "' failed: " + reason);
}

// An exclusive flock() on a file, held until destruction. It excludes other processes
// and other open file descriptions of the same file.
class ExclusiveLock {
 public:
  explicit ExclusiveLock(const std::filesystem::path& file) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_filesystem_error("opening lock file", file, std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd_);
      throw_filesystem_error("locking", file, std::strerror(saved));
    }
  }
  ~ExclusiveLock() { ::close(fd_); }  // closing the descriptor releases the lock
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;

 private:
  int fd_ = -1;
};

bool is_octet(const std::string& text) {
  return !text.empty() && text.size() <= 3 && std::stoi(text) <= 255 &&
         (text == "0" || text.front() != '0');
}

}  // namespace

ServerStore::ServerStore(std::filesystem::path directory, std::string address_prefix,
                         std::shared_ptr<spdlog::logger> log)
    : directory_(std::move(directory)),
      address_prefix_(std::move(address_prefix)),
      log_(std::move(log)) {}

std::vector<ServerRecord> ServerStore::list() const {
  std::vector<ServerRecord> servers;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, error)) {
    if (!entry.is_directory()) continue;
    std::optional<ServerRecord> server = read_server_record(entry.path() / kRecordFile);
    if (server) {
      servers.push_back(std::move(*server));
    } else {
      log_->warn("ignoring '{}': it has no {}, so a create was interrupted. Delete the directory",
                 entry.path().string(), kRecordFile);
    }
  }
  // A missing directory means that no server was created yet. Any other error is real.
  if (error && error != std::errc::no_such_file_or_directory) {
    throw_filesystem_error("listing", directory_, error.message());
  }
  std::sort(servers.begin(), servers.end(),
            [](const ServerRecord& a, const ServerRecord& b) { return a.name < b.name; });
  return servers;
}

std::optional<ServerRecord> ServerStore::find(const std::string& id) const {
  for (ServerRecord& server : list()) {
    if (server.id == id) return std::move(server);
  }
  return std::nullopt;
}

ServerRecord ServerStore::create(const std::string& name, const std::string& plan,
                                 const std::string& zone) {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) throw_filesystem_error("creating directory", directory_, error.message());
  ExclusiveLock lock(directory_ / kLockFile);

  ServerRecord server;
  server.id = sdk::generate_uuid();
  server.name = name;
  server.plan = plan;
  server.zone = zone;
  server.ip_address = free_address();
  server.created_at = sdk::utc_timestamp();
  std::filesystem::path directory = claim_directory(name);
  try {
    provision(directory, server);
  } catch (...) {
    std::error_code ignored;  // the original error matters more than a failed cleanup
    std::filesystem::remove_all(directory, ignored);
    throw;
  }
  return server;
}

void ServerStore::remove(const ServerRecord& server) {
  std::filesystem::path directory = directory_ / server.name;
  std::error_code error;
  std::filesystem::remove_all(directory, error);
  if (error)
    throw_filesystem_error("deleting sandbox server directory", directory, error.message());
}

std::filesystem::path ServerStore::root_of(const std::string& name) const {
  return directory_ / name / kRootDirectory;
}

// Creates the server's directory. create_directory() fails when it exists, so a name is
// claimed once even by processes that do not share the lock.
std::filesystem::path ServerStore::claim_directory(const std::string& name) {
  std::filesystem::path directory = directory_ / name;
  std::error_code error;
  bool created = std::filesystem::create_directory(directory, error);
  if (error) throw_filesystem_error("creating server directory", directory, error.message());
  if (!created) {
    throw sdk::Error::already_exists("sandbox server '" + name + "' already exists at '" +
                                     directory.string() +
                                     "': delete it first or choose another name");
  }
  return directory;
}

// Records the server as creating, makes its file system, then records it as running, so
// a crash in between leaves a record in state creating.
void ServerStore::provision(const std::filesystem::path& directory, ServerRecord& server) {
  write_server_record(directory / kRecordFile, server);
  std::error_code error;
  std::filesystem::create_directory(directory / kRootDirectory, error);
  if (error)
    throw_filesystem_error("creating root directory", directory / kRootDirectory, error.message());
  server.state = sdk::ServerState::kRunning;
  write_server_record(directory / kRecordFile, server);
}

// Returns the lowest address <prefix>.x.y, with y from 1 to 254, that no server uses.
std::string ServerStore::free_address() const {
  std::vector<std::string> used;
  for (const ServerRecord& server : list()) used.push_back(server.ip_address);
  for (int x = 0; x <= 255; ++x) {
    for (int y = 1; y <= 254; ++y) {
      std::string address = address_prefix_ + "." + std::to_string(x) + "." + std::to_string(y);
      if (std::find(used.begin(), used.end(), address) == used.end()) return address;
    }
  }
  throw sdk::Error::unavailable("every sandbox address in " + address_prefix_ +
                                ".0.0/16 is taken: delete a sandbox server first");
}

std::string address_prefix_setting(const json::object& settings) {
  const json::value* value = settings.if_contains("address_prefix");
  if (value == nullptr) return kDefaultAddressPrefix;
  static const std::regex pattern("127\\.([0-9]{1,3})");
  std::smatch match;
  std::string text = value->is_string() ? std::string(value->get_string()) : "";
  if (!std::regex_match(text, match, pattern) || !is_octet(match[1].str())) {
    throw sdk::Error::invalid_argument(
        "invalid setting plugins.provider.sandbox.address_prefix = " + json::serialize(*value) +
        ": use a string of two octets starting with 127, such as \"127.100\", so every "
        "address is a loopback address");
  }
  return text;
}

}  // namespace sandbox
