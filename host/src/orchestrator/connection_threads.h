#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace provisioning::host {

// The thread pool of the HTTP server. httplib runs each connection on one thread for as
// long as the client keeps it open, so a fixed pool of N threads lets N idle keep-alive
// clients hold every other client off until the keep-alive timeout closes one. This pool
// starts a thread whenever a connection arrives and no thread is free, up to
// `max_threads`; past that, connections wait in line. A thread beyond `min_threads` ends
// after `idle_timeout` without work. Thread-safe.
class ConnectionThreads final : public httplib::TaskQueue {
 public:
  struct Limits {
    std::size_t min_threads = 8;
    std::size_t max_threads = 256;
    std::chrono::milliseconds idle_timeout{10'000};
  };

  explicit ConnectionThreads(Limits limits);
  ~ConnectionThreads() override;  // shuts down when shutdown() was not called

  ConnectionThreads(const ConnectionThreads&) = delete;
  ConnectionThreads& operator=(const ConnectionThreads&) = delete;

  void enqueue(std::function<void()> job) override;

  // Runs the jobs already queued, then joins every thread.
  void shutdown() override;

  std::size_t thread_count() const;

 private:
  void start_thread();  // with mutex_ held
  void run();
  bool wait_for_job(std::unique_lock<std::mutex>& lock);  // false: the thread should end
  void join_finished();

  const Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable job_queued_;
  std::condition_variable thread_ended_;
  std::deque<std::function<void()>> jobs_;
  std::map<std::thread::id, std::thread> threads_;
  std::vector<std::thread> finished_;  // ended threads, joined by the next caller
  std::size_t idle_ = 0;               // threads not running a job: starting or waiting for one
  std::chrono::steady_clock::time_point next_warning_{};  // of a full pool, at most 1/min
  bool shutting_down_ = false;
};

}  // namespace provisioning::host
