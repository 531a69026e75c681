#include "fault_injection.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace provisioning::host::migration {
namespace {

struct KillPoint {
  std::string step;
  std::uint64_t count = 0;
};

KillPoint read_kill_point() {
  KillPoint point;
  const char* value = std::getenv("PROVISIONING_TEST_KILL_AT");
  if (value == nullptr) return point;
  std::string text(value);
  auto colon = text.find(':');
  if (colon == std::string::npos) return point;
  point.step = text.substr(0, colon);
  point.count = std::strtoull(text.c_str() + colon + 1, nullptr, 10);
  return point;
}

}  // namespace

void fault_point(std::string_view step, std::uint64_t count) {
  static const KillPoint point = read_kill_point();
  if (point.count != 0 && count == point.count && step == point.step) std::raise(SIGKILL);
}

}  // namespace provisioning::host::migration
