// Contract tests that both storage backends must pass, run against the real plugins.

#include <gtest/gtest.h>
#include <provisioning/sdk/storage.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "plugin_test_support.h"
#include "support/temp_dir.h"

namespace provisioning::testing {
namespace {

namespace json = sdk::json;

using StorageHandle = host::PluginHandle<sdk::StorageBackend>;

StorageHandle load_storage(const std::string& backend, const std::filesystem::path& workspace) {
  return load_plugin<sdk::StorageBackend>(sdk::PluginKind::kStorage, backend,
                                          make_context(workspace));
}

std::vector<std::string> visited_ids(sdk::StorageView& view, std::string_view collection) {
  std::vector<std::string> ids;
  view.for_each(collection, [&](const std::string& id, const json::object&) {
    ids.push_back(id);
    return true;
  });
  return ids;
}

json::object server_record(const std::string& name, const std::string& state) {
  return json::object{{"name", name}, {"state", state}, {"cores", 2}};
}

class StorageBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Loaded on first use, so a test can fork before this process opens the store.
  sdk::StorageBackend& store() {
    if (!handle_) handle_ = load_storage(GetParam(), workspace_.path());
    return object_of(handle_);
  }

  void reopen() {
    handle_ = StorageHandle();
    handle_ = load_storage(GetParam(), workspace_.path());
  }

  TempDir workspace_{test_directory_prefix()};
  StorageHandle handle_;
};

TEST_P(StorageBackendTest, PutThenGetReturnsRecord) {
  json::object record{{"name", "web-1"},
                      {"plan", "2xCPU-4GB"},
                      {"tags", json::array{"a", "b"}},
                      {"limits", json::object{{"cpu", 2.5}, {"big", 9007199254740993LL}}}};
  store().put("servers", "web-1", record);

  std::optional<json::object> loaded = store().get("servers", "web-1");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, record);
}

TEST_P(StorageBackendTest, GetMissingRecordReturnsNothing) {
  EXPECT_FALSE(store().get("servers", "absent").has_value());
  store().put("servers", "present", server_record("present", "running"));
  EXPECT_FALSE(store().get("servers", "absent").has_value());
  EXPECT_FALSE(store().get("clusters", "present").has_value());
}

TEST_P(StorageBackendTest, PutReplacesRecord) {
  store().put("servers", "web-1", server_record("web-1", "creating"));
  store().put("servers", "web-1", server_record("web-1", "running"));

  EXPECT_EQ(store().get("servers", "web-1")->at("state"), "running");
  EXPECT_EQ(store().count("servers"), 1u);
}

TEST_P(StorageBackendTest, RemoveReportsWhetherRecordExisted) {
  store().put("servers", "web-1", server_record("web-1", "running"));

  EXPECT_TRUE(store().remove("servers", "web-1"));
  EXPECT_FALSE(store().get("servers", "web-1").has_value());
  EXPECT_FALSE(store().remove("servers", "web-1"));
}

TEST_P(StorageBackendTest, RecordsSurviveReopen) {
  store().put("servers", "web-1", server_record("web-1", "running"));
  reopen();
  ASSERT_TRUE(store().get("servers", "web-1").has_value());
  EXPECT_EQ(store().get("servers", "web-1")->at("state"), "running");
}

TEST_P(StorageBackendTest, ForEachVisitsInAscendingIdOrder) {
  for (const char* id : {"c", "a", "B", "b-2", "b", "a.1"}) {
    store().put("servers", id, json::object{{"id", id}});
  }
  std::vector<std::string> expected{"B", "a", "a.1", "b", "b-2", "c"};  // byte order

  std::vector<std::string> ids;
  store().for_each("servers", [&](const std::string& id, const json::object& record) {
    EXPECT_EQ(record.at("id"), id.c_str());
    ids.push_back(id);
    return true;
  });
  EXPECT_EQ(ids, expected);
}

TEST_P(StorageBackendTest, ForEachStopsWhenVisitorReturnsFalse) {
  for (const char* id : {"a", "b", "c", "d"}) store().put("servers", id, json::object{});

  std::vector<std::string> ids;
  store().for_each("servers", [&](const std::string& id, const json::object&) {
    ids.push_back(id);
    return ids.size() < 2;
  });
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
}

TEST_P(StorageBackendTest, ForEachOfEmptyCollectionVisitsNothing) {
  store().put("clusters", "k8s", json::object{});
  EXPECT_TRUE(visited_ids(store(), "servers").empty());
}

TEST_P(StorageBackendTest, FindMatchesTopLevelStringField) {
  store().put("servers", "a", server_record("a", "running"));
  store().put("servers", "b", server_record("b", "stopped"));
  store().put("servers", "c", server_record("c", "running"));
  store().put("servers", "d", json::object{{"state", 1}});
  store().put("servers", "e", json::object{{"nested", json::object{{"state", "running"}}}});
  store().put("clusters", "f", server_record("f", "running"));

  std::vector<json::object> running = store().find("servers", "state", "running");
  ASSERT_EQ(running.size(), 2u);
  EXPECT_EQ(running[0].at("name"), "a");
  EXPECT_EQ(running[1].at("name"), "c");
  EXPECT_TRUE(store().find("servers", "state", "1").empty());
  EXPECT_TRUE(store().find("servers", "state", "deleted").empty());
  EXPECT_TRUE(store().find("servers", "missing", "running").empty());
}

TEST_P(StorageBackendTest, FindAcceptsFieldNamesWithPunctuation) {
  store().put("servers", "a", json::object{{"ip.address", "127.0.0.2"}, {"ip", "x"}});
  store().put("servers", "b", json::object{{"ip", json::object{{"address", "127.0.0.2"}}}});

  std::vector<json::object> matches = store().find("servers", "ip.address", "127.0.0.2");
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].at("ip"), "x");
}

TEST_P(StorageBackendTest, CountCountsOneCollection) {
  EXPECT_EQ(store().count("servers"), 0u);
  for (const char* id : {"a", "b", "c"}) store().put("servers", id, json::object{});
  store().put("clusters", "k8s", json::object{});

  EXPECT_EQ(store().count("servers"), 3u);
  EXPECT_EQ(store().count("clusters"), 1u);
}

TEST_P(StorageBackendTest, CollectionsListsNonEmptySorted) {
  store().put("workflows", "w1", json::object{});
  store().put("servers", "s1", json::object{});
  store().put("clusters", "c1", json::object{});
  store().remove("clusters", "c1");

  EXPECT_EQ(store().collections(), (std::vector<std::string>{"servers", "workflows"}));
}

TEST_P(StorageBackendTest, TransactionCommitsEveryChange) {
  store().put("servers", "old", server_record("old", "running"));

  store().transaction([](sdk::StorageView& view) {
    view.put("servers", "a", server_record("a", "running"));
    view.put("servers", "b", server_record("b", "creating"));
    EXPECT_TRUE(view.remove("servers", "old"));
  });

  EXPECT_EQ(visited_ids(store(), "servers"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(store().get("servers", "b")->at("state"), "creating");
}

TEST_P(StorageBackendTest, TransactionReadsItsOwnWrites) {
  store().transaction([](sdk::StorageView& view) {
    view.put("servers", "a", server_record("a", "running"));
    ASSERT_TRUE(view.get("servers", "a").has_value());
    EXPECT_EQ(view.count("servers"), 1u);
    EXPECT_EQ(view.find("servers", "state", "running").size(), 1u);
  });
}

TEST_P(StorageBackendTest, TransactionRollsBackWhenBodyThrows) {
  store().put("servers", "a", server_record("a", "running"));
  store().put("servers", "b", server_record("b", "running"));

  try {
    store().transaction([](sdk::StorageView& view) {
      view.put("servers", "a", server_record("a", "stopped"));
      view.put("servers", "a", server_record("a", "deleted"));
      view.remove("servers", "b");
      view.put("servers", "c", server_record("c", "creating"));
      view.put("clusters", "k8s", json::object{});
      throw std::runtime_error("body failed");
    });
    ADD_FAILURE() << "transaction() did not rethrow the body's exception";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "body failed");
  }

  EXPECT_EQ(visited_ids(store(), "servers"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(store().get("servers", "a")->at("state"), "running");
  EXPECT_EQ(store().get("servers", "b")->at("state"), "running");
  EXPECT_EQ(store().collections(), (std::vector<std::string>{"servers"}));
}

TEST_P(StorageBackendTest, StoreIsUsableAfterRollback) {
  EXPECT_THROW(store().transaction([](sdk::StorageView& view) {
    view.put("servers", "a", json::object{});
    throw std::runtime_error("body failed");
  }),
               std::runtime_error);

  store().transaction([](sdk::StorageView& view) { view.put("servers", "b", json::object{}); });
  store().put("servers", "c", json::object{});
  EXPECT_EQ(visited_ids(store(), "servers"), (std::vector<std::string>{"b", "c"}));
}

TEST_P(StorageBackendTest, NestedTransactionIsConflict) {
  store().transaction([&](sdk::StorageView& view) {
    view.put("servers", "outer", json::object{});
    EXPECT_SDK_ERROR(store().transaction([](sdk::StorageView&) {}), sdk::ErrorCode::kConflict,
                     "transactions do not nest", store().location());
  });
  EXPECT_TRUE(store().get("servers", "outer").has_value());
}

TEST_P(StorageBackendTest, InvalidIdsAreRejected) {
  for (const std::string id : {"../x", "", "a/b", "..", ".", "a b", "x\n"}) {
    SCOPED_TRACE("id '" + id + "'");
    EXPECT_SDK_ERROR(store().get("servers", id), sdk::ErrorCode::kInvalidArgument,
                     "invalid record id '" + id + "'");
    EXPECT_SDK_ERROR((store().put("servers", id, json::object{})), sdk::ErrorCode::kInvalidArgument,
                     "invalid record id '" + id + "'");
    EXPECT_SDK_ERROR(store().remove("servers", id), sdk::ErrorCode::kInvalidArgument,
                     "invalid record id '" + id + "'");
  }
  EXPECT_TRUE(store().collections().empty());
}

TEST_P(StorageBackendTest, InvalidCollectionsAreRejected) {
  for (const std::string collection : {"../servers", "", "Servers", "a-b"}) {
    SCOPED_TRACE("collection '" + collection + "'");
    EXPECT_SDK_ERROR((store().put(collection, "a", json::object{})),
                     sdk::ErrorCode::kInvalidArgument,
                     "invalid collection name '" + collection + "'");
    EXPECT_SDK_ERROR(visited_ids(store(), collection), sdk::ErrorCode::kInvalidArgument,
                     "invalid collection name '" + collection + "'");
    EXPECT_SDK_ERROR(store().count(collection), sdk::ErrorCode::kInvalidArgument,
                     "invalid collection name '" + collection + "'");
  }
}

TEST_P(StorageBackendTest, TwoThreadsWriteConcurrently) {
  constexpr int kRecordsPerThread = 100;
  auto write_records = [&](const std::string& prefix) {
    for (int i = 0; i < kRecordsPerThread; ++i) {
      std::string id = prefix + "-" + std::to_string(i);
      if (i % 2 == 0) {
        store().put("servers", id, json::object{{"writer", prefix}, {"index", i}});
      } else {
        store().transaction([&](sdk::StorageView& view) {
          view.put("servers", id, json::object{{"writer", prefix}, {"index", i}});
        });
      }
    }
  };
  store();  // load before the threads start

  std::thread first(write_records, "first");
  std::thread second(write_records, "second");
  first.join();
  second.join();

  EXPECT_EQ(store().count("servers"), 2u * kRecordsPerThread);
  for (const std::string prefix : {"first", "second"}) {
    EXPECT_EQ(store().find("servers", "writer", prefix).size(), std::size_t{kRecordsPerThread});
    std::optional<json::object> last =
        store().get("servers", prefix + "-" + std::to_string(kRecordsPerThread - 1));
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->at("index").as_int64(), kRecordsPerThread - 1);
  }
}

// Each child process runs `kTransactions` transactions. Every one inserts a record and
// increments a shared counter by read-modify-write, so the final counter equals the
// number of transactions only when no two of them overlapped.
constexpr int kTransactionsPerChild = 200;

int write_in_child(const std::string& backend, const std::filesystem::path& workspace,
                   int child) noexcept {
  try {
    StorageHandle handle = load_storage(backend, workspace);
    sdk::StorageBackend& store = object_of(handle);
    for (int i = 0; i < kTransactionsPerChild; ++i) {
      store.transaction([&](sdk::StorageView& view) {
        std::optional<json::object> counter = view.get("meta", "counter");
        std::int64_t value = counter ? counter->at("value").as_int64() : 0;
        view.put("items", "child" + std::to_string(child) + "-" + std::to_string(i),
                 json::object{{"child", child}, {"index", i}});
        view.put("meta", "counter", json::object{{"value", value + 1}});
      });
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "child %d failed: %s\n", child, error.what());
    return 1;
  }
}

TEST_P(StorageBackendTest, TransactionsOfTwoProcessesDoNotInterleave) {
  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << "fork failed";
    if (pid == 0) ::_exit(write_in_child(GetParam(), workspace_.path(), child));
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "see the child's message on standard error";
  }

  EXPECT_EQ(store().count("items"), 2u * kTransactionsPerChild);
  std::optional<json::object> counter = store().get("meta", "counter");
  ASSERT_TRUE(counter.has_value());
  EXPECT_EQ(counter->at("value").as_int64(), 2 * kTransactionsPerChild);
  EXPECT_TRUE(store().get("items", "child0-0").has_value());
  EXPECT_TRUE(store().get("items", "child1-199").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageBackendTest, ::testing::Values("sqlite", "filesystem"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace provisioning::testing
