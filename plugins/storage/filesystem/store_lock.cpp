#include "store_lock.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

namespace provisioning::plugins::filesystem_storage {

namespace sdk = provisioning::sdk;

namespace {

constexpr std::chrono::milliseconds kFirstPoll{1};
constexpr std::chrono::milliseconds kMaxPoll{50};

}  // namespace

StoreLock::StoreLock(std::filesystem::path file, std::chrono::milliseconds timeout)
    : file_(std::move(file)), timeout_(timeout) {
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw sdk::Error::unavailable("cannot open lock file '" + file_.string() +
                                  "': " + std::strerror(errno) +
                                  "; check that the storage directory is writable");
  }
}

StoreLock::~StoreLock() {
  ::close(fd_);
}

void StoreLock::lock() {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  if (!mutex_.try_lock_until(deadline)) throw_timeout("another thread of this process");
  if (depth_++ > 0) return;
  try {
    lock_file_until(deadline);
  } catch (...) {
    --depth_;
    mutex_.unlock();
    throw;
  }
}

void StoreLock::unlock() {
  if (--depth_ == 0) ::flock(fd_, LOCK_UN);
  mutex_.unlock();
}

// Polls with LOCK_NB, because a blocking flock() cannot be given a deadline.
void StoreLock::lock_file_until(std::chrono::steady_clock::time_point deadline) {
  auto pause = kFirstPoll;
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) {
      throw sdk::Error::unavailable("cannot lock '" + file_.string() +
                                    "': " + std::strerror(errno));
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) throw_timeout("another process");
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, kMaxPoll);
  }
}

void StoreLock::throw_timeout(const char* holder) const {
  throw sdk::Error::unavailable("timed out after " + std::to_string(timeout_.count()) +
                                " ms waiting for the write lock on '" + file_.string() +
                                "', held by " + holder +
                                ": retry, or raise storage.filesystem.lock_timeout_ms");
}

}  // namespace provisioning::plugins::filesystem_storage
