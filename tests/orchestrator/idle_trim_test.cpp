// Tests of when the orchestrator returns freed memory: once after activity stops, and
// never while busy or idle twice in a row. The ticks are driven by the test, so nothing
// depends on timing.

#include "orchestrator/idle_trim.h"

#include <gtest/gtest.h>

namespace provisioning::testing {
namespace {

class IdleTrimTest : public ::testing::Test {
 protected:
  int trims_ = 0;
  host::IdleTrimmer trimmer_{[this] { ++trims_; }};
};

TEST_F(IdleTrimTest, NoTrimWithoutActivity) {
  EXPECT_FALSE(trimmer_.tick());
  EXPECT_FALSE(trimmer_.tick());
  EXPECT_EQ(trims_, 0);
}

TEST_F(IdleTrimTest, TrimsOnceAfterActivityStops) {
  trimmer_.note_activity();
  EXPECT_FALSE(trimmer_.tick()) << "activity during the last interval";
  EXPECT_TRUE(trimmer_.tick());
  EXPECT_FALSE(trimmer_.tick()) << "already trimmed";
  EXPECT_EQ(trims_, 1);
  EXPECT_EQ(trimmer_.trims(), 1u);
}

TEST_F(IdleTrimTest, NoTrimWhileBusy) {
  for (int i = 0; i < 5; ++i) {
    trimmer_.note_activity();
    EXPECT_FALSE(trimmer_.tick()) << "tick " << i;
  }
  EXPECT_EQ(trims_, 0);
  EXPECT_TRUE(trimmer_.tick());
  trimmer_.note_activity();
  EXPECT_FALSE(trimmer_.tick());
  EXPECT_TRUE(trimmer_.tick());
  EXPECT_EQ(trims_, 2);
}

TEST(IdleTrimThreadTest, StopsItsThread) {
  // A trimmer with its own thread is destroyed without waiting for a tick.
  host::IdleTrimmer trimmer({}, std::chrono::hours(1));
  trimmer.note_activity();
  EXPECT_EQ(trimmer.trims(), 0u);
}

}  // namespace
}  // namespace provisioning::testing
