#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace provisioning::plugins::local_provider {

// Loopback addresses in use, one empty file per address in a directory
// (<state_dir>/local-addresses/127.x.y.z). Creating a file with O_EXCL claims an address
// atomically, also across processes, so a create costs no scan of existing servers.
class AddressClaims {
 public:
  explicit AddressClaims(std::filesystem::path directory) : directory_(std::move(directory)) {}

  // Claims the first free address derived from `name`, or the address that an
  // interrupted create of `name` claimed. The claim file contains the name. `existing` lists the
  // addresses of servers created before this directory existed; it is read only to set the
  // directory up once.
  std::string claim(const std::string& name, const std::vector<std::string>& existing);

  // Frees an address; freeing one that is not claimed does nothing.
  void release(const std::string& address);

  // Returns whether the directory exists, so a caller knows it must pass `existing`.
  bool initialized() const;

 private:
  void initialize(const std::vector<std::string>& existing);

  std::filesystem::path directory_;
};

}  // namespace provisioning::plugins::local_provider
