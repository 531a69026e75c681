#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace provisioning::host {

// Returns memory that the allocator keeps after load to the operating system once the
// orchestrator goes idle. glibc's malloc keeps freed memory in per-thread arenas, so
// without this the resident size stays at its peak after a burst of large responses.
//
// A background thread calls tick() every `interval`. The memory is trimmed on the first
// tick that sees no activity since the previous tick, after at least one activity since
// the last trim, so an idle orchestrator does not trim again and again.
class IdleTrimmer {
 public:
  using TrimFunction = std::function<void()>;

  // `trim` defaults to malloc_trim(0). Without `interval`, no thread is started and the
  // owner calls tick() itself.
  explicit IdleTrimmer(TrimFunction trim = {}, std::chrono::milliseconds interval = {});
  ~IdleTrimmer();

  IdleTrimmer(const IdleTrimmer&) = delete;
  IdleTrimmer& operator=(const IdleTrimmer&) = delete;

  // Records a request served or a task ended. Thread-safe and lock-free.
  void note_activity() { activity_.fetch_add(1, std::memory_order_relaxed); }

  // Runs one check; returns whether it trimmed. Called from one thread only: the
  // background thread, or the owner when there is none.
  bool tick();

  std::uint64_t trims() const { return trims_; }

 private:
  void run(std::chrono::milliseconds interval);

  TrimFunction trim_;
  std::atomic<std::uint64_t> activity_{0};
  std::uint64_t seen_ = 0;        // activity count at the previous tick
  std::uint64_t trimmed_at_ = 0;  // activity count at the last trim
  std::atomic<std::uint64_t> trims_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace provisioning::host
