#include "observability/log_context.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/json.h>
#include <provisioning/sdk/time_and_ids.h>

#include <atomic>
#include <chrono>
#include <exception>

#include "logging.h"

namespace provisioning::host::observability {
namespace {

thread_local LogContext context_of_thread;
thread_local const TraceFields* trace_of_thread = nullptr;
std::atomic<bool> integration_trace{false};

long long steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool is_correlation_id_character(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("-_.:/+=@").find(c) != std::string_view::npos;
}

std::string string_field(const boost::json::object& record, std::string_view key) {
  const boost::json::value* value = record.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

void set_if_given(std::string& field, const std::string& value) {
  if (!value.empty()) field = value;
}

// Writes one trace line with `fields` visible to the JSON Lines formatter.
void log_trace_line(std::string_view component, const TraceFields& fields,
                    const std::string& message) {
  trace_of_thread = &fields;
  try {
    auto logger = component_logger(std::string(component));
    if (integration_trace_enabled()) {
      logger->info("{}", message);
    } else {
      logger->debug("{}", message);
    }
  } catch (...) {
    // A failed log line must not change the outcome of the call it describes.
  }
  trace_of_thread = nullptr;
}

}  // namespace

const LogContext& current_log_context() {
  return context_of_thread;
}

LogScope::LogScope(const LogContext& context) : previous_(context_of_thread) {
  LogContext& current = context_of_thread;
  set_if_given(current.correlation_id, context.correlation_id);
  set_if_given(current.workflow_id, context.workflow_id);
  set_if_given(current.task_id, context.task_id);
  set_if_given(current.batch_id, context.batch_id);
  set_if_given(current.server, context.server);
  if (!context.plugin_kind.empty()) current.plugin_kind = context.plugin_kind;
  if (!context.plugin_name.empty()) current.plugin_name = context.plugin_name;
}

LogScope::~LogScope() {
  context_of_thread = std::move(previous_);
}

LogContext correlation_context(const std::string& correlation_id, const std::string& batch_id) {
  LogContext context;
  context.correlation_id = correlation_id;
  context.batch_id = batch_id;
  return context;
}

LogContext task_log_context(const boost::json::object& workflow, const boost::json::object& task) {
  LogContext context;
  context.correlation_id = string_field(workflow, "correlation_id");
  context.workflow_id = string_field(workflow, "id");
  context.task_id = string_field(task, "id");
  std::string batch = string_field(workflow, "batch_id");
  context.batch_id = batch.substr(0, batch.find('/'));
  const boost::json::value* params = task.if_contains("params");
  if (params != nullptr && params->is_object()) {
    bool names_server = string_field(task, "type").starts_with("server_");
    context.server = string_field(params->get_object(), names_server ? "name" : "server");
  }
  return context;
}

std::string correlation_id_problem(std::string_view id) {
  if (id.empty()) return "it is empty";
  if (id.size() > kMaxCorrelationIdLength) {
    return "it has " + std::to_string(id.size()) + " characters, more than the maximum of " +
           std::to_string(kMaxCorrelationIdLength);
  }
  for (char c : id) {
    if (!is_correlation_id_character(c)) {
      return "it contains a character other than letters, digits and \"-_.:/+=@\"";
    }
  }
  return "";
}

std::string accept_or_generate_correlation_id(const std::string* header,
                                              std::string* rejected_because) {
  if (header != nullptr) {
    std::string problem = correlation_id_problem(*header);
    if (problem.empty()) return *header;
    if (rejected_because != nullptr) *rejected_because = problem;
  }
  return sdk::generate_uuid();
}

LogContext command_log_context(std::string& correlation_id) {
  if (correlation_id.empty()) {
    correlation_id = sdk::generate_uuid();
  } else if (std::string problem = correlation_id_problem(correlation_id); !problem.empty()) {
    throw sdk::Error::invalid_argument("invalid --correlation-id '" + correlation_id +
                                       "': " + problem + "; pass 1 to " +
                                       std::to_string(kMaxCorrelationIdLength) +
                                       " letters, digits or \"-_.:/+=@\", or leave it out");
  }
  LogContext context;
  context.correlation_id = correlation_id;
  return context;
}

PluginCallScope::PluginCallScope(std::string_view kind, std::string_view name,
                                 std::string_view operation)
    : previous_kind_(context_of_thread.plugin_kind),
      previous_name_(context_of_thread.plugin_name),
      operation_(operation),
      uncaught_at_start_(std::uncaught_exceptions()) {
  context_of_thread.plugin_kind = kind;
  context_of_thread.plugin_name = name;
  if (integration_trace_enabled()) started_ns_ = steady_now_ns();
}

PluginCallScope::~PluginCallScope() {
  if (started_ns_) {
    double duration_ms = static_cast<double>(steady_now_ns() - *started_ns_) / 1e6;
    bool failed = std::uncaught_exceptions() > uncaught_at_start_;
    TraceFields fields{"plugin_call", operation_, failed ? "error" : "ok", duration_ms};
    std::string message = "plugin call " + std::string(context_of_thread.plugin_kind) + " '" +
                          std::string(context_of_thread.plugin_name) + "' " +
                          std::string(operation_) + " " + std::string(fields.outcome) + " in " +
                          std::to_string(duration_ms) + " ms";
    log_trace_line(context_of_thread.plugin_kind, fields, message);
  }
  context_of_thread.plugin_kind = previous_kind_;
  context_of_thread.plugin_name = previous_name_;
}

void set_integration_trace(bool enabled) {
  integration_trace.store(enabled, std::memory_order_relaxed);
}

bool integration_trace_enabled() {
  return integration_trace.load(std::memory_order_relaxed);
}

void trace_bridge_decision(std::string_view operation, std::string_view path,
                           std::string_view reason, double duration_ms) {
  TraceFields fields{"bridge_decision", operation, path, duration_ms};
  std::string message = "bridge routed " + std::string(operation) + " to the " + std::string(path) +
                        " path in " + std::to_string(duration_ms) + " ms: " + std::string(reason);
  log_trace_line("bridge", fields, message);
}

const TraceFields* current_trace_fields() {
  return trace_of_thread;
}

}  // namespace provisioning::host::observability
