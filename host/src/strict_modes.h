#pragma once

#include <filesystem>
#include <string>

namespace provisioning::host {

// Checks that only root or the user running provisioning can change the code in a
// plugin file, in the spirit of sshd's StrictModes. The file and the directory that
// contains it must both be owned by root or the effective user and must not be writable
// by group or others. A symbolic link is followed: the target file and the directory
// that contains the target are checked as well as the directory that contains the
// link, so a development install may link to a build tree. Directories above those are
// not checked.
//
// Returns an empty string when the file passes. Otherwise returns why it must not be
// used: the path, its owner or octal mode, and the command that fixes it.
std::string insecure_plugin_file_problem(const std::filesystem::path& file);

}  // namespace provisioning::host
