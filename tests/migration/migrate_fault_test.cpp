#include <gmock/gmock.h>

#include <random>
#include <thread>

#include "migration_fixture.h"

namespace provisioning::testing {
namespace {

constexpr int kServers = 60;

// Kills `migrate` at many points and checks, after each kill, that the source is intact
// and that the configured backend either is still the source (and the configured target
// holds no records) or is the target, fully migrated.
class MigrateFault : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    files_ = legacy_tree(kServers);
    write_legacy_tree(data_dir(), files_);
    source_ = snapshot_files(data_dir());
  }

  std::vector<std::string> migrate_command() const {
    return command({"migrate", "--from", "filesystem", "--to", "sqlite", "--yes"});
  }

  // Checks the workspace after a kill; returns whether the migration had switched.
  bool check_after_kill(const std::string& label) {
    EXPECT_EQ(snapshot_files(data_dir()), source_) << label << ": source changed";
    std::string backend = configured_backend();
    if (backend == "filesystem") {
      std::filesystem::path database = workspace_ / ".provisioning/state.db";
      // A kill after the staging copy was renamed into place leaves a complete, verified
      // target that the configuration does not name yet.
      if (std::filesystem::exists(database)) {
        RecordMap target = read_state("sqlite");
        if (!target.empty()) expect_same_records(target, expected_records(files_));
      }
      return false;
    }
    EXPECT_EQ(backend, "sqlite") << label;
    expect_same_records(read_state(), expected_records(files_));
    return true;
  }

  // Puts the workspace back to the source backend for the next round.
  void reset_workspace() {
    std::filesystem::remove_all(workspace_ / ".provisioning");
    std::filesystem::create_directories(workspace_ / ".provisioning");
    write_text(workspace_ / "config.toml", "[storage]\nbackend = \"filesystem\"\n");
  }

  std::vector<LegacyFile> files_;
  std::map<std::string, std::string> source_;
};

TEST_F(MigrateFault, KillAtEachStep) {
  const std::uint64_t records = files_.size();
  const std::vector<std::string> points = {
      "backup:1", "backup:30", "backup:" + std::to_string(records),
      "copy:1",   "copy:25",   "copy:" + std::to_string(records),
      "verify:1", "verify:40", "verify:" + std::to_string(records),
      "switch:1", "switch:2"};
  int switched = 0;
  for (const std::string& point : points) {
    SCOPED_TRACE(point);
    reset_workspace();
    auto env = environment();
    env["PROVISIONING_TEST_KILL_AT"] = point;
    auto result = run_process(migrate_command(), env);
    EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.err;
    if (check_after_kill(point)) ++switched;
    // A new migration after the crash finishes and cleans up the staging copy.
    auto rerun = run_process(migrate_command(), environment());
    if (configured_backend() == "filesystem") {
      EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
      EXPECT_EQ(configured_backend(), "sqlite");
      EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning/migration"));
    }
    expect_same_records(read_state(), expected_records(files_));
  }
  // Only a kill after the configuration was written leaves the target switched.
  EXPECT_EQ(switched, 1);
}

TEST_F(MigrateFault, KillAtRandomTimes) {
  std::mt19937 random(20261204);
  std::uniform_int_distribution<int> delay_ms(0, 400);
  int switched = 0;
  for (int round = 0; round < 6; ++round) {
    int delay = delay_ms(random);
    SCOPED_TRACE("kill after " + std::to_string(delay) + " ms");
    reset_workspace();
    pid_t pid = ::fork();
    if (pid == 0) {
      apply_environment(environment());
      std::freopen("/dev/null", "w", stdout);
      std::freopen("/dev/null", "w", stderr);
      auto args = migrate_command();
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (check_after_kill("random")) ++switched;
  }
  RecordProperty("switched_rounds", switched);
}

}  // namespace
}  // namespace provisioning::testing
