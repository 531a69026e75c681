#include "install_record.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/json.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace nginx {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;

namespace {

constexpr const char* kRecordPath = "/var/lib/provisioning/taskservs/nginx.json";

struct RecordedFile {
  std::string path;
  std::string hash;
};

struct InstallRecord {
  std::string version;
  std::vector<RecordedFile> files;
};

// 64-bit FNV-1a of `content`, in hexadecimal. It detects edits, not tampering: it is
// not a cryptographic hash.
std::string content_hash(std::string_view content) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char byte : content) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

[[noreturn]] void throw_invalid_record(sdk::Executor& server, const std::string& reason) {
  throw sdk::Error::invalid_argument(std::string("install record '") + kRecordPath +
                                     "' on server '" + server.target() + "' is invalid (" + reason +
                                     "): delete it and install nginx again");
}

std::string string_field(const json::object& object, std::string_view key, sdk::Executor& server) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    throw_invalid_record(server, "missing string field '" + std::string(key) + "'");
  }
  return std::string(value->get_string());
}

std::vector<RecordedFile> parse_files(const json::object& object, sdk::Executor& server) {
  const json::value* files = object.if_contains("files");
  if (files == nullptr || !files->is_array()) throw_invalid_record(server, "no 'files' list");
  std::vector<RecordedFile> recorded;
  for (const json::value& file : files->get_array()) {
    if (!file.is_object()) throw_invalid_record(server, "a 'files' entry is not an object");
    recorded.push_back({string_field(file.get_object(), "path", server),
                        string_field(file.get_object(), "fnv1a64", server)});
  }
  return recorded;
}

std::optional<InstallRecord> read_record(sdk::Executor& server) {
  if (!server.exists(kRecordPath)) return std::nullopt;
  boost::system::error_code error;
  json::value value = json::parse(server.read_file(kRecordPath), error);
  if (error) throw_invalid_record(server, error.message());
  if (!value.is_object()) throw_invalid_record(server, "not a JSON object");
  return InstallRecord{string_field(value.get_object(), "version", server),
                       parse_files(value.get_object(), server)};
}

std::string serialize(const InstallRecord& record) {
  json::array files;
  for (const RecordedFile& file : record.files) {
    files.push_back(json::object{{"path", file.path}, {"fnv1a64", file.hash}});
  }
  json::object object{{"name", "nginx"}, {"version", record.version}, {"files", std::move(files)}};
  return json::serialize(object) + "\n";
}

bool contains_path(const std::vector<RecordedFile>& files, const std::string& path) {
  return std::any_of(files.begin(), files.end(),
                     [&](const RecordedFile& file) { return file.path == path; });
}

// Describes how `file` differs from what install wrote, or returns nothing.
std::optional<std::string> check_file(sdk::Executor& server, const RecordedFile& file) {
  if (!server.exists(file.path)) return "missing " + file.path;
  if (content_hash(server.read_file(file.path)) != file.hash) {
    return "config drift in " + file.path + " (changed since install)";
  }
  return std::nullopt;
}

std::string join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : "; ") + part;
  return joined;
}

}  // namespace

void install_files(sdk::Executor& server, const std::string& version,
                   const std::vector<ManagedFile>& files) {
  InstallRecord record{version, {}};
  for (const ManagedFile& file : files)
    record.files.push_back({file.path, content_hash(file.content)});

  if (std::optional<InstallRecord> previous = read_record(server)) {
    for (const RecordedFile& old_file : previous->files) {
      if (!contains_path(record.files, old_file.path)) server.remove(old_file.path);
    }
  }
  // The record goes first, so that remove() finds every file even when a write below
  // fails.
  server.write_file(kRecordPath, serialize(record), 0644);
  for (const ManagedFile& file : files) server.write_file(file.path, file.content, file.mode);
}

bool remove_files(sdk::Executor& server) {
  std::optional<InstallRecord> record = read_record(server);
  if (!record) return false;
  for (const RecordedFile& file : record->files) server.remove(file.path);
  server.remove(kRecordPath);
  return true;
}

sdk::TaskservStatus installed_status(sdk::Executor& server, const std::string& plugin_version) {
  sdk::TaskservStatus status;
  std::optional<InstallRecord> record = read_record(server);
  if (!record) {
    status.detail = "not installed";
    return status;
  }
  status.installed = true;
  status.version = record->version;
  std::vector<std::string> problems;
  for (const RecordedFile& file : record->files) {
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
                      : join(problems);
  return status;
}

}  // namespace nginx
