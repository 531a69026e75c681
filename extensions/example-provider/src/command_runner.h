#pragma once

#include <provisioning/sdk/executor.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sandbox {

// Runs `argv` without a shell, looked up in PATH, in `working_directory`, with this
// process's environment plus `extra_environment` ("NAME=value" entries, which take
// precedence over variables of the same name). Standard output and standard error are
// captured together, and standard input is /dev/null.
//
// A program that cannot be found gives exit code 127 with a message as output, and a
// program killed by signal N gives 128 + N. Throws sdk::Error (kInvalidArgument) for
// an empty `argv` and (kUnavailable) when the process cannot be started or waited for.
provisioning::sdk::CommandResult run_command(const std::vector<std::string>& argv,
                                             const std::filesystem::path& working_directory,
                                             const std::vector<std::string>& extra_environment);

}  // namespace sandbox
