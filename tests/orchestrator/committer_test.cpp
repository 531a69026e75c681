// The group committer over a real SQLite file: bodies that check before they write,
// next to plain writes in the same transaction.

#include "orchestrator/committer.h"

#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using host::Committer;
using host::RecordWrite;

class CommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = workspace_.open_host({{"storage.backend", "sqlite"}});
    storage_.emplace(host_->storage());
  }

  std::optional<json::object> stored(const std::string& id) {
    return storage_->call("get", [&](sdk::StorageBackend& s) { return s.get("servers", id); });
  }

  // Puts a server named `name` unless one has that name already, as a name
  // reservation does.
  static Committer::Body reserve(const std::string& id, const std::string& name) {
    return [id, name](sdk::StorageView& view) {
      if (!view.find("servers", "name", name).empty()) {
        throw sdk::Error::already_exists("server '" + name + "' already exists");
      }
      view.put("servers", id, json::object{{"id", id}, {"name", name}});
    };
  }

  TestWorkspace workspace_;
  std::unique_ptr<host::Host> host_;
  std::optional<host::PluginHandle<sdk::StorageBackend>> storage_;
};

TEST_F(CommitterTest, BodyWritesWhenItsCheckPasses) {
  Committer committer(*storage_);
  committer.apply(reserve("s1", "web-1"));
  ASSERT_TRUE(stored("s1").has_value());
  EXPECT_EQ(stored("s1")->at("name"), "web-1");
}

TEST_F(CommitterTest, BodySeesWritesQueuedBeforeIt) {
  Committer committer(*storage_);
  committer.write_later({RecordWrite::put("servers", "s1", {{"id", "s1"}, {"name", "web-1"}})});
  try {
    committer.apply(reserve("s2", "web-1"));
    FAIL() << "expected the name to be taken";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kAlreadyExists);
  }
  EXPECT_TRUE(stored("s1").has_value());
  EXPECT_FALSE(stored("s2").has_value());
}

TEST_F(CommitterTest, AsyncBodyReportsThroughFuture) {
  Committer committer(*storage_);
  committer.write_later({RecordWrite::put("servers", "s1", {{"id", "s1"}, {"name", "web-1"}})});
  std::future<void> name_in_use = committer.apply_async(reserve("s2", "web-1"));
  std::future<void> name_free = committer.apply_async(reserve("s3", "web-2"));

  name_free.get();
  ASSERT_TRUE(stored("s3").has_value());
  EXPECT_EQ(stored("s3")->at("name"), "web-2");
  try {
    name_in_use.get();
    FAIL() << "expected the name to be taken";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kAlreadyExists);
  }
  EXPECT_FALSE(stored("s2").has_value());
}

// Many threads reserve the same few names at once, so rejected and accepted bodies share
// group transactions: each name is taken exactly once and every other body fails.
TEST_F(CommitterTest, RefusedBodyLeavesTheGroupIntact) {
  Committer committer(*storage_);
  constexpr int kThreads = 16;
  constexpr int kNames = 4;
  std::atomic<int> accepted = 0;
  std::atomic<int> rejected = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      try {
        committer.apply(reserve("s" + std::to_string(i), "web-" + std::to_string(i % kNames)));
        ++accepted;
      } catch (const sdk::Error&) {
        ++rejected;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted, kNames);
  EXPECT_EQ(rejected, kThreads - kNames);
  std::size_t count =
      storage_->call("count", [](sdk::StorageBackend& s) { return s.count("servers"); });
  EXPECT_EQ(count, static_cast<std::size_t>(kNames));
}

TEST_F(CommitterTest, BodyThrowingAfterAPutWritesNothing) {
  Committer committer(*storage_);
  EXPECT_THROW(committer.apply([](sdk::StorageView& view) {
    view.put("servers", "s1", json::object{{"id", "s1"}, {"name", "web-1"}});
    throw sdk::Error::invalid_argument("changed my mind");
  }),
               sdk::Error);
  committer.write({RecordWrite::put("servers", "s2", {{"id", "s2"}, {"name", "web-2"}})});
  EXPECT_FALSE(stored("s1").has_value());
  EXPECT_TRUE(stored("s2").has_value());
}

// The filesystem backend takes no record text, so the committer parses the text back
// into the record it stores.
TEST(CommitterFallbackTest, BackendWithoutRecordTextStoresTheRecord) {
  TestWorkspace workspace;
  auto host = workspace.open_host({{"storage.backend", "filesystem"}});
  auto storage = host->storage();
  bool takes_text = storage.call(
      "dynamic_cast", [](sdk::StorageBackend& s) { return dynamic_cast<sdk::RecordText*>(&s); });
  ASSERT_FALSE(takes_text);
  {
    Committer committer(storage);
    committer.write({RecordWrite::put("servers", "s1", {{"id", "s1"}, {"name", "web-1"}})});
    committer.write(
        {RecordWrite::put("servers", "s2", {{"id", "s2"}}), RecordWrite::erase("servers", "s1")});
  }
  auto get = [&](const char* id) {
    return storage.call("get", [&](sdk::StorageBackend& s) { return s.get("servers", id); });
  };
  EXPECT_FALSE(get("s1").has_value());
  EXPECT_EQ(get("s2"), (json::object{{"id", "s2"}}));
}

}  // namespace
}  // namespace provisioning::testing
