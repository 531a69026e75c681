#include "bridge/assignment_ledger.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "../support/temp_dir.h"

namespace provisioning::host::bridge {
namespace {

std::vector<std::string> server_names(const std::string& prefix, int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(prefix + "-" + std::to_string(i));
  return names;
}

std::int64_t count_new(const std::vector<PathKind>& paths) {
  return std::count(paths.begin(), paths.end(), PathKind::kNew);
}

TEST(PlaceNewName, StaysWithinOneNameOfTarget) {
  for (int percentage : {0, 1, 10, 33, 50, 67, 90, 99, 100}) {
    std::int64_t placed_new = 0;
    for (std::int64_t total = 0; total < 1000; ++total) {
      std::string name = "web-" + std::to_string(total);
      if (place_new_name(placed_new, total, percentage, name) == PathKind::kNew) ++placed_new;
      // |placed_new - percentage * (total + 1) / 100| <= 1, in hundredths of a name.
      std::int64_t miss = std::llabs(100 * placed_new - percentage * (total + 1));
      ASSERT_LE(miss, 100) << percentage << " % after " << total + 1 << " names";
    }
  }
}

TEST(PlaceNewName, HashBreaksTiesOnly) {
  // At 50 % with nothing placed, both sides miss by half a name: the hash decides.
  PathKind first = place_new_name(0, 0, 50, "web-01");
  EXPECT_EQ(first, stable_name_hash("web-01") % 2 == 0 ? PathKind::kNew : PathKind::kLegacy);
  // With one name on the new side already, the next must go to legacy, whatever its hash.
  EXPECT_EQ(place_new_name(1, 1, 50, "web-01"), PathKind::kLegacy);
  EXPECT_EQ(place_new_name(0, 1, 50, "web-01"), PathKind::kNew);
}

TEST(StableNameHash, KnownValues) {
  EXPECT_EQ(stable_name_hash(""), 14695981039346656037ULL);
  EXPECT_EQ(stable_name_hash("a"), 0xaf63dc4c8601ec8cULL);  // FNV-1a 64 test vector
}

TEST(AssignmentLedger, ShareWithinTwoPointsOverThousandNames) {
  testing::TempDir directory("bridge-ledger");
  AssignmentLedger ledger(directory / "assignments.json");
  for (int percentage : {10, 50, 90}) {
    auto names = server_names("p" + std::to_string(percentage), 1000);
    std::vector<PathKind> paths = ledger.assign(names, percentage);
    ASSERT_EQ(paths.size(), 1000u);
    double share = static_cast<double>(count_new(paths)) / 10.0;
    EXPECT_NEAR(share, percentage, 2.0) << percentage << " %";
  }
}

TEST(AssignmentLedger, StickyAcrossRunsAndPhases) {
  testing::TempDir directory("bridge-ledger");
  auto file = directory / "assignments.json";
  auto names = server_names("web", 200);
  std::vector<PathKind> first = AssignmentLedger(file).assign(names, 30);

  // A new ledger object reads the file again, as a later CLI run does.
  EXPECT_EQ(AssignmentLedger(file).assign(names, 30), first);
  // A new percentage starts a new phase, but recorded names keep their paths.
  EXPECT_EQ(AssignmentLedger(file).assign(names, 80), first);
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(AssignmentLedger(file).find(names[i]), first[i]) << names[i];
  }
  EXPECT_EQ(AssignmentLedger(file).find("never-seen"), std::nullopt);
}

TEST(AssignmentLedger, NewPhaseCountsOnlyItsOwnNames) {
  testing::TempDir directory("bridge-ledger");
  AssignmentLedger ledger(directory / "assignments.json");
  ledger.assign(server_names("old", 500), 0);
  std::vector<PathKind> paths = ledger.assign(server_names("new", 500), 100);
  EXPECT_EQ(count_new(paths), 500);
}

TEST(AssignmentLedger, OneByOneMatchesBatch) {
  testing::TempDir directory("bridge-ledger");
  AssignmentLedger batch(directory / "batch.json");
  AssignmentLedger single(directory / "single.json");
  auto names = server_names("web", 40);
  std::vector<PathKind> together = batch.assign(names, 50);
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(single.assign({names[i]}, 50).front(), together[i]) << names[i];
  }
}

}  // namespace
}  // namespace provisioning::host::bridge
