#include "record_reader.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "durable_files.h"
#include "legacy_records.h"

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

constexpr std::string_view kRecordSuffix = ".json";

bool is_valid_key(std::string_view collection, std::string_view id) {
  try {
    sdk::validate_record_key(collection, id);
    return true;
  } catch (const sdk::Error&) {
    return false;
  }
}

class BackendReader final : public RecordReader {
 public:
  explicit BackendReader(PluginHandle<sdk::StorageBackend> backend)
      : backend_(std::move(backend)) {}

  std::vector<std::string> collections() override {
    return backend_.call("collections", [](sdk::StorageBackend& s) { return s.collections(); });
  }

  std::uint64_t count(const std::string& collection) override {
    return backend_.call("count", [&](sdk::StorageBackend& s) { return s.count(collection); });
  }

  void for_each(const std::string& collection, const ReaderVisitor& visit) override {
    backend_.call("for_each", [&](sdk::StorageBackend& s) { s.for_each(collection, visit); });
  }

  std::string location() const override {
    return backend_.call("location", [](sdk::StorageBackend& s) { return s.location(); });
  }

 private:
  PluginHandle<sdk::StorageBackend> backend_;
};

// Opens `file` for reading without updating its access time when the process may ask
// that (it owns the file), so that reading a legacy tree does not write access times back to its
// inodes.
int open_for_reading(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  return fd;
}

// Reads `file` into `buffer`, which only grows, so that one allocation serves every
// file. Returns the content, or nothing when the file is gone.
std::optional<std::string_view> read_into(const std::filesystem::path& file, std::string& buffer) {
  int fd = open_for_reading(file);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw sdk::Error::unavailable("cannot open legacy record file '" + file.string() + "': " +
                                  std::strerror(errno) + "; check that this user may read it");
  }
  constexpr std::size_t kMinimumSpace = 16384;
  std::size_t length = 0;
  while (true) {
    if (buffer.size() - length < kMinimumSpace) buffer.resize(length + 4 * kMinimumSpace);
    ssize_t count = ::read(fd, buffer.data() + length, buffer.size() - length);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      int saved = errno;
      ::close(fd);
      throw sdk::Error::unavailable("cannot read legacy record file '" + file.string() +
                                    "': " + std::strerror(saved) + "; check the disk and rerun");
    }
    if (count == 0) break;
    length += static_cast<std::size_t>(count);
  }
  ::close(fd);
  return std::string_view(buffer.data(), length);
}

// Returns the id of a record file name, or an empty string for other files.
std::string record_id(const std::filesystem::directory_entry& entry, std::string_view collection) {
  std::string name = entry.path().filename().string();
  if (name.size() <= kRecordSuffix.size() || !name.ends_with(kRecordSuffix)) return {};
  std::string id = name.substr(0, name.size() - kRecordSuffix.size());
  std::error_code error;
  if (!is_valid_key(collection, id) || !entry.is_regular_file(error)) return {};
  return id;
}

class LegacyReader final : public RecordReader {
 public:
  LegacyReader(std::filesystem::path root, bool skip_invalid, std::vector<QuarantinedFile>* invalid)
      : root_(std::move(root)), skip_invalid_(skip_invalid), invalid_(invalid) {}

  std::vector<std::string> collections() override {
    std::vector<std::string> names;
    std::error_code error;
    std::filesystem::directory_iterator entries(root_, error);
    if (error == std::errc::no_such_file_or_directory) return names;
    if (error) throw unreadable(root_, error);
    for (const auto& entry : entries) {
      std::string name = entry.path().filename().string();
      std::error_code type_error;
      if (is_valid_key(name, "id") && entry.is_directory(type_error) && count(name) > 0) {
        names.push_back(name);
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::uint64_t count(const std::string& collection) override {
    std::uint64_t total = 0;
    visit_files(collection, [&](const std::string&, const std::filesystem::path&) {
      ++total;
      return true;
    });
    return total;
  }

  void for_each(const std::string& collection, const ReaderVisitor& visit) override {
    visit_files(collection, [&](const std::string& id, const std::filesystem::path& file) {
      std::optional<json::object> record = read_record(collection, id, file);
      if (!record) return true;
      return visit(id, *record);
    });
  }

  std::string location() const override { return root_.string(); }

 private:
  template <typename Visit>
  void visit_files(const std::string& collection, Visit&& visit) {
    std::filesystem::path directory = root_ / collection;
    std::error_code error;
    std::filesystem::directory_iterator entries(directory, error);
    if (error == std::errc::no_such_file_or_directory) return;
    if (error) throw unreadable(directory, error);
    for (auto entry = entries; entry != std::filesystem::directory_iterator();
         entry.increment(error)) {
      std::string id = record_id(*entry, collection);
      if (!id.empty() && !visit(id, entry->path())) return;
    }
    if (error) throw unreadable(directory, error);
  }

  std::optional<json::object> read_record(const std::string& collection, const std::string& id,
                                          const std::filesystem::path& file) {
    std::optional<std::string_view> text = read_into(file, buffer_);
    if (!text) return std::nullopt;  // removed since it was listed
    try {
      return parse_legacy_text(file, *text, parser_);
    } catch (const sdk::Error& error) {
      if (!skip_invalid_ || invalid_ == nullptr) throw;
      invalid_->push_back(QuarantinedFile{collection, id, file.string(), "", error.what()});
      return std::nullopt;
    }
  }

  static sdk::Error unreadable(const std::filesystem::path& directory,
                               const std::error_code& error) {
    return sdk::Error::unavailable("cannot read legacy data directory '" + directory.string() +
                                   "': " + error.message());
  }

  std::filesystem::path root_;
  bool skip_invalid_;
  std::vector<QuarantinedFile>* invalid_;
  std::string buffer_;   // the file being parsed, reused
  json::parser parser_;  // reused, so its buffers are allocated once
};

// Moves `from` to `to` on another file system. The copy goes to a temporary name beside
// `to`, is flushed and renamed into place, and only then is `from` removed, so a crash
// at any step leaves at least one complete copy of the file.
void copy_then_remove(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::path partial = to;
  partial += ".partial";
  std::error_code error;
  std::filesystem::copy_file(from, partial, std::filesystem::copy_options::overwrite_existing,
                             error);
  if (error) {
    std::error_code ignored;  // The message reports the copy's error, not the cleanup's.
    std::filesystem::remove(partial, ignored);
    throw sdk::Error::unavailable("cannot copy '" + from.string() + "' to '" + partial.string() +
                                  "' on another file system: " + error.message() +
                                  "; check the free space of the quarantine directory");
  }
  sync_file(partial);
  if (std::rename(partial.c_str(), to.c_str()) != 0) {
    throw sdk::Error::unavailable("cannot rename '" + partial.string() + "' to '" + to.string() +
                                  "': " + std::strerror(errno) +
                                  "; check that this user may read it");
  }
  sync_directory(to.parent_path());
  std::filesystem::remove(from, error);
  if (error) {
    throw sdk::Error::unavailable("copied '" + from.string() + "' to '" + to.string() +
                                  "' but cannot remove the original: " + error.message() +
                                  "; remove it by hand");
  }
  sync_directory(from.parent_path());
}

}  // namespace

std::unique_ptr<RecordReader> backend_source(PluginHandle<sdk::StorageBackend> backend) {
  return std::make_unique<BackendReader>(std::move(backend));
}

std::unique_ptr<RecordReader> legacy_source(std::filesystem::path root, bool skip_invalid,
                                            std::vector<QuarantinedFile>* invalid) {
  return std::make_unique<LegacyReader>(std::move(root), skip_invalid, invalid);
}

void move_file_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (std::rename(from.c_str(), to.c_str()) == 0) {
    sync_directory(to.parent_path());
    if (from.parent_path() != to.parent_path()) sync_directory(from.parent_path());
    return;
  }
  int saved = errno;
  if (saved != EXDEV) {
    throw sdk::Error::unavailable("cannot rename '" + from.string() + "' to '" + to.string() +
                                  "': " + std::strerror(saved));
  }
  copy_then_remove(from, to);
}

void quarantine_files(std::vector<QuarantinedFile>& files,
                      const std::filesystem::path& quarantine_dir) {
  for (QuarantinedFile& file : files) {
    std::filesystem::path destination = quarantine_dir / file.collection / (file.id + ".json");
    make_directories(destination.parent_path());
    move_file_durably(file.original_path, destination);
    file.quarantine_path = destination.string();
  }
}

}  // namespace provisioning::host::migration
