#include "workspace_lock.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "durable_files.h"

namespace provisioning::host::migration {
namespace {

constexpr std::chrono::milliseconds kFirstPoll{2};
constexpr std::chrono::milliseconds kMaxPoll{100};

std::string timeout_text(std::chrono::milliseconds timeout) {
  return std::to_string(timeout.count()) + " ms";
}

}  // namespace

std::filesystem::path workspace_lock_file(const std::filesystem::path& state_dir) {
  return state_dir / "migration.lock";
}

WorkspaceLock::WorkspaceLock(std::filesystem::path state_dir, std::chrono::milliseconds timeout)
    : file_(workspace_lock_file(state_dir)), timeout_(timeout) {}

WorkspaceLock::~WorkspaceLock() {
  release();
}

void WorkspaceLock::open_file() {
  if (fd_ >= 0) return;
  make_directories(file_.parent_path());
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw sdk::Error::unavailable("cannot open the workspace lock file '" + file_.string() +
                                  "': " + std::strerror(errno) +
                                  "; check the permissions of the workspace's .provisioning "
                                  "directory");
  }
}

bool WorkspaceLock::lock_until_deadline(int operation) {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::chrono::milliseconds pause = kFirstPoll;
  while (true) {
    if (::flock(fd_, operation | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK && errno != EINTR) {
      throw sdk::Error::unavailable("cannot lock the workspace lock file '" + file_.string() +
                                    "': " + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kMaxPoll);
  }
}

void WorkspaceLock::acquire_shared() {
  std::lock_guard guard(mutex_);
  if (mode_ != Mode::kNone) return;
  open_file();
  if (!lock_until_deadline(LOCK_SH)) {
    throw sdk::Error::unavailable(
        "a migration is in progress in this workspace (lock file '" + file_.string() +
        "' is held exclusively) and did not finish within " + timeout_text(timeout_) +
        "; wait for it to end and retry, or raise migration.lock_timeout_ms");
  }
  mode_ = Mode::kShared;
}

void WorkspaceLock::acquire_exclusive() {
  std::lock_guard guard(mutex_);
  if (mode_ == Mode::kExclusive) return;
  open_file();
  if (!lock_until_deadline(LOCK_EX)) {
    // A failed conversion may have dropped the shared hold (flock(2) converts by
    // unlocking first), so take it back before reporting.
    if (mode_ == Mode::kShared && !lock_until_deadline(LOCK_SH)) mode_ = Mode::kNone;
    throw sdk::Error::unavailable(
        "cannot start the migration: another command or a running orchestrator is using "
        "this workspace (lock file '" +
        file_.string() +
        "' is held shared) and did not "
        "finish within " +
        timeout_text(timeout_) +
        "; stop the orchestrator ('provisioning orchestrator stop'), wait for other "
        "commands to end, and retry");
  }
  mode_ = Mode::kExclusive;
}

void WorkspaceLock::downgrade() {
  std::lock_guard guard(mutex_);
  if (mode_ != Mode::kExclusive) return;
  if (::flock(fd_, LOCK_SH) != 0) {
    throw sdk::Error::unavailable("cannot convert the workspace lock '" + file_.string() +
                                  "' to shared: " + std::strerror(errno));
  }
  mode_ = Mode::kShared;
}

void WorkspaceLock::release() {
  std::lock_guard guard(mutex_);
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
  fd_ = -1;
  mode_ = Mode::kNone;
}

WorkspaceLock::Mode WorkspaceLock::mode() const {
  std::lock_guard guard(mutex_);
  return mode_;
}

}  // namespace provisioning::host::migration
