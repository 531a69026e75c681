#pragma once

#include <provisioning/sdk/executor.h>
#include <provisioning/sdk/taskserv.h>

#include <string>
#include <vector>

#include "nginx_files.h"

// The record of what the nginx taskserv installed on a server, kept on the server at
// /var/lib/provisioning/taskservs/nginx.json: the version and each file it wrote, with
// a hash of the content. remove() deletes exactly those files, and status() compares
// them with the hashes to report drift.
namespace nginx {

// Writes `files` and the record, and removes the files an earlier install wrote that
// this one does not (such as the old index.html after document_root changed).
// Installing the same files again writes the same bytes.
void install_files(provisioning::sdk::Executor& server, const std::string& version,
                   const std::vector<ManagedFile>& files);

// Removes the recorded files, then the record. Returns false when nothing was installed.
bool remove_files(provisioning::sdk::Executor& server);

// Reports the recorded version and files. `detail` names each file that is missing or
// changed since install, and a version other than `plugin_version`.
provisioning::sdk::TaskservStatus installed_status(provisioning::sdk::Executor& server,
                                                   const std::string& plugin_version);

}  // namespace nginx
