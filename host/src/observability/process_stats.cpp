#include "observability/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace provisioning::host::observability {
namespace {

// The fields of /proc/self/stat after the command name, which may contain spaces, so
// fields()[0] is field 3 (state) of proc(5).
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// Seconds since the Unix epoch at which the system booted (btime in /proc/stat).
std::optional<double> boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("btime ")) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

std::optional<double> count_open_fds() {
  std::error_code error;
  std::filesystem::directory_iterator entries("/proc/self/fd", error);
  if (error) return std::nullopt;
  double count = 0;
  for (const auto& entry : entries) {
    (void)entry;
    ++count;
  }
  return count - 1;  // the iterator's own descriptor
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats stats;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // proc(5) numbers the fields from 1: utime 14, stime 15, starttime 22, vsize 23, rss 24.
  std::vector<std::string> fields = stat_fields();
  auto field = [&fields](int number) { return std::stod(fields.at(number - 3)); };
  if (fields.size() >= 22 && ticks > 0) {
    stats.cpu_seconds = (field(14) + field(15)) / ticks;
    stats.virtual_memory_bytes = field(23);
    stats.resident_memory_bytes = field(24) * page;
    if (auto booted = boot_time()) stats.start_time_seconds = *booted + field(22) / ticks;
  }
  stats.open_fds = count_open_fds();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    stats.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return stats;
}

}  // namespace provisioning::host::observability
