#include "common/managed_files.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/json.h>
#include <provisioning/sdk/time_and_ids.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>

#include "common/rendering.h"

namespace provisioning::plugins::taskserv_common {

namespace {

namespace json = sdk::json;

constexpr const char* kRecordDirectory = "/var/lib/provisioning/taskservs/";
constexpr const char* kHashPrefix = "fnv1a64:";

struct OwnedFile {
  std::string path;
  std::string content_hash;

  bool operator==(const OwnedFile&) const = default;
};

struct VersionRecord {
  std::string name;
  std::string version;
  std::string installed_at;
  std::vector<OwnedFile> files;
};

// 64-bit FNV-1a of `content`. It detects edits, not tampering: it is not a
// cryptographic hash.
std::string content_hash(std::string_view content) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : content) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return kHashPrefix + std::string(hex);
}

[[noreturn]] void throw_invalid_record(sdk::Executor& server, const std::string& path,
                                       const std::string& reason) {
  throw sdk::Error::invalid_argument("version record '" + path + "' on server '" + server.target() +
                                     "' is invalid (" + reason +
                                     "): delete it and install the taskserv again");
}

std::string string_field(const json::object& object, std::string_view key, sdk::Executor& server,
                         const std::string& path) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    throw_invalid_record(server, path, "missing string field '" + std::string(key) + "'");
  }
  return std::string(value->get_string());
}

std::vector<OwnedFile> parse_files(const json::object& object, sdk::Executor& server,
                                   const std::string& path) {
  const json::value* files = object.if_contains("files");
  if (files == nullptr || !files->is_array()) throw_invalid_record(server, path, "no 'files' list");
  std::vector<OwnedFile> owned;
  for (const json::value& file : files->get_array()) {
    if (!file.is_object()) throw_invalid_record(server, path, "a 'files' entry is not an object");
    owned.push_back({string_field(file.get_object(), "path", server, path),
                     string_field(file.get_object(), "content_hash", server, path)});
  }
  return owned;
}

std::optional<VersionRecord> read_record(sdk::Executor& server, const std::string& taskserv) {
  const std::string path = version_record_path(taskserv);
  if (!server.exists(path)) return std::nullopt;
  boost::system::error_code error;
  json::value value = json::parse(server.read_file(path), error);
  if (error) throw_invalid_record(server, path, error.message());
  if (!value.is_object()) throw_invalid_record(server, path, "not a JSON object");
  const json::object& object = value.get_object();
  return VersionRecord{
      string_field(object, "name", server, path), string_field(object, "version", server, path),
      string_field(object, "installed_at", server, path), parse_files(object, server, path)};
}

std::string serialize(const VersionRecord& record) {
  json::array files;
  for (const OwnedFile& file : record.files) {
    files.push_back(json::object{{"path", file.path}, {"content_hash", file.content_hash}});
  }
  json::object object{{"name", record.name},
                      {"version", record.version},
                      {"installed_at", record.installed_at},
                      {"files", std::move(files)}};
  return json::serialize(object) + "\n";
}

std::vector<OwnedFile> owned_files(const std::vector<ManagedFile>& files) {
  std::vector<OwnedFile> owned;
  for (const ManagedFile& file : files) owned.push_back({file.path, content_hash(file.content)});
  return owned;
}

void remove_stale_files(sdk::Executor& server, const VersionRecord& previous,
                        const VersionRecord& current) {
  for (const OwnedFile& old_file : previous.files) {
    bool still_owned =
        std::any_of(current.files.begin(), current.files.end(),
                    [&](const OwnedFile& file) { return file.path == old_file.path; });
    if (!still_owned) server.remove(old_file.path);
  }
}

// Describes one file that no longer matches the install, or returns nothing.
std::optional<std::string> check_file(sdk::Executor& server, const OwnedFile& file) {
  if (!server.exists(file.path)) return "missing " + file.path;
  if (content_hash(server.read_file(file.path)) != file.content_hash) {
    return "config drift in " + file.path + " (changed since install)";
  }
  return std::nullopt;
}

}  // namespace

std::string version_record_path(const std::string& taskserv) {
  return kRecordDirectory + taskserv + ".json";
}

void install_files(sdk::Executor& server, const std::string& taskserv, const std::string& version,
                   const std::vector<ManagedFile>& files) {
  std::optional<VersionRecord> previous = read_record(server, taskserv);
  VersionRecord record{taskserv, version, sdk::utc_timestamp(), owned_files(files)};
  if (previous && previous->version == version && previous->files == record.files) {
    record.installed_at = previous->installed_at;
  }
  if (previous) remove_stale_files(server, *previous, record);
  // The record goes first: if a write below fails, remove() still finds every file in the
  // record.
  server.write_file(version_record_path(taskserv), serialize(record), 0644);
  for (const ManagedFile& file : files) server.write_file(file.path, file.content, file.mode);
}

bool remove_files(sdk::Executor& server, const std::string& taskserv) {
  std::optional<VersionRecord> record = read_record(server, taskserv);
  if (!record) return false;
  for (const OwnedFile& file : record->files) server.remove(file.path);
  server.remove(version_record_path(taskserv));
  return true;
}

sdk::TaskservStatus installed_status(sdk::Executor& server, const std::string& taskserv,
                                     const std::string& plugin_version) {
  sdk::TaskservStatus status;
  std::optional<VersionRecord> record = read_record(server, taskserv);
  if (!record) {
    status.detail = "not installed";
    return status;
  }
  status.installed = true;
  status.version = record->version;
  std::vector<std::string> problems;
  for (const OwnedFile& file : record->files) {
    status.files.push_back(file.path);
    if (auto problem = check_file(server, file)) problems.push_back(std::move(*problem));
  }
  if (record->version != plugin_version) {
    problems.push_back("installed version " + record->version + " differs from " + plugin_version +
                       " of this plugin: install again to upgrade");
  }
  status.detail = problems.empty()
                      ? "installed " + record->version + ", " +
                            std::to_string(record->files.size()) + " files unchanged since install"
                      : join(problems, "; ");
  return status;
}

}  // namespace provisioning::plugins::taskserv_common
