#include "observability/log_formats.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/fmt/fmt.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iterator>
#include <string_view>

#include "observability/log_context.h"

namespace provisioning::host::observability {
namespace {

void append(spdlog::memory_buf_t& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

// Appends `text` as a JSON string, quotes included. Bytes of 0x80 and above pass
// unchanged, so UTF-8 text stays as it is.
void append_json_string(spdlog::memory_buf_t& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        append(out, "\\\"");
        break;
      case '\\':
        append(out, "\\\\");
        break;
      case '\n':
        append(out, "\\n");
        break;
      case '\r':
        append(out, "\\r");
        break;
      case '\t':
        append(out, "\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_field(spdlog::memory_buf_t& out, std::string_view name, std::string_view value) {
  out.push_back(',');
  append_json_string(out, name);
  out.push_back(':');
  append_json_string(out, value);
}

void append_if_known(spdlog::memory_buf_t& out, std::string_view name, std::string_view value) {
  if (!value.empty()) append_field(out, name, value);
}

struct SplitTime {
  std::tm calendar{};
  int milliseconds = 0;
};

SplitTime split_time(spdlog::log_clock::time_point time, bool utc) {
  auto since_epoch = time.time_since_epoch();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  SplitTime split;
  split.milliseconds = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count());
  std::time_t whole = static_cast<std::time_t>(seconds.count());
  if (utc) {
    gmtime_r(&whole, &split.calendar);
  } else {
    localtime_r(&whole, &split.calendar);
  }
  return split;
}

void append_time(spdlog::memory_buf_t& out, const SplitTime& time, char separator) {
  const std::tm& t = time.calendar;
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}.{:03}",
                 t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, separator, t.tm_hour, t.tm_min,
                 t.tm_sec, time.milliseconds);
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

void append_context(spdlog::memory_buf_t& out, const LogContext& context) {
  append(out, ",\"correlation_id\":");
  if (context.correlation_id.empty()) {
    append(out, "null");
  } else {
    append_json_string(out, context.correlation_id);
  }
  append_if_known(out, "workflow_id", context.workflow_id);
  append_if_known(out, "task_id", context.task_id);
  append_if_known(out, "batch_id", context.batch_id);
  append_if_known(out, "server", context.server);
  if (!context.plugin_kind.empty()) {
    std::string plugin = std::string(context.plugin_kind) + "/" + std::string(context.plugin_name);
    append_field(out, "plugin", plugin);
  }
}

void append_trace(spdlog::memory_buf_t& out, const TraceFields& trace) {
  append_field(out, "event", trace.event);
  append_field(out, "operation", trace.operation);
  append_field(out, "outcome", trace.outcome);
  fmt::format_to(std::back_inserter(out), ",\"duration_ms\":{:.3f}", trace.duration_ms);
}

}  // namespace

void JsonLineFormatter::format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) {
  append(out, "{\"timestamp\":\"");
  append_time(out, split_time(message.time, true), 'T');
  append(out, "Z\"");
  append_field(out, "level", level_name(message.level));
  append_field(out, "component",
               std::string_view(message.logger_name.data(), message.logger_name.size()));
  append_field(out, "message", std::string_view(message.payload.data(), message.payload.size()));
  fmt::format_to(std::back_inserter(out), ",\"pid\":{}", static_cast<long>(::getpid()));
  append_context(out, current_log_context());
  if (const TraceFields* trace = current_trace_fields()) append_trace(out, *trace);
  append(out, "}\n");
}

std::unique_ptr<spdlog::formatter> JsonLineFormatter::clone() const {
  return std::make_unique<JsonLineFormatter>();
}

void LegacyLineFormatter::format(const spdlog::details::log_msg& message,
                                 spdlog::memory_buf_t& out) {
  out.push_back('[');
  append_time(out, split_time(message.time, false), ' ');
  append(out, "] [");
  for (char c : level_name(message.level)) {
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  append(out, "] ");
  append(out, std::string_view(message.logger_name.data(), message.logger_name.size()));
  append(out, ": ");
  append(out, std::string_view(message.payload.data(), message.payload.size()));
  out.push_back('\n');
}

std::unique_ptr<spdlog::formatter> LegacyLineFormatter::clone() const {
  return std::make_unique<LegacyLineFormatter>();
}

}  // namespace provisioning::host::observability
