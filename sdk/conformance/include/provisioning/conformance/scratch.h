#pragma once

// Throwaway directories and a file-only executor for running plugins under test.

#include <provisioning/sdk/executor.h>
#include <provisioning/sdk/plugin.h>

#include <filesystem>
#include <string>
#include <vector>

namespace provisioning::conformance {

namespace sdk = provisioning::sdk;

// A new, empty directory with a unique name, removed with its contents when the object
// is destroyed.
class ScratchDirectory {
 public:
  // Creates "<parent>/<prefix>-XXXXXX" (mkdtemp), in the system temporary directory
  // when `parent` is empty. Throws sdk::Error (kUnavailable) naming the directory.
  explicit ScratchDirectory(const std::string& prefix = "provisioning-conformance",
                            const std::filesystem::path& parent = {});
  ~ScratchDirectory();

  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Returns a context for a plugin of `kind` named `name` whose directories are all
// inside `root`: the workspace is `root`, state_dir is <root>/.provisioning and data_dir
// is <root>/data, all created. A storage plugin gets settings.path =
// "<root>/data/conformance-store", which the first-party backends read as their
// database file or directory. The logger discards its messages.
sdk::PluginContext scratch_context(const std::filesystem::path& root, sdk::PluginKind kind,
                                   const std::string& name);

// An executor whose server is a directory of this machine: server path "/etc/hosts" is
// <root>/etc/hosts. Paths must be absolute, and a ".." that would climb above the
// server's "/" is rejected with sdk::Error (kInvalidArgument).
//
// NOTE: paths are confined lexically. Symbolic links under the root are followed,
// which is safe only because nothing but this executor writes there: it has no way to
// create a link. run() starts no process: it records the command and returns exit code
// 0 with no output, so a taskserv that depends on a command's output cannot be checked
// with it.
class ScratchExecutor final : public sdk::Executor {
 public:
  // `root` must exist. `target_name` is what target() returns.
  ScratchExecutor(std::filesystem::path root, std::string target_name);

  std::string target() const override { return target_name_; }
  void write_file(const std::filesystem::path& path, const std::string& content, int mode) override;
  std::string read_file(const std::filesystem::path& path) override;
  bool exists(const std::filesystem::path& path) override;
  bool remove(const std::filesystem::path& path) override;
  void create_directories(const std::filesystem::path& path) override;
  sdk::CommandResult run(const std::vector<std::string>& argv) override;

  const std::filesystem::path& root() const { return root_; }

  // Commands passed to run(), in order.
  const std::vector<std::vector<std::string>>& commands() const { return commands_; }

 private:
  // Maps server path `path` into the root, or throws kInvalidArgument.
  std::filesystem::path local_path(const std::filesystem::path& path) const;

  std::filesystem::path root_;
  std::string target_name_;
  std::vector<std::vector<std::string>> commands_;
};

}  // namespace provisioning::conformance
