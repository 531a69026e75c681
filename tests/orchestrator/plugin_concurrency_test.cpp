// Tests of how the host calls providers and taskservs from several threads: at once for
// plugins whose manifest lists the `concurrent` capability, one at a time otherwise.

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using namespace std::chrono_literals;

// Counts how many calls are inside their plugin at the same time. Each call stays
// inside until a second call joins it or `patience` passes.
class Overlap {
 public:
  void enter(std::chrono::milliseconds patience) {
    std::unique_lock lock(mutex_);
    ++inside_;
    max_inside_ = std::max(max_inside_, inside_);
    changed_.notify_all();
    changed_.wait_for(lock, patience, [this] { return max_inside_ >= 2; });
    --inside_;
  }
  int max_inside() const { return max_inside_; }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int inside_ = 0;
  int max_inside_ = 0;
};

// Runs two calls of `handle` on two threads and returns the maximum seen inside at once.
template <typename Handle>
int overlap_of(const Handle& handle, std::chrono::milliseconds patience) {
  Overlap overlap;
  auto call = [&] { handle.call("test", [&](auto&) { overlap.enter(patience); }); };
  std::thread first(call);
  std::thread second(call);
  first.join();
  second.join();
  return overlap.max_inside();
}

TEST(PluginConcurrencyTest, ConcurrentProviderCallsOverlap) {
  TestWorkspace workspace;
  auto host = workspace.open_host({{"storage.backend", "sqlite"}});
  // The two calls wait for each other, so this ends as soon as both are inside.
  EXPECT_EQ(overlap_of(host->provider("local"), 30s), 2);
}

TEST(PluginConcurrencyTest, PlainTaskservCallsNeverOverlap) {
  TestWorkspace workspace;
  auto host = workspace.open_host({{"storage.backend", "sqlite"}});
  // Each call waits a moment for the other, which the host keeps out until it returns.
  EXPECT_EQ(overlap_of(host->taskserv("containerd"), 200ms), 1);
}

}  // namespace
}  // namespace provisioning::testing
