#include "logging.h"

#include <provisioning/sdk/error.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <mutex>
#include <set>
#include <vector>

#include "config.h"
#include "observability/log_context.h"
#include "observability/log_formats.h"
#include "observability/redact.h"

namespace provisioning::host {
namespace {

using Level = spdlog::level::level_enum;

constexpr std::int64_t kMinFileBytes = 1024;
constexpr std::int64_t kMaxFiles = 1000;

Level lower_level(Level a, Level b) {
  return a < b ? a : b;
}

// The one sink of every component logger. It hides secrets in each message, then hands
// it to each target whose level admits it: standard error, and the log files with a
// level per component (the bridge may log at debug while the rest logs at info).
class DispatchSink final : public spdlog::sinks::sink {
 public:
  struct Target {
    spdlog::sink_ptr sink;
    bool is_file = false;
  };

  DispatchSink(std::vector<Target> targets, Level console_level, Level file_level,
               bool bridge_debug)
      : targets_(std::move(targets)),
        console_level_(console_level),
        file_level_(file_level),
        bridge_debug_(bridge_debug) {
    set_level(spdlog::level::trace);
  }

  // The level below which no target of `component` writes.
  Level threshold(std::string_view component) const {
    Level level = console_level_;
    if (has_files()) level = lower_level(level, file_level_for(component));
    return level;
  }

  void log(const spdlog::details::log_msg& message) override {
    std::string_view payload(message.payload.data(), message.payload.size());
    if (!observability::needs_redaction(payload)) {
      write(message);
      return;
    }
    std::string redacted = observability::redact(payload);
    spdlog::details::log_msg copy(message);
    copy.payload = spdlog::string_view_t(redacted.data(), redacted.size());
    write(copy);
  }

  void flush() override {
    for (const auto& target : targets_) target.sink->flush();
  }
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

 private:
  bool has_files() const {
    for (const auto& target : targets_) {
      if (target.is_file) return true;
    }
    return false;
  }

  Level file_level_for(std::string_view component) const {
    if (bridge_debug_ && component == "bridge") return lower_level(file_level_, Level::debug);
    return file_level_;
  }

  void write(const spdlog::details::log_msg& message) {
    std::string_view component(message.logger_name.data(), message.logger_name.size());
    for (const auto& target : targets_) {
      Level level = target.is_file ? file_level_for(component) : console_level_;
      if (message.level >= level) target.sink->log(message);
    }
  }

  std::vector<Target> targets_;
  Level console_level_;
  Level file_level_;
  bool bridge_debug_;
};

struct LoggingState {
  std::mutex mutex;
  std::shared_ptr<DispatchSink> sink;
  std::vector<std::filesystem::path> files;
};

LoggingState& state() {
  static LoggingState instance;
  return instance;
}

std::shared_ptr<DispatchSink> default_sink() {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_pattern("%^%l%$: %v");
  return std::make_shared<DispatchSink>(std::vector<DispatchSink::Target>{{console, false}},
                                        Level::warn, Level::off, false);
}

// Opens one rotating log file with `formatter`, or returns nullptr after a warning when
// it cannot be opened: a read-only workspace must not stop the command.
spdlog::sink_ptr open_log_file(const std::filesystem::path& file, const LoggingOptions& options,
                               std::unique_ptr<spdlog::formatter> formatter) {
  std::error_code ignored;  // open() below reports a directory that cannot be created
  std::filesystem::create_directories(file.parent_path(), ignored);
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        file.string(), options.max_file_bytes, options.max_files);
    sink->set_formatter(std::move(formatter));
    return sink;
  } catch (const spdlog::spdlog_ex& failure) {
    std::cerr << "warning: cannot open log file '" << file.string() << "': " << failure.what()
              << "; not writing this log\n";
    return nullptr;
  }
}

std::vector<DispatchSink::Target> open_targets(const LoggingOptions& options,
                                               std::vector<std::filesystem::path>& opened) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_pattern("%^%l%$: [%n] %v");
  std::vector<DispatchSink::Target> targets{{console, false}};

  auto add_file = [&](const std::filesystem::path& file,
                      std::unique_ptr<spdlog::formatter> formatter) {
    if (file.empty()) return;
    if (auto sink = open_log_file(file, options, std::move(formatter))) {
      targets.push_back({sink, true});
      opened.push_back(file);
    }
  };
  add_file(options.file, std::make_unique<spdlog::pattern_formatter>(
                             "[%Y-%m-%d %H:%M:%S.%e] [%l] %n: %v", spdlog::pattern_time_type::local,
                             std::string("\n")));
  add_file(options.jsonl_file, std::make_unique<observability::JsonLineFormatter>());
  add_file(options.legacy_file, std::make_unique<observability::LegacyLineFormatter>());
  return targets;
}

void configure(spdlog::logger& logger, const DispatchSink& sink) {
  logger.set_level(sink.threshold(logger.name()));
  // Every line is flushed, so processes that share a log file append whole lines and a
  // reader sees each line as soon as it is logged.
  logger.flush_on(Level::trace);
}

std::optional<bool> parse_switch(const std::string& text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

bool read_switch(const EnvironmentLookup& environment, const std::string& name) {
  std::optional<std::string> value = environment ? environment(name) : std::nullopt;
  if (!value || value->empty()) return false;
  std::optional<bool> parsed = parse_switch(*value);
  if (!parsed) {
    throw sdk::Error::invalid_argument(name + " is '" + *value +
                                       "', which is not a boolean; set it to 1 or 0 (true, "
                                       "false, yes, no, on and off also work) or unset it");
  }
  return *parsed;
}

std::string checked_level(const Config& config) {
  static const std::set<std::string> levels = {"trace", "debug",    "info", "warn",
                                               "error", "critical", "off"};
  std::string level = config.get_string("logging.level");
  if (levels.count(level) == 0) {
    throw sdk::Error::invalid_argument("invalid logging.level '" + level + "' from " +
                                       config.require("logging.level").origin +
                                       "; use trace, debug, info, warn, error, critical or off");
  }
  return level;
}

// Reads an integer key in [minimum, maximum], or `fallback` when no layer sets it.
std::int64_t bounded_int(const Config& config, std::string_view key, std::int64_t minimum,
                         std::int64_t maximum, std::int64_t fallback) {
  auto value = config.find(key);
  if (!value) return fallback;
  if (!value->value.is_int64() || value->value.get_int64() < minimum ||
      value->value.get_int64() > maximum) {
    throw sdk::Error::invalid_argument("invalid " + std::string(key) + " " +
                                       json::serialize(value->value) + " from " + value->origin +
                                       "; use an integer from " + std::to_string(minimum) + " to " +
                                       std::to_string(maximum));
  }
  return value->value.get_int64();
}

bool optional_bool(const Config& config, std::string_view key) {
  auto value = config.find(key);
  if (!value) return false;
  if (!value->value.is_bool()) {
    throw sdk::Error::invalid_argument("invalid " + std::string(key) + " " +
                                       json::serialize(value->value) + " from " + value->origin +
                                       "; use true or false");
  }
  return value->value.get_bool();
}

}  // namespace

LoggingOptions logging_options(const Config& config, const EnvironmentLookup& environment,
                               const std::filesystem::path& directory,
                               const std::string& text_file_name) {
  LoggingOptions options;
  options.level = checked_level(config);
  options.file = directory / text_file_name;
  options.jsonl_file = directory / "integrated.jsonl";
  if (optional_bool(config, "logging.legacy_format"))
    options.legacy_file = directory / "legacy.log";
  options.max_file_bytes = static_cast<std::size_t>(bounded_int(
      config, "logging.max_file_bytes", kMinFileBytes, std::int64_t{1} << 40, 10 * 1024 * 1024));
  options.max_files =
      static_cast<std::size_t>(bounded_int(config, "logging.max_files", 1, kMaxFiles, 5));
  options.bridge_debug = read_switch(environment, "PROVISIONING_BRIDGE_DEBUG");
  options.integration_trace = read_switch(environment, "PROVISIONING_INTEGRATION_TRACE");
  options.secrets = observability::secret_values(config);
  return options;
}

void setup_logging(const LoggingOptions& options) {
  LoggingState& logging = state();
  std::lock_guard lock(logging.mutex);
  observability::set_secret_values(options.secrets);
  observability::set_integration_trace(options.integration_trace);

  std::vector<std::filesystem::path> opened;
  std::vector<DispatchSink::Target> targets = open_targets(options, opened);
  logging.sink = std::make_shared<DispatchSink>(
      std::move(targets), spdlog::level::from_str(options.console_level),
      spdlog::level::from_str(options.level), options.bridge_debug);
  logging.files = std::move(opened);

  for (const std::string& component : kLogComponents) {
    if (!spdlog::get(component)) {
      spdlog::register_logger(std::make_shared<spdlog::logger>(component, logging.sink));
    }
  }
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
    logger->sinks() = {logging.sink};
    configure(*logger, *logging.sink);
  });
}

std::shared_ptr<spdlog::logger> component_logger(const std::string& component) {
  LoggingState& logging = state();
  std::lock_guard lock(logging.mutex);
  if (auto existing = spdlog::get(component)) return existing;
  if (!logging.sink) logging.sink = default_sink();
  auto logger = std::make_shared<spdlog::logger>(component, logging.sink);
  configure(*logger, *logging.sink);
  spdlog::register_logger(logger);
  return logger;
}

std::vector<std::filesystem::path> active_log_files() {
  LoggingState& logging = state();
  std::lock_guard lock(logging.mutex);
  return logging.files;
}

}  // namespace provisioning::host
