#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/execution_path.h"
#include "workspace.h"

// Sticky, exact assignment of server names to the new or the legacy path in migration
// mode.
//
// Hashing alone (hash(name) % 100 < percentage) is sticky but only close to the
// percentage on average: over 1,000 names at 50 % its share has a standard deviation of
// about 1.6 points. The ledger instead records every name's path the first time it is
// seen, and places each new name on the side that keeps the share of the names placed
// since the percentage was last changed closest to the percentage. The hash only breaks
// ties, so the choice does not depend on a name's position alone. After n names the
// number on the new path is within one name of n * percentage / 100.
//
// A recorded name keeps its path for good, also when the percentage changes, because a
// server lives in the store of the path that created it.
namespace provisioning::host::bridge {

// Returns the 64-bit FNV-1a hash of `name`, which is the same in every process and
// release, unlike std::hash.
std::uint64_t stable_name_hash(std::string_view name);

// Returns the path for a name seen for the first time, when `placed_new` of the
// `placed_total` names placed so far in this phase went to the new path.
PathKind place_new_name(std::int64_t placed_new, std::int64_t placed_total, int percentage,
                        std::string_view name);

// Returns <workspace>/.provisioning/bridge/assignments.json.
std::filesystem::path assignment_ledger_file(const Workspace& workspace);

// The ledger file: {"percentage": P, "placed_new": N, "placed_total": T,
// "names": {"web-01": "new", ...}}. Updates hold an flock(), so concurrent CLI runs
// place each name once.
class AssignmentLedger {
 public:
  explicit AssignmentLedger(std::filesystem::path file) : file_(std::move(file)) {}

  // Returns the path of each name, recording names seen for the first time. A
  // `percentage` other than the recorded one starts a new phase: the placement counts
  // restart and recorded names keep their paths.
  std::vector<PathKind> assign(const std::vector<std::string>& names, int percentage);

  // Returns the recorded path of `name`, if any, without recording anything.
  std::optional<PathKind> find(const std::string& name) const;

 private:
  std::filesystem::path file_;
};

}  // namespace provisioning::host::bridge
