#pragma once

#include <provisioning/sdk/json.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config.h"
#include "orchestrator/committer.h"
#include "orchestrator/workflow_engine.h"

namespace provisioning::host {

// Operation types a batch accepts.
bool is_batch_operation_type(std::string_view type);

// Checks a batch before it is stored: unique operation ids, known types, dependencies
// that exist, and no cycle. Throws sdk::Error (kInvalidArgument) naming the operation,
// and spelling out a cycle as "a -> b -> a".
void validate_batch(const json::array& operations);

// Runs batches: lists of operations with dependencies, each run as a workflow of the
// engine, in dependency order with at most parallel_limit in flight.
//
// on_failure decides what a failed operation does to the rest: "fail" cancels what has
// not started, "continue" skips only the operations that depend on it, and "rollback"
// cancels what has not started and then undoes the completed operations in reverse
// order of completion (servers created are deleted, taskservs installed are removed).
//
// Batch records live in the "batches" collection. Operation states are those of
// workflows plus "Skipped" (a dependency failed) and, for rollback, "RolledBack".
class BatchEngine {
 public:
  BatchEngine(WorkflowEngine& workflows, Committer& committer,
              PluginHandle<sdk::StorageBackend> storage, const Config& config);
  ~BatchEngine();

  // Resumes unfinished batches and starts the scheduling thread.
  void start();
  void stop();

  // Validates and stores the batch, then starts its first operations.
  json::object submit(const json::array& operations, const json::object& batch_options,
                      const std::string& correlation_id);
  std::optional<json::object> get(const std::string& id);
  // The batch without its operations, with "operations_total" and "operations_by_status"
  // (operation counts by state) instead. Cheaper than get() for a client that polls.
  std::optional<json::object> summary(const std::string& id);
  // Returns a page of batch summaries (see summary()), newest first, and the total count.
  // A non-empty status filters them, and running batches show their current state.
  std::pair<std::vector<json::object>, std::size_t> list(const std::string& status,
                                                         std::size_t limit, std::size_t offset);
  json::object cancel(const std::string& id);
  // Undoes the completed operations of a batch that has ended, in reverse order.
  json::object rollback(const std::string& id);

 private:
  // A batch being run. Positions index the "operations" array of the record. The
  // dependency counts let each completion start its dependents without rescanning the
  // batch, so scheduling costs O(operations + dependencies) per batch.
  struct Batch {
    json::object record;
    std::map<std::string, std::size_t> index;          // operation id -> position in "operations"
    std::vector<std::vector<std::size_t>> dependents;  // operations that depend on each one
    std::vector<std::size_t> waiting_on;  // dependencies of each that have not completed
    std::set<std::size_t> ready;  // Pending, not started, dependencies completed; list order
    std::int64_t in_flight = 0;   // operations whose workflow has not ended
    std::vector<std::string> completion_order;
    bool rollback_requested = false;
    bool dirty = false;  // changed since flushed_at
    std::chrono::steady_clock::time_point flushed_at;
  };
  // How long a running batch's stored record may lag its live state. Readers get the
  // live state from this engine, and start() recovers operation states from the
  // workflows, so the interval only bounds how stale the stored copy looks.
  static constexpr std::chrono::milliseconds kFlushInterval{5000};

  void run();
  void resume(json::object record, const std::map<std::string, json::object>& tagged);
  void on_workflow_finished(const json::object& workflow);
  static void index_operations(Batch& batch);
  static void mark_completed(Batch& batch, std::size_t position);
  bool run_config_check(Batch& batch, json::object& op);
  void schedule(Batch& batch, std::vector<std::pair<std::string, std::string>>& started);
  void handle_failure(Batch& batch, const std::string& failed_id);
  void finish_if_done(Batch& batch);
  void roll_back(Batch& batch);
  void persist(Batch& batch);
  void persist_now(Batch& batch);
  // Writes batches changed more than kFlushInterval ago; returns when the next is due.
  std::optional<std::chrono::steady_clock::time_point> flush_due_batches();
  Batch& find_batch(const std::string& id);
  json::object& operation(Batch& batch, const std::string& id);

  WorkflowEngine& workflows_;
  Committer& committer_;
  PluginHandle<sdk::StorageBackend> storage_;
  const Config& config_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Batch> active_;
  std::deque<json::object> finished_workflows_;
  bool stopping_ = false;
  bool changed_ = false;  // a batch was added or cancelled since the last pass
  std::thread thread_;
};

}  // namespace provisioning::host
