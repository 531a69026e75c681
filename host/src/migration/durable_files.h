#pragma once

#include <filesystem>

namespace provisioning::host::migration {

// Flushes the directory entry changes (renames, new and removed files) of `directory`
// to disk with fsync(). Throws sdk::Error (kUnavailable) naming the directory.
void sync_directory(const std::filesystem::path& directory);

// Flushes the content of the file `file` to disk. Throws sdk::Error (kUnavailable).
void sync_file(const std::filesystem::path& file);

// Creates `directory` and its parents. Throws sdk::Error (kUnavailable) naming it.
void make_directories(const std::filesystem::path& directory);

// Renames `from` to `to` (same file system) and syncs the parent directories of both.
// Throws sdk::Error (kUnavailable) naming both paths.
void rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace provisioning::host::migration
