#include "orchestrator/connection_threads.h"

#include "logging.h"
#include "thread_name.h"

namespace provisioning::host {

namespace {
constexpr std::chrono::minutes kWarningInterval{1};
}  // namespace

ConnectionThreads::ConnectionThreads(Limits limits) : limits_(limits) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < limits_.min_threads; ++i) start_thread();
}

ConnectionThreads::~ConnectionThreads() {
  shutdown();
}

void ConnectionThreads::enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    // Each idle thread takes one queued job, so start one for every job beyond them.
    if (jobs_.size() > idle_) {
      if (threads_.size() < limits_.max_threads) {
        start_thread();
      } else if (auto now = std::chrono::steady_clock::now(); now >= next_warning_) {
        next_warning_ = now + kWarningInterval;
        component_logger("orchestrator")
            ->warn(
                "all {} connection threads are busy, so new connections wait; raise "
                "orchestrator.max_connections if clients keep this many connections open",
                limits_.max_threads);
      }
    }
  }
  job_queued_.notify_one();
  join_finished();
}

void ConnectionThreads::shutdown() {
  {
    std::unique_lock lock(mutex_);
    shutting_down_ = true;
    job_queued_.notify_all();
    thread_ended_.wait(lock, [this] { return threads_.empty(); });
  }
  join_finished();
}

std::size_t ConnectionThreads::thread_count() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

void ConnectionThreads::start_thread() {
  ++idle_;  // counted from the start, so that a job queued meanwhile starts no other thread
  std::thread thread([this] { run(); });
  std::thread::id id = thread.get_id();
  threads_.emplace(id, std::move(thread));
}

void ConnectionThreads::run() {
  name_this_thread("http");
  std::unique_lock lock(mutex_);
  while (wait_for_job(lock)) {
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    --idle_;
    lock.unlock();
    job();
    job = nullptr;  // closes what the job held before this thread counts as idle
    lock.lock();
    ++idle_;
  }
  --idle_;
  // This thread cannot join itself: hand it to the next caller of join_finished().
  auto self = threads_.find(std::this_thread::get_id());
  finished_.push_back(std::move(self->second));
  threads_.erase(self);
  thread_ended_.notify_all();
}

// Waits until a job is queued and returns true, or returns false when the thread should
// end: on shutdown once the queue is empty, or after idle_timeout without a job while
// more than min_threads run.
bool ConnectionThreads::wait_for_job(std::unique_lock<std::mutex>& lock) {
  while (jobs_.empty()) {
    if (shutting_down_) break;
    auto woken = job_queued_.wait_for(lock, limits_.idle_timeout);
    if (woken == std::cv_status::timeout && jobs_.empty() &&
        threads_.size() > limits_.min_threads) {
      break;
    }
  }
  return !jobs_.empty();
}

void ConnectionThreads::join_finished() {
  std::vector<std::thread> finished;
  {
    std::lock_guard lock(mutex_);
    finished.swap(finished_);
  }
  for (auto& thread : finished) thread.join();
}

}  // namespace provisioning::host
