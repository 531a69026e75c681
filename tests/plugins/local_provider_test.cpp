// Tests of the local provider plugin: servers as directories, and its executor.

#include <gtest/gtest.h>
#include <provisioning/sdk/provider.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "plugin_test_support.h"
#include "support/temp_dir.h"

namespace provisioning::testing {
namespace {

namespace json = sdk::json;

using ProviderHandle = host::PluginHandle<sdk::Provider>;

sdk::ServerSpec spec(const std::string& name, const std::string& plan = "2xCPU-4GB",
                     const std::string& zone = "auto") {
  sdk::ServerSpec server;
  server.name = name;
  server.plan = plan;
  server.zone = zone;
  return server;
}

class LocalProviderTest : public ::testing::Test {
 protected:
  std::filesystem::path server_dir(const std::string& name) const {
    return workspace_ / ".provisioning/servers" / name;
  }

  TempDir workspace_{test_directory_prefix()};
  ProviderHandle handle_ = load_plugin<sdk::Provider>(sdk::PluginKind::kProvider, "local",
                                                      make_context(workspace_.path()));
  sdk::Provider& provider_ = object_of(handle_);
};

TEST_F(LocalProviderTest, PlansAndZonesAreListed) {
  std::vector<sdk::Plan> plans = provider_.plans();
  ASSERT_EQ(plans.size(), 9u);
  EXPECT_EQ(plans.front().name, "1xCPU-1GB");
  EXPECT_EQ(plans.back().name, "20xCPU-128GB");
  auto medium = std::find_if(plans.begin(), plans.end(),
                             [](const sdk::Plan& plan) { return plan.name == "2xCPU-4GB"; });
  ASSERT_NE(medium, plans.end());
  EXPECT_EQ(medium->cores, 2);
  EXPECT_EQ(medium->memory_mb, 4096);
  EXPECT_GT(medium->storage_gb, 0);

  std::vector<sdk::Zone> zones = provider_.zones();
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(zones[0].id, "local-1");
  EXPECT_EQ(zones[1].id, "local-2");
}

TEST_F(LocalProviderTest, CreateReturnsRunningServer) {
  sdk::ServerInfo server = provider_.create_server(spec("web-1"));

  EXPECT_TRUE(std::regex_match(
      server.id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << server.id;
  EXPECT_EQ(server.name, "web-1");
  EXPECT_EQ(server.plan, "2xCPU-4GB");
  EXPECT_EQ(server.zone, "local-1");
  EXPECT_EQ(server.state, sdk::ServerState::kRunning);
  EXPECT_TRUE(std::regex_match(server.ip_address, std::regex(R"(127\.\d+\.\d+\.\d+)")))
      << server.ip_address;
  EXPECT_NE(server.ip_address, "127.0.0.1");
  EXPECT_EQ(server.metadata.at("root"), (server_dir("web-1") / "root").string().c_str());
  EXPECT_FALSE(std::filesystem::exists(server_dir("web-1") / "root"));  // made on first use

  provider_.executor(server.id);
  EXPECT_TRUE(std::filesystem::is_directory(server_dir("web-1") / "root"));
  provider_.executor(server.id);  // a root that exists is kept
  EXPECT_TRUE(std::filesystem::is_directory(server_dir("web-1") / "root"));
}

TEST_F(LocalProviderTest, RootInTheWayNamesThePath) {
  sdk::ServerInfo server = provider_.create_server(spec("web-1"));
  write_text(server_dir("web-1") / "root", "not a directory");

  EXPECT_SDK_ERROR(
      provider_.executor(server.id), sdk::ErrorCode::kUnavailable,
      "failed to create the root directory '" + (server_dir("web-1") / "root").string(),
      "local server 'web-1'");
  EXPECT_EQ(read_text(server_dir("web-1") / "root"), "not a directory");
}

TEST_F(LocalProviderTest, StateFileRecordsServer) {
  sdk::ServerInfo server = provider_.create_server(spec("web-1", "1xCPU-2GB", "local-2"));

  json::object state = json::parse(read_text(server_dir("web-1") / "server.json")).as_object();
  EXPECT_EQ(state.at("id"), server.id.c_str());
  EXPECT_EQ(state.at("name"), "web-1");
  EXPECT_EQ(state.at("plan"), "1xCPU-2GB");
  EXPECT_EQ(state.at("zone"), "local-2");
  EXPECT_EQ(state.at("state"), "running");
  EXPECT_EQ(state.at("ip_address"), server.ip_address.c_str());
  EXPECT_TRUE(std::regex_match(std::string(state.at("created_at").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST_F(LocalProviderTest, SpecMetadataKeptAsLabels) {
  sdk::ServerSpec labelled = spec("web-1");
  labelled.metadata = json::object{{"workflow_id", "wf-1"}, {"team", "infra"}};
  sdk::ServerInfo server = provider_.create_server(labelled);

  json::object state = json::parse(read_text(server_dir("web-1") / "server.json")).as_object();
  EXPECT_EQ(state.at("labels"), labelled.metadata);
  EXPECT_EQ(server.metadata.at("workflow_id"), "wf-1");
  std::vector<sdk::ServerInfo> listed = provider_.list_servers();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].metadata.at("workflow_id"), "wf-1");
  EXPECT_EQ(listed[0].metadata.at("team"), "infra");
  EXPECT_EQ(listed[0].metadata.at("root"), (server_dir("web-1") / "root").string().c_str());
}

TEST_F(LocalProviderTest, StateFileWithoutLabelsReads) {
  sdk::ServerInfo server = provider_.create_server(spec("web-1"));
  std::filesystem::path file = server_dir("web-1") / "server.json";
  json::object state = json::parse(read_text(file)).as_object();
  state.erase("labels");
  write_text(file, json::serialize(state));

  std::vector<sdk::ServerInfo> listed = provider_.list_servers();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, server.id);
  EXPECT_FALSE(listed[0].metadata.contains("workflow_id"));
}

TEST_F(LocalProviderTest, LabelsThatAreNotObjectNameTheFile) {
  provider_.create_server(spec("web-1"));
  std::filesystem::path file = server_dir("web-1") / "server.json";
  json::object state = json::parse(read_text(file)).as_object();
  state["labels"] = "wf-1";
  write_text(file, json::serialize(state));

  EXPECT_SDK_ERROR(provider_.list_servers(), sdk::ErrorCode::kInvalidArgument,
                   "server state file '" + file.string() + "' is invalid",
                   "field 'labels' is not an object");
}

TEST_F(LocalProviderTest, AddressDependsOnlyOnName) {
  sdk::ServerInfo first = provider_.create_server(spec("db-1"));
  sdk::ServerInfo other = provider_.create_server(spec("db-2"));
  provider_.delete_server(first.id);
  sdk::ServerInfo again = provider_.create_server(spec("db-1"));

  EXPECT_EQ(again.ip_address, first.ip_address);
  EXPECT_NE(again.id, first.id);
  EXPECT_NE(other.ip_address, first.ip_address);
}

TEST_F(LocalProviderTest, GetAndListReadStateFiles) {
  sdk::ServerInfo web = provider_.create_server(spec("web-1"));
  sdk::ServerInfo db = provider_.create_server(spec("db-1", "4xCPU-8GB"));

  std::optional<sdk::ServerInfo> found = provider_.get_server(db.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "db-1");
  EXPECT_EQ(found->plan, "4xCPU-8GB");
  EXPECT_EQ(found->ip_address, db.ip_address);
  EXPECT_FALSE(provider_.get_server("00000000-0000-4000-8000-000000000000").has_value());

  std::vector<sdk::ServerInfo> servers = provider_.list_servers();
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].id, db.id);  // sorted by name
  EXPECT_EQ(servers[1].id, web.id);
}

TEST_F(LocalProviderTest, DeleteRemovesDirectory) {
  sdk::ServerInfo server = provider_.create_server(spec("web-1"));

  provider_.delete_server(server.id);
  EXPECT_FALSE(std::filesystem::exists(server_dir("web-1")));
  EXPECT_FALSE(provider_.get_server(server.id).has_value());
  EXPECT_TRUE(provider_.list_servers().empty());
  EXPECT_NO_THROW(provider_.delete_server(server.id));
}

TEST_F(LocalProviderTest, UnknownPlanNamesNearestPlans) {
  EXPECT_SDK_ERROR(provider_.create_server(spec("web-1", "2xCPU-5GB")),
                   sdk::ErrorCode::kInvalidArgument, "unknown plan '2xCPU-5GB'", "2xCPU-4GB",
                   "`provisioning server plans` lists all");
  EXPECT_SDK_ERROR(provider_.create_server(spec("web-1", "16xcpu-64gb")),
                   sdk::ErrorCode::kInvalidArgument, "nearest plans are 16xCPU-64GB");
  EXPECT_FALSE(std::filesystem::exists(server_dir("web-1")));
}

TEST_F(LocalProviderTest, UnknownZoneListsValidZones) {
  EXPECT_SDK_ERROR(provider_.create_server(spec("web-1", "2xCPU-4GB", "eu-west-1")),
                   sdk::ErrorCode::kInvalidArgument, "unknown zone 'eu-west-1'", "auto", "local-1",
                   "local-2");
  EXPECT_FALSE(std::filesystem::exists(server_dir("web-1")));
}

TEST_F(LocalProviderTest, DuplicateNameIsAlreadyExists) {
  sdk::ServerInfo first = provider_.create_server(spec("web-1"));

  EXPECT_SDK_ERROR(provider_.create_server(spec("web-1")), sdk::ErrorCode::kAlreadyExists,
                   "'web-1' already exists", server_dir("web-1").string());
  ASSERT_EQ(provider_.list_servers().size(), 1u);
  EXPECT_EQ(provider_.list_servers()[0].id, first.id);
}

TEST_F(LocalProviderTest, UnsafeNamesAreRejected) {
  for (const std::string name : {"../escape", "a/b", ".hidden", ""}) {
    SCOPED_TRACE("name '" + name + "'");
    EXPECT_SDK_ERROR(provider_.create_server(spec(name)), sdk::ErrorCode::kInvalidArgument,
                     "invalid server name '" + name + "'");
  }
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning/escape"));
}

TEST_F(LocalProviderTest, BrokenStateFileIsReported) {
  provider_.create_server(spec("web-1"));
  std::filesystem::path file = server_dir("web-1") / "server.json";
  write_text(file, "{\"id\": 5}");

  EXPECT_SDK_ERROR(provider_.list_servers(), sdk::ErrorCode::kInvalidArgument, file.string(),
                   "'id'");
}

// The manifest lists the `concurrent` capability, so the host calls create_server()
// from several threads at once: every server must get its own directory and address.
TEST_F(LocalProviderTest, ConcurrentCreatesGetDistinctServers) {
  constexpr int kThreads = 8;
  constexpr int kServers = 25;
  std::vector<std::vector<sdk::ServerInfo>> created(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kServers; ++i) {
        created[t].push_back(
            provider_.create_server(spec("node-" + std::to_string(t) + "-" + std::to_string(i))));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::set<std::string> addresses;
  std::set<std::string> ids;
  for (const auto& servers : created) {
    for (const sdk::ServerInfo& server : servers) {
      addresses.insert(server.ip_address);
      ids.insert(server.id);
      EXPECT_EQ(server.state, sdk::ServerState::kRunning) << server.name;
    }
  }
  EXPECT_EQ(addresses.size(), std::size_t{kThreads * kServers});
  EXPECT_EQ(ids.size(), std::size_t{kThreads * kServers});
  std::vector<sdk::ServerInfo> listed = provider_.list_servers();
  ASSERT_EQ(listed.size(), std::size_t{kThreads * kServers});
  EXPECT_TRUE(std::all_of(listed.begin(), listed.end(), [](const sdk::ServerInfo& server) {
    return server.state == sdk::ServerState::kRunning;
  }));
}

// The first creates of a new workspace also set up the address claims directory. When
// several threads do that at once, each claim must land in the directory that stays.
TEST(LocalProviderStartTest, ConcurrentFirstCreatesKeepClaims) {
  constexpr int kRounds = 20;
  constexpr int kThreads = 8;
  for (int round = 0; round < kRounds; ++round) {
    TempDir workspace{test_directory_prefix()};
    ProviderHandle handle = load_plugin<sdk::Provider>(sdk::PluginKind::kProvider, "local",
                                                       make_context(workspace.path()));
    sdk::Provider& provider = object_of(handle);
    std::atomic<int> ready{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();
        try {
          provider.create_server(spec("first-" + std::to_string(t)));
        } catch (const sdk::Error&) {
          ++failures;
        }
      });
    }
    for (auto& thread : threads) thread.join();

    ASSERT_EQ(failures.load(), 0) << "round " << round;
    std::filesystem::path claims = workspace / ".provisioning/local-addresses";
    std::size_t claimed = std::distance(std::filesystem::directory_iterator(claims),
                                        std::filesystem::directory_iterator());
    ASSERT_EQ(claimed, std::size_t{kThreads}) << "round " << round;
  }
}

// A create that died before writing server.json left its directory and its address
// claim. Creating the server again reuses both, so no address leaks.
TEST_F(LocalProviderTest, RecreateAfterInterruptedCreateKeepsAddress) {
  sdk::ServerInfo first = provider_.create_server(spec("web-1"));
  std::filesystem::remove(server_dir("web-1") / "server.json");

  sdk::ServerInfo again = provider_.create_server(spec("web-1"));
  EXPECT_EQ(again.ip_address, first.ip_address);
  std::filesystem::path claims = workspace_ / ".provisioning/local-addresses";
  std::size_t claimed = std::distance(std::filesystem::directory_iterator(claims),
                                      std::filesystem::directory_iterator());
  EXPECT_EQ(claimed, 1u);
  EXPECT_EQ(read_text(claims / first.ip_address), "web-1");
}

TEST_F(LocalProviderTest, ExecutorOfUnknownIdIsNotFound) {
  EXPECT_SDK_ERROR(provider_.executor("no-such-id"), sdk::ErrorCode::kNotFound,
                   "no local server has id 'no-such-id'");
}

class LocalExecutorTest : public LocalProviderTest {
 protected:
  std::filesystem::path root() const { return server_dir("web-1") / "root"; }

  sdk::ServerInfo server_ = provider_.create_server(spec("web-1"));
  std::unique_ptr<sdk::Executor> executor_ = provider_.executor(server_.id);
};

TEST_F(LocalExecutorTest, FilesMapIntoServerRoot) {
  executor_->write_file("/etc/app/app.conf", "key = 1\n", 0640);

  std::filesystem::path file = root() / "etc/app/app.conf";
  EXPECT_EQ(read_text(file), "key = 1\n");
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0640));
  EXPECT_EQ(executor_->read_file("/etc/app/app.conf"), "key = 1\n");
  EXPECT_EQ(executor_->read_file("/etc/./app/../app/app.conf"), "key = 1\n");
  EXPECT_TRUE(executor_->exists("/etc/app"));
  EXPECT_EQ(executor_->target(), "web-1");
}

TEST_F(LocalExecutorTest, RemoveAndCreateDirectories) {
  executor_->create_directories("/var/lib/app/data");
  executor_->write_file("/var/lib/app/data/file", "x", 0644);
  EXPECT_TRUE(std::filesystem::is_directory(root() / "var/lib/app/data"));

  EXPECT_TRUE(executor_->remove("/var/lib/app"));
  EXPECT_FALSE(executor_->exists("/var/lib/app"));
  EXPECT_TRUE(executor_->exists("/var/lib"));
  EXPECT_FALSE(executor_->remove("/var/lib/app"));
}

TEST_F(LocalExecutorTest, MissingFileIsNotFound) {
  EXPECT_SDK_ERROR(executor_->read_file("/etc/missing.conf"), sdk::ErrorCode::kNotFound,
                   "'/etc/missing.conf'", "server 'web-1'");
}

TEST_F(LocalExecutorTest, PathsThatEscapeRootAreRejected) {
  for (const std::string path : {"/../../etc/passwd", "/etc/../../passwd", "/.."}) {
    SCOPED_TRACE(path);
    EXPECT_SDK_ERROR(executor_->read_file(path), sdk::ErrorCode::kInvalidArgument,
                     "'" + path + "' escapes the root of server 'web-1'");
    EXPECT_SDK_ERROR(executor_->write_file(path, "x", 0644), sdk::ErrorCode::kInvalidArgument,
                     "escapes the root");
    EXPECT_SDK_ERROR(executor_->remove(path), sdk::ErrorCode::kInvalidArgument, "escapes the root");
  }
  EXPECT_SDK_ERROR(executor_->read_file("etc/passwd"), sdk::ErrorCode::kInvalidArgument,
                   "'etc/passwd'", "is not absolute");
  EXPECT_SDK_ERROR(executor_->remove("/"), sdk::ErrorCode::kInvalidArgument, "remove '/'");
  EXPECT_TRUE(std::filesystem::is_directory(root()));
}

TEST_F(LocalExecutorTest, SymbolicLinkOutOfRootIsRejected) {
  std::filesystem::path outside = workspace_ / "outside";
  write_text(outside / "secret", "do not read");
  std::filesystem::create_directories(root() / "etc");
  std::filesystem::create_directory_symlink(outside, root() / "etc/link");

  EXPECT_SDK_ERROR(executor_->read_file("/etc/link/secret"), sdk::ErrorCode::kInvalidArgument,
                   "'/etc/link/secret'", "symbolic link");
  EXPECT_SDK_ERROR(executor_->write_file("/etc/link/new", "x", 0644),
                   sdk::ErrorCode::kInvalidArgument, "symbolic link");
  EXPECT_FALSE(std::filesystem::exists(outside / "new"));
  EXPECT_EQ(read_text(outside / "secret"), "do not read");
}

TEST_F(LocalExecutorTest, RunReturnsExitCodeAndOutput) {
  sdk::CommandResult failed = executor_->run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_NE(failed.output.find("out\n"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("err\n"), std::string::npos) << failed.output;

  EXPECT_EQ(executor_->run({"true"}).exit_code, 0);
  EXPECT_EQ(executor_->run({"sh", "-c", "kill -TERM $$"}).exit_code, 128 + 15);
}

TEST_F(LocalExecutorTest, RunUsesRootAsDirectoryAndEnvironment) {
  std::string canonical_root = std::filesystem::canonical(root()).string();

  sdk::CommandResult directory = executor_->run({"pwd"});
  EXPECT_EQ(directory.exit_code, 0);
  EXPECT_EQ(directory.output, canonical_root + "\n");

  sdk::CommandResult environment =
      executor_->run({"sh", "-c", "echo \"$PROVISIONING_TARGET_ROOT\""});
  EXPECT_EQ(environment.output, canonical_root + "\n");
}

TEST_F(LocalExecutorTest, RunPassesArgumentsWithoutShell) {
  sdk::CommandResult result = executor_->run({"printf", "%s|", "a b", "$HOME", ";"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "a b|$HOME|;|");
}

TEST_F(LocalExecutorTest, RunOfMissingProgramIsExitCode127) {
  sdk::CommandResult result = executor_->run({"provisioning-no-such-program", "--version"});
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_NE(result.output.find("'provisioning-no-such-program' not found"), std::string::npos)
      << result.output;

  sdk::CommandResult by_path = executor_->run({"/nonexistent/program"});
  EXPECT_EQ(by_path.exit_code, 127);
  EXPECT_NE(by_path.output.find("cannot run '/nonexistent/program'"), std::string::npos)
      << by_path.output;
}

TEST_F(LocalExecutorTest, RunOfEmptyCommandIsInvalid) {
  EXPECT_SDK_ERROR(executor_->run({}), sdk::ErrorCode::kInvalidArgument, "empty command");
}

}  // namespace
}  // namespace provisioning::testing
