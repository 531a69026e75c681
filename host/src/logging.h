#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "environment.h"

namespace provisioning::host {

class Config;

// The components that have a logger of their own. Every plugin logs through the logger
// of its kind (provider, taskserv, storage, api).
inline const std::vector<std::string> kLogComponents = {
    "host", "loader", "orchestrator", "api", "storage", "bridge", "provider", "taskserv"};

struct LoggingOptions {
  std::string level = "info";          // level of the log files: trace, debug, info, warn, error
  std::string console_level = "warn";  // level of messages also shown on standard error
  std::filesystem::path file;          // text log (provisioning.log), or none when empty
  std::filesystem::path jsonl_file;    // JSON Lines log (integrated.jsonl), or none
  std::filesystem::path legacy_file;   // legacy text log (legacy.log), or none
  std::size_t max_file_bytes = 10 * 1024 * 1024;  // size at which a log file is rotated
  std::size_t max_files = 5;                      // rotated files kept per log
  bool bridge_debug = false;         // the bridge logger writes debug lines to the files
  bool integration_trace = false;    // log each plugin call and bridge decision at info
  std::vector<std::string> secrets;  // values hidden in every log line
};

// Builds the options from the [logging] keys, the secret keys of `config` and the
// PROVISIONING_BRIDGE_DEBUG and PROVISIONING_INTEGRATION_TRACE variables. The files go
// into `directory`: `text_file_name`, integrated.jsonl, and legacy.log when
// logging.legacy_format is true. Throws sdk::Error (kInvalidArgument) naming the key or
// variable and its origin when a value is invalid.
LoggingOptions logging_options(const Config& config, const EnvironmentLookup& environment,
                               const std::filesystem::path& directory,
                               const std::string& text_file_name);

// Sets up the shared sinks every component logger writes to, and the secrets hidden in
// every line. May be called again to replace them, while only one thread logs. Before
// it is called, loggers write warnings and errors to standard error only.
void setup_logging(const LoggingOptions& options);

// Returns the logger of a component ("host", "loader", "storage", "provider",
// "taskserv", ...), creating it on first use. Safe to call from several threads.
std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

// The log files written since the last setup_logging(), for `debug integration`.
std::vector<std::filesystem::path> active_log_files();

}  // namespace provisioning::host
