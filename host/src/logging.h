#pragma once

#include <spdlog/logger.h>

#include <filesystem>
#include <memory>
#include <string>

namespace provisioning::host {

struct LoggingOptions {
  std::string level = "info";          // level of the log file: trace, debug, info, warn, error
  std::string console_level = "warn";  // level of messages also shown on standard error
  std::filesystem::path file;          // log file; none when empty
};

// Sets up the shared sinks every component logger writes to. Call once, early in main;
// before it is called, loggers write warnings and errors to standard error only.
void setup_logging(const LoggingOptions& options);

// Returns the logger of a component ("host", "loader", "storage", "provider",
// "taskserv", ...), creating it on first use. Safe to call from several threads.
std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

}  // namespace provisioning::host
