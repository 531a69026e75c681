#include "address_claims.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/time_and_ids.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "server_files.h"

namespace provisioning::plugins::local_provider {
namespace sdk = provisioning::sdk;
namespace {

// Creates `file` with `content` and returns true, or returns false when it already exists.
bool create_exclusive(const std::filesystem::path& file, const std::string& content = {}) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd >= 0) {
    // A short write only leaves a claim that no later create adopts.
    [[maybe_unused]] ssize_t written = ::write(fd, content.data(), content.size());
    ::close(fd);
    return true;
  }
  if (errno == EEXIST) return false;
  throw sdk::Error::unavailable("cannot claim address file '" + file.string() +
                                "': " + std::strerror(errno));
}

// Returns the server name written in a claim file, or "" when it names none.
std::string claimant(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

bool AddressClaims::initialized() const {
  return std::filesystem::is_directory(directory_);
}

void AddressClaims::initialize(const std::vector<std::string>& existing) {
  // Build the directory aside and move it into place, so other processes and threads see
  // either no directory or a complete one. RENAME_NOREPLACE is needed because a plain
  // rename() replaces an empty directory and so drops the claims made in it meanwhile.
  std::filesystem::path staging = directory_;
  staging += ".tmp-" + sdk::generate_uuid();
  std::filesystem::create_directories(staging);
  for (const auto& address : existing) create_exclusive(staging / address);
  int moved =
      ::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, directory_.c_str(), RENAME_NOREPLACE);
  if (moved != 0 && errno == EINVAL) {
    moved = ::rename(staging.c_str(), directory_.c_str());  // file system without the flag
  }
  if (moved != 0) {
    std::error_code ignored;  // another process or thread set it up first, which is as good
    std::filesystem::remove_all(staging, ignored);
  }
}

std::string AddressClaims::claim(const std::string& name,
                                 const std::vector<std::string>& existing) {
  if (!initialized()) initialize(existing);
  std::vector<std::string> taken;
  while (true) {
    std::string address = loopback_address(name, taken);
    if (create_exclusive(directory_ / address, name)) return address;
    // A claim that names this server was left by an interrupted create of the same
    // name. The caller has claimed the server's directory, so no other create can.
    if (claimant(directory_ / address) == name) return address;
    taken.push_back(address);
  }
}

void AddressClaims::release(const std::string& address) {
  if (address.empty()) return;
  std::error_code ignored;  // nothing to free is fine
  std::filesystem::remove(directory_ / address, ignored);
}

}  // namespace provisioning::plugins::local_provider
