#pragma once

#include <provisioning/sdk/executor.h>

#include <filesystem>
#include <string>
#include <vector>

namespace provisioning::plugins::local_provider {

// Runs `argv` with fork() and execve(), without a shell, in `working_directory`, with
// this process's environment plus `extra_environment` ("NAME=value" entries, which
// replace variables of the same name). Standard output and standard error are captured
// together, and standard input is /dev/null. A program that is not found gives exit
// code 127, and one that cannot be executed gives 126, each with a message as output. A
// program killed by signal N gives 128 + N. Throws sdk::Error (kInvalidArgument) for an
// empty `argv` and (kUnavailable) when the process cannot be started.
sdk::CommandResult run_process(const std::vector<std::string>& argv,
                               const std::filesystem::path& working_directory,
                               const std::vector<std::string>& extra_environment);

}  // namespace provisioning::plugins::local_provider
