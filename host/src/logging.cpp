#include "logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <mutex>
#include <vector>

namespace provisioning::host {
namespace {

struct LoggingState {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::warn;
};

LoggingState& state() {
  static LoggingState instance;
  return instance;
}

std::vector<spdlog::sink_ptr> default_sinks() {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(spdlog::level::warn);
  console->set_pattern("%^%l%$: %v");
  return {console};
}

spdlog::level::level_enum min_level(spdlog::level::level_enum a, spdlog::level::level_enum b) {
  return a < b ? a : b;
}

}  // namespace

void setup_logging(const LoggingOptions& options) {
  LoggingState& logging = state();
  std::lock_guard lock(logging.mutex);

  auto console_level = spdlog::level::from_str(options.console_level);
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(console_level);
  console->set_pattern("%^%l%$: [%n] %v");
  logging.sinks = {console};
  logging.level = console_level;

  if (!options.file.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options.file.parent_path(), error);
    try {
      auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file.string());
      auto file_level = spdlog::level::from_str(options.level);
      file->set_level(file_level);
      file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %n: %v");
      logging.sinks.push_back(file);
      logging.level = min_level(logging.level, file_level);
    } catch (const spdlog::spdlog_ex& failure) {
      // A read-only workspace must not stop the command, so warn once and go on.
      std::cerr << "warning: cannot open log file '" << options.file.string()
                << "': " << failure.what() << "; logging to standard error only\n";
    }
  }
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
    logger->sinks() = logging.sinks;
    logger->set_level(logging.level);
  });
}

std::shared_ptr<spdlog::logger> component_logger(const std::string& component) {
  LoggingState& logging = state();
  std::lock_guard lock(logging.mutex);
  if (auto existing = spdlog::get(component)) return existing;
  if (logging.sinks.empty()) logging.sinks = default_sinks();
  auto logger =
      std::make_shared<spdlog::logger>(component, logging.sinks.begin(), logging.sinks.end());
  logger->set_level(logging.level);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace provisioning::host
