// Server creates that call the local provider while the name's reservation is stored
// through the group committer, over a real SQLite file and the real local provider.

#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/committer.h"
#include "orchestrator_test_support.h"
#include "servers.h"

namespace provisioning::testing {
namespace {

using host::Committer;
using host::CreateServerRequest;

class OverlappingCreateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = workspace_.open_host({{"storage.backend", "sqlite"}});
    committer_.emplace(host_->storage());
    servers_.emplace(*host_);
    servers_->set_write_transaction(
        [this](const std::function<void(sdk::StorageView&)>& body) { committer_->apply(body); });
    servers_->set_async_write_transaction(
        [this](const std::function<void(sdk::StorageView&)>& body) {
          return committer_->apply_async(body);
        });
  }

  void TearDown() override {
    servers_.reset();
    committer_.reset();
  }

  static CreateServerRequest request(const std::string& name, const std::string& workflow_id) {
    CreateServerRequest request;
    request.name = name;
    request.plan = "1xCPU-1GB";
    request.metadata["workflow_id"] = workflow_id;
    request.overlap_reservation = true;
    return request;
  }

  // Makes a server at the provider only, as a crash before its reservation was stored
  // leaves it.
  sdk::ServerInfo provider_only(const std::string& name, const std::string& workflow_id) {
    sdk::ServerSpec spec{name, "1xCPU-1GB", "auto", json::object{{"workflow_id", workflow_id}}};
    return host_->provider("local").call("create_server",
                                         [&](sdk::Provider& p) { return p.create_server(spec); });
  }

  std::vector<sdk::ServerInfo> provider_servers() {
    return host_->provider("local").call("list_servers",
                                         [](sdk::Provider& p) { return p.list_servers(); });
  }

  std::vector<json::object> stored(const std::string& name) {
    return host_->storage().call(
        "find", [&](sdk::StorageBackend& s) { return s.find(sdk::kServers, "name", name); });
  }

  TestWorkspace workspace_;
  std::unique_ptr<host::Host> host_;
  std::optional<Committer> committer_;
  std::optional<host::ServerService> servers_;
};

TEST_F(OverlappingCreateTest, CreateStoresRunningServer) {
  json::object created = servers_->create(request("web-1", "wf-1"));

  ASSERT_EQ(provider_servers().size(), 1u);
  sdk::ServerInfo provider_server = provider_servers()[0];
  EXPECT_EQ(created.at("status"), "running");
  EXPECT_EQ(created.at("provider_id").as_string(), provider_server.id);
  EXPECT_EQ(provider_server.metadata.at("workflow_id"), "wf-1");
  auto records = stored("web-1");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("id").as_string(), created.at("id").as_string());
  EXPECT_EQ(records[0].at("status"), "running");
  EXPECT_EQ(records[0].at("provider_id").as_string(), provider_server.id);
}

TEST_F(OverlappingCreateTest, NameInStorageDeletesNewServer) {
  committer_->write({host::RecordWrite::put(
      sdk::kServers, "s-old",
      json::object{{"id", "s-old"}, {"name", "web-1"}, {"status", "creating"}})});

  try {
    servers_->create(request("web-1", "wf-1"));
    FAIL() << "expected the name to be taken";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kAlreadyExists);
    EXPECT_NE(std::string(error.what()).find("server 'web-1' already exists (id s-old"),
              std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(provider_servers().empty());  // made, then deleted once the reservation failed
  auto records = stored("web-1");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("id"), "s-old");
}

TEST_F(OverlappingCreateTest, RetryAdoptsServerOfSameWorkflow) {
  sdk::ServerInfo orphan = provider_only("web-1", "wf-1");

  json::object created = servers_->create(request("web-1", "wf-1"));

  EXPECT_EQ(created.at("provider_id").as_string(), orphan.id);
  EXPECT_EQ(created.at("status"), "running");
  EXPECT_EQ(provider_servers().size(), 1u);
  auto records = stored("web-1");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("provider_id").as_string(), orphan.id);
}

TEST_F(OverlappingCreateTest, ServerOfOtherWorkflowIsKept) {
  sdk::ServerInfo orphan = provider_only("web-1", "wf-2");

  try {
    servers_->create(request("web-1", "wf-1"));
    FAIL() << "expected the provider to reject the name";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kAlreadyExists);
    EXPECT_NE(std::string(error.what()).find("local server 'web-1' already exists"),
              std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(stored("web-1").empty());  // the reservation was released
  ASSERT_EQ(provider_servers().size(), 1u);
  EXPECT_EQ(provider_servers()[0].id, orphan.id);
}

TEST_F(OverlappingCreateTest, ConcurrentCreatesMakeOneServer) {
  constexpr int kThreads = 8;
  std::atomic<int> created = 0;
  std::atomic<int> rejected = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      try {
        servers_->create(request("web-1", "wf-" + std::to_string(i)));
        ++created;
      } catch (const sdk::Error& error) {
        if (error.code() == sdk::ErrorCode::kAlreadyExists) ++rejected;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(created, 1);
  EXPECT_EQ(rejected, kThreads - 1);
  EXPECT_EQ(provider_servers().size(), 1u);
  EXPECT_EQ(stored("web-1").size(), 1u);
}

}  // namespace
}  // namespace provisioning::testing
