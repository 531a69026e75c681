#pragma once

#include <cstdint>
#include <optional>

namespace provisioning::host::observability {

// Figures of the running process, read from /proc/self. A figure that cannot be read is
// std::nullopt.
struct ProcessStats {
  std::optional<double> resident_memory_bytes;
  std::optional<double> virtual_memory_bytes;
  std::optional<double> cpu_seconds;         // user and system time
  std::optional<double> start_time_seconds;  // Unix time
  std::optional<double> open_fds;
  std::optional<double> max_fds;  // the soft RLIMIT_NOFILE
};

ProcessStats read_process_stats();

}  // namespace provisioning::host::observability
