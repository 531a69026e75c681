#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>

namespace provisioning::host::migration {

// The lock file under a workspace's state directory that a migration holds exclusively.
std::filesystem::path workspace_lock_file(const std::filesystem::path& state_dir);

// The workspace's migration lock: an flock() on .provisioning/migration.lock.
//
// Every process that uses the configured storage backend holds it shared (Host takes it
// on its first storage() call and keeps it until the Host is destroyed), and a
// migration holds it exclusive. So a migration waits for running commands and a running
// orchestrator, and commands started during a migration wait for it to end; both waits
// end after `timeout` with sdk::Error (kUnavailable).
//
// The kernel releases the lock when the process dies, so a killed migration leaves no
// stale lock. Locking is per object: one process should use one WorkspaceLock, which
// converts between shared and exclusive in place.
class WorkspaceLock {
 public:
  WorkspaceLock(std::filesystem::path state_dir, std::chrono::milliseconds timeout);
  ~WorkspaceLock();
  WorkspaceLock(const WorkspaceLock&) = delete;
  WorkspaceLock& operator=(const WorkspaceLock&) = delete;

  enum class Mode { kNone, kShared, kExclusive };

  // Takes the lock shared unless it is held already (in either mode). Throws
  // sdk::Error (kUnavailable) saying that a migration is in progress after the timeout.
  void acquire_shared();

  // Takes the lock exclusive, converting a shared hold. Throws sdk::Error (kUnavailable)
  // saying that another command or the orchestrator uses the workspace after the
  // timeout.
  void acquire_exclusive();

  // Goes back to shared when exclusive, so the process keeps using the storage.
  void downgrade();

  void release();

  Mode mode() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  // Returns whether flock(operation) succeeded before the deadline.
  bool lock_until_deadline(int operation);
  void open_file();

  std::filesystem::path file_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  Mode mode_ = Mode::kNone;
};

}  // namespace provisioning::host::migration
