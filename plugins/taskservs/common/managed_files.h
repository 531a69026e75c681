#pragma once

#include <provisioning/sdk/executor.h>
#include <provisioning/sdk/taskserv.h>

#include <string>
#include <vector>

// Ownership of the files a taskserv installs. Each install leaves a version record at
// /var/lib/provisioning/taskservs/<taskserv>.json on the server with the taskserv's
// name, version, installed_at and the files it owns, each with a hash of the content it
// wrote. remove() deletes exactly those files, and status() compares them with the
// hashes to report drift.
namespace provisioning::plugins::taskserv_common {

// A file a taskserv owns on the server, with the content install() writes.
struct ManagedFile {
  std::string path;  // absolute path on the server
  std::string content;
  int mode = 0644;
};

// Returns the path of the version record of `taskserv` on the server.
std::string version_record_path(const std::string& taskserv);

// Writes `files` and the version record, and removes files that an earlier install
// owned and this one does not. Installing the same version with the same content again
// keeps installed_at, so a repeated install writes the same bytes.
void install_files(sdk::Executor& server, const std::string& taskserv, const std::string& version,
                   const std::vector<ManagedFile>& files);

// Removes the files listed in the version record, then the record. Directories are
// left in place, since other software may use them. Returns false when nothing was
// installed.
bool remove_files(sdk::Executor& server, const std::string& taskserv);

// Reports what the version record lists. `detail` names every file that is missing or
// whose content differs from what install wrote, and a version other than
// `plugin_version`.
sdk::TaskservStatus installed_status(sdk::Executor& server, const std::string& taskserv,
                                     const std::string& plugin_version);

}  // namespace provisioning::plugins::taskserv_common
