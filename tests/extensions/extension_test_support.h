#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>

#include "../support/loader_fixture.h"
#include "../support/sdk_error.h"
#include "../support/temp_dir.h"
#include "extensions.h"
#include "sha256.h"
#include "workspace.h"

namespace provisioning::testing {

namespace fs = std::filesystem;

// Every regular file under `dir` with the SHA-256 of its content, to prove that a
// rejected command changed nothing.
inline std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[entry.path().string()] = host::sha256_file_hex(entry.path());
    }
  }
  return files;
}

inline unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// Flips the bits of the byte in the middle of `file`. The changed copy replaces the
// file by rename, so a process that has the old file loaded keeps its mapping intact.
inline void corrupt_one_byte(const fs::path& file) {
  std::string content = read_text(file);
  ASSERT_FALSE(content.empty());
  content[content.size() / 2] = static_cast<char>(~content[content.size() / 2]);
  fs::path changed = file.parent_path() / ".corrupted";
  std::ofstream(changed, std::ios::binary | std::ios::trunc) << content;
  fs::permissions(changed, fs::status(file).permissions());
  fs::rename(changed, file);
}

// A fresh workspace in a temporary directory.
class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override { workspace_ = host::init_workspace(temp_ / "workspace").root(); }

  host::InstallResult install(const fs::path& source, bool force = false) {
    host::InstallRequest request;
    request.source = source;
    request.force = force;
    return host::install_extension(workspace_, request);
  }

  fs::path lock_file() const { return host::extension_lock_path(workspace_); }
  fs::path extensions_dir() const { return workspace_ / "extensions"; }

  TempDir temp_{"provisioning-extensions"};
  fs::path workspace_;
};

}  // namespace provisioning::testing
