#include <gmock/gmock.h>
#include <sys/stat.h>

#include "migration/workspace_lock.h"
#include "migration_fixture.h"
#include "sha256.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

class MigrateCli : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    files_ = legacy_tree(40);
    write_legacy_tree(data_dir(), files_);
  }

  std::vector<LegacyFile> files_;
};

TEST_F(MigrateCli, LegacyToSqliteAndBack) {
  write_legacy_tree(data_dir(), {kBrokenFile});
  auto before = snapshot_files(data_dir());
  json::object report =
      run_json({"migrate", "--from", "filesystem", "--to", "sqlite", "--skip-invalid", "--yes"});
  EXPECT_EQ(report["verified"], true);
  EXPECT_EQ(report["switched"], true);
  EXPECT_EQ(report["records"], files_.size());
  EXPECT_EQ(configured_backend(), "sqlite");
  expect_same_records(read_state(), expected_records(files_));

  // The broken file is quarantined and listed, not dropped.
  ASSERT_EQ(report["quarantined"].as_array().size(), 1u);
  const json::object& quarantined = report["quarantined"].as_array()[0].as_object();
  EXPECT_THAT(std::string(quarantined.at("error").as_string()), HasSubstr("srv-broken.json:4:1"));
  std::filesystem::path moved(std::string(quarantined.at("quarantine_path").as_string()));
  EXPECT_EQ(read_text(moved), kBrokenFile.text);
  EXPECT_FALSE(std::filesystem::exists(data_dir() / "servers/srv-broken.json"));
  before.erase("servers/srv-broken.json");
  EXPECT_EQ(snapshot_files(data_dir()), before);  // the other legacy files are untouched

  json::object back = run_json({"migrate", "--from", "sqlite", "--to", "filesystem", "--yes"});
  EXPECT_EQ(back["verified"], true);
  EXPECT_EQ(configured_backend(), "filesystem");
  expect_same_records(read_state(), expected_records(files_));
  // data/ still held the legacy records, so the copy went to a location of its own.
  EXPECT_THAT(read_text(workspace_ / "config.toml"), HasSubstr("path = \"data-"));
  EXPECT_THAT(read_text(workspace_ / "config.toml"), HasSubstr("# test workspace"));
}

// The device of `path`, or nullopt when stat() fails.
std::optional<dev_t> device_of(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return info.st_dev;
}

// The legacy data directory on tmpfs (/dev/shm) and the workspace, with its quarantine
// directory, on another file system, so that rename() between them fails with EXDEV.
TEST_F(MigrateCli, QuarantineCrossesFileSystems) {
  const std::filesystem::path shm = "/dev/shm";
  auto shm_device = device_of(shm);
  auto workspace_device = device_of(workspace_);
  if (!shm_device || !workspace_device || *shm_device == *workspace_device) {
    GTEST_SKIP() << "needs /dev/shm on a file system other than the workspace's ("
                 << workspace_.string() << "), so that rename() fails with EXDEV; compare "
                 << "`stat -f /dev/shm " << workspace_.string() << "`";
  }
  // TempDir joins the absolute prefix onto the temporary directory, which yields the prefix.
  TempDir legacy_root((shm / "provisioning-quarantine").string());
  std::filesystem::path legacy_data = legacy_root / "data";
  write_legacy_tree(legacy_data, files_);
  write_legacy_tree(legacy_data, {kBrokenFile});
  write_text(workspace_ / "config.toml",
             "[storage]\nbackend = \"filesystem\"\n"
             "[storage.filesystem]\npath = \"" +
                 legacy_data.string() + "\"\n");

  json::object report =
      run_json({"migrate", "--from", "filesystem", "--to", "sqlite", "--skip-invalid", "--yes"});
  EXPECT_EQ(report["verified"], true);
  expect_same_records(read_state(), expected_records(files_));
  ASSERT_EQ(report["quarantined"].as_array().size(), 1u);
  std::filesystem::path moved(std::string(
      report["quarantined"].as_array()[0].as_object().at("quarantine_path").as_string()));
  EXPECT_EQ(device_of(moved.parent_path()), workspace_device);
  EXPECT_EQ(read_text(moved), kBrokenFile.text);
  EXPECT_FALSE(std::filesystem::exists(legacy_data / "servers/srv-broken.json"));
  EXPECT_FALSE(std::filesystem::exists(moved.string() + ".partial"));
  EXPECT_TRUE(std::filesystem::exists(legacy_data / "servers" / (files_.front().id + ".json")));
}

// The staging copy is filled without the SQLite name index and reopened to build it.
// A lookup by name on the switched-in database goes through that index. The plugin
// names it with INDEXED BY, which fails when the index is missing.
TEST_F(MigrateCli, SqliteNameLookupAfterMigration) {
  run_json({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes"});
  ASSERT_EQ(configured_backend(), "sqlite");
  auto host = open_host();
  auto storage = host->storage_backend("sqlite");
  std::vector<json::object> found = storage.call(
      "find", [](sdk::StorageBackend& s) { return s.find("servers", "name", "web-1"); });
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].at("id"), "srv-1001");
  std::vector<json::object> unicode = storage.call(
      "find", [](sdk::StorageBackend& s) { return s.find("servers", "name", "ünïcode-名前-7"); });
  ASSERT_EQ(unicode.size(), 1u);
  EXPECT_EQ(unicode[0].at("id"), "srv-1007");
}

TEST_F(MigrateCli, BrokenFileStopsMigration) {
  write_legacy_tree(data_dir(), {kBrokenFile});
  auto before = snapshot_files(data_dir());
  auto result = run({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  std::string file = (data_dir() / "servers/srv-broken.json").string();
  EXPECT_THAT(result.err, HasSubstr(file + ":4:1 is not valid JSON"));
  EXPECT_THAT(result.err, HasSubstr("--skip-invalid"));
  EXPECT_EQ(configured_backend(), "filesystem");
  EXPECT_EQ(snapshot_files(data_dir()), before);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning/state.db"));
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning/migration"));
}

TEST_F(MigrateCli, DryRunWritesNothing) {
  auto before = snapshot_files(data_dir());
  json::object report =
      run_json({"migrate", "--from", "filesystem", "--to", "sqlite", "--dry-run"});
  EXPECT_EQ(report["dry_run"], true);
  EXPECT_EQ(report["records"], files_.size());
  EXPECT_EQ(report["switched"], false);
  EXPECT_EQ(configured_backend(), "filesystem");
  EXPECT_EQ(snapshot_files(data_dir()), before);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning/state.db"));
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning/backups"));
}

TEST_F(MigrateCli, SameBackendRejected) {
  auto result = run({"migrate", "--from", "sqlite", "--to", "sqlite", "--yes"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("cannot migrate storage backend 'sqlite' to itself"));
  EXPECT_THAT(result.err, HasSubstr("supported paths: filesystem -> sqlite"));
}

TEST_F(MigrateCli, UnknownBackendRejected) {
  auto result = run({"migrate", "--from", "filesystem", "--to", "postgres", "--yes"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("storage backend 'postgres' cannot be migrated"));
  EXPECT_THAT(result.err, HasSubstr("sqlite -> filesystem"));
}

TEST_F(MigrateCli, MissingOptionsRejected) {
  auto result = run({"migrate", "--to", "sqlite", "--yes"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("both --from and --to must name a storage backend"));
}

TEST_F(MigrateCli, WithoutYesAsksForConfirmation) {
  auto result = run({"migrate", "--from", "filesystem", "--to", "sqlite"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("Pass --yes to confirm"));
  EXPECT_EQ(configured_backend(), "filesystem");
}

TEST_F(MigrateCli, BackupManifestMatchesFiles) {
  json::object report = run_json({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes"});
  std::string id(report["backup_id"].as_string());
  ASSERT_FALSE(id.empty());
  std::filesystem::path backup = workspace_ / ".provisioning/backups" / id;
  json::object manifest = json::parse(read_text(backup / "manifest.json")).as_object();
  EXPECT_EQ(manifest["backend"], "filesystem");
  EXPECT_EQ(manifest["migrated_to"], "sqlite");
  std::map<std::string, std::uint64_t> counts;
  for (const auto& item : manifest["collections"].as_array()) {
    const json::object& collection = item.as_object();
    std::string name(collection.at("name").as_string());
    counts[name] = collection.at("records").to_number<std::uint64_t>();
    EXPECT_EQ(std::string(collection.at("sha256").as_string()),
              host::sha256_file_hex(backup / "records" / (name + ".jsonl")))
        << name;
  }
  EXPECT_EQ(counts, (std::map<std::string, std::uint64_t>{
                        {"clusters", 1}, {"servers", 40}, {"taskservs", 2}}));
  EXPECT_TRUE(std::filesystem::exists(backup / "report.json"));

  json::object listed =
      json::parse(run({"--output", "json", "backup", "list"}).out).as_array().at(0).as_object();
  EXPECT_EQ(std::string(listed["id"].as_string()), id);
}

TEST_F(MigrateCli, RollbackReturnsToSource) {
  run_json({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes"});
  ASSERT_EQ(configured_backend(), "sqlite");
  json::object report = run_json({"migrate", "rollback", "--yes"});
  EXPECT_EQ(report["verified"], true);
  EXPECT_EQ(configured_backend(), "filesystem");
  // The legacy files were never changed, so the rollback switches back to them.
  EXPECT_EQ(snapshot_files(data_dir()).size(), files_.size());
  auto state = read_state();
  EXPECT_EQ(state["servers"].size(), 40u);
  EXPECT_EQ(state["clusters"]["buildkit"], json::parse(files_.back().text));
}

TEST_F(MigrateCli, BackupCreateAndRestore) {
  run_json({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes", "--no-backup"});
  json::object backup = run_json({"backup", "create"});
  EXPECT_EQ(backup["backend"], "sqlite");
  std::string id(backup["id"].as_string());
  auto remove =
      run({"--set", "migration.lock_timeout_ms=2000", "server", "delete", "web-1", "--yes"});
  // The record has no provider id, so delete removes only the record.
  ASSERT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_EQ(read_state()["servers"].size(), 39u);
  json::object restored = run_json({"backup", "restore", id, "--yes"});
  EXPECT_EQ(restored["verified"], true);
  expect_same_records(read_state(), expected_records(files_));
}

TEST_F(MigrateCli, RestoreUnknownBackupListsBackups) {
  auto result = run({"backup", "restore", "20000101T000000Z", "--yes"});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_THAT(result.err, HasSubstr("backup '20000101T000000Z' not found"));
  EXPECT_THAT(result.err, HasSubstr("there are no backups"));
}

TEST_F(MigrateCli, CommandsWaitForMigrationLock) {
  host::migration::WorkspaceLock lock(workspace_ / ".provisioning",
                                      std::chrono::milliseconds(1000));
  lock.acquire_exclusive();
  auto result = run({"--set", "migration.lock_timeout_ms=100", "server", "list"});
  EXPECT_EQ(result.exit_code, 6) << result.err;
  EXPECT_THAT(result.err, HasSubstr("a migration is in progress"));
  lock.release();
  EXPECT_EQ(run({"server", "list"}).exit_code, 0);
}

TEST_F(MigrateCli, MigrationWaitsForOtherCommands) {
  host::migration::WorkspaceLock lock(workspace_ / ".provisioning",
                                      std::chrono::milliseconds(1000));
  lock.acquire_shared();
  auto result = run({"--set", "migration.lock_timeout_ms=100", "migrate", "--from", "filesystem",
                     "--to", "sqlite", "--yes"});
  EXPECT_EQ(result.exit_code, 6) << result.err;
  EXPECT_THAT(result.err, HasSubstr("a running orchestrator is using this workspace"));
  EXPECT_EQ(configured_backend(), "filesystem");
}

TEST_F(MigrateCli, DiskFullRollsBack) {
  auto before = snapshot_files(data_dir());
  auto result = run_limited(
      command({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes", "--no-backup"}),
      environment(), 16 * 1024);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, HasSubstr("disk has space")) << result.err;
  EXPECT_EQ(configured_backend(), "filesystem");
  EXPECT_EQ(snapshot_files(data_dir()), before);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning/state.db"));
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning/migration"));
  // With the limit gone, the same migration succeeds.
  EXPECT_EQ(run({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes"}).exit_code, 0);
  expect_same_records(read_state(), expected_records(files_));
}

TEST_F(MigrateCli, DiskFullDuringBackup) {
  auto result = run_limited(command({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes"}),
                            environment(), 1024);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, HasSubstr("writing backup file")) << result.err;
  EXPECT_THAT(result.err, HasSubstr("free space")) << result.err;
  EXPECT_EQ(configured_backend(), "filesystem");
}

}  // namespace
}  // namespace provisioning::testing
