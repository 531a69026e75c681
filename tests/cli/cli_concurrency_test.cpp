#include <future>
#include <set>

#include "cli_fixture.h"

namespace provisioning::testing {
namespace {

// Creates `count` servers named <prefix>-<n> with one CLI process each, sequentially,
// and returns how many of them failed.
int create_servers(const CliTest& test, const std::string& prefix, int count,
                   const std::function<ProcessResult(std::vector<std::string>)>& run) {
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    auto result = run({"server", "create", prefix + "-" + std::to_string(i), "1xCPU-1GB"});
    if (result.exit_code != 0) {
      ADD_FAILURE() << prefix << "-" << i << ": " << result.err;
      ++failures;
    }
  }
  return failures;
}

TEST_P(CliTest, TwoProcessesCreateServersConcurrently) {
  constexpr int kPerWriter = 100;
  auto runner = [this](std::vector<std::string> args) { return run(std::move(args)); };
  auto first = std::async(std::launch::async,
                          [&] { return create_servers(*this, "alpha", kPerWriter, runner); });
  auto second = std::async(std::launch::async,
                           [&] { return create_servers(*this, "beta", kPerWriter, runner); });
  EXPECT_EQ(first.get(), 0);
  EXPECT_EQ(second.get(), 0);

  auto listed = run_json({"server", "list"});
  std::set<std::string> names;
  std::set<std::string> ids;
  for (const auto& record : listed.as_array()) {
    names.insert(text(record, "name"));
    ids.insert(text(record, "id"));
    EXPECT_EQ(text(record, "status"), "running") << text(record, "name");
  }
  EXPECT_EQ(listed.as_array().size(), 2u * kPerWriter);
  EXPECT_EQ(names.size(), 2u * kPerWriter) << "duplicated names";
  EXPECT_EQ(ids.size(), 2u * kPerWriter) << "duplicated ids";
}

TEST_P(CliTest, RacingSameNameCreatesOneServer) {
  auto runner = [this] { return run({"server", "create", "contested", "1xCPU-1GB"}); };
  auto first = std::async(std::launch::async, runner);
  auto second = std::async(std::launch::async, runner);
  auto a = first.get();
  auto b = second.get();
  int successes = (a.exit_code == 0) + (b.exit_code == 0);
  EXPECT_EQ(successes, 1) << a.err << b.err;
  const auto& loser = a.exit_code == 0 ? b : a;
  EXPECT_EQ(loser.exit_code, 5);
  EXPECT_THAT(loser.err, ::testing::HasSubstr("already exists"));
  EXPECT_EQ(run_json({"server", "list"}).as_array().size(), 1u);
}

}  // namespace
}  // namespace provisioning::testing
