// Tests of how the host calls providers and taskservs from several threads: at once for
// plugins whose manifest lists the `concurrent` capability, one at a time otherwise.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
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

// Returns the nice value of each thread of this process, from /proc/self/task/*/stat.
std::vector<int> thread_nice_values() {
  std::vector<int> values;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream stat(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name, which ends with ")": state is field 3, nice 19.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    for (int number = 3; number <= 19 && fields >> field; ++number) {
      if (number == 19) values.push_back(std::stoi(field));
    }
  }
  return values;
}

class WorkerPriorityTest : public OrchestratorTest {};

// Worker threads run at a nice value 5 above the process's, so that the HTTP threads
// get the CPU first on a busy machine.
TEST_F(WorkerPriorityTest, WorkersRunAtLowerPriority) {
  int process_nice = ::getpriority(PRIO_PROCESS, 0);
  start({{"orchestrator.max_parallel_tasks", "3"}});
  // Each worker lowers its own priority when it starts, so wait until all have run.
  auto lowered = [&] {
    std::vector<int> values = thread_nice_values();
    return std::count(values.begin(), values.end(), process_nice + 5);
  };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (lowered() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(lowered(), 3);
  EXPECT_EQ(::getpriority(PRIO_PROCESS, 0), process_nice) << "the main thread was changed";
}

}  // namespace
}  // namespace provisioning::testing
