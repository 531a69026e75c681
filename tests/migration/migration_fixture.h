#pragma once

#include <gtest/gtest.h>
#include <provisioning/sdk/json.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "host.h"
#include "migration/legacy_records.h"
#include "migration/record_digest.h"
#include "support/json_output.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace provisioning::testing {

namespace json = boost::json;

// collection -> id -> record
using RecordMap = std::map<std::string, std::map<std::string, json::object>>;

// A legacy record file, with the record it becomes after normalization.
struct LegacyFile {
  std::string collection;
  std::string id;
  std::string text;
};

// The generated legacy tree: records in older shapes (missing fields, extra fields,
// wrong types, unicode names) and one file that is not valid JSON.
inline std::vector<LegacyFile> legacy_tree(int servers) {
  std::vector<LegacyFile> files;
  for (int i = 0; i < servers; ++i) {
    std::string id = "srv-" + std::to_string(1000 + i);
    json::object record{{"name", "web-" + std::to_string(i)}, {"plan", "1xCPU-2GB"}};
    if (i % 3 != 0) record["zone"] = "local-1";
    if (i % 4 == 0) record["status"] = "running";
    if (i % 5 == 0) record["owner"] = "team-" + std::to_string(i % 2);
    if (i % 7 == 0) record["name"] = "ünïcode-名前-" + std::to_string(i);
    if (i % 11 == 0) record["tags"] = "a,b";
    if (i % 13 == 0) record["metadata"] = json::object{{"note", "ψ"}};
    files.push_back({"servers", id, json::serialize(record)});
  }
  files.push_back({"taskservs", "srv-1000:etcd", R"({"version": "3.5.12", "node": 1})"});
  files.push_back({"taskservs", "srv-1001:containerd", R"({"name": "containerd"})"});
  files.push_back({"clusters", "buildkit", R"({"name": "buildkit", "size": 3})"});
  return files;
}

inline const LegacyFile kBrokenFile{"servers", "srv-broken", "{\n  \"name\": \"x\",\n  \"zone\"\n"};

inline void write_legacy_tree(const std::filesystem::path& data_dir,
                              const std::vector<LegacyFile>& files) {
  for (const auto& file : files) {
    write_text(data_dir / file.collection / (file.id + ".json"), file.text);
  }
}

// The records a migration of `files` must produce.
inline RecordMap expected_records(const std::vector<LegacyFile>& files) {
  RecordMap records;
  for (const auto& file : files) {
    records[file.collection][file.id] = host::migration::normalize_legacy_record(
        file.collection, file.id, json::parse(file.text).as_object());
  }
  return records;
}

// Every file under `root` with its content, to check that a directory is unchanged.
inline std::map<std::string, std::string> snapshot_files(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  if (!std::filesystem::exists(root)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().filename() == ".lock") continue;
    files[std::filesystem::relative(entry.path(), root).string()] = read_text(entry.path());
  }
  return files;
}

// Runs `argv` like run_process(), with a file size limit of `max_file_bytes` (0: none)
// and SIGXFSZ ignored, so a write past the limit fails with EFBIG as on a full disk.
inline ProcessResult run_limited(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env,
                                 rlim_t max_file_bytes) {
  TempDir capture("provisioning-limited");
  pid_t pid = ::fork();
  if (pid == 0) {
    apply_environment(env);
    std::freopen("/dev/null", "r", stdin);
    std::freopen((capture / "out").c_str(), "w", stdout);
    std::freopen((capture / "err").c_str(), "w", stderr);
    if (max_file_bytes > 0) {
      struct rlimit limit {
        max_file_bytes, max_file_bytes
      };
      ::setrlimit(RLIMIT_FSIZE, &limit);
      ::signal(SIGXFSZ, SIG_IGN);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(capture / "out");
  result.err = read_text(capture / "err");
  return result;
}

// A workspace with a legacy data directory, and the real binary to migrate it.
class MigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ = home_ / "workspace";
    auto init = run_raw({"workspace", "init", workspace_.string()});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    write_text(workspace_ / "config.toml",
               "# test workspace\n[storage]\nbackend = \"filesystem\"  # legacy\n");
  }

  std::map<std::string, std::string> environment() const {
    auto env = home_environment(home_);
    env.insert({{"PROVISIONING_STORAGE_BACKEND", ""}, {"PROVISIONING_TEST_KILL_AT", ""}});
    return env;
  }

  std::vector<std::string> command(std::vector<std::string> args) const {
    args.insert(args.begin(), {PROVISIONING_BINARY, "--workspace", workspace_.string()});
    return args;
  }

  ProcessResult run_raw(std::vector<std::string> args,
                        const std::map<std::string, std::string>& extra = {}) const {
    args.insert(args.begin(), PROVISIONING_BINARY);
    auto env = environment();
    for (const auto& [name, value] : extra) env[name] = value;
    return run_process(args, env);
  }

  ProcessResult run(std::vector<std::string> args,
                    const std::map<std::string, std::string>& extra = {}) const {
    args.insert(args.begin(), {"--workspace", workspace_.string()});
    return run_raw(args, extra);
  }

  // Runs a command with --output json, expects success and returns its output.
  json::object run_json(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--output", "json"});
    json::value output = json_output(run(args));
    if (!output.is_object()) return {};
    return std::move(output.as_object());
  }

  std::unique_ptr<host::Host> open_host() const {
    host::HostOptions options;
    options.workspace = workspace_;
    options.executable = PROVISIONING_BINARY;
    std::map<std::string, std::string> env = environment();
    options.environment = [env](const std::string& name) -> std::optional<std::string> {
      auto found = env.find(name);
      if (found != env.end()) {
        if (found->second.empty()) return std::nullopt;
        return found->second;
      }
      return std::nullopt;
    };
    return host::Host::open(options);
  }

  // Reads every record of the configured backend, or of `backend`.
  RecordMap read_state(const std::string& backend = "") const {
    auto host = open_host();
    std::string name = backend.empty() ? host->config().get_string("storage.backend") : backend;
    auto storage = host->storage_backend(name);
    RecordMap records;
    storage.call("read", [&](sdk::StorageBackend& s) {
      for (const auto& collection : s.collections()) {
        s.for_each(collection, [&](const std::string& id, const json::object& record) {
          records[collection][id] = record;
          return true;
        });
      }
    });
    return records;
  }

  std::string configured_backend() const {
    return open_host()->config().get_string("storage.backend");
  }

  std::filesystem::path data_dir() const { return workspace_ / "data"; }

  TempDir home_{"provisioning-migration"};
  std::filesystem::path workspace_;
};

// Compares two record maps record by record, naming the first difference.
inline void expect_same_records(const RecordMap& actual, const RecordMap& expected) {
  for (const auto& [collection, records] : expected) {
    auto found = actual.find(collection);
    ASSERT_NE(found, actual.end()) << "collection " << collection << " missing";
    EXPECT_EQ(found->second.size(), records.size()) << "record count of " << collection;
    for (const auto& [id, record] : records) {
      auto match = found->second.find(id);
      ASSERT_NE(match, found->second.end()) << collection << "/" << id << " missing";
      EXPECT_EQ(host::migration::canonical_json(match->second),
                host::migration::canonical_json(record))
          << collection << "/" << id;
    }
  }
  EXPECT_EQ(actual.size(), expected.size()) << "number of collections";
}

}  // namespace provisioning::testing
