#pragma once

#include <provisioning/sdk/executor.h>

#include <filesystem>
#include <memory>
#include <string>

namespace provisioning::plugins::local_provider {

// Returns an executor for the local server `server_name` whose root directory is
// `root`, which must exist.
//
// Server paths are absolute and map into the root: "/etc/hosts" is <root>/etc/hosts. A
// path that is relative, climbs above "/" with "..", or reaches outside the root
// through a symbolic link is rejected with sdk::Error (kInvalidArgument).
//
// run() executes programs of this machine, looked up in this process's PATH, with the
// root as working directory and PROVISIONING_TARGET_ROOT=<root> in the environment.
std::unique_ptr<sdk::Executor> make_local_executor(const std::filesystem::path& root,
                                                   const std::string& server_name);

}  // namespace provisioning::plugins::local_provider
