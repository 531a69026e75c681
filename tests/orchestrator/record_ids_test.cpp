// Tests of the ids of stored records: UUIDs of version 7 that sort by creation time.

#include "record_ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace provisioning::testing {
namespace {

using Clock = std::chrono::system_clock;

TEST(RecordIdTest, IsUuidVersion7WithTheTimeInFront) {
  // 2026-01-02T10:11:12.345Z is 1767348672345 ms after the epoch, 0x019b7e309759.
  Clock::time_point time{std::chrono::milliseconds(1767348672345)};
  std::string id = host::new_record_id(time);
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  EXPECT_EQ(id.substr(0, 13), "019b7e30-9759") << id;
}

TEST(RecordIdTest, LaterIdsSortAfterEarlierOnes) {
  Clock::time_point time{std::chrono::milliseconds(1767348672345)};
  std::string previous = host::new_record_id(time);
  for (int i = 1; i <= 100; ++i) {
    std::string next = host::new_record_id(time + std::chrono::milliseconds(i));
    EXPECT_LT(previous, next);
    previous = next;
  }
}

TEST(RecordIdTest, IdsOfTheSameMillisecondDiffer) {
  Clock::time_point time{std::chrono::milliseconds(1767348672345)};
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(host::new_record_id(time));
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace provisioning::testing
