#include "durable_files.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace provisioning::host::migration {

void sync_directory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int saved = errno;
    if (fd >= 0) ::close(fd);
    throw sdk::Error::unavailable("cannot flush directory '" + directory.string() +
                                  "' to disk: " + std::strerror(saved) +
                                  "; check that the file system is writable");
  }
  ::close(fd);
}

void sync_file(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int saved = errno;
    if (fd >= 0) ::close(fd);
    throw sdk::Error::unavailable("cannot flush file '" + file.string() +
                                  "' to disk: " + std::strerror(saved) +
                                  "; check the free space of its file system");
  }
  ::close(fd);
}

void make_directories(const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    throw sdk::Error::unavailable("cannot create directory '" + directory.string() +
                                  "': " + error.message() +
                                  "; check the permissions of its parent and the free space");
  }
}

void rename_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    int saved = errno;
    throw sdk::Error::unavailable("cannot rename '" + from.string() + "' to '" + to.string() +
                                  "': " + std::strerror(saved));
  }
  sync_directory(to.parent_path());
  if (from.parent_path() != to.parent_path()) sync_directory(from.parent_path());
}

}  // namespace provisioning::host::migration
