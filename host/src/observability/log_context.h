#pragma once

// The ids that log lines of the current thread carry: the correlation id of the request
// or command, and the workflow, task, batch, server and plugin involved. The JSON Lines
// log writes each one that is set as a field of its own.

#include <optional>
#include <string>
#include <string_view>

namespace boost::json {
class object;
}

namespace provisioning::host::observability {

struct LogContext {
  std::string correlation_id;
  std::string workflow_id;
  std::string task_id;
  std::string batch_id;
  std::string server;
  // The plugin being called, as kind and name. Both views point at strings that outlive
  // the call (a static kind name and the plugin handle's identity).
  std::string_view plugin_kind;
  std::string_view plugin_name;
};

// Returns the context of the calling thread. An empty field is unknown.
const LogContext& current_log_context();

// Sets the non-empty fields of `context` on the calling thread and restores the previous
// context on destruction. Scopes nest.
class LogScope {
 public:
  explicit LogScope(const LogContext& context);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  LogContext previous_;
};

// Returns a context with only the correlation id and, when given, the batch id set.
LogContext correlation_context(const std::string& correlation_id, const std::string& batch_id = "");

// Returns the context of a task run by the workflow engine: the workflow's correlation
// id, workflow id and batch id (without the "/<operation>" suffix), the task id, and the
// server named by the task's params ("name" of server_* types, else "server").
LogContext task_log_context(const boost::json::object& workflow, const boost::json::object& task);

// Maximum length of a correlation id, in characters.
inline constexpr std::size_t kMaxCorrelationIdLength = 128;

// Returns an empty string when `id` is a usable correlation id: 1 to 128 characters of
// letters, digits and "-_.:/+=@". Otherwise returns why it is not.
std::string correlation_id_problem(std::string_view id);

// Returns the caller's correlation id when it is usable, else a new UUID. When `header`
// was given but rejected, `rejected_because` receives the reason.
std::string accept_or_generate_correlation_id(const std::string* header,
                                              std::string* rejected_because = nullptr);

// Returns the log context of one CLI command: `correlation_id` when it was given
// (--correlation-id), else a new UUID that is also stored into `correlation_id`, so the
// orchestrator requests of the command carry the same id. Throws sdk::Error
// (kInvalidArgument) naming a given id that is not usable and how to fix it.
LogContext command_log_context(std::string& correlation_id);

// Marks one plugin call on the calling thread: log lines inside it name the plugin, and
// with PROVISIONING_INTEGRATION_TRACE the call is logged at info with its duration and
// outcome when the scope ends.
class PluginCallScope {
 public:
  PluginCallScope(std::string_view kind, std::string_view name, std::string_view operation);
  ~PluginCallScope();
  PluginCallScope(const PluginCallScope&) = delete;
  PluginCallScope& operator=(const PluginCallScope&) = delete;

 private:
  std::string_view previous_kind_;
  std::string_view previous_name_;
  std::string_view operation_;
  int uncaught_at_start_ = 0;
  std::optional<long long> started_ns_;  // set only while tracing
};

// Turns integration tracing on or off for the whole process. setup_logging() sets it
// from PROVISIONING_INTEGRATION_TRACE.
void set_integration_trace(bool enabled);
bool integration_trace_enabled();

// Logs one routing decision of the legacy bridge, with its duration, at info on the
// "bridge" logger when integration tracing is on (at debug otherwise). `path` is the
// side chosen ("new" or "legacy") and `reason` says why.
void trace_bridge_decision(std::string_view operation, std::string_view path,
                           std::string_view reason, double duration_ms);

// The fields of the trace line being written, for the JSON Lines formatter.
struct TraceFields {
  std::string_view event;      // "plugin_call" or "bridge_decision"
  std::string_view operation;  // the plugin operation, or the bridged operation
  std::string_view outcome;    // "ok" or "error" for a plugin call, the path for the bridge
  double duration_ms = 0;
};

// Returns the trace fields of the line being logged on this thread, or nullptr outside
// trace lines.
const TraceFields* current_trace_fields();

}  // namespace provisioning::host::observability
