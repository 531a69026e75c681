#pragma once

// The line formats of the log files: JSON Lines for integrated.jsonl and the legacy
// system's text format for legacy.log.

#include <spdlog/formatter.h>

#include <memory>

namespace provisioning::host::observability {

// Formats each message as one JSON object on one line:
// {"timestamp":"2026-01-02T10:11:12.345Z","level":"info","component":"api",
//  "message":"...","pid":123,"correlation_id":"...", ...}. `correlation_id` is null when
// unknown; workflow_id, task_id, batch_id, server and plugin appear only when the
// thread's log context has them, and trace lines add event, operation, outcome and
// duration_ms.
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// Formats each message as "[2026-01-02 10:11:12.345] [INFO] bridge: message", with the
// local time and the level in upper case (TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL).
class LegacyLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace provisioning::host::observability
