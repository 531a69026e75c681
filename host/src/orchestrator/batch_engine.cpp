#include "orchestrator/batch_engine.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/time_and_ids.h>

#include <algorithm>
#include <functional>
#include <set>

#include "logging.h"
#include "observability/log_context.h"
#include "orchestrator/newest_page.h"
#include "record_ids.h"
#include "thread_name.h"

namespace provisioning::host {
namespace {

constexpr std::string_view kBatches = "batches";
constexpr const char* kSkipped = "Skipped";
constexpr const char* kRolledBack = "RolledBack";

std::string text(const json::object& record, std::string_view key) {
  const json::value* value = record.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// Returns the string `key` of `record` without copying it, or "" when it is missing.
std::string_view view_of(const json::object& record, std::string_view key) {
  const json::value* value = record.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string()) : "";
}

// Copies `record` without "operations" and adds the operation counts, in total and by
// state, so that a summary costs no copy of the operations.
json::object summary_of(const json::object& record) {
  json::object summary;
  std::int64_t total = 0;
  json::object by_status;
  for (const auto& [key, value] : record) {
    if (key != "operations") {
      summary.emplace(key, value);
      continue;
    }
    if (!value.is_array()) continue;
    for (const json::value& item : value.get_array()) {
      ++total;
      const json::value* status =
          item.is_object() ? item.get_object().if_contains("status") : nullptr;
      if (status == nullptr || !status->is_string()) continue;
      json::value& count = by_status[status->get_string()];
      count = count.is_int64() ? count.get_int64() + 1 : 1;
    }
  }
  summary["operations_total"] = total;
  summary["operations_by_status"] = std::move(by_status);
  return summary;
}

// True for an operation that has not started: Pending without a workflow.
bool is_unstarted(const json::object& operation) {
  return view_of(operation, "status") == kPending && view_of(operation, "workflow_id").empty();
}

std::vector<std::string> dependencies_of(const json::object& operation) {
  std::vector<std::string> dependencies;
  if (const json::value* list = operation.if_contains("depends_on"); list && list->is_array()) {
    for (const auto& item : list->get_array()) {
      if (item.is_string()) dependencies.emplace_back(item.get_string());
    }
  }
  return dependencies;
}

[[noreturn]] void invalid_operation(std::size_t index, const std::string& message) {
  throw sdk::Error::invalid_argument("operations[" + std::to_string(index) + "]: " + message);
}

void check_operation_shape(const json::value& item, std::size_t index, std::set<std::string>& ids) {
  if (!item.is_object()) invalid_operation(index, "must be an object");
  const json::object& operation = item.get_object();
  std::string id = text(operation, "id");
  if (id.empty()) invalid_operation(index, "missing 'id'");
  if (!ids.insert(id).second) invalid_operation(index, "duplicate id '" + id + "'");
  std::string type = text(operation, "type");
  if (!is_batch_operation_type(type)) {
    invalid_operation(index, "unknown type '" + type +
                                 "'; use server_create, server_delete, taskserv_install, "
                                 "taskserv_remove, cluster_create or config");
  }
  if (const json::value* params = operation.if_contains("params"); params && !params->is_object()) {
    invalid_operation(index, "'params' must be an object");
  }
}

// Finds a dependency cycle with a depth-first search and spells it out.
void reject_cycles(const std::map<std::string, std::vector<std::string>>& graph) {
  std::map<std::string, int> state;  // 0 new, 1 on the stack, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> visit = [&](const std::string& node) {
    state[node] = 1;
    stack.push_back(node);
    for (const auto& next : graph.at(node)) {
      if (state[next] == 1) {
        std::string cycle;
        for (auto it = std::find(stack.begin(), stack.end(), next); it != stack.end(); ++it) {
          cycle += *it + " -> ";
        }
        throw sdk::Error::invalid_argument("dependency cycle: " + cycle + next +
                                           "; remove one of these depends_on entries");
      }
      if (state[next] == 0) visit(next);
    }
    stack.pop_back();
    state[node] = 2;
  };
  for (const auto& [node, unused] : graph) {
    if (state[node] == 0) visit(node);
  }
}

// The operation that undoes `operation`, or an empty type when it cannot be undone.
std::pair<std::string, json::object> undo_of(const json::object& operation) {
  std::string type = text(operation, "type");
  json::object params;
  if (const json::value* value = operation.if_contains("params"); value && value->is_object()) {
    params = value->get_object();
  }
  if (type == "server_create") return {"server_delete", {{"name", params["name"]}}};
  if (type == "taskserv_install") return {"taskserv_remove", params};
  return {"", {}};
}

}  // namespace

bool is_batch_operation_type(std::string_view type) {
  return type == "server_create" || type == "server_delete" || type == "taskserv_install" ||
         type == "taskserv_remove" || type == "cluster_create" || type == "config";
}

void validate_batch(const json::array& operations) {
  if (operations.empty())
    throw sdk::Error::invalid_argument("a batch needs at least one operation");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < operations.size(); ++i) check_operation_shape(operations[i], i, ids);
  std::map<std::string, std::vector<std::string>> graph;
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const json::object& operation = operations[i].get_object();
    std::string id = text(operation, "id");
    for (const auto& dependency : dependencies_of(operation)) {
      if (ids.count(dependency) == 0) {
        invalid_operation(i, "'" + id + "' depends on unknown operation '" + dependency + "'");
      }
      if (dependency == id) invalid_operation(i, "'" + id + "' depends on itself");
    }
    graph[id] = dependencies_of(operation);
  }
  reject_cycles(graph);
}

BatchEngine::BatchEngine(WorkflowEngine& workflows, Committer& committer,
                         PluginHandle<sdk::StorageBackend> storage, const Config& config)
    : workflows_(workflows), committer_(committer), storage_(std::move(storage)), config_(config) {
  workflows_.add_listener([this](const json::object& workflow) {
    if (text(workflow, "batch_id").empty()) return;
    {
      std::lock_guard lock(mutex_);
      finished_workflows_.push_back(workflow);
    }
    wake_.notify_one();
  });
}

BatchEngine::~BatchEngine() {
  stop();
}

void BatchEngine::start() {
  std::vector<json::object> unfinished;
  storage_.call("for_each", [&](sdk::StorageBackend& storage) {
    storage.for_each(kBatches, [&](const std::string&, const json::object& record) {
      // A batch may read Failed or Cancelled while operations still run; it has ended
      // only when finished_at is set.
      if (text(record, "finished_at").empty()) unfinished.push_back(record);
      return true;
    });
  });
  // Workflows carry "<batch id>/<operation id>", which finds operations that started
  // after the batch record was last written.
  std::map<std::string, json::object> tagged;
  if (!unfinished.empty()) {
    storage_.call("for_each", [&](sdk::StorageBackend& storage) {
      storage.for_each(sdk::kWorkflows, [&](const std::string&, const json::object& workflow) {
        std::string tag = text(workflow, "batch_id");
        if (!tag.empty() && tag.find('#') == std::string::npos) tagged[tag] = workflow;
        return true;
      });
    });
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& record : unfinished) resume(std::move(record), tagged);
    stopping_ = false;
    changed_ = true;
  }
  thread_ = std::thread([this] { run(); });
  wake_.notify_one();
}

void BatchEngine::resume(json::object record, const std::map<std::string, json::object>& tagged) {
  Batch batch;
  batch.record = std::move(record);
  const json::value* pending = batch.record.if_contains("rollback_pending");
  batch.rollback_requested = pending != nullptr && pending->is_bool() && pending->get_bool();
  std::string batch_id = text(batch.record, "id");
  auto& operations = batch.record["operations"].as_array();
  for (std::size_t i = 0; i < operations.size(); ++i) {
    json::object& operation = operations[i].as_object();
    std::string operation_id = text(operation, "id");
    batch.index[operation_id] = i;
    if (is_terminal_state(text(operation, "status"))) {
      if (text(operation, "status") == kCompleted) batch.completion_order.push_back(operation_id);
      continue;
    }
    auto found = tagged.find(batch_id + "/" + operation_id);
    if (found == tagged.end()) continue;  // never started: scheduled again
    operation["workflow_id"] = found->second.at("id");
    // A workflow that ended while the orchestrator was down reports its end here; one
    // still running reports through the engine's listener.
    if (is_terminal_state(text(found->second, "status"))) {
      finished_workflows_.push_back(found->second);
    }
  }
  index_operations(batch);
  active_.emplace(batch_id, std::move(batch));
}

// Fills the dependency counts, the ready queue and the in-flight count from the
// operation states of the record.
void BatchEngine::index_operations(Batch& batch) {
  auto& operations = batch.record["operations"].as_array();
  batch.dependents.assign(operations.size(), {});
  batch.waiting_on.assign(operations.size(), 0);
  batch.ready.clear();
  batch.in_flight = 0;
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const json::object& op = operations[i].as_object();
    batch.index[text(op, "id")] = i;
  }
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const json::object& op = operations[i].as_object();
    for (const auto& dependency : dependencies_of(op)) {
      std::size_t position = batch.index.at(dependency);
      batch.dependents[position].push_back(i);
      if (view_of(operations[position].as_object(), "status") != kCompleted) {
        ++batch.waiting_on[i];
      }
    }
    std::string_view status = view_of(op, "status");
    bool started = !view_of(op, "workflow_id").empty();
    if ((status == kPending || status == kRunning) && started) ++batch.in_flight;
  }
  for (std::size_t i = 0; i < operations.size(); ++i) {
    if (batch.waiting_on[i] == 0 && is_unstarted(operations[i].as_object())) {
      batch.ready.insert(i);
    }
  }
}

// Records that the operation at `position` completed and queues the dependents that no
// longer wait for anything.
void BatchEngine::mark_completed(Batch& batch, std::size_t position) {
  auto& operations = batch.record["operations"].as_array();
  batch.completion_order.push_back(text(operations[position].as_object(), "id"));
  for (std::size_t dependent : batch.dependents[position]) {
    if (--batch.waiting_on[dependent] == 0 && is_unstarted(operations[dependent].as_object())) {
      batch.ready.insert(dependent);
    }
  }
}

void BatchEngine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

json::object BatchEngine::submit(const json::array& operations, const json::object& batch_options,
                                 const std::string& correlation_id) {
  validate_batch(operations);
  std::int64_t parallel_limit = 4;
  if (const json::value* value = batch_options.if_contains("parallel_limit"); value) {
    if (!value->is_int64() || value->get_int64() < 1 || value->get_int64() > 1000) {
      throw sdk::Error::invalid_argument(
          "batch_options.parallel_limit must be an integer from 1 to 1000");
    }
    parallel_limit = value->get_int64();
  }
  std::string on_failure = text(batch_options, "on_failure");
  if (on_failure.empty()) on_failure = "fail";
  if (on_failure != "fail" && on_failure != "continue" && on_failure != "rollback") {
    throw sdk::Error::invalid_argument("batch_options.on_failure is '" + on_failure +
                                       "'; use fail, continue or rollback");
  }

  std::string now = sdk::utc_timestamp();
  Batch batch;
  json::array stored_operations;
  for (const auto& item : operations) {
    json::object operation = item.get_object();
    operation["status"] = kPending;
    operation["workflow_id"] = "";
    operation["error"] = "";
    if (!operation.contains("params")) operation["params"] = json::object{};
    if (!operation.contains("depends_on")) operation["depends_on"] = json::array{};
    batch.index[text(operation, "id")] = stored_operations.size();
    stored_operations.push_back(std::move(operation));
  }
  std::string id = new_record_id();
  batch.record = json::object{
      {"id", id},
      {"status", kRunning},
      {"operations", std::move(stored_operations)},
      {"batch_options", {{"parallel_limit", parallel_limit}, {"on_failure", on_failure}}},
      {"correlation_id", correlation_id},
      {"rolled_back", false},
      {"created_at", now},
      {"updated_at", now},
      {"started_at", now},
      {"finished_at", ""}};
  committer_.write({RecordWrite::put(kBatches, id, batch.record)});
  json::object stored = batch.record;
  index_operations(batch);
  {
    std::lock_guard lock(mutex_);
    active_.emplace(id, std::move(batch));
    changed_ = true;
  }
  wake_.notify_one();
  component_logger("orchestrator")
      ->info("accepted batch {} with {} operations, on_failure={} [correlation_id={}]", id,
             operations.size(), on_failure, correlation_id);
  return stored;
}

BatchEngine::Batch& BatchEngine::find_batch(const std::string& id) {
  return active_.at(id);
}

json::object& BatchEngine::operation(Batch& batch, const std::string& id) {
  return batch.record["operations"].as_array()[batch.index.at(id)].as_object();
}

// Marks the batch for the next flush. A large batch record is rewritten whole, so writing
// it on every operation change would cost as much as the work itself. After a crash,
// start() recovers the operation states a missed flush lost from the workflows, which
// carry their batch tag.
void BatchEngine::persist(Batch& batch) {
  batch.dirty = true;
}

void BatchEngine::persist_now(Batch& batch) {
  json::object record = batch.record;
  record["updated_at"] = sdk::utc_timestamp();
  committer_.write_later({RecordWrite::put(kBatches, view_of(record, "id"), record)});
  batch.dirty = false;
  batch.flushed_at = std::chrono::steady_clock::now();
}

std::optional<std::chrono::steady_clock::time_point> BatchEngine::flush_due_batches() {
  auto now = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> next;
  for (auto& [id, batch] : active_) {
    if (!batch.dirty) continue;
    auto due = batch.flushed_at + kFlushInterval;
    if (due <= now) {
      persist_now(batch);
    } else if (!next || due < *next) {
      next = due;
    }
  }
  return next;
}

void BatchEngine::run() {
  name_this_thread("batches");
  std::unique_lock lock(mutex_);
  std::optional<std::chrono::steady_clock::time_point> next_flush;
  while (true) {
    auto ready = [this] { return stopping_ || changed_ || !finished_workflows_.empty(); };
    if (next_flush) {
      wake_.wait_until(lock, *next_flush, ready);
    } else {
      wake_.wait(lock, ready);
    }
    if (stopping_) {
      for (auto& [id, batch] : active_) {
        if (batch.dirty) persist_now(batch);
      }
      return;
    }
    changed_ = false;
    while (!finished_workflows_.empty()) {
      json::object workflow = std::move(finished_workflows_.front());
      finished_workflows_.pop_front();
      on_workflow_finished(workflow);
    }
    std::vector<std::string> ids;
    for (auto& [id, batch] : active_) ids.push_back(id);
    for (const auto& id : ids) {
      std::vector<std::pair<std::string, std::string>> started;
      schedule(active_.at(id), started);
      finish_if_done(active_.at(id));
      // A batch turns Failed or Cancelled while operations may still run, so it stays
      // active until finish_if_done() has recorded its end.
      if (!text(active_.at(id).record, "finished_at").empty()) active_.erase(id);
    }
    next_flush = flush_due_batches();
  }
}

void BatchEngine::on_workflow_finished(const json::object& workflow) {
  std::string tag = text(workflow, "batch_id");  // "<batch id>/<operation id>"
  auto slash = tag.find('/');
  if (slash == std::string::npos) return;
  std::string batch_id = tag.substr(0, slash);
  std::string operation_id = tag.substr(slash + 1);
  if (active_.count(batch_id) == 0 || operation_id.find('#') != std::string::npos) return;
  Batch& batch = active_.at(batch_id);
  std::size_t position = batch.index.at(operation_id);
  json::object& op = operation(batch, operation_id);
  if (is_terminal_state(text(op, "status"))) return;
  std::string status = text(workflow, "status");
  op["status"] = status;
  op["error"] = text(workflow, "error");
  op["workflow_id"] = text(workflow, "id");
  --batch.in_flight;
  if (status == kCompleted) mark_completed(batch, position);
  if (status == kFailed) handle_failure(batch, operation_id);
  persist(batch);
}

// Runs a config operation: it completes when every key in its params has that value in
// the configuration in force. Returns whether it completed.
bool BatchEngine::run_config_check(Batch& batch, json::object& op) {
  op["status"] = kCompleted;
  for (const auto& [key, expected] : op["params"].as_object()) {
    auto value = config_.find(key);
    if (!value || value->value != expected) {
      op["status"] = kFailed;
      op["error"] = "configuration key '" + std::string(key) + "' is " +
                    (value ? json::serialize(value->value) : std::string("not set")) +
                    ", expected " + json::serialize(expected);
    }
  }
  return view_of(op, "status") == kCompleted;
}

void BatchEngine::schedule(Batch& batch,
                           std::vector<std::pair<std::string, std::string>>& started) {
  if (view_of(batch.record, "status") != kRunning) return;
  auto& operations = batch.record["operations"].as_array();
  std::int64_t limit = batch.record["batch_options"].as_object()["parallel_limit"].as_int64();
  std::string batch_id = text(batch.record, "id");
  std::string correlation_id = text(batch.record, "correlation_id");
  observability::LogScope log_scope(observability::correlation_context(correlation_id, batch_id));
  std::vector<WorkflowEngine::Submission> submissions;
  std::vector<std::size_t> starting;
  while (batch.in_flight < limit && !batch.ready.empty() &&
         view_of(batch.record, "status") == kRunning) {
    std::size_t position = *batch.ready.begin();
    batch.ready.erase(batch.ready.begin());
    json::object& op = operations[position].as_object();
    if (!is_unstarted(op)) continue;  // cancelled or skipped while queued
    std::string type = text(op, "type");
    if (type == "config") {
      if (run_config_check(batch, op)) {
        mark_completed(batch, position);
      } else {
        handle_failure(batch, text(op, "id"));
      }
      continue;
    }
    std::string workflow_type = type == "taskserv_install" ? "taskserv_create" : type;
    WorkflowOptions options;
    options.wait_for_completion = false;
    submissions.push_back({workflow_type, op["params"].as_object(), options, correlation_id,
                           batch_id + "/" + text(op, "id")});
    starting.push_back(position);
    ++batch.in_flight;
  }
  if (submissions.empty()) return;
  // One transaction for every operation that starts now.
  std::vector<json::object> workflows = workflows_.submit_many(submissions);
  for (std::size_t i = 0; i < workflows.size(); ++i) {
    json::object& op = operations[starting[i]].as_object();
    op["workflow_id"] = workflows[i]["id"];
    op["status"] = kRunning;
    started.emplace_back(text(op, "id"), text(workflows[i], "id"));
  }
  persist(batch);
}

void BatchEngine::handle_failure(Batch& batch, const std::string& failed_id) {
  json::object& options = batch.record["batch_options"].as_object();
  std::string policy = text(options, "on_failure");
  auto& operations = batch.record["operations"].as_array();
  if (policy == "continue") {
    // Skip everything that depends on the failed operation, directly or not.
    std::deque<std::size_t> failed{batch.index.at(failed_id)};
    while (!failed.empty()) {
      std::size_t position = failed.front();
      failed.pop_front();
      std::string dependency = text(operations[position].as_object(), "id");
      for (std::size_t dependent : batch.dependents[position]) {
        json::object& op = operations[dependent].as_object();
        if (!is_unstarted(op)) continue;
        op["status"] = kSkipped;
        op["error"] = "skipped because '" + dependency + "' did not complete";
        failed.push_back(dependent);
      }
    }
    return;
  }
  // fail and rollback: nothing new starts.
  for (auto& item : operations) {
    json::object& op = item.as_object();
    if (text(op, "status") == kPending && text(op, "workflow_id").empty()) {
      op["status"] = kCancelled;
      op["error"] = "cancelled because '" + failed_id + "' failed";
    }
  }
  batch.record["status"] = kFailed;
  if (policy == "rollback") {
    batch.rollback_requested = true;
    batch.record["rollback_pending"] = true;  // so a restart still rolls back
  }
}

void BatchEngine::finish_if_done(Batch& batch) {
  if (batch.in_flight > 0) return;  // a workflow will report its end
  auto& operations = batch.record["operations"].as_array();
  bool any_failed = false;
  for (const auto& item : operations) {
    std::string status = text(item.as_object(), "status");
    if (status == kPending || status == kRunning) return;  // still going
    any_failed = any_failed || status == kFailed || status == kSkipped;
  }
  if (batch.rollback_requested) roll_back(batch);
  std::string status = text(batch.record, "status");
  if (status == kRunning) batch.record["status"] = any_failed ? kFailed : kCompleted;
  batch.record["finished_at"] = sdk::utc_timestamp();
  persist_now(batch);
  component_logger("orchestrator")
      ->info("batch {} {} [correlation_id={}]", text(batch.record, "id"),
             text(batch.record, "status"), text(batch.record, "correlation_id"));
}

void BatchEngine::roll_back(Batch& batch) {
  batch.rollback_requested = false;
  std::string batch_id = text(batch.record, "id");
  auto log = component_logger("orchestrator");
  for (auto it = batch.completion_order.rbegin(); it != batch.completion_order.rend(); ++it) {
    json::object& op = operation(batch, *it);
    auto [type, params] = undo_of(op);
    if (type.empty()) {
      op["rollback"] = {{"status", "not_reversible"},
                        {"workflow_id", ""},
                        {"error", "operations of type " + text(op, "type") + " are not undone"}};
      continue;
    }
    WorkflowOptions options;
    json::object undo =
        workflows_.submit(type, params, options, text(batch.record, "correlation_id"),
                          batch_id + "/" + *it + "#rollback");
    // The caller holds mutex_; release it while waiting, because the worker that runs
    // the undo reports its end to this engine's listener, which takes mutex_.
    mutex_.unlock();
    json::object done = workflows_.wait(text(undo, "id"), std::chrono::seconds(600));
    mutex_.lock();
    bool undone = text(done, "status") == kCompleted;
    op["rollback"] = {{"status", undone ? "done" : "failed"},
                      {"workflow_id", done["id"]},
                      {"error", done["error"]}};
    if (undone) op["status"] = kRolledBack;
    log->info("batch {}: rolled back {} with {}: {}", batch_id, *it, type, text(done, "status"));
  }
  batch.completion_order.clear();
  batch.record["rolled_back"] = true;
  batch.record["rollback_pending"] = false;
  persist_now(batch);
}

std::optional<json::object> BatchEngine::get(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    if (auto found = active_.find(id); found != active_.end()) return found->second.record;
  }
  return storage_.call("get", [&](sdk::StorageBackend& s) { return s.get(kBatches, id); });
}

std::optional<json::object> BatchEngine::summary(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    if (auto found = active_.find(id); found != active_.end()) {
      return summary_of(found->second.record);
    }
  }
  auto stored = storage_.call("get", [&](sdk::StorageBackend& s) { return s.get(kBatches, id); });
  if (!stored) return std::nullopt;
  return summary_of(*stored);
}

std::pair<std::vector<json::object>, std::size_t> BatchEngine::list(const std::string& status,
                                                                    std::size_t limit,
                                                                    std::size_t offset) {
  std::map<std::string, json::object> current;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, batch] : active_) current[id] = summary_of(batch.record);
  }
  NewestPage newest(limit, offset);
  storage_.call("for_each", [&](sdk::StorageBackend& storage) {
    storage.for_each(kBatches, [&](const std::string& id, const json::object& stored) {
      auto live = current.find(id);
      json::object record = live != current.end() ? live->second : summary_of(stored);
      if (status.empty() || view_of(record, "status") == status) newest.offer(record);
      return true;
    });
  });
  return {newest.take(), newest.total()};
}

json::object BatchEngine::cancel(const std::string& id) {
  std::vector<std::string> running;
  {
    std::lock_guard lock(mutex_);
    auto found = active_.find(id);
    if (found == active_.end()) {
      // Not get(): it locks mutex_, which this thread already holds.
      auto stored =
          storage_.call("get", [&](sdk::StorageBackend& s) { return s.get(kBatches, id); });
      if (!stored) throw sdk::Error::not_found("batch '" + id + "' not found");
      throw sdk::Error::conflict("batch '" + id + "' has already ended; nothing to cancel");
    }
    Batch& batch = found->second;
    for (auto& item : batch.record["operations"].as_array()) {
      json::object& op = item.as_object();
      if (text(op, "status") != kPending && text(op, "status") != kRunning) continue;
      if (text(op, "workflow_id").empty()) {
        op["status"] = kCancelled;
        op["error"] = "cancelled on request";
      } else {
        running.push_back(text(op, "workflow_id"));
      }
    }
    batch.record["status"] = kCancelled;
    persist_now(batch);
    changed_ = true;
  }
  for (const auto& workflow_id : running) {
    try {
      workflows_.cancel(workflow_id);
    } catch (const sdk::Error&) {
      // It ended between the check and the cancel; its end is reported as usual.
    }
  }
  wake_.notify_one();
  return *get(id);
}

json::object BatchEngine::rollback(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    if (active_.count(id) != 0) {
      throw sdk::Error::conflict("batch '" + id +
                                 "' is still running; cancel it first, then roll it back");
    }
  }
  auto record = get(id);
  if (!record) throw sdk::Error::not_found("batch '" + id + "' not found");
  if ((*record)["rolled_back"].as_bool()) {
    throw sdk::Error::conflict("batch '" + id + "' was already rolled back");
  }
  Batch batch;
  batch.record = *record;
  auto& operations = batch.record["operations"].as_array();
  std::vector<std::pair<std::string, std::string>> completed;  // finished_at of workflow, id
  for (std::size_t i = 0; i < operations.size(); ++i) {
    json::object& op = operations[i].as_object();
    batch.index[text(op, "id")] = i;
    if (text(op, "status") != kCompleted) continue;
    auto workflow = workflows_.get(text(op, "workflow_id"));
    completed.emplace_back(workflow ? text(*workflow, "finished_at") : "", text(op, "id"));
  }
  std::sort(completed.begin(), completed.end());
  for (const auto& [finished, op_id] : completed) batch.completion_order.push_back(op_id);
  std::unique_lock lock(mutex_);
  roll_back(batch);
  lock.unlock();
  committer_.write({RecordWrite::put(kBatches, id, batch.record)});
  return batch.record;
}

}  // namespace provisioning::host
