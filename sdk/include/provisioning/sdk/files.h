#pragma once

#include <filesystem>
#include <string>

namespace provisioning::sdk {

// Writes `content` to `path` through a temporary file in the same directory, fsync and
// rename, so a reader or a crash sees either the old file or the new one. Creates
// missing parent directories. `mode` is the permission bits of the new file. Throws
// Error (kUnavailable) naming the path and the system error on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& content,
                           int mode = 0644);

// Returns the whole content of `path`. Throws Error (kNotFound or kUnavailable).
std::string read_file(const std::filesystem::path& path);

}  // namespace provisioning::sdk
