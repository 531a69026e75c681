// A workflow waiting in the queue is kept in compact form. Reads, listings and a cancel
// must still see its whole records.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <string>

#include "orchestrator/committer.h"
#include "orchestrator/workflow_engine.h"
#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using host::Committer;
using host::WorkflowEngine;
using host::WorkflowOptions;

class QueuedWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = workspace_.open_host({{"storage.backend", "sqlite"}});
    storage_.emplace(host_->storage());
    committer_ = std::make_unique<Committer>(*storage_);
    host::EngineSettings settings;
    settings.max_parallel_tasks = 1;
    // The one worker runs the first task until the test releases it, so later ones wait.
    engine_ = std::make_unique<WorkflowEngine>(
        *committer_, *storage_,
        [this](const std::string&, const json::object&, host::TaskContext&) -> json::value {
          if (!signalled_.exchange(true)) started_.set_value();
          release_.wait();
          return json::object{{"done", true}};
        },
        settings);
    engine_->start();
  }

  void TearDown() override {
    release_promise_.set_value();
    engine_->stop();
  }

  json::object submit(const std::string& name) {
    WorkflowOptions options;
    options.wait_for_completion = false;
    return engine_->submit("server_create", {{"name", name}, {"plan", "1xCPU-1GB"}}, options,
                           "correlation-" + name);
  }

  // Submits "first", which the worker starts and holds, and enough others that the
  // engine keeps the next submissions packed; returns "first".
  json::object fill_queue() {
    json::object first = submit("first");
    started_.get_future().wait();
    for (std::size_t i = 0; i < WorkflowEngine::kPackedQueueLength; ++i) {
      submit("filler-" + std::to_string(i));
    }
    return first;
  }

  std::optional<json::object> stored(std::string_view collection, const std::string& id) {
    return storage_->call("get", [&](sdk::StorageBackend& s) { return s.get(collection, id); });
  }

  TestWorkspace workspace_;
  std::unique_ptr<host::Host> host_;
  std::optional<host::PluginHandle<sdk::StorageBackend>> storage_;
  std::unique_ptr<Committer> committer_;
  std::unique_ptr<WorkflowEngine> engine_;
  std::atomic<bool> signalled_ = false;
  std::promise<void> started_;  // set when the first task runs
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
};

TEST_F(QueuedWorkflowTest, ReadsShowWholeRecords) {
  json::object running = fill_queue();
  json::object queued = submit("second");
  std::string id = text(queued, "id");

  auto workflow = engine_->get(id);
  ASSERT_TRUE(workflow.has_value());
  EXPECT_EQ(*workflow, queued);
  EXPECT_EQ(text(*workflow, "status"), "Pending");
  EXPECT_EQ(workflow->at("params").at("name"), json::value("second"));
  EXPECT_EQ(text(*workflow, "correlation_id"), "correlation-second");

  auto task = engine_->get_task(id + ".1");
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(text(*task, "workflow_id"), id);
  EXPECT_EQ(task->at("params").at("plan"), json::value("1xCPU-1GB"));
  EXPECT_EQ(task->at("attempt"), json::value(0));

  auto counts = engine_->count_active_by_status();
  EXPECT_EQ(counts["Pending"], WorkflowEngine::kPackedQueueLength + 1);
  EXPECT_EQ(counts["Running"], 1U);
  EXPECT_EQ(text(running, "status"), "Pending");  // as returned at submission
}

TEST_F(QueuedWorkflowTest, ListingFiltersByLiveStatus) {
  json::object running = fill_queue();
  json::object queued = submit("second");

  auto [pending, pending_total] = engine_->list(sdk::kWorkflows, "Pending", 1000, 0);
  EXPECT_EQ(pending_total, WorkflowEngine::kPackedQueueLength + 1);
  ASSERT_EQ(pending.size(), pending_total);
  auto listed = std::find(pending.begin(), pending.end(), queued);
  EXPECT_NE(listed, pending.end()) << "the last workflow queued is not listed whole";

  auto [tasks, tasks_total] = engine_->list("tasks", "Running", 10, 0);
  ASSERT_EQ(tasks_total, 1U);
  EXPECT_EQ(text(tasks[0], "id"), text(running, "id") + ".1");
  EXPECT_EQ(tasks[0].at("attempt"), json::value(1));
}

TEST_F(QueuedWorkflowTest, CancelStoresWholeRecords) {
  fill_queue();
  std::string id = text(submit("second"), "id");

  json::object cancelled = engine_->cancel(id);
  EXPECT_EQ(text(cancelled, "status"), "Cancelled");
  auto workflow = stored(sdk::kWorkflows, id);
  ASSERT_TRUE(workflow.has_value());
  EXPECT_EQ(text(*workflow, "status"), "Cancelled");
  EXPECT_EQ(workflow->at("params").at("name"), json::value("second"));
  EXPECT_EQ(text(*workflow, "type"), "server_create");
  auto task = stored("tasks", id + ".1");
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(text(*task, "status"), "Cancelled");
  EXPECT_EQ(task->at("params").at("plan"), json::value("1xCPU-1GB"));
}

// Listings of workflows and of tasks order by created_at, so a workflow and its task
// carry the same time (two clock readings differed by 1 ms now and then).
TEST_F(QueuedWorkflowTest, WorkflowAndTaskShareCreationTime) {
  fill_queue();
  for (int i = 0; i < 300; ++i) {
    json::object workflow = submit("timed-" + std::to_string(i));
    auto task = engine_->get_task(text(workflow, "id") + ".1");
    ASSERT_TRUE(task.has_value()) << i;
    EXPECT_EQ(text(*task, "created_at"), text(workflow, "created_at")) << i;
  }
}

}  // namespace
}  // namespace provisioning::testing
