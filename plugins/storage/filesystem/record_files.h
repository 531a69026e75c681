#pragma once

#include <provisioning/sdk/json.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// File operations of the filesystem storage backend. Every function throws sdk::Error
// naming the file on failure.
namespace provisioning::plugins::filesystem_storage {

namespace json = provisioning::sdk::json;

inline constexpr std::string_view kRecordSuffix = ".json";

// Returns the content of `path`, or nothing when it does not exist.
std::optional<std::string> read_if_exists(const std::filesystem::path& path);

// Parses the content of a record file. Throws kInvalidArgument naming `path` and the
// line and column of the first error, or saying that the value is not an object.
json::object parse_record(const std::filesystem::path& path, std::string_view text);

// Returns the ids of the records in `directory`, sorted ascending. Files whose name is
// not "<valid id>.json" are skipped, and so are the temporary files of atomic writes.
// A missing directory has no records.
std::vector<std::string> list_record_ids(const std::filesystem::path& directory,
                                         std::string_view collection);

// Returns whether `directory` contains at least one record file.
bool has_records(const std::filesystem::path& directory, std::string_view collection);

// Removes `path` when it exists. Returns whether it did.
bool remove_file(const std::filesystem::path& path);

// Flushes `directory` to disk, so a rename or removal in it survives a crash.
void sync_directory(const std::filesystem::path& directory);

}  // namespace provisioning::plugins::filesystem_storage
