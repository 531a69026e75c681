#pragma once

#include <cstdint>
#include <string_view>

namespace provisioning::host::migration {

// Test hook for crash tests: when the environment variable
// PROVISIONING_TEST_KILL_AT is "<step>:<count>" and the migration reaches `step` for
// the count-th time, the process sends itself SIGKILL. Steps are "backup", "copy" and
// "verify" (counted per record) and "switch" (1: staging renamed into place, 2:
// configuration written). Without the variable this does nothing.
void fault_point(std::string_view step, std::uint64_t count);

}  // namespace provisioning::host::migration
