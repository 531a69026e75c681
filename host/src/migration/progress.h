#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "migrate.h"

namespace provisioning::host::migration {

// Prints a migration's progress on one line of a terminal: phase, collection, records
// done, rate and estimated time left. Prints nothing when `stream` is not a terminal.
class TerminalProgress {
 public:
  explicit TerminalProgress(std::FILE* stream);

  void update(const MigrationProgress& progress);

  // Ends the progress line, if one was printed.
  void finish();

  ProgressCallback callback();

 private:
  std::FILE* stream_;
  bool enabled_;
  bool printed_ = false;
  std::string phase_;
  std::chrono::steady_clock::time_point phase_start_;
  std::chrono::steady_clock::time_point last_print_;
};

// Formats a progress line, such as
// "copy servers: 12000/100000 records, 8000/s, about 10 s left".
std::string format_progress(const MigrationProgress& progress, double seconds);

}  // namespace provisioning::host::migration
