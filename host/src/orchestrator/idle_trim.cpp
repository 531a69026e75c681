#include "orchestrator/idle_trim.h"

#include <malloc.h>

#include "thread_name.h"

namespace provisioning::host {

IdleTrimmer::IdleTrimmer(TrimFunction trim, std::chrono::milliseconds interval)
    : trim_(trim ? std::move(trim) : [] { ::malloc_trim(0); }) {
  if (interval.count() > 0) thread_ = std::thread([this, interval] { run(interval); });
}

IdleTrimmer::~IdleTrimmer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool IdleTrimmer::tick() {
  std::uint64_t now = activity_.load(std::memory_order_relaxed);
  bool quiet = now == seen_;
  seen_ = now;
  if (!quiet || now == trimmed_at_) return false;
  trim_();
  trimmed_at_ = now;
  ++trims_;
  return true;
}

void IdleTrimmer::run(std::chrono::milliseconds interval) {
  name_this_thread("idle-trim");
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    tick();
    lock.lock();
  }
}

}  // namespace provisioning::host
