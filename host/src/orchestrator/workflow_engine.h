#pragma once

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/json.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/committer.h"

namespace provisioning::host {

// Workflow and task states, as stored and returned by the API.
inline constexpr const char* kPending = "Pending";
inline constexpr const char* kRunning = "Running";
inline constexpr const char* kCompleted = "Completed";
inline constexpr const char* kFailed = "Failed";
inline constexpr const char* kCancelled = "Cancelled";

bool is_terminal_state(std::string_view status);

struct WorkflowOptions {
  bool wait_for_completion = true;
  int timeout_seconds = 300;  // per attempt
  int retry_count = 3;        // attempts after the first
};

// The engine services a running task may use: its ids, and its cancellation and deadline check.
class TaskContext {
 public:
  TaskContext(std::string workflow_id, std::string correlation_id, int attempt, int max_attempts,
              std::chrono::steady_clock::time_point deadline,
              std::shared_ptr<std::atomic<bool>> cancelled,
              std::shared_ptr<const std::atomic<bool>> stopping)
      : workflow_id_(std::move(workflow_id)),
        correlation_id_(std::move(correlation_id)),
        attempt_(attempt),
        max_attempts_(max_attempts),
        deadline_(deadline),
        cancelled_(std::move(cancelled)),
        stopping_(std::move(stopping)) {}

  const std::string& workflow_id() const { return workflow_id_; }
  const std::string& correlation_id() const { return correlation_id_; }
  int attempt() const { return attempt_; }  // 1 for the first run
  bool cancelled() const { return cancelled_->load(); }
  // Returns whether the workflow ends if this attempt fails with `error`: the engine is
  // not stopping, and the task was cancelled or will not be retried (no attempt is left,
  // or the error is not one that is retried). A task cleans up what it leaves only then.
  bool ends_workflow(const sdk::Error& error) const;

  // Throws sdk::Error when the task was cancelled, its timeout passed or the engine is
  // stopping. Long operations call it between steps; a single plugin call is never
  // interrupted.
  void check_point() const;

 private:
  std::string workflow_id_;
  std::string correlation_id_;
  int attempt_;
  int max_attempts_;
  std::chrono::steady_clock::time_point deadline_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  std::shared_ptr<const std::atomic<bool>> stopping_;
};

// Runs one task: returns its JSON result or throws sdk::Error. Errors with code
// kUnavailable or kInternal are retried; others fail the task at once.
using TaskRunner = std::function<json::value(const std::string& type, const json::object& params,
                                             TaskContext& context)>;

struct EngineSettings {
  int max_parallel_tasks = 4;
  std::chrono::milliseconds retry_base_delay{500};  // doubled for each further attempt
  std::chrono::milliseconds retry_max_delay{30000};
};

// Accepts workflows durably, runs their tasks on a pool of worker threads with per-task
// timeouts, retries with exponential backoff, and cancellation, and resumes work after a
// restart. Each workflow has one task that does its work.
//
// Durability: submit() returns only after the workflow and its task are committed to
// the storage backend. After a crash, start() re-queues Pending work and resumes
// Running work (the runner must make a repeated attempt safe, as the server runner does
// by reconciling with the provider), or fails it with reason "interrupted" when no
// attempt is left.
class WorkflowEngine {
 public:
  using Listener = std::function<void(const json::object& workflow)>;

  // Queue length beyond which a submitted workflow keeps its records as JSON text until
  // its task starts. A workflow that a worker takes soon is not worth packing.
  static constexpr std::size_t kPackedQueueLength = 64;

  WorkflowEngine(Committer& committer, PluginHandle<sdk::StorageBackend> storage, TaskRunner runner,
                 EngineSettings settings);
  ~WorkflowEngine();

  // Recovers unfinished work from storage and starts the workers.
  void start();

  // Stops taking tasks, lets running tasks finish, and joins the workers. Work still
  // Pending stays stored and runs after the next start().
  void stop();

  // Stores a new workflow and queues its task. Returns the stored Pending record.
  json::object submit(const std::string& type, const json::object& params,
                      const WorkflowOptions& options, const std::string& correlation_id,
                      const std::string& batch_id = "");

  // One workflow to submit with submit_many().
  struct Submission {
    std::string type;
    json::object params;
    WorkflowOptions options;
    std::string correlation_id;
    std::string batch_id;
  };

  // Stores several workflows in one transaction and queues them; returns their records
  // in the same order.
  std::vector<json::object> submit_many(const std::vector<Submission>& submissions);

  // Waits until the workflow reaches a terminal state or `timeout` passes, and returns
  // its record either way.
  json::object wait(const std::string& id, std::chrono::milliseconds timeout);

  std::optional<json::object> get(const std::string& id);
  std::optional<json::object> get_task(const std::string& id);

  // Returns a page of the records in `collection` ("workflows" or "tasks"), newest first,
  // filtered by status when `status` is not empty, and the count of all that match.
  // A record that changes state during the call is listed with its newer state, or left
  // out when that state no longer matches `status`.
  std::pair<std::vector<json::object>, std::size_t> list(std::string_view collection,
                                                         const std::string& status,
                                                         std::size_t limit, std::size_t offset);

  // Cancels a Pending workflow at once, or requests that a Running one stop at its next
  // check point. Throws sdk::Error (kNotFound, or kConflict when it already ended).
  json::object cancel(const std::string& id);

  // Calls `listener` after each workflow reaches a terminal state.
  void add_listener(Listener listener);

  // Tasks queued or running, for metrics.
  std::size_t queue_depth() const;

  // Workflows not yet ended, by status (Pending or Running), for metrics. Their tasks
  // have the same status.
  std::map<std::string, std::size_t> count_active_by_status() const;

 private:
  // A workflow that has not ended, with its task. When many workflows wait in the queue,
  // a submitted one keeps both records as the JSON text that was stored until its task
  // first runs, which takes about a quarter of the memory of parsed records.
  class Entry {
   public:
    Entry() = default;
    Entry(json::object workflow, json::object task)
        : workflow_(std::move(workflow)), task_(std::move(task)) {}

    // Keeps the records as this text, which must be what workflow() and task() return,
    // until one of them is next called.
    void pack(std::string workflow_text, std::string task_text);
    // Return the records, parsed first when they are packed.
    json::object& workflow();
    json::object& task();
    // Return copies of the records, leaving packed ones packed.
    json::object workflow_copy() const;
    json::object task_copy() const;
    // Returns the workflow's status, which its task shares.
    std::string status() const;

    std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
    bool end_queued = false;  // set by finish()

   private:
    void unpack();

    json::object workflow_;
    json::object task_;
    std::string packed_workflow_;  // not empty while the records are packed
    std::string packed_task_;
  };
  // The end of a workflow, queued until its records are durable.
  struct Ending {
    Entry entry;
    std::future<void> stored;
  };
  using Clock = std::chrono::steady_clock;

  void recover();
  void work();
  std::optional<std::string> next_task(std::unique_lock<std::mutex>& lock);
  void run_task(const std::string& id);
  // Queues the end of a workflow for storage and returns at once, so the worker can take
  // the next task while the end is committed. finish_stored() completes it.
  void finish(const std::string& id, const char* status, const json::value& result,
              const std::string& error);
  // Runs on the finisher thread: once each queued end is durable, in queue order, drops
  // the workflow from active_ and calls the listeners.
  void finish_stored();
  void schedule_retry(const std::string& id, const std::string& error);
  std::vector<RecordWrite> writes_for(Entry& entry) const;

  Committer& committer_;
  PluginHandle<sdk::StorageBackend> storage_;
  TaskRunner runner_;
  EngineSettings settings_;

  mutable std::mutex mutex_;
  std::condition_variable wake_workers_;
  std::condition_variable state_changed_;
  std::map<std::string, Entry> active_;  // not yet terminal, by workflow id
  std::set<std::string> ending_;         // terminal and stored, listeners still running
  // Set by stop() with mutex_ held. Idle workers then return, and running tasks end at
  // their next check point.
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
  std::deque<std::string> ready_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::vector<Listener> listeners_;
  std::vector<std::thread> workers_;

  // Ends queued by finish(). A workflow stays in active_, with its last stored state,
  // until its end is durable, so readers never see an end that a crash could lose.
  std::mutex endings_mutex_;
  std::condition_variable endings_queued_;
  std::deque<Ending> endings_;
  bool finisher_stopping_ = false;
  std::thread finisher_;
};

}  // namespace provisioning::host
