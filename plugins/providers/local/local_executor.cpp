#include "local_executor.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>

#include <algorithm>
#include <vector>

#include "process.h"

namespace provisioning::plugins::local_provider {

namespace {

// Whether the symbolic links of a path's last component are followed when checking it.
enum class FinalLink { kFollow, kKeep };

bool is_within(const std::filesystem::path& path, const std::filesystem::path& root) {
  auto [root_end, path_end] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

class LocalExecutor final : public sdk::Executor {
 public:
  LocalExecutor(const std::filesystem::path& root, std::string server_name)
      : root_(std::filesystem::canonical(root)), server_name_(std::move(server_name)) {}

  std::string target() const override { return server_name_; }

  void write_file(const std::filesystem::path& path, const std::string& content,
                  int mode) override {
    sdk::write_file_atomically(confine(path, FinalLink::kKeep), content, mode);
  }

  std::string read_file(const std::filesystem::path& path) override {
    try {
      return sdk::read_file(confine(path, FinalLink::kFollow));
    } catch (const sdk::Error& error) {
      if (error.code() != sdk::ErrorCode::kNotFound) throw;
      throw sdk::Error::not_found("file '" + path.string() + "' not found on server '" +
                                  server_name_ + "'");
    }
  }

  bool exists(const std::filesystem::path& path) override {
    std::error_code error;
    bool found = std::filesystem::exists(confine(path, FinalLink::kFollow), error);
    if (error) throw filesystem_error("checking", path, error);
    return found;
  }

  bool remove(const std::filesystem::path& path) override {
    std::filesystem::path local = confine(path, FinalLink::kKeep);
    if (local == root_) {
      throw sdk::Error::invalid_argument("refusing to remove '/' of server '" + server_name_ +
                                         "': delete the server instead");
    }
    std::error_code error;
    auto removed = std::filesystem::remove_all(local, error);
    if (error) throw filesystem_error("removing", path, error);
    return removed > 0;
  }

  void create_directories(const std::filesystem::path& path) override {
    std::error_code error;
    std::filesystem::create_directories(confine(path, FinalLink::kFollow), error);
    if (error) throw filesystem_error("creating directory", path, error);
  }

  sdk::CommandResult run(const std::vector<std::string>& argv) override {
    return run_process(argv, root_, {"PROVISIONING_TARGET_ROOT=" + root_.string()});
  }

 private:
  // Maps the server path `path` to a path under root_, or throws kInvalidArgument.
  std::filesystem::path confine(const std::filesystem::path& path, FinalLink final_link) const {
    std::filesystem::path relative = without_dot_segments(path);
    // root_ / "" would end in a separator and compare unequal to root_.
    std::filesystem::path local = relative.empty() ? root_ : root_ / relative;
    std::filesystem::path resolved = resolve_links(local, final_link, path);
    if (!is_within(resolved, root_)) throw escape_error(path, "through a symbolic link");
    return local;
  }

  // Removes "." and ".." lexically. Unlike lexically_normal(), which maps "/.." to "/",
  // it rejects a ".." that would climb above the server's "/".
  std::filesystem::path without_dot_segments(const std::filesystem::path& path) const {
    if (!path.is_absolute()) {
      throw sdk::Error::invalid_argument("path '" + path.string() + "' on server '" + server_name_ +
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

  // Resolves the symbolic links of the existing part of `local`, following the last
  // component only when asked.
  std::filesystem::path resolve_links(const std::filesystem::path& local, FinalLink final_link,
                                      const std::filesystem::path& path) const {
    std::error_code error;
    std::filesystem::path resolved;
    if (final_link == FinalLink::kFollow || local == root_) {
      resolved = std::filesystem::weakly_canonical(local, error);
    } else {
      resolved = std::filesystem::weakly_canonical(local.parent_path(), error) / local.filename();
    }
    if (error) throw filesystem_error("resolving", path, error);
    return resolved;
  }

  sdk::Error escape_error(const std::filesystem::path& path, const char* route) const {
    return sdk::Error::invalid_argument(
        "path '" + path.string() + "' escapes the root of server '" + server_name_ + "' " + route +
        ": use a path inside the server, such as /etc/hosts");
  }

  sdk::Error filesystem_error(const char* action, const std::filesystem::path& path,
                              const std::error_code& error) const {
    return sdk::Error::unavailable(std::string(action) + " '" + path.string() + "' on server '" +
                                   server_name_ + "' failed: " + error.message());
  }

  std::filesystem::path root_;  // canonical, so prefix checks compare like with like
  std::string server_name_;
};

}  // namespace

std::unique_ptr<sdk::Executor> make_local_executor(const std::filesystem::path& root,
                                                   const std::string& server_name) {
  return std::make_unique<LocalExecutor>(root, server_name);
}

}  // namespace provisioning::plugins::local_provider
