#include "provisioning/sdk/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>

#include "provisioning/sdk/error.h"

namespace provisioning::sdk {
namespace {

[[noreturn]] void throw_system_error(const char* action, const std::filesystem::path& path,
                                     int error_number) {
  throw Error::unavailable(std::string(action) + " '" + path.string() +
                           "' failed: " + std::strerror(error_number));
}

std::filesystem::path temporary_sibling(const std::filesystem::path& path) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::ostringstream name;
  name << '.' << path.filename().string() << ".tmp." << ::getpid() << '.' << std::hex
       << generator();
  return path.parent_path() / name.str();
}

void write_all(int fd, const std::string& content, const std::filesystem::path& path) {
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) throw_system_error("writing", path, errno);
    data += written;
    left -= static_cast<std::size_t>(written);
  }
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& content,
                           int mode) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error) throw_system_error("creating directory", path.parent_path(), error.value());

  std::filesystem::path temporary = temporary_sibling(path);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw_system_error("creating", temporary, errno);
  try {
    write_all(fd, content, temporary);
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) throw_system_error("chmod", temporary, errno);
    if (::fsync(fd) != 0) throw_system_error("fsync", temporary, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    throw_system_error("renaming temporary file to", path, saved);
  }
}

std::string read_file(const std::filesystem::path& path) {
  // The error number of open() itself decides between "not found" and other failures; a
  // separate existence check would race with writers that rename files into place.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw Error::not_found("file not found: '" + path.string() + "'");
    throw_system_error("opening", path, errno);
  }
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t count = ::read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      int saved = errno;
      ::close(fd);
      throw_system_error("reading", path, saved);
    }
    if (count == 0) break;
    content.append(buffer, static_cast<std::size_t>(count));
  }
  ::close(fd);
  return content;
}

}  // namespace provisioning::sdk
