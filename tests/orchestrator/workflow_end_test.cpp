// What a finished workflow promises: once the API reports its end, that end and the
// records its work made are in storage, read through another connection.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

class WorkflowEndTest : public OrchestratorTest {
 protected:
  void SetUp() override { start({{"storage.backend", "sqlite"}}); }
};

// Creates run on four workers while their ends are stored in the background. Each end
// the API reports is already stored, with the server's final record beside it.
TEST_F(WorkflowEndTest, ReportedEndIsStoredWithServer) {
  constexpr int kCreates = 12;
  std::vector<std::string> ids;
  for (int i = 0; i < kCreates; ++i) {
    json::object body{{"name", "end-" + std::to_string(i)},
                      {"plan", "1xCPU-1GB"},
                      {"workflow_options", {{"wait_for_completion", false}}}};
    Reply created = call("POST", "/workflows/servers/create", "v2", json::serialize(body));
    ASSERT_EQ(created.status, 202) << created.body;
    ids.push_back(text(created.json, "id"));
  }

  // A second host on the same workspace reads through its own SQLite connections.
  std::unique_ptr<host::Host> reader = workspace_.open_host({{"storage.backend", "sqlite"}});
  auto storage = reader->storage();
  for (int i = 0; i < kCreates; ++i) {
    json::object workflow = wait_for_workflow(ids[i]);
    ASSERT_EQ(text(workflow, "status"), "Completed") << json::serialize(workflow);
    auto stored =
        storage.call("get", [&](sdk::StorageBackend& s) { return s.get(sdk::kWorkflows, ids[i]); });
    ASSERT_TRUE(stored.has_value()) << ids[i];
    EXPECT_EQ(text(*stored, "status"), "Completed");
    auto servers = storage.call("find", [&](sdk::StorageBackend& s) {
      return s.find(sdk::kServers, "name", "end-" + std::to_string(i));
    });
    ASSERT_EQ(servers.size(), 1u) << "end-" << i;
    EXPECT_EQ(text(servers[0], "status"), "running");
    EXPECT_FALSE(text(servers[0], "ip_address").empty());
    EXPECT_EQ(servers[0].at("metadata").at("workflow_id"), json::value(ids[i]));
  }
}

}  // namespace
}  // namespace provisioning::testing
