#include "record_files.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <provisioning/sdk/storage.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace provisioning::plugins::filesystem_storage {

namespace sdk = provisioning::sdk;

namespace {

bool is_valid_key(std::string_view collection, std::string_view id) {
  try {
    sdk::validate_record_key(collection, id);
    return true;
  } catch (const sdk::Error&) {
    return false;
  }
}

// Returns the id stored in the file `name`, or nothing when `name` is not a record file.
std::optional<std::string> record_id(const std::filesystem::directory_entry& entry,
                                     std::string_view collection) {
  std::string name = entry.path().filename().string();
  if (name.size() <= kRecordSuffix.size() || !name.ends_with(kRecordSuffix)) return std::nullopt;
  std::string id = name.substr(0, name.size() - kRecordSuffix.size());
  if (!is_valid_key(collection, id)) return std::nullopt;
  std::error_code error;
  if (!entry.is_regular_file(error)) return std::nullopt;
  return id;
}

// Converts a byte offset into "line L, column C", both counted from 1.
std::string describe_position(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

[[noreturn]] void throw_directory_error(const std::filesystem::path& directory,
                                        const std::error_code& error) {
  throw sdk::Error::unavailable("cannot read storage directory '" + directory.string() +
                                "': " + error.message());
}

}  // namespace

std::optional<std::string> read_if_exists(const std::filesystem::path& path) {
  try {
    return sdk::read_file(path);
  } catch (const sdk::Error& error) {
    if (error.code() == sdk::ErrorCode::kNotFound) return std::nullopt;
    throw;
  }
}

json::object parse_record(const std::filesystem::path& path, std::string_view text) {
  json::parser parser;
  boost::system::error_code error;
  std::size_t consumed = parser.write(text.data(), text.size(), error);
  if (error) {
    throw sdk::Error::invalid_argument(
        "record file '" + path.string() + "' is not valid JSON (" + error.message() + " at " +
        describe_position(text, consumed) + "): fix the file or delete it");
  }
  json::value value = parser.release();
  if (!value.is_object()) {
    throw sdk::Error::invalid_argument("record file '" + path.string() +
                                       "' does not contain a JSON object: fix the file or "
                                       "delete it");
  }
  return std::move(value.as_object());
}

std::vector<std::string> list_record_ids(const std::filesystem::path& directory,
                                         std::string_view collection) {
  std::vector<std::string> ids;
  std::error_code error;
  std::filesystem::directory_iterator entries(directory, error);
  if (error == std::errc::no_such_file_or_directory) return ids;
  if (error) throw_directory_error(directory, error);
  for (const auto& entry : entries) {
    if (auto id = record_id(entry, collection)) ids.push_back(std::move(*id));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool has_records(const std::filesystem::path& directory, std::string_view collection) {
  std::error_code error;
  std::filesystem::directory_iterator entries(directory, error);
  if (error) throw_directory_error(directory, error);
  return std::any_of(begin(entries), end(entries),
                     [&](const auto& entry) { return record_id(entry, collection).has_value(); });
}

bool remove_file(const std::filesystem::path& path) {
  std::error_code error;
  bool removed = std::filesystem::remove(path, error);
  if (error) {
    throw sdk::Error::unavailable("cannot remove record file '" + path.string() +
                                  "': " + error.message());
  }
  return removed;
}

void sync_directory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int saved = errno;
    if (fd >= 0) ::close(fd);
    throw sdk::Error::unavailable("cannot flush storage directory '" + directory.string() +
                                  "' to disk: " + std::strerror(saved));
  }
  ::close(fd);
}

}  // namespace provisioning::plugins::filesystem_storage
