#include <gmock/gmock.h>

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

  std::unique_ptr<SurrealServer> server_;
  std::vector<LegacyFile> files_;
};

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
