#include <gmock/gmock.h>
#include <httplib.h>
#include <signal.h>

#include <set>

#include "migration_fixture.h"
#include "support/surreal_server.h"

namespace provisioning::testing {
namespace {

// Migrations between every pair of filesystem, sqlite and surrealdb, on a real
// SurrealDB engine (the test adapter), each compared record by record with the
// normalized legacy tree.
class MigrateSurreal : public MigrationTest {
 protected:
  void SetUp() override {
    if (!SurrealServer::available()) GTEST_SKIP() << SurrealServer::unavailable_reason();
    MigrationTest::SetUp();
    server_ = std::make_unique<SurrealServer>();
    files_ = legacy_tree(30);
    write_legacy_tree(data_dir(), files_);
    write_legacy_tree(data_dir(), {kBrokenFile});
    write_text(workspace_ / "config.toml",
               "[storage]\nbackend = \"filesystem\"\n\n[storage.surrealdb]\nurl = \"" +
                   server_->url() + "\"\nnamespace = \"" + server_->namespace_name() +
                   "\"\ndatabase = \"" + server_->database() + "\"\nusername = \"" +
                   server_->username() + "\"\npassword = \"" + server_->password() + "\"\n");
  }

  void migrate(const std::string& from, const std::string& to) {
    SCOPED_TRACE(from + " -> " + to);
    json::object report =
        run_json({"migrate", "--from", from, "--to", to, "--yes", "--skip-invalid"});
    EXPECT_EQ(report["verified"], true);
    EXPECT_EQ(configured_backend(), to);
    expect_same_records(read_state(), expected_records(files_));
  }

  // The databases of the test namespace, read with INFO FOR NS.
  std::set<std::string> databases() const {
    httplib::Client client(server_->url());
    client.set_basic_auth(server_->username(), server_->password());
    httplib::Headers headers = {{"Surreal-NS", server_->namespace_name()},
                                {"Accept", "application/json"}};
    auto response = client.Post("/sql", headers, "INFO FOR NS;", "text/plain");
    std::set<std::string> names;
    if (!response || response->status != 200) {
      ADD_FAILURE() << "INFO FOR NS failed";
      return names;
    }
    json::value info = json::parse(response->body).as_array().at(0).at("result");
    for (const auto& entry : info.at("databases").as_object()) names.insert(entry.key());
    return names;
  }

  std::string configured_database() const {
    return open_host()->config().get_string("storage.surrealdb.database");
  }

  std::filesystem::path staging_records() const {
    return workspace_ / ".provisioning" / "surrealdb-staging";
  }

  std::unique_ptr<SurrealServer> server_;
  std::vector<LegacyFile> files_;
};

std::vector<std::string> migrate_args(const std::string& from, const std::string& to) {
  return {"migrate", "--from", from, "--to", to, "--yes", "--skip-invalid"};
}

TEST_F(MigrateSurreal, KilledMigrationStagingIsRemoved) {
  auto before = databases();
  auto killed =
      run(migrate_args("filesystem", "surrealdb"), {{"PROVISIONING_TEST_KILL_AT", "copy:5"}});
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
  // The killed run created the staging database, and opening the target created the
  // configured one.
  auto after_kill = databases();
  std::string orphan;
  for (const auto& name : after_kill) {
    if (!before.contains(name) && name != server_->database()) orphan = name;
  }
  ASSERT_THAT(orphan, ::testing::StartsWith(server_->database() + "_"));

  // Readiness reports the orphan with the statement that removes it.
  auto readiness = run({"--output", "json", "migrate", "readiness", "--to", "surrealdb"});
  EXPECT_THAT(readiness.out, ::testing::HasSubstr("staging database(s) of earlier migrations"));
  EXPECT_THAT(readiness.out, ::testing::HasSubstr("REMOVE DATABASE `" + orphan + "`"));
  EXPECT_TRUE(databases().contains(orphan));  // readiness only reports

  // The next migration removes it before it stages its own copy.
  json::object report = run_json(migrate_args("filesystem", "surrealdb"));
  EXPECT_EQ(report["verified"], true);
  auto after_rerun = databases();
  EXPECT_FALSE(after_rerun.contains(orphan));
  EXPECT_TRUE(after_rerun.contains(configured_database()));
  EXPECT_NE(configured_database(), orphan);
  EXPECT_TRUE(std::filesystem::is_empty(staging_records()));
  expect_same_records(read_state(), expected_records(files_));
}

TEST_F(MigrateSurreal, FailedMigrationRemovesStaging) {
  auto before = databases();
  // A record larger than the server's 1 MiB request limit fails the copy.
  std::string large = R"({"name": "huge", "blob": ")" + std::string(1100 * 1024, 'x') + "\"}";
  write_legacy_tree(data_dir(), {{"servers", "srv-huge", large}});
  auto failed = run(migrate_args("filesystem", "surrealdb"));
  ASSERT_NE(failed.exit_code, 0);
  EXPECT_THAT(failed.err, ::testing::HasSubstr("HTTP 413"));
  // Only the configured database, which inspecting the target created, is new.
  auto after = databases();
  after.erase(server_->database());
  before.erase(server_->database());
  EXPECT_EQ(after, before);
  EXPECT_EQ(configured_backend(), "filesystem");
  EXPECT_TRUE(std::filesystem::is_empty(staging_records()));
}

TEST_F(MigrateSurreal, UnchangedTargetDropsStaging) {
  migrate("filesystem", "surrealdb");
  migrate("surrealdb", "sqlite");
  auto before = databases();
  std::string live = configured_database();
  // The configured database already contains the same records, so the staging copy of
  // this run is not switched in and must not stay behind.
  migrate("sqlite", "surrealdb");
  EXPECT_EQ(databases(), before);
  EXPECT_EQ(configured_database(), live);
}

TEST_F(MigrateSurreal, EveryPairAndBack) {
  migrate("filesystem", "surrealdb");
  migrate("surrealdb", "sqlite");
  migrate("sqlite", "surrealdb");
  migrate("surrealdb", "filesystem");
  migrate("filesystem", "sqlite");
  migrate("sqlite", "filesystem");
}

TEST_F(MigrateSurreal, RollbackFromSurreal) {
  migrate("filesystem", "sqlite");
  migrate("sqlite", "surrealdb");
  json::object report = run_json({"migrate", "rollback", "--yes"});
  EXPECT_EQ(report["verified"], true);
  EXPECT_EQ(configured_backend(), "sqlite");
  expect_same_records(read_state(), expected_records(files_));
}

}  // namespace
}  // namespace provisioning::testing
