#include "bridge/locked_json_file.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;

// An exclusive flock() on a lock file, released when the object is destroyed.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& file) {
    descriptor_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (descriptor_ < 0 || ::flock(descriptor_, LOCK_EX) != 0) {
      std::string reason = std::strerror(errno);
      if (descriptor_ >= 0) ::close(descriptor_);
      throw sdk::Error::unavailable("cannot lock '" + file.string() + "': " + reason +
                                    "; check the permissions of its directory");
    }
  }
  ~FileLock() { ::close(descriptor_); }  // closing releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int descriptor_ = -1;
};

}  // namespace

json::object read_json_object(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return {};
  std::string text = sdk::read_file(file);
  boost::system::error_code parse_error;
  json::value value = json::parse(text, parse_error);
  if (parse_error || !value.is_object()) {
    throw sdk::Error::invalid_argument("'" + file.string() +
                                       "' is not a JSON object; remove it to start its counts "
                                       "or assignments again");
  }
  return std::move(value.as_object());
}

void update_json_object(const std::filesystem::path& file,
                        const std::function<void(json::object&)>& update) {
  std::filesystem::create_directories(file.parent_path());
  FileLock lock(file.string() + ".lock");
  json::object object = read_json_object(file);
  update(object);
  sdk::write_file_atomically(file, json::serialize(object), 0600);
}

}  // namespace provisioning::host::bridge
