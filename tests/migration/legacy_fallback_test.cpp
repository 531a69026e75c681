// Dual operation: reads of the current backend fall back to the legacy data directory.

#include "migration/legacy_fallback.h"

#include <gmock/gmock.h>
#include <httplib.h>
#include <signal.h>

#include "migration_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A sqlite workspace with one server of its own, and a legacy directory with a server
// in an older shape, a server that the current store also has, and a broken file.
class LegacyFallbackTest : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    write_text(workspace_ / "config.toml", "[storage]\nbackend = \"sqlite\"\n");
    legacy_ = home_ / "legacy";
    write_text(legacy_ / "servers" / "srv-old.json",
               R"({"name": "old-web", "plan": "1xCPU-2GB", "owner": "team-a"})");
    write_text(legacy_ / "servers" / "srv-both.json",
               R"({"name": "both-legacy", "plan": "1xCPU-2GB", "zone": "z"})");
    write_text(legacy_ / "servers" / "srv-broken.json", "{\"name\": ");
    write_text(legacy_ / "servers" / "notes.txt", "not a record");
    write_text(legacy_ / "taskservs" / "srv-old:etcd.json", R"({"version": "3.5.0"})");
    write_text(legacy_ / "clusters" / "legacy-cluster.json", R"({"name": "legacy-cluster"})");

    auto host = open_host();
    auto storage = host->storage();
    storage.call("put", [](sdk::StorageBackend& s) {
      s.put("servers", "srv-both", json::object{{"id", "srv-both"}, {"name", "both-current"}});
      s.put("servers", "srv-new", json::object{{"id", "srv-new"}, {"name", "new-web"}});
    });
  }

  std::vector<std::string> with_legacy(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--set", "bridge.legacy_path=" + legacy_.string()});
    return args;
  }

  std::filesystem::path legacy_;
};

TEST_F(LegacyFallbackTest, ServerListMergesBothStores) {
  auto result = run(with_legacy({"--output", "json", "server", "list"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json::array servers = json::parse(result.out).as_array();
  ASSERT_EQ(servers.size(), 3u) << result.out;
  EXPECT_EQ(text(servers[0], "name"), "both-current");
  EXPECT_EQ(text(servers[1], "name"), "new-web");
  EXPECT_EQ(text(servers[2], "name"), "old-web");
  EXPECT_EQ(text(servers[2], "id"), "srv-old");
  EXPECT_EQ(text(servers[2], "zone"), "unknown");
}

TEST_F(LegacyFallbackTest, ServerListWithoutLegacyPathShowsCurrentOnly) {
  auto result = run({"--output", "json", "server", "list"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json::parse(result.out).as_array().size(), 2u);
}

TEST_F(LegacyFallbackTest, ServerShowFindsLegacyRecord) {
  auto result = run(with_legacy({"--output", "json", "server", "show", "old-web"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json::value record = json::parse(result.out);
  EXPECT_EQ(text(record, "plan"), "1xCPU-2GB");
  EXPECT_EQ(text(record, "zone"), "unknown");
  const json::value& metadata = record.as_object().at("metadata");
  EXPECT_EQ(metadata.at("legacy").at("owner").as_string(), "team-a");
}

TEST_F(LegacyFallbackTest, CurrentRecordShadowsLegacyName) {
  auto result = run(with_legacy({"server", "show", "both-legacy"}));
  EXPECT_EQ(result.exit_code, 4) << result.out;
  EXPECT_THAT(result.err, HasSubstr("server 'both-legacy' not found"));
}

TEST_F(LegacyFallbackTest, DeleteOfLegacyOnlyServerIsRejected) {
  auto result = run(with_legacy({"--yes", "server", "delete", "old-web"}));
  EXPECT_EQ(result.exit_code, 5) << result.out;
  EXPECT_THAT(result.err, HasSubstr("exists only in the legacy data directory"));
  EXPECT_THAT(result.err, HasSubstr("provisioning data repair"));
  EXPECT_TRUE(std::filesystem::exists(legacy_ / "servers" / "srv-old.json"));
}

TEST_F(LegacyFallbackTest, TaskservAndClusterListsFallBack) {
  auto taskservs = run(with_legacy({"--output", "json", "taskserv", "list"}));
  ASSERT_EQ(taskservs.exit_code, 0) << taskservs.err;
  json::array installed = json::parse(taskservs.out).as_array();
  ASSERT_EQ(installed.size(), 1u) << taskservs.out;
  EXPECT_EQ(text(installed[0], "name"), "etcd");
  EXPECT_EQ(text(installed[0], "server_id"), "srv-old");

  auto clusters = run(with_legacy({"--output", "json", "cluster", "list"}));
  ASSERT_EQ(clusters.exit_code, 0) << clusters.err;
  json::array listed = json::parse(clusters.out).as_array();
  ASSERT_EQ(listed.size(), 1u) << clusters.out;
  EXPECT_EQ(text(listed[0], "name"), "legacy-cluster");
}

TEST_F(LegacyFallbackTest, V1ServerListIncludesLegacyRecords) {
  write_text(workspace_ / "config.toml",
             "[storage]\nbackend = \"sqlite\"\n[bridge]\n"
             "legacy_path = \"" +
                 legacy_.string() + "\"\n");
  auto started = run({"orchestrator", "start", "--port", "0", "--detach"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  json::value state = json::parse(read_text(workspace_ / ".provisioning" / "orchestrator.json"));
  auto pid = state.at("pid").to_number<pid_t>();
  int port = state.at("port").to_number<int>();
  // Kills the detached orchestrator if a check below fails before it is stopped.
  std::shared_ptr<void> cleanup(nullptr, [pid](void*) {
    if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
  });

  httplib::Client client("127.0.0.1", port);
  auto response = client.Get("/servers", {{"API-Version", "v1"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
  std::string body = response->body;
  EXPECT_THAT(body, HasSubstr("\"old-web\""));
  EXPECT_THAT(body, HasSubstr("\"new-web\""));
  EXPECT_THAT(body, HasSubstr("\"both-current\""));
  EXPECT_THAT(body, Not(HasSubstr("both-legacy")));

  auto stopped = run({"orchestrator", "stop"});
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
}

TEST_F(LegacyFallbackTest, MissingLegacyDirectoryNamesSetting) {
  auto result =
      run({"--set", "bridge.legacy_path=" + (home_ / "nowhere").string(), "server", "list"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("bridge.legacy_path"));
  EXPECT_THAT(result.err, HasSubstr("is not a directory"));
}

TEST_F(LegacyFallbackTest, ViewCountsWhichStoreAnswered) {
  auto host = open_host();
  host::migration::LegacyFallback view(host->storage(), host::migration::LegacyDirectory(legacy_));
  std::vector<std::string> ids;
  view.for_each("servers", [&](const std::string& id, const json::object&) {
    ids.push_back(id);
    return true;
  });
  EXPECT_EQ(ids, (std::vector<std::string>{"srv-both", "srv-new", "srv-old"}));
  EXPECT_EQ(view.counts().current, 2u);
  EXPECT_EQ(view.counts().legacy, 1u);

  EXPECT_EQ(view.source_of("servers", "srv-both"), host::migration::RecordOrigin::kCurrent);
  EXPECT_EQ(view.source_of("servers", "srv-old"), host::migration::RecordOrigin::kLegacy);
  EXPECT_FALSE(view.source_of("servers", "srv-none").has_value());
  EXPECT_EQ(view.count("servers"), 3u);
  EXPECT_EQ(view.find("servers", "name", "old-web").size(), 1u);
  EXPECT_TRUE(view.find("servers", "name", "both-legacy").empty());
}

TEST_F(LegacyFallbackTest, ViewGetOfBrokenFileNamesPosition) {
  auto host = open_host();
  host::migration::LegacyFallback view(host->storage(), host::migration::LegacyDirectory(legacy_));
  try {
    view.get("servers", "srv-broken");
    FAIL() << "expected an error for the broken legacy file";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
    EXPECT_THAT(error.what(), HasSubstr("srv-broken.json:1:"));
  }
}

TEST_F(LegacyFallbackTest, ViewStopsWhenVisitorReturnsFalse) {
  auto host = open_host();
  host::migration::LegacyFallback view(host->storage(), host::migration::LegacyDirectory(legacy_));
  std::vector<std::string> ids;
  view.for_each("servers", [&](const std::string& id, const json::object&) {
    ids.push_back(id);
    return ids.size() < 2;
  });
  EXPECT_EQ(ids, (std::vector<std::string>{"srv-both", "srv-new"}));
}

}  // namespace
}  // namespace provisioning::testing
