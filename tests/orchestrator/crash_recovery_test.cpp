// Kills the orchestrator process with SIGKILL while hundreds of workflows are queued or
// running, restarts it on the same workspace, and checks that every accepted workflow
// ends exactly once and that no server is created twice.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <ostream>
#include <set>

#include "orchestrator_test_support.h"
#include "servers.h"
#include "taskservs.h"

namespace provisioning::testing {
namespace {

enum class KillMoment { kDuringSubmission, kAfterSubmission, kMidway };

const char* name_of(KillMoment moment) {
  switch (moment) {
    case KillMoment::kDuringSubmission:
      return "DuringSubmission";
    case KillMoment::kAfterSubmission:
      return "AfterSubmission";
    case KillMoment::kMidway:
      return "Midway";
  }
  return "Unknown";
}

// Names the parameter in test output and ctest names.
void PrintTo(KillMoment moment, std::ostream* out) {
  *out << name_of(moment);
}

constexpr int kServers = 240;
constexpr int kSubmitters = 4;
constexpr int kBatchServers = 30;
const std::vector<std::string> kBaseServers = {"base-0", "base-1", "base-2", "base-3", "base-4"};
const std::vector<std::string> kTaskservs = {"containerd", "etcd"};
const std::vector<std::string> kSettings = {"orchestrator.max_parallel_tasks=2"};
const std::vector<std::string> kStates = {"Pending", "Running", "Completed", "Failed", "Cancelled"};

// Workflows whose submission got a 202, by id, with the server name or taskserv target.
struct Accepted {
  std::mutex mutex;
  std::map<std::string, std::string> servers;    // workflow id -> server name
  std::map<std::string, std::string> taskservs;  // workflow id -> "taskserv@server"
  std::atomic<int> count{0};
};

std::string submit_body(const std::string& fields) {
  return "{" + fields + R"(, "workflow_options": {"wait_for_completion": false}})";
}

// Submits this submitter's share of the server creates, with a taskserv create after
// every 20th, and stops at the first request that gets no response.
void submit_share(int port, int submitter, Accepted& accepted) {
  int taskserv_slot = submitter;
  for (int i = submitter; i < kServers; i += kSubmitters) {
    std::string name = "crash-" + std::to_string(i);
    Reply reply = send_request(port, "POST", "/workflows/servers/create", "v2",
                               submit_body(R"("name": ")" + name + R"(", "plan": "1xCPU-1GB")"));
    if (reply.status == 0) return;  // the orchestrator was killed
    EXPECT_EQ(reply.status, 202) << reply.body;
    if (reply.status != 202) continue;
    {
      std::lock_guard lock(accepted.mutex);
      accepted.servers[text(reply.json, "id")] = name;
    }
    ++accepted.count;

    std::size_t pairs = kBaseServers.size() * kTaskservs.size();
    if (i % 20 != submitter || static_cast<std::size_t>(taskserv_slot) >= pairs) continue;
    const std::string& server = kBaseServers[taskserv_slot % kBaseServers.size()];
    const std::string& taskserv = kTaskservs[taskserv_slot / kBaseServers.size()];
    taskserv_slot += kSubmitters;
    Reply install = send_request(
        port, "POST", "/workflows/taskserv/create", "v2",
        submit_body(R"("name": ")" + taskserv + R"(", "servers": [")" + server + R"("])"));
    if (install.status == 0) return;
    EXPECT_EQ(install.status, 202) << install.body;
    if (install.status != 202) continue;
    std::lock_guard lock(accepted.mutex);
    accepted.taskservs[text(install.json, "id")] = taskserv + "@" + server;
  }
}

int total_of(int port, const std::string& query) {
  Reply reply = send_request(port, "GET", "/workflows?limit=1&" + query, "v2");
  if (reply.status != 200) return -1;
  return reply.object().at("total").to_number<int>();
}

// Returns every workflow with `status` by id, or every workflow when it is empty.
std::map<std::string, json::object> workflows_with(int port, const std::string& status) {
  std::string query = "/workflows?limit=1000";
  if (!status.empty()) query += "&status=" + status;
  Reply reply = send_request(port, "GET", query, "v2");
  EXPECT_EQ(reply.status, 200) << reply.body;
  std::map<std::string, json::object> found;
  if (reply.status != 200) return found;
  const json::object& page = reply.object();
  EXPECT_LE(page.at("total").to_number<int>(), 1000) << "more workflows than one page";
  for (const auto& item : page.at("workflows").as_array()) {
    found[text(item, "id")] = item.as_object();
  }
  return found;
}

class CrashRecoveryTest : public ::testing::TestWithParam<KillMoment> {
 protected:
  TestWorkspace workspace_;
};

TEST_P(CrashRecoveryTest, EveryAcceptedWorkflowEndsOnce) {
  auto first = std::make_unique<OrchestratorProcess>(workspace_, kSettings);
  ASSERT_TRUE(first->wait_until_listening()) << first->output();
  int port = first->port();
  for (const auto& name : kBaseServers) {
    Reply created = send_request(port, "POST", "/servers", "v1",
                                 R"({"name": ")" + name + R"(", "plan": "1xCPU-1GB"})");
    ASSERT_EQ(created.status, 201) << created.body;
  }

  // A batch in flight at the kill must resume and create each of its servers once.
  json::array operations;
  for (int i = 0; i < kBatchServers; ++i) {
    operations.push_back(
        {{"id", "op-" + std::to_string(i)},
         {"type", "server_create"},
         {"params", {{"name", "batch-" + std::to_string(i)}, {"plan", "1xCPU-1GB"}}}});
  }
  Reply batch =
      send_request(port, "POST", "/workflows/batch/submit", "v3",
                   json::serialize(json::object{{"operations", std::move(operations)},
                                                {"batch_options", {{"parallel_limit", 2}}}}));
  ASSERT_EQ(batch.status, 202) << batch.body;
  std::string batch_id = text(batch.json, "id");

  // Counts the workflows still to run just before the kill, because the test only
  // means something when there are some.
  int unfinished_at_kill = 0;
  auto kill_first = [&] {
    unfinished_at_kill = total_of(port, "status=Pending") + total_of(port, "status=Running");
    first->kill_now();
  };

  Accepted accepted;
  std::vector<std::thread> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&, s] { submit_share(port, s, accepted); });
  }
  if (GetParam() == KillMoment::kDuringSubmission) {
    EXPECT_TRUE(poll_until([&] { return accepted.count >= kServers / 2; }));
    kill_first();
  }
  for (auto& thread : submitters) thread.join();
  if (GetParam() == KillMoment::kAfterSubmission) kill_first();
  if (GetParam() == KillMoment::kMidway) {
    bool midway = poll_until([&] { return total_of(port, "status=Completed") >= kServers / 3; });
    EXPECT_TRUE(midway) << "fewer than a third of the workflows completed";
    kill_first();
  }
  SCOPED_TRACE(std::to_string(accepted.count) + " server creates accepted and " +
               std::to_string(unfinished_at_kill) + " workflows unfinished at the kill");
  EXPECT_GT(accepted.count, 0);
  EXPECT_GT(unfinished_at_kill, 0) << "every workflow had ended before the kill";

  OrchestratorProcess second(workspace_, kSettings);
  ASSERT_TRUE(second.wait_until_listening()) << second.output();
  port = second.port();
  json::object finished_batch;
  bool batch_finished = poll_until(
      [&] {
        Reply reply = send_request(port, "GET", "/workflows/batch/" + batch_id, "v3");
        if (reply.status != 200) return false;
        finished_batch = reply.object();
        return !text(finished_batch, "finished_at").empty();
      },
      std::chrono::seconds(120));
  ASSERT_TRUE(batch_finished) << json::serialize(finished_batch);
  EXPECT_EQ(text(finished_batch, "status"), "Completed");
  for (const auto& operation : finished_batch.at("operations").as_array()) {
    EXPECT_EQ(text(operation, "status"), "Completed") << json::serialize(operation);
  }
  bool settled = poll_until(
      [&] {
        return total_of(port, "status=Pending") == 0 && total_of(port, "status=Running") == 0;
      },
      std::chrono::seconds(120));
  ASSERT_TRUE(settled) << "workflows still Pending or Running two minutes after the restart";

  // Every workflow is in exactly one state, and every state is terminal.
  std::map<std::string, json::object> all = workflows_with(port, "");
  std::map<std::string, std::string> state_of;
  std::size_t listed_by_state = 0;
  for (const auto& state : kStates) {
    for (const auto& [id, record] : workflows_with(port, state)) {
      EXPECT_TRUE(state_of.emplace(id, state).second) << id << " is listed under two states";
      ++listed_by_state;
    }
  }
  EXPECT_EQ(listed_by_state, all.size());

  for (const auto& [id, record] : all) {
    SCOPED_TRACE("workflow " + id + " (" + text(record, "type") + ")");
    // Also those whose 202 was lost in the kill: the runs they started must not fail.
    EXPECT_EQ(text(record, "status"), "Completed") << text(record, "error");
  }
  for (const auto* group : {&accepted.servers, &accepted.taskservs}) {
    for (const auto& [id, target] : *group) {
      EXPECT_EQ(all.count(id), 1u)
          << "accepted workflow " << id << " for " << target << " was lost";
    }
  }

  Reply tasks = send_request(port, "GET", "/tasks?limit=1", "v2");
  ASSERT_EQ(tasks.status, 200);
  EXPECT_EQ(tasks.object().at("total").to_number<std::size_t>(), all.size());

  // No server was created twice, and each completed create owns exactly one server.
  Reply servers = send_request(port, "GET", "/servers", "v2");
  ASSERT_EQ(servers.status, 200);
  std::map<std::string, int> copies;
  std::map<std::string, json::object> by_name;
  for (const auto& server : servers.object().at("servers").as_array()) {
    ++copies[text(server, "name")];
    by_name[text(server, "name")] = server.as_object();
    EXPECT_EQ(text(server, "status"), "running") << text(server, "name");
  }
  for (const auto& [name, count] : copies) EXPECT_EQ(count, 1) << name << " exists twice";
  std::size_t completed_creates = 0;
  for (const auto& [id, record] : all) {
    if (text(record, "type") != "server_create" || text(record, "status") != "Completed") continue;
    ++completed_creates;
    std::string name = text(record.at("params"), "name");
    ASSERT_EQ(copies[name], 1) << "workflow " << id << " completed without server " << name;
    const json::value& owner = by_name[name].at("metadata").as_object().at("workflow_id");
    EXPECT_EQ(owner, json::value(id)) << name << " belongs to another workflow";
  }
  // Batch operations run as server_create workflows too, so they are counted above.
  EXPECT_EQ(by_name.size(), completed_creates + kBaseServers.size());
  for (int i = 0; i < kBatchServers; ++i) {
    EXPECT_EQ(copies["batch-" + std::to_string(i)], 1) << "batch-" << i;
  }
  std::vector<std::string> directories = workspace_.server_directories();
  EXPECT_EQ(directories.size(), by_name.size());
  for (const auto& directory : directories) {
    EXPECT_EQ(by_name.count(directory), 1u)
        << "server directory " << directory << " has no server record";
  }

  // Each accepted taskserv create installed its taskserv once on its server.
  auto host = workspace_.open_host({});
  host::ServerService server_service(*host);
  host::TaskservService taskserv_service(*host, server_service);
  std::multiset<std::string> installed;
  for (const auto& record : taskserv_service.list()) {
    installed.insert(text(record, "name") + "@" + text(record, "server"));
  }
  for (const auto& [id, target] : accepted.taskservs) {
    EXPECT_EQ(installed.count(target), 1u) << target;
  }
}

INSTANTIATE_TEST_SUITE_P(KillMoments, CrashRecoveryTest,
                         ::testing::Values(KillMoment::kDuringSubmission,
                                           KillMoment::kAfterSubmission, KillMoment::kMidway),
                         [](const ::testing::TestParamInfo<KillMoment>& info) {
                           return name_of(info.param);
                         });

}  // namespace
}  // namespace provisioning::testing
