#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>

namespace provisioning::plugins::filesystem_storage {

// The exclusive write lock of one store, shared by the threads of this process and by
// other processes. A recursive mutex orders the threads of this process, and the
// outermost holder also keeps an exclusive flock() on the lock file. The lock is
// recursive, so a transaction body can write through the store on the same thread.
//
// lock() waits up to `timeout` in total, then throws sdk::Error (kUnavailable). It
// meets the BasicLockable requirements, so std::lock_guard works with it.
class StoreLock {
 public:
  // Opens or creates `file`. Throws sdk::Error (kUnavailable) naming it on failure.
  StoreLock(std::filesystem::path file, std::chrono::milliseconds timeout);
  ~StoreLock();

  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

  void lock();
  void unlock();

 private:
  void lock_file_until(std::chrono::steady_clock::time_point deadline);
  [[noreturn]] void throw_timeout(const char* holder) const;

  std::filesystem::path file_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  int depth_ = 0;  // nesting depth of the thread that holds mutex_
  std::recursive_timed_mutex mutex_;
};

}  // namespace provisioning::plugins::filesystem_storage
