// The bridge's decisions and fallbacks, with in-memory execution paths standing in for
// the orchestrator and the legacy directory. The real paths run in bridge_modes_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>

#include "../support/temp_dir.h"
#include "bridge/bridge.h"
#include "bridge/bridge_stats.h"

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;

// An execution path that keeps servers in memory, and fails with `failure` when set.
class MemoryPath final : public ExecutionPath {
 public:
  explicit MemoryPath(PathKind kind) : kind_(kind) {}

  PathKind kind() const override { return kind_; }

  json::value run(const BridgeOperation& operation) override {
    ++runs;
    if (failure) throw *failure;
    if (operation.kind == OperationKind::kServerList) {
      json::array list;
      for (const auto& name : servers) list.push_back({{"name", name}, {"path", path_name()}});
      return list;
    }
    if (operation.kind == OperationKind::kServerCreate) servers.insert(operation.server);
    if (operation.kind == OperationKind::kServerDelete) servers.erase(operation.server);
    return json::object{{"name", operation.server},
                        {"status", "running"},
                        {"ip_address", "127.0.0.1"},
                        {"path", path_name()}};
  }

  bool has_server(const std::string& name) override { return servers.count(name) != 0; }

  std::set<std::string> servers;
  std::optional<sdk::Error> failure;
  int runs = 0;

 private:
  std::string path_name() const { return std::string(to_string(kind_)); }
  PathKind kind_;
};

class BridgeRouterTest : public ::testing::Test {
 protected:
  Bridge make_bridge(BridgeMode mode, int percentage = 0) {
    BridgeSettings settings;
    settings.mode = mode;
    settings.new_system_percentage = percentage;
    settings.legacy_path = directory_ / "legacy";
    return Bridge(settings, new_path_, legacy_path_, files_, "corr-1");
  }

  BridgeOperation create(const std::string& name) {
    BridgeOperation operation;
    operation.kind = OperationKind::kServerCreate;
    operation.server = name;
    operation.plan = "2xCPU-4GB";
    return operation;
  }

  BridgeStats stats() const { return read_bridge_stats(files_.stats); }

  testing::TempDir directory_{"bridge-router"};
  BridgeStateFiles files_{directory_ / "assignments.json", directory_ / "stats.json"};
  MemoryPath new_path_{PathKind::kNew};
  MemoryPath legacy_path_{PathKind::kLegacy};
};

TEST_F(BridgeRouterTest, CompatibilityRunsOnNewPath) {
  Bridge bridge = make_bridge(BridgeMode::kCompatibility);
  BridgeOutcome outcome = bridge.run(create("web-01"));
  EXPECT_EQ(outcome.served_by, PathKind::kNew);
  EXPECT_FALSE(outcome.fallback);
  // The new path's record comes back in the legacy shape.
  EXPECT_EQ(outcome.result.as_object().at("ip"), "127.0.0.1");
  EXPECT_FALSE(outcome.result.as_object().contains("ip_address"));
  EXPECT_EQ(new_path_.servers.count("web-01"), 1u);
  EXPECT_EQ(stats().total.new_path, 1);
  EXPECT_EQ(stats().by_mode.at("compatibility").new_path, 1);
}

TEST_F(BridgeRouterTest, UnavailableFallsBackAndCounts) {
  new_path_.failure = sdk::Error::unavailable("orchestrator is down");
  Bridge bridge = make_bridge(BridgeMode::kCompatibility);
  BridgeOutcome outcome = bridge.run(create("web-01"));
  EXPECT_EQ(outcome.served_by, PathKind::kLegacy);
  EXPECT_TRUE(outcome.fallback);
  EXPECT_EQ(outcome.decision.path, PathKind::kNew);
  EXPECT_EQ(legacy_path_.servers.count("web-01"), 1u);
  EXPECT_EQ(stats().total.fallbacks, 1);
  EXPECT_EQ(stats().total.legacy_path, 1);
  EXPECT_EQ(stats().total.new_path, 0);
}

TEST_F(BridgeRouterTest, RequestErrorsDoNotFallBack) {
  for (auto error :
       {sdk::Error::invalid_argument("unknown plan"), sdk::Error::already_exists("server exists"),
        sdk::Error::not_found("no such server"), sdk::Error::conflict("busy")}) {
    new_path_.failure = error;
    Bridge bridge = make_bridge(BridgeMode::kCompatibility);
    EXPECT_THROW(bridge.run(create("web-01")), sdk::Error) << error.what();
  }
  EXPECT_EQ(legacy_path_.runs, 0);
  EXPECT_EQ(stats().total.fallbacks, 0);
}

TEST_F(BridgeRouterTest, OffModeNeverFallsBack) {
  new_path_.failure = sdk::Error::unavailable("orchestrator is down");
  Bridge bridge = make_bridge(BridgeMode::kOff);
  EXPECT_THROW(bridge.run(create("web-01")), sdk::Error);
  EXPECT_EQ(legacy_path_.runs, 0);
}

TEST_F(BridgeRouterTest, LegacyServerStaysOnLegacy) {
  legacy_path_.servers.insert("old-01");
  Bridge bridge = make_bridge(BridgeMode::kCompatibility);
  BridgeOperation remove;
  remove.kind = OperationKind::kServerDelete;
  remove.server = "old-01";
  BridgeOutcome outcome = bridge.run(remove);
  EXPECT_EQ(outcome.served_by, PathKind::kLegacy);
  EXPECT_FALSE(outcome.fallback);
  EXPECT_EQ(outcome.decision.reason, "server is in the legacy store");
  EXPECT_TRUE(legacy_path_.servers.empty());
  EXPECT_EQ(new_path_.runs, 0);
}

TEST_F(BridgeRouterTest, MigrationFollowsLedger) {
  Bridge bridge = make_bridge(BridgeMode::kMigration, 50);
  for (int i = 0; i < 40; ++i) bridge.run(create("web-" + std::to_string(i)));
  EXPECT_EQ(new_path_.servers.size(), 20u);
  EXPECT_EQ(legacy_path_.servers.size(), 20u);
  // Asking again takes the same path for every name.
  for (int i = 0; i < 40; ++i) {
    std::string name = "web-" + std::to_string(i);
    PathKind expected = new_path_.servers.count(name) ? PathKind::kNew : PathKind::kLegacy;
    BridgeOperation show;
    show.kind = OperationKind::kServerShow;
    show.server = name;
    EXPECT_EQ(bridge.decide(show).path, expected) << name;
  }
  EXPECT_EQ(stats().by_mode.at("migration").new_path, 20);
  EXPECT_EQ(stats().by_mode.at("migration").legacy_path, 20);
}

TEST_F(BridgeRouterTest, ListMergesBothStores) {
  new_path_.servers = {"a", "b"};
  legacy_path_.servers = {"b", "c"};
  Bridge bridge = make_bridge(BridgeMode::kCompatibility);
  BridgeOperation list;
  list.kind = OperationKind::kServerList;
  json::array result = bridge.run(list).result.as_array();
  ASSERT_EQ(result.size(), 3u);
  EXPECT_EQ(result[0].as_object().at("name"), "a");
  EXPECT_EQ(result[1].as_object().at("name"), "b");
  EXPECT_EQ(result[2].as_object().at("name"), "c");
}

TEST(BridgeStatsFile, ConcurrentRecordsAreNotLost) {
  testing::TempDir directory("bridge-stats");
  auto file = directory / "stats.json";
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&file, t] {
      for (int i = 0; i < 25; ++i) {
        record_bridge_operation(file, BridgeMode::kMigration,
                                t % 2 == 0 ? PathKind::kNew : PathKind::kLegacy, t == 3);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  BridgeStats stats = read_bridge_stats(file);
  EXPECT_EQ(stats.total.new_path, 50);
  EXPECT_EQ(stats.total.legacy_path, 50);
  EXPECT_EQ(stats.total.fallbacks, 25);
  EXPECT_EQ(stats.by_mode.at("migration").new_path, 50);
}

}  // namespace
}  // namespace provisioning::host::bridge
