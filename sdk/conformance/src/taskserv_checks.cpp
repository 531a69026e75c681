// Checks of the Taskserv contract (provisioning/sdk/taskserv.h). Each check installs on
// a scratch server of its own: a ScratchExecutor over a new temporary directory.

#include <provisioning/conformance/scratch.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "check_support.h"

namespace provisioning::conformance::detail {
namespace {

// An empty server for one check.
struct ScratchServer {
  explicit ScratchServer(const TaskservCheckOptions& options)
      : directory("provisioning-conformance-server", options.scratch_parent),
        executor(directory.path(), options.target.server_name) {}

  ScratchDirectory directory;
  ScratchExecutor executor;
};

// Returns the 64-bit FNV-1a hash of a file's content as 16 hex digits. It detects that
// two installs wrote different bytes but does not resist deliberate collisions.
std::string content_hash(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::uint64_t hash = 14695981039346656037ull;
  char c = 0;
  while (in.get(c)) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

// Returns the hash of every regular file under `root`, keyed by its server path.
std::map<std::string, std::string> hash_files(const std::filesystem::path& root) {
  std::map<std::string, std::string> hashes;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string path = "/" + std::filesystem::relative(entry.path(), root).generic_string();
    hashes[path] = content_hash(entry.path());
  }
  return hashes;
}

// Describes the first difference between two hash maps, or returns "".
std::string first_difference(const std::map<std::string, std::string>& before,
                             const std::map<std::string, std::string>& after) {
  for (const auto& [path, hash] : before) {
    auto found = after.find(path);
    if (found == after.end()) return path + " was removed";
    if (found->second != hash) return path + " changed content";
  }
  for (const auto& [path, hash] : after) {
    if (before.find(path) == before.end()) return path + " was added";
  }
  return {};
}

void install(sdk::Taskserv& taskserv, ScratchServer& server, const TaskservCheckOptions& options,
             std::string_view when = "") {
  attempt("install()" + std::string(when),
          [&] { taskserv.install(server.executor, options.target); });
}

sdk::TaskservStatus status(sdk::Taskserv& taskserv, ScratchServer& server, std::string_view when) {
  return attempt("status() " + std::string(when), [&] { return taskserv.status(server.executor); });
}

void expect_not_installed(sdk::Taskserv& taskserv, ScratchServer& server, std::string_view when) {
  sdk::TaskservStatus reported = status(taskserv, server, when);
  if (reported.installed) fail("status() " + std::string(when) + " reports installed");
  if (!reported.version.empty()) {
    fail("status() " + std::string(when) + " reports version " + quote(reported.version) +
         "; the version must be empty when not installed");
  }
}

void check_status_fresh(sdk::Taskserv& taskserv, const TaskservCheckOptions& options) {
  ScratchServer server(options);
  expect_not_installed(taskserv, server, "on a fresh server");
}

void check_install(sdk::Taskserv& taskserv, const TaskservCheckOptions& options) {
  std::string version = attempt("software_version()", [&] { return taskserv.software_version(); });
  if (version.empty()) fail("software_version() is empty");
  ScratchServer server(options);
  install(taskserv, server, options);
  sdk::TaskservStatus reported = status(taskserv, server, "after install()");
  if (!reported.installed)
    fail("status() after install() reports not installed: " + reported.detail);
  if (reported.version != version) {
    fail("status() after install() reports version " + quote(reported.version) +
         ", but software_version() is " + quote(version));
  }
  for (const std::string& file : reported.files) {
    if (!attempt("exists(" + file + ")", [&] { return server.executor.exists(file); })) {
      fail("status() lists file " + file + ", which install() did not create");
    }
  }
}

void check_install_twice(sdk::Taskserv& taskserv, const TaskservCheckOptions& options) {
  ScratchServer server(options);
  install(taskserv, server, options);
  auto before = hash_files(server.directory.path());
  install(taskserv, server, options, " a second time");
  std::string difference = first_difference(before, hash_files(server.directory.path()));
  if (!difference.empty()) {
    fail("a second install() did not leave the server as the first one did: " + difference);
  }
}

void check_remove(sdk::Taskserv& taskserv, const TaskservCheckOptions& options) {
  ScratchServer server(options);
  install(taskserv, server, options);
  std::vector<std::string> files = status(taskserv, server, "after install()").files;
  attempt("remove()", [&] { taskserv.remove(server.executor); });
  expect_not_installed(taskserv, server, "after remove()");
  for (const std::string& file : files) {
    if (attempt("exists(" + file + ")", [&] { return server.executor.exists(file); })) {
      fail("remove() left " + file + ", which status() listed as owned by the taskserv");
    }
  }
}

void check_remove_twice(sdk::Taskserv& taskserv, const TaskservCheckOptions& options) {
  ScratchServer server(options);
  attempt("remove() on a fresh server", [&] { taskserv.remove(server.executor); });
  install(taskserv, server, options);
  attempt("remove()", [&] { taskserv.remove(server.executor); });
  attempt("remove() a second time", [&] { taskserv.remove(server.executor); });
  expect_not_installed(taskserv, server, "after two remove() calls");
}

void check_dependencies(sdk::Taskserv& taskserv, const TaskservCheckOptions& options) {
  auto dependencies = attempt("dependencies()", [&] { return taskserv.dependencies(); });
  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const std::string& dependency : dependencies) {
    if (dependency.empty()) problems.push_back("it contains an empty name");
    if (!seen.insert(dependency).second)
      problems.push_back("it lists " + quote(dependency) + " twice");
    if (!options.name.empty() && dependency == options.name) {
      problems.push_back("it lists the taskserv itself, " + quote(dependency));
    }
  }
  if (problems.empty()) return;
  std::string message = "dependencies() is invalid: ";
  for (std::size_t i = 0; i < problems.size(); ++i) message += (i == 0 ? "" : "; ") + problems[i];
  fail(message);
}

}  // namespace

const std::vector<TaskservCheck>& taskserv_checks() {
  static const std::vector<TaskservCheck> checks = {
      {"status_when_not_installed",
       "status() on a fresh server reports not installed, with an empty version",
       check_status_fresh},
      {"install_reports_installed",
       "after install(), status() reports installed, the software_version() and files that exist",
       check_install},
      {"install_is_idempotent",
       "a second install() leaves every file under the server's root byte for byte the same",
       check_install_twice},
      {"remove_undoes_install",
       "remove() after install() reports not installed and deletes every file status() listed",
       check_remove},
      {"remove_is_idempotent",
       "remove() succeeds on a fresh server and when repeated after a removal", check_remove_twice},
      {"dependencies_are_valid",
       "dependencies() has no duplicate or empty names and does not list the taskserv itself",
       check_dependencies},
  };
  return checks;
}

}  // namespace provisioning::conformance::detail
