// The real provisioning binary with storage.backend = surrealdb, on a real SurrealDB
// engine: the main job, concurrent writers, and broken settings that must end in a
// clear error without the password in any output or log.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <provisioning/sdk/json.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>

#include "support/json_output.h"
#include "support/run_process.h"
#include "support/surreal_server.h"
#include "support/temp_dir.h"

namespace provisioning::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPasswordVariable = "PROVISIONING_STORAGE_SURREALDB_PASSWORD";

class SurrealCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (SurrealServer::available()) server_ = std::make_unique<SurrealServer>();
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!SurrealServer::available()) GTEST_SKIP() << SurrealServer::unavailable_reason();
    static std::atomic<int> databases{0};
    database_ = "cli_" + std::to_string(databases++);
    workspace_ = home_ / "workspace";
    auto init =
        run_process({PROVISIONING_BINARY, "workspace", "init", workspace_.string()}, environment());
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  std::map<std::string, std::string> environment() const {
    auto env = home_environment(home_);
    env[kPasswordVariable] = server_->password();
    return env;
  }

  // Runs a command in the test workspace on the surrealdb backend. `settings` are extra
  // --set assignments, which override the ones that point at the test engine.
  ProcessResult run(std::vector<std::string> args, std::vector<std::string> settings = {},
                    std::map<std::string, std::string> extra_env = {}) const {
    std::vector<std::string> command = {PROVISIONING_BINARY, "--workspace", workspace_.string()};
    std::vector<std::string> assignments = {
        "storage.backend=surrealdb", "storage.surrealdb.url=" + server_->url(),
        "storage.surrealdb.namespace=" + server_->namespace_name(),
        "storage.surrealdb.database=" + database_,
        "storage.surrealdb.username=" + server_->username()};
    assignments.insert(assignments.end(), settings.begin(), settings.end());
    for (const auto& assignment : assignments) {
      command.push_back("--set");
      command.push_back(assignment);
    }
    command.insert(command.end(), args.begin(), args.end());
    auto env = environment();
    for (auto& [name, value] : extra_env) env[name] = value;
    return run_process(command, env);
  }

  json::value run_json(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--output", "json"});
    return json_output(run(args));
  }

  // Counts the records of `collection` straight in SurrealDB, not through the plugin.
  std::int64_t count_in_surrealdb(const std::string& collection) const {
    httplib::Client client(server_->url());
    client.set_basic_auth(server_->username(), server_->password());
    httplib::Headers headers = {{"Surreal-NS", server_->namespace_name()},
                                {"Surreal-DB", database_},
                                {"Accept", "application/json"}};
    auto response = client.Post(
        "/sql", headers,
        "SELECT count() AS total FROM records WHERE collection = '" + collection + "' GROUP ALL",
        "text/plain");
    EXPECT_TRUE(response);
    json::value rows = json::parse(response->body).at(0).at("result");
    return rows.as_array().empty() ? 0 : rows.at(0).at("total").as_int64();
  }

  std::string log_text() const {
    return read_text(workspace_ / ".provisioning" / "logs" / "provisioning.log");
  }

  static inline std::unique_ptr<SurrealServer> server_;
  TempDir home_{"provisioning-surreal-cli"};
  std::filesystem::path workspace_;
  std::string database_;
};

TEST_F(SurrealCli, MainJobStoresStateInSurrealdb) {
  auto created = run_json({"server", "create", "web-01", "2xCPU-4GB"});
  EXPECT_EQ(text(created, "name"), "web-01");
  EXPECT_EQ(text(created, "status"), "running");

  auto servers = run_json({"server", "list"});
  ASSERT_EQ(servers.as_array().size(), 1u);
  EXPECT_EQ(text(servers.as_array()[0], "name"), "web-01");
  EXPECT_EQ(text(servers.as_array()[0], "plan"), "2xCPU-4GB");

  auto steps = run_json({"taskserv", "install", "kubernetes"});
  ASSERT_EQ(steps.as_array().size(), 3u);
  EXPECT_EQ(text(steps.as_array()[2], "taskserv"), "kubernetes");
  auto installed = run_json({"taskserv", "list"});
  ASSERT_EQ(installed.as_array().size(), 3u);
  for (const auto& record : installed.as_array()) EXPECT_EQ(text(record, "status"), "installed");

  auto cluster = run_json({"cluster", "create", "buildkit"});
  EXPECT_EQ(text(cluster, "status"), "ready");
  EXPECT_EQ(cluster.at("servers").as_array().size(), 3u);
  EXPECT_EQ(run_json({"server", "list"}).as_array().size(), 4u);

  EXPECT_EQ(count_in_surrealdb("servers"), 4);
  EXPECT_EQ(count_in_surrealdb("clusters"), 1);
  EXPECT_GE(count_in_surrealdb("taskservs"), 3);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning" / "state.db"));
}

TEST_F(SurrealCli, DuplicateNameIsRejected) {
  run_json({"server", "create", "web-01", "1xCPU-2GB"});
  auto again = run({"server", "create", "web-01", "1xCPU-2GB"});
  EXPECT_EQ(again.exit_code, 5) << again.err;
  EXPECT_THAT(again.err, HasSubstr("web-01"));
  EXPECT_EQ(count_in_surrealdb("servers"), 1);
}

// Four processes create the same server at once: the writer lock lets exactly one take
// the name.
TEST_F(SurrealCli, ConcurrentCreatesTakeNameOnce) {
  std::vector<std::future<ProcessResult>> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(std::async(std::launch::async, [this] {
      return run({"server", "create", "race-01", "1xCPU-2GB"});
    }));
  }
  int succeeded = 0;
  for (auto& pending : runs) {
    ProcessResult result = pending.get();
    if (result.exit_code == 0) {
      ++succeeded;
    } else {
      EXPECT_EQ(result.exit_code, 5) << result.err;
      EXPECT_THAT(result.err, HasSubstr("race-01"));
    }
  }
  EXPECT_EQ(succeeded, 1);
  EXPECT_EQ(count_in_surrealdb("servers"), 1);
}

TEST_F(SurrealCli, WrongPasswordNamesFix) {
  const std::string wrong = "wrong-password-4f1c";
  auto result = run({"server", "list"}, {}, {{kPasswordVariable, wrong}});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("rejected the credentials of root-level user 'root'"));
  EXPECT_THAT(result.err, HasSubstr(server_->url()));
  EXPECT_THAT(result.err, HasSubstr(kPasswordVariable));
  EXPECT_THAT(result.err, Not(HasSubstr(wrong)));
  EXPECT_THAT(result.out, Not(HasSubstr(wrong)));
  EXPECT_THAT(log_text(), Not(HasSubstr(wrong)));
}

TEST_F(SurrealCli, ServerDownNamesUrl) {
  SurrealServer stopped;
  std::string url = stopped.url();
  stopped.stop();
  auto result = run({"server", "list"}, {"storage.surrealdb.url=" + url});
  EXPECT_EQ(result.exit_code, 6) << result.err;
  EXPECT_THAT(result.err, HasSubstr("cannot reach SurrealDB at " + url));
  EXPECT_THAT(result.err, HasSubstr("start the server, or set storage.surrealdb.url"));
}

TEST_F(SurrealCli, UrlOfOtherServerIsRejected) {
  httplib::Server other;
  other.Post("/sql", [](const httplib::Request&, httplib::Response& response) {
    response.status = 404;
    response.set_content("not here", "text/plain");
  });
  int port = other.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { other.listen_after_bind(); });
  std::string url = "http://127.0.0.1:" + std::to_string(port);

  auto result = run({"server", "list"}, {"storage.surrealdb.url=" + url});
  other.stop();
  serving.join();
  EXPECT_EQ(result.exit_code, 6) << result.err;
  EXPECT_THAT(result.err, HasSubstr(url + " has no /sql endpoint (HTTP 404)"));
  EXPECT_THAT(result.err, HasSubstr("check that storage.surrealdb.url names a SurrealDB server"));
}

TEST_F(SurrealCli, MalformedUrlIsRejected) {
  auto result = run({"server", "list"}, {"storage.surrealdb.url=127.0.0.1:8000"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("invalid setting storage.surrealdb.url = \"127.0.0.1:8000\""));
  EXPECT_THAT(result.err, HasSubstr("use http://HOST:PORT"));
}

TEST_F(SurrealCli, CredentialsInUrlAreNotEchoed) {
  auto result =
      run({"server", "list"}, {"storage.surrealdb.url=http://root:url-secret-77@127.0.0.1:1"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("it contains credentials"));
  EXPECT_THAT(result.err, Not(HasSubstr("url-secret-77")));
  EXPECT_THAT(log_text(), Not(HasSubstr("url-secret-77")));
}

TEST_F(SurrealCli, PasswordNeverLogged) {
  auto created =
      run({"--verbose", "server", "create", "web-01", "1xCPU-2GB"}, {"logging.level=trace"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto listed = run({"--verbose", "server", "list"}, {"logging.level=trace"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::string log = log_text();
  EXPECT_THAT(log, HasSubstr("using SurrealDB at " + server_->url()));
  for (const auto& output : {created.out, created.err, listed.out, listed.err, log}) {
    EXPECT_THAT(output, Not(HasSubstr(server_->password())));
  }
}

}  // namespace
}  // namespace provisioning::testing
