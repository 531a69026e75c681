#include "sandbox_executor.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>

#include <algorithm>
#include <vector>

#include "command_runner.h"

namespace sandbox {

namespace sdk = provisioning::sdk;

namespace {

// Whether a symbolic link in the last component of a path is followed when the path is
// checked. Writing and removing act on the link itself, so they do not follow it.
enum class LastLink { kFollow, kKeep };

bool is_within(const std::filesystem::path& path, const std::filesystem::path& root) {
  auto [root_end, path_end] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

class SandboxExecutor final : public sdk::Executor {
 public:
  SandboxExecutor(const std::filesystem::path& root, std::string server_name)
      : root_(std::filesystem::canonical(root)), server_name_(std::move(server_name)) {}

  std::string target() const override { return server_name_; }

  void write_file(const std::filesystem::path& path, const std::string& content,
                  int mode) override {
    sdk::write_file_atomically(confine(path, LastLink::kKeep), content, mode);
  }

  std::string read_file(const std::filesystem::path& path) override {
    try {
      return sdk::read_file(confine(path, LastLink::kFollow));
    } catch (const sdk::Error& error) {
      if (error.code() != sdk::ErrorCode::kNotFound) throw;
      throw sdk::Error::not_found("file '" + path.string() + "' not found on sandbox server '" +
                                  server_name_ + "'");
    }
  }

  bool exists(const std::filesystem::path& path) override {
    std::error_code error;
    bool found = std::filesystem::exists(confine(path, LastLink::kFollow), error);
    if (error) throw filesystem_error("checking", path, error);
    return found;
  }

  bool remove(const std::filesystem::path& path) override {
    std::filesystem::path local = confine(path, LastLink::kKeep);
    if (local == root_) {
      throw sdk::Error::invalid_argument("cannot remove '/' of sandbox server '" + server_name_ +
                                         "': delete the server instead");
    }
    std::error_code error;
    auto removed = std::filesystem::remove_all(local, error);
    if (error) throw filesystem_error("removing", path, error);
    return removed > 0;
  }

  void create_directories(const std::filesystem::path& path) override {
    std::error_code error;
    std::filesystem::create_directories(confine(path, LastLink::kFollow), error);
    if (error) throw filesystem_error("creating directory", path, error);
  }

  sdk::CommandResult run(const std::vector<std::string>& argv) override {
    return run_command(argv, root_, {"SANDBOX_ROOT=" + root_.string()});
  }

 private:
  // Maps the server path `path` to a path under root_, or throws kInvalidArgument.
  std::filesystem::path confine(const std::filesystem::path& path, LastLink last_link) const {
    std::filesystem::path relative = relative_to_root(path);
    std::filesystem::path local = relative.empty() ? root_ : root_ / relative;
    if (!is_within(resolve_links(local, last_link, path), root_)) {
      throw escape_error(path, "through a symbolic link");
    }
    return local;
  }

  // Returns `path` without its leading "/", "." and ".." segments. A ".." that would
  // climb above the server's "/" is an error, where lexically_normal() would drop it.
  std::filesystem::path relative_to_root(const std::filesystem::path& path) const {
    if (!path.is_absolute()) {
      throw sdk::Error::invalid_argument("path '" + path.string() + "' on sandbox server '" +
                                         server_name_ +
                                         "' is not absolute: start it with '/', as in /etc/hosts");
    }
    std::vector<std::filesystem::path> parts;
    for (const auto& part : path.relative_path()) {
      if (part.empty() || part == ".") continue;
      if (part != "..") {
        parts.push_back(part);
      } else if (parts.empty()) {
        throw escape_error(path, "with '..'");
      } else {
        parts.pop_back();
      }
    }
    std::filesystem::path relative;
    for (const auto& part : parts) relative /= part;
    return relative;
  }

  // Resolves the symbolic links in the existing part of `local`.
  std::filesystem::path resolve_links(const std::filesystem::path& local, LastLink last_link,
                                      const std::filesystem::path& path) const {
    std::error_code error;
    std::filesystem::path resolved;
    if (last_link == LastLink::kFollow || local == root_) {
      resolved = std::filesystem::weakly_canonical(local, error);
    } else {
      resolved = std::filesystem::weakly_canonical(local.parent_path(), error) / local.filename();
    }
    if (error) throw filesystem_error("resolving", path, error);
    return resolved;
  }

  sdk::Error escape_error(const std::filesystem::path& path, const char* route) const {
    return sdk::Error::invalid_argument("path '" + path.string() +
                                        "' escapes the root of sandbox server '" + server_name_ +
                                        "' " + route +
                                        ": use a path inside the server, such as "
                                        "/etc/hosts");
  }

  sdk::Error filesystem_error(const char* action, const std::filesystem::path& path,
                              const std::error_code& error) const {
    return sdk::Error::unavailable(std::string(action) + " '" + path.string() +
                                   "' on sandbox server '" + server_name_ +
                                   "' failed: " + error.message());
  }

  std::filesystem::path root_;  // canonical, so prefix checks compare like with like
  std::string server_name_;
};

}  // namespace

std::unique_ptr<sdk::Executor> make_executor(const std::filesystem::path& root,
                                             const std::string& server_name) {
  return std::make_unique<SandboxExecutor>(root, server_name);
}

}  // namespace sandbox
