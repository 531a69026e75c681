#include "orchestrator/workflow_engine.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/time_and_ids.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "logging.h"
#include "observability/log_context.h"
#include "observability/metrics_hooks.h"
#include "orchestrator/newest_page.h"
#include "record_ids.h"
#include "thread_name.h"

namespace provisioning::host {
namespace {

// Gives this worker thread a lower CPU priority than the HTTP threads (a nice value
// kWorkerNiceIncrement higher), so that on a busy machine the orchestrator keeps
// accepting requests promptly while tasks run with the CPU left over. Failure only
// costs that preference, so it is logged at debug level.
constexpr int kWorkerNiceIncrement = 5;

void lower_worker_priority() {
  errno = 0;
  int nice = ::getpriority(PRIO_PROCESS, 0);
  if (errno == 0 && ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()),
                                  nice + kWorkerNiceIncrement) == 0) {
    return;
  }
  component_logger("orchestrator")
      ->debug("cannot lower the priority of a worker thread: {}", std::strerror(errno));
}

std::string text(const json::object& record, std::string_view key) {
  const json::value* value = record.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

std::int64_t number(const json::object& record, std::string_view key) {
  const json::value* value = record.if_contains(key);
  return value != nullptr && value->is_int64() ? value->get_int64() : 0;
}

// How long cancel() waits for the Cancelled state of a queued workflow to be stored.
constexpr std::chrono::seconds kCancelStoreTimeout{60};

bool is_retryable(sdk::ErrorCode code) {
  return code == sdk::ErrorCode::kUnavailable || code == sdk::ErrorCode::kInternal;
}

json::object new_workflow(const std::string& id, const std::string& type,
                          const json::object& params, const WorkflowOptions& options,
                          const std::string& correlation_id, const std::string& batch_id,
                          const std::string& now) {
  return json::object{{"id", id},
                      {"type", type},
                      {"status", kPending},
                      {"params", params},
                      {"options",
                       {{"wait_for_completion", options.wait_for_completion},
                        {"timeout_seconds", options.timeout_seconds},
                        {"retry_count", options.retry_count}}},
                      {"result", nullptr},
                      {"error", ""},
                      {"created_at", now},
                      {"updated_at", now},
                      {"started_at", ""},
                      {"finished_at", ""},
                      {"tasks", json::array{id + ".1"}},
                      {"correlation_id", correlation_id},
                      {"batch_id", batch_id}};
}

json::object new_task(const std::string& workflow_id, const std::string& type,
                      const json::object& params, const WorkflowOptions& options,
                      const std::string& now) {
  return json::object{{"id", workflow_id + ".1"},
                      {"workflow_id", workflow_id},
                      {"type", type},
                      {"status", kPending},
                      {"params", params},
                      {"attempt", 0},
                      {"max_attempts", options.retry_count + 1},
                      {"timeout_seconds", options.timeout_seconds},
                      {"error", ""},
                      {"result", nullptr},
                      {"created_at", now},
                      {"updated_at", now},
                      {"started_at", ""},
                      {"finished_at", ""}};
}

void set_status(json::object& record, const char* status) {
  record["status"] = status;
  record["updated_at"] = sdk::utc_timestamp();
}

}  // namespace

bool is_terminal_state(std::string_view status) {
  return status == kCompleted || status == kFailed || status == kCancelled;
}

void WorkflowEngine::Entry::pack(std::string workflow_text, std::string task_text) {
  packed_workflow_ = std::move(workflow_text);
  packed_task_ = std::move(task_text);
  workflow_ = json::object{};
  task_ = json::object{};
}

void WorkflowEngine::Entry::unpack() {
  if (packed_workflow_.empty()) return;
  workflow_ = workflow_copy();
  task_ = task_copy();
  packed_workflow_ = std::string{};
  packed_task_ = std::string{};
}

json::object& WorkflowEngine::Entry::workflow() {
  unpack();
  return workflow_;
}

json::object& WorkflowEngine::Entry::task() {
  unpack();
  return task_;
}

json::object WorkflowEngine::Entry::workflow_copy() const {
  if (packed_workflow_.empty()) return workflow_;
  json::value parsed = json::parse(packed_workflow_);
  return std::move(parsed.as_object());
}

json::object WorkflowEngine::Entry::task_copy() const {
  if (packed_task_.empty()) return task_;
  json::value parsed = json::parse(packed_task_);
  return std::move(parsed.as_object());
}

std::string WorkflowEngine::Entry::status() const {
  return packed_workflow_.empty() ? text(workflow_, "status") : kPending;
}

// Decides in the order of WorkflowEngine::run_task(), which keeps a task that fails while
// the engine stops as Running, also when it was cancelled.
bool TaskContext::ends_workflow(const sdk::Error& error) const {
  if (stopping_->load()) return false;
  if (cancelled()) return true;
  return attempt_ >= max_attempts_ || !is_retryable(error.code());
}

void TaskContext::check_point() const {
  if (cancelled_->load()) throw sdk::Error::conflict("cancelled on request");
  if (stopping_->load()) {
    throw sdk::Error::unavailable(
        "the orchestrator is stopping; the task runs again after "
        "it restarts");
  }
  if (std::chrono::steady_clock::now() > deadline_) {
    throw sdk::Error::unavailable("timed out: the task ran past its timeout_seconds");
  }
}

WorkflowEngine::WorkflowEngine(Committer& committer, PluginHandle<sdk::StorageBackend> storage,
                               TaskRunner runner, EngineSettings settings)
    : committer_(committer),
      storage_(std::move(storage)),
      runner_(std::move(runner)),
      settings_(settings) {}

WorkflowEngine::~WorkflowEngine() {
  stop();
}

void WorkflowEngine::start() {
  {
    std::lock_guard lock(endings_mutex_);
    finisher_stopping_ = false;
  }
  finisher_ = std::thread([this] { finish_stored(); });
  recover();
  std::lock_guard lock(mutex_);
  stopping_->store(false);
  for (int i = 0; i < std::max(1, settings_.max_parallel_tasks); ++i) {
    workers_.emplace_back([this] { work(); });
  }
}

void WorkflowEngine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_->store(true);
  }
  wake_workers_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  {
    std::lock_guard lock(endings_mutex_);
    finisher_stopping_ = true;  // it still completes every queued end first
  }
  endings_queued_.notify_all();
  if (finisher_.joinable()) finisher_.join();
}

std::vector<RecordWrite> WorkflowEngine::writes_for(Entry& entry) const {
  json::object& workflow = entry.workflow();
  json::object& task = entry.task();
  return {RecordWrite::put(sdk::kWorkflows, text(workflow, "id"), workflow),
          RecordWrite::put("tasks", text(task, "id"), task)};
}

// Re-queues stored work that did not finish, so nothing accepted is dropped.
void WorkflowEngine::recover() {
  std::vector<Entry> unfinished;
  std::map<std::string, json::object> tasks;
  storage_.call("for_each", [&](sdk::StorageBackend& storage) {
    storage.for_each(sdk::kWorkflows, [&](const std::string&, const json::object& workflow) {
      if (!is_terminal_state(text(workflow, "status"))) {
        unfinished.emplace_back(workflow, json::object{});
      }
      return true;
    });
  });
  auto log = component_logger("orchestrator");
  for (Entry& entry : unfinished) {
    std::string id = text(entry.workflow(), "id");
    auto task =
        storage_.call("get", [&](sdk::StorageBackend& s) { return s.get("tasks", id + ".1"); });
    entry.task() = task ? *task : json::object{};
    bool was_running = entry.status() == kRunning;
    bool attempts_left = number(entry.task(), "attempt") < number(entry.task(), "max_attempts");
    if (entry.task().empty() || (was_running && !attempts_left)) {
      log->warn("workflow {} was interrupted by a restart with no attempt left; failing it", id);
      std::lock_guard lock(mutex_);
      active_[id] = entry;
      continue;
    }
    log->info("resuming workflow {} ({}) after a restart", id, entry.status());
    set_status(entry.workflow(), kPending);
    set_status(entry.task(), kPending);
    std::lock_guard lock(mutex_);
    active_[id] = entry;
    ready_.push_back(id);
  }
  // Fail the ones with nothing left to try, outside the lock.
  std::vector<std::string> interrupted;
  {
    std::lock_guard lock(mutex_);
    std::set<std::string> queued(ready_.begin(), ready_.end());
    for (const auto& [id, entry] : active_) {
      if (queued.count(id) == 0) interrupted.push_back(id);
    }
  }
  for (const auto& id : interrupted) finish(id, kFailed, nullptr, "interrupted");
}

json::object WorkflowEngine::submit(const std::string& type, const json::object& params,
                                    const WorkflowOptions& options,
                                    const std::string& correlation_id,
                                    const std::string& batch_id) {
  return submit_many({{type, params, options, correlation_id, batch_id}}).front();
}

std::vector<json::object> WorkflowEngine::submit_many(const std::vector<Submission>& submissions) {
  std::vector<Entry> entries;
  std::vector<RecordWrite> writes;
  for (const auto& submission : submissions) {
    std::string id = new_record_id();
    // One time for both records, so that listings of workflows and tasks agree.
    std::string now = sdk::utc_timestamp();
    Entry entry(new_workflow(id, submission.type, submission.params, submission.options,
                             submission.correlation_id, submission.batch_id, now),
                new_task(id, submission.type, submission.params, submission.options, now));
    for (auto& write : writes_for(entry)) writes.push_back(std::move(write));
    entries.push_back(std::move(entry));
  }
  bool pack = false;
  {
    std::lock_guard lock(mutex_);
    pack = ready_.size() + entries.size() > kPackedQueueLength;
  }
  std::vector<json::object> stored;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!pack) {
      stored.push_back(entries[i].workflow());
      continue;
    }
    stored.push_back(std::move(entries[i].workflow()));
    entries[i].pack(writes[2 * i].text, writes[2 * i + 1].text);
  }
  committer_.write(std::move(writes));
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      std::string id = text(stored[i], "id");
      active_.emplace(id, std::move(entries[i]));
      ready_.push_back(id);
    }
  }
  wake_workers_.notify_all();
  auto log = component_logger("orchestrator");
  for (const auto& workflow : stored) {
    // A batch logs its own acceptance, which one line per operation would only repeat.
    auto level = text(workflow, "batch_id").empty() ? spdlog::level::info : spdlog::level::debug;
    log->log(level, "accepted workflow {} ({}) [correlation_id={}]", text(workflow, "id"),
             text(workflow, "type"), text(workflow, "correlation_id"));
  }
  return stored;
}

std::optional<std::string> WorkflowEngine::next_task(std::unique_lock<std::mutex>& lock) {
  while (true) {
    if (stopping_->load()) return std::nullopt;
    auto now = Clock::now();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      ready_.push_back(delayed_.begin()->second);
      delayed_.erase(delayed_.begin());
    }
    if (!ready_.empty()) {
      std::string id = ready_.front();
      ready_.pop_front();
      return id;
    }
    if (delayed_.empty()) {
      wake_workers_.wait(lock);
    } else {
      wake_workers_.wait_until(lock, delayed_.begin()->first);
    }
  }
}

void WorkflowEngine::work() {
  name_this_thread("worker");
  lower_worker_priority();
  std::unique_lock lock(mutex_);
  while (auto id = next_task(lock)) {
    auto found = active_.find(*id);
    if (found == active_.end()) continue;  // cancelled while queued
    lock.unlock();
    run_task(*id);
    lock.lock();
  }
}

void WorkflowEngine::run_task(const std::string& id) {
  std::string type;
  json::object params;
  std::string correlation_id;
  int attempt = 0;
  int timeout_seconds = 0;
  int max_attempts = 1;
  std::shared_ptr<std::atomic<bool>> cancelled;
  observability::LogContext log_context;
  {
    std::lock_guard lock(mutex_);
    auto found = active_.find(id);
    if (found == active_.end()) return;  // cancelled between queue and start
    Entry& entry = found->second;
    if (cancelled = entry.cancelled; cancelled->load()) return;
    json::object& workflow = entry.workflow();
    json::object& task = entry.task();
    attempt = static_cast<int>(number(task, "attempt")) + 1;
    task["attempt"] = attempt;
    std::string now = sdk::utc_timestamp();
    if (text(workflow, "started_at").empty()) workflow["started_at"] = now;
    task["started_at"] = now;
    set_status(workflow, kRunning);
    set_status(task, kRunning);
    type = text(task, "type");
    params = task.at("params").as_object();
    correlation_id = text(workflow, "correlation_id");
    log_context = observability::task_log_context(workflow, task);
    timeout_seconds = static_cast<int>(number(task, "timeout_seconds"));
    max_attempts = static_cast<int>(number(task, "max_attempts"));
    committer_.write_later(writes_for(entry));
  }
  state_changed_.notify_all();

  observability::LogScope log_scope(log_context);  // ids on every log line of the task
  auto log = component_logger("orchestrator");
  log->info("running workflow {} ({}) attempt {} [correlation_id={}]", id, type, attempt,
            correlation_id);
  TaskContext context(id, correlation_id, attempt, max_attempts,
                      Clock::now() + std::chrono::seconds(timeout_seconds), cancelled, stopping_);
  try {
    json::value result =
        observability::timed_task_attempt(type, [&] { return runner_(type, params, context); });
    finish(id, kCompleted, result, "");
  } catch (const sdk::Error& error) {
    if (stopping_->load()) {
      // Stored as Running, so the next start runs it again (see recover()).
      log->info("workflow {} stopped with the orchestrator: {}", id, error.what());
    } else if (cancelled->load()) {
      finish(id, kCancelled, nullptr, "cancelled on request");
    } else if (is_retryable(error.code())) {
      schedule_retry(id, error.what());
    } else {
      finish(id, kFailed, nullptr, error.what());
    }
  } catch (const std::exception& error) {
    if (cancelled->load()) {
      finish(id, kCancelled, nullptr, "cancelled on request");
    } else {
      schedule_retry(id, std::string("unexpected failure: ") + error.what());
    }
  }
}

void WorkflowEngine::schedule_retry(const std::string& id, const std::string& error) {
  auto log = component_logger("orchestrator");
  std::unique_lock lock(mutex_);
  auto found = active_.find(id);
  if (found == active_.end()) return;
  Entry& entry = found->second;
  int attempt = static_cast<int>(number(entry.task(), "attempt"));
  int max_attempts = static_cast<int>(number(entry.task(), "max_attempts"));
  if (attempt >= max_attempts) {
    lock.unlock();
    log->warn("workflow {} failed after {} attempts: {}", id, attempt, error);
    finish(id, kFailed, nullptr, error);
    return;
  }
  observability::record_task_retry(text(entry.task(), "type"));
  auto delay = settings_.retry_base_delay * (1LL << std::min(attempt - 1, 20));
  delay = std::min<std::chrono::milliseconds>(delay, settings_.retry_max_delay);
  entry.task()["error"] = error;
  entry.workflow()["error"] = error;
  set_status(entry.task(), kPending);
  set_status(entry.workflow(), kPending);
  committer_.write_later(writes_for(entry));
  delayed_.emplace(Clock::now() + delay, id);
  log->warn("workflow {} attempt {} failed, retrying in {} ms: {}", id, attempt, delay.count(),
            error);
  lock.unlock();
  wake_workers_.notify_one();
}

void WorkflowEngine::finish(const std::string& id, const char* status, const json::value& result,
                            const std::string& error) {
  Entry entry;
  {
    std::lock_guard lock(mutex_);
    auto found = active_.find(id);
    if (found == active_.end() || found->second.end_queued) return;
    found->second.end_queued = true;
    entry = found->second;
  }
  std::string now = sdk::utc_timestamp();
  for (json::object* record : {&entry.workflow(), &entry.task()}) {
    set_status(*record, status);
    (*record)["result"] = result;
    (*record)["error"] = error;
    (*record)["finished_at"] = now;
  }
  std::future<void> stored = committer_.write_async(writes_for(entry));
  {
    std::lock_guard lock(endings_mutex_);
    endings_.push_back({std::move(entry), std::move(stored)});
  }
  endings_queued_.notify_one();
}

void WorkflowEngine::finish_stored() {
  name_this_thread("finisher");
  std::unique_lock lock(endings_mutex_);
  while (true) {
    endings_queued_.wait(lock, [this] { return finisher_stopping_ || !endings_.empty(); });
    if (endings_.empty()) return;  // stopping, and every end is done
    Ending ending = std::move(endings_.front());
    endings_.pop_front();
    lock.unlock();
    const json::object& workflow = ending.entry.workflow();
    std::string id = text(workflow, "id");
    observability::LogScope log_scope(
        observability::task_log_context(workflow, ending.entry.task()));
    auto log = component_logger("orchestrator");
    try {
      ending.stored.get();
    } catch (const std::exception& failure) {
      // The state stays Running in storage, so a restart picks the workflow up again.
      log->error("cannot store the end of workflow {}: {}", id, failure.what());
    }
    std::vector<Listener> listeners;
    {
      std::lock_guard engine_lock(mutex_);
      active_.erase(id);
      ending_.insert(id);
      listeners = listeners_;
    }
    std::string error = text(workflow, "error");
    log->info("workflow {} {}{}{} [correlation_id={}]", id, text(workflow, "status"),
              error.empty() ? "" : ": ", error, text(workflow, "correlation_id"));
    for (const auto& listener : listeners) listener(workflow);
    {
      std::lock_guard engine_lock(mutex_);
      ending_.erase(id);  // wait() returns only now, so its caller sees what listeners did
    }
    state_changed_.notify_all();
    lock.lock();
  }
}

json::object WorkflowEngine::wait(const std::string& id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  state_changed_.wait_for(lock, timeout,
                          [&] { return active_.count(id) == 0 && ending_.count(id) == 0; });
  if (auto found = active_.find(id); found != active_.end()) return found->second.workflow_copy();
  lock.unlock();
  auto record = get(id);
  if (!record) throw sdk::Error::not_found("workflow '" + id + "' not found");
  return *record;
}

std::optional<json::object> WorkflowEngine::get(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    if (auto found = active_.find(id); found != active_.end()) return found->second.workflow_copy();
  }
  return storage_.call("get", [&](sdk::StorageBackend& s) { return s.get(sdk::kWorkflows, id); });
}

std::optional<json::object> WorkflowEngine::get_task(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    std::string workflow_id = id.substr(0, id.rfind('.'));
    if (auto found = active_.find(workflow_id); found != active_.end()) {
      json::object task = found->second.task_copy();
      if (text(task, "id") == id) return task;
    }
  }
  return storage_.call("get", [&](sdk::StorageBackend& s) { return s.get("tasks", id); });
}

std::pair<std::vector<json::object>, std::size_t> WorkflowEngine::list(std::string_view collection,
                                                                       const std::string& status,
                                                                       std::size_t limit,
                                                                       std::size_t offset) {
  bool listing_tasks = collection == "tasks";
  // Only the status of each unfinished record is copied, so the lock is held briefly
  // even with many workflows queued.
  std::map<std::string, std::string> live_status;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : active_) {
      live_status.emplace(listing_tasks ? id + ".1" : id, entry.status());
    }
  }
  // TODO: every listing reads the whole collection from storage, about 50 ms for 7,000
  // workflows, so many concurrent listings queue for seconds. A sorted, limited query
  // in the storage interface would read one page.
  NewestPage newest(limit, offset);
  storage_.call("for_each", [&](sdk::StorageBackend& storage) {
    storage.for_each(collection, [&](const std::string& id, const json::object& stored) {
      auto live = live_status.find(id);
      std::string current = live != live_status.end() ? live->second : text(stored, "status");
      if (status.empty() || current == status) newest.offer(stored);
      return true;
    });
  });
  // Records still running when the listing began may have changed state since. They are
  // read again, and one that no longer has the requested status leaves the page.
  std::vector<json::object> page;
  for (json::object& record : newest.take()) {
    std::string id = text(record, "id");
    if (live_status.count(id) != 0) {
      auto current = listing_tasks ? get_task(id) : get(id);
      if (current) record = std::move(*current);
    }
    if (status.empty() || text(record, "status") == status) page.push_back(std::move(record));
  }
  return {std::move(page), newest.total()};
}

// TODO: the cancel of a Running workflow lives in memory only, so a restart before the
// task's next check point resumes the workflow instead of cancelling it.
json::object WorkflowEngine::cancel(const std::string& id) {
  bool queued = false;
  bool end_queued = false;
  {
    std::lock_guard lock(mutex_);
    auto found = active_.find(id);
    if (found == active_.end()) {
      auto stored =
          storage_.call("get", [&](sdk::StorageBackend& s) { return s.get(sdk::kWorkflows, id); });
      if (!stored) throw sdk::Error::not_found("workflow '" + id + "' not found");
      throw sdk::Error::conflict("workflow '" + id + "' already ended as " +
                                 text(*stored, "status") + "; nothing to cancel");
    }
    end_queued = found->second.end_queued;
    found->second.cancelled->store(true);
    queued = !end_queued && found->second.status() != kRunning;
    if (queued) {
      ready_.erase(std::remove(ready_.begin(), ready_.end(), id), ready_.end());
      for (auto it = delayed_.begin(); it != delayed_.end();) {
        it = it->second == id ? delayed_.erase(it) : std::next(it);
      }
    }
  }
  if (end_queued) return wait(id, kCancelStoreTimeout);  // it ended just before the cancel
  if (!queued) return get(id).value_or(json::object{});
  finish(id, kCancelled, nullptr, "cancelled on request");
  return wait(id, kCancelStoreTimeout);
}

void WorkflowEngine::add_listener(Listener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

std::map<std::string, std::size_t> WorkflowEngine::count_active_by_status() const {
  std::map<std::string, std::size_t> counts;
  std::lock_guard lock(mutex_);
  for (const auto& [id, entry] : active_) counts[entry.status()] += 1;
  return counts;
}

std::size_t WorkflowEngine::queue_depth() const {
  std::lock_guard lock(mutex_);
  return active_.size();
}

}  // namespace provisioning::host
