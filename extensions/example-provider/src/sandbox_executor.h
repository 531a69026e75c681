#pragma once

#include <provisioning/sdk/executor.h>

#include <filesystem>
#include <memory>
#include <string>

namespace sandbox {

// Returns an executor for the sandbox server `server_name`, whose file system is the
// existing directory `root`.
//
// Server paths are absolute and map into the root: "/etc/hosts" is <root>/etc/hosts. A
// path that is relative, climbs above "/" with "..", or leaves the root through a
// symbolic link is rejected with sdk::Error (kInvalidArgument).
//
// run() executes programs of this machine, found in this process's PATH, with the root
// as working directory and SANDBOX_ROOT=<root> in their environment. The programs are
// not confined to the root: the sandbox separates files, not processes.
std::unique_ptr<provisioning::sdk::Executor> make_executor(const std::filesystem::path& root,
                                                           const std::string& server_name);

}  // namespace sandbox
