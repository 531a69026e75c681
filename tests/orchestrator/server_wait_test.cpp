// A server_create workflow ends when the provider reports the server running, not when
// create_server() returns: the "slowboot" fixture provider reports "creating" first.

#include <gtest/gtest.h>

#include <filesystem>

#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

class ServerWaitTest : public OrchestratorTest {
 protected:
  void SetUp() override {
    fs::path plugins = workspace_.root() / "extensions" / "provider";
    fs::create_directories(plugins);
    fs::copy_file(fs::path(LOADER_FIXTURE_DIR) / "fixture_slow_boot" / "slowboot.so",
                  plugins / "slowboot.so");
    start({{"provider.default", "slowboot"}, {"server.default_zone", "fixture-1"}});
  }

  // Submits a create of `name` without waiting for it and returns the workflow id, or ""
  // after recording a failure.
  std::string submit_create(const std::string& name) {
    json::object body{{"name", name},
                      {"plan", "1xCPU-1GB"},
                      {"workflow_options", {{"wait_for_completion", false}}}};
    Reply created = call("POST", "/workflows/servers/create", "v2", json::serialize(body));
    EXPECT_EQ(created.status, 202) << created.body;
    return text(created.json, "id");
  }
};

TEST_F(ServerWaitTest, WorkflowEndsWhenServerRuns) {
  Reply created =
      call("POST", "/workflows/servers/create", "v2", R"({"name": "slow-1", "plan": "1xCPU-1GB"})");
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_EQ(text(created.json, "status"), "Completed") << created.body;
  const json::object& result = created.json.at("result").as_object();
  EXPECT_EQ(text(result, "status"), "running");
  // Asked once while creating, then running.
  EXPECT_EQ(result.at("metadata").at("provider").at("times_asked"), 2);

  Reply stored = call("GET", "/servers/slow-1", "v2");
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(text(stored.json, "status"), "running");
}

// A server that never runs: the wait ends with the cancel, not after its 24 hours, and
// the "creating" record it left is removed.
TEST_F(ServerWaitTest, CancelEndsTheWait) {
  std::string id = submit_create("stuck-1");
  ASSERT_FALSE(id.empty());
  Reply cancelled = call("POST", "/workflows/" + id + "/cancel", "v2");
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
  json::object workflow = wait_for_workflow(id);
  EXPECT_EQ(text(workflow, "status"), "Cancelled") << json::serialize(workflow);
  // The half-made server is settled, so the name is free again.
  EXPECT_EQ(call("GET", "/servers/stuck-1", "v2").status, 404);
}

// A server that never runs, with no retry left: the workflow fails on its timeout and
// the "creating" record is settled, so the name is free for the next create.
TEST_F(ServerWaitTest, TimeoutOnLastAttemptFreesTheName) {
  json::object body{{"name", "stuck-timeout"},
                    {"plan", "1xCPU-1GB"},
                    {"workflow_options",
                     {{"wait_for_completion", false}, {"timeout_seconds", 1}, {"retry_count", 0}}}};
  Reply created = call("POST", "/workflows/servers/create", "v2", json::serialize(body));
  ASSERT_EQ(created.status, 202) << created.body;

  json::object workflow = wait_for_workflow(text(created.json, "id"));
  EXPECT_EQ(text(workflow, "status"), "Failed") << json::serialize(workflow);
  EXPECT_NE(text(workflow, "error").find("timed out"), std::string::npos)
      << json::serialize(workflow);
  EXPECT_EQ(call("GET", "/servers/stuck-timeout", "v2").status, 404);
}

// Cancelling a queued workflow returns its stored end, Cancelled, although ends are
// stored after the worker moves on.
TEST_F(ServerWaitTest, QueuedCancelReturnsCancelled) {
  constexpr int kWorkers = 4;  // orchestrator.max_parallel_tasks by default
  for (int i = 0; i < kWorkers; ++i) {
    ASSERT_FALSE(submit_create("stuck-busy-" + std::to_string(i)).empty());
  }
  bool busy = poll_until([&] {
    for (int i = 0; i < kWorkers; ++i) {
      Reply server = call("GET", "/servers/stuck-busy-" + std::to_string(i), "v2");
      if (server.status != 200) return false;
    }
    return true;
  });
  ASSERT_TRUE(busy) << "the creates never reached the provider";

  std::string queued = submit_create("queued-1");
  ASSERT_FALSE(queued.empty());
  Reply cancelled = call("POST", "/workflows/" + queued + "/cancel", "v2");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(text(cancelled.json, "status"), "Cancelled") << cancelled.body;
  EXPECT_EQ(text(cancelled.json, "error"), "cancelled on request");

  auto storage = host_->storage();
  auto stored =
      storage.call("get", [&](sdk::StorageBackend& s) { return s.get(sdk::kWorkflows, queued); });
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(text(*stored, "status"), "Cancelled");
  EXPECT_EQ(call("GET", "/servers/queued-1", "v2").status, 404);
}

// Stopping the orchestrator ends the wait too, and leaves the workflow stored as
// Running, so that the next start runs it again.
TEST_F(ServerWaitTest, StopEndsTheWait) {
  std::string id = submit_create("stuck-2");
  ASSERT_FALSE(id.empty());
  bool waiting = poll_until([&] {
    Reply server = call("GET", "/servers/stuck-2", "v2");
    return server.status == 200 && text(server.json, "status") == "creating";
  });
  ASSERT_TRUE(waiting) << "the create never reached the provider";

  running_.reset();
  auto storage = host_->storage();
  auto stored =
      storage.call("get", [&](sdk::StorageBackend& s) { return s.get(sdk::kWorkflows, id); });
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(text(*stored, "status"), "Running");
}

}  // namespace
}  // namespace provisioning::testing
