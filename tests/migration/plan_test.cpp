// `migrate plan validate` and `migrate plan run` with real plan files, the real binary and
// the real storage plugins.

#include <gmock/gmock.h>

#include "migration_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PlanTest : public MigrationTest {
 protected:
  std::string write_plan(const std::string& name, const std::string& text) const {
    std::filesystem::path file = home_ / name;
    write_text(file, text);
    return file.string();
  }

  std::string config_text() const { return read_text(workspace_ / "config.toml"); }
};

TEST_F(PlanTest, ExamplePlanIsValid) {
  auto result = run({"migrate", "plan", "validate",
                     std::string(PROVISIONING_SOURCE_DIR) + "/config/plans/legacy-to-sqlite.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("plan 'legacy-to-sqlite' is valid: 3 phases, 5 steps"));
}

TEST_F(PlanTest, BrokenYamlNamesLineAndColumn) {
  std::string file = write_plan("broken.yaml",
                                "name: broken\n"
                                "phases:\n"
                                "  - name: one\n"
                                "    steps: [ {type: verify}\n");
  auto result = run({"migrate", "plan", "validate", file});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr(file + ":5:1: invalid YAML: end of sequence flow not found"));
  EXPECT_THAT(result.err, HasSubstr("invalid YAML"));
  EXPECT_THAT(result.err, HasSubstr("fix the syntax"));
}

TEST_F(PlanTest, StructureProblemsListedTogether) {
  std::string file = write_plan("structure.yaml",
                                "name: structure\n"
                                "phases:\n"
                                "  - name: one\n"
                                "    wait_seconds: -1\n"
                                "    rollbak_on_failure: true\n"
                                "    steps:\n"
                                "      - type: migrate_storag\n"
                                "      - type: set_config\n"
                                "        key: logging.level\n"
                                "  - name: one\n"
                                "    steps: []\n");
  auto result = run({"migrate", "plan", "validate", file});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("(6 problems)"));
  EXPECT_THAT(result.err, HasSubstr(file + ":4:19: 'wait_seconds' in phase 'one' must be a whole "
                                           "number from 0 to 86400, not '-1'"));
  EXPECT_THAT(result.err, HasSubstr(file + ":5:5: unknown key 'rollbak_on_failure' in phase "
                                           "'one'; did you mean 'rollback_on_failure'?"));
  EXPECT_THAT(result.err, HasSubstr(file + ":7:15: unknown step type 'migrate_storag'"));
  EXPECT_THAT(result.err, HasSubstr("did you mean 'migrate_storage'?"));
  EXPECT_THAT(result.err, HasSubstr(file + ":8:9: missing 'value' in phase 'one' step 2"));
  EXPECT_THAT(result.err, HasSubstr(file + ":10:5: phase name 'one' is used twice"));
  EXPECT_THAT(result.err, HasSubstr(file + ":11:12: 'steps' of phase 'one' must be a non-empty"));
}

TEST_F(PlanTest, NamesCheckedAgainstInstallation) {
  std::string file = write_plan("names.yaml",
                                "name: names\n"
                                "phases:\n"
                                "  - name: one\n"
                                "    steps:\n"
                                "      - type: migrate_storage\n"
                                "        from: filesystem\n"
                                "        to: sqlit\n"
                                "      - type: set_config\n"
                                "        key: loging.level\n"
                                "        value: debug\n"
                                "      - type: bridge_mode\n"
                                "        mode: migraton\n"
                                "      - {type: health_check, checks: [disks]}\n");
  auto result = run({"migrate", "plan", "validate", file});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr(file + ":5:9: unknown storage backend in 'to' 'sqlit'; did "
                                           "you mean 'sqlite'?"));
  EXPECT_THAT(result.err, HasSubstr(file + ":8:9: unknown configuration key 'loging.level'"));
  EXPECT_THAT(result.err,
              HasSubstr(file + ":11:9: unknown bridge mode 'migraton'; did you mean 'migration'?"));
  EXPECT_THAT(result.err,
              HasSubstr(file + ":13:9: unknown health check 'disks'; did you mean 'disk'?"));
}

TEST_F(PlanTest, MissingFileIsNotFound) {
  auto result = run({"migrate", "plan", "validate", (home_ / "none.yaml").string()});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("none.yaml' cannot be read"));
}

TEST_F(PlanTest, FailedConfigStepRestoresFile) {
  std::string before = config_text();
  std::string file = write_plan("bridge.yaml",
                                "name: bridge-without-legacy\n"
                                "phases:\n"
                                "  - name: switch\n"
                                "    steps:\n"
                                "      - {type: set_config, key: logging.level, value: debug}\n"
                                "      - {type: bridge_mode, mode: migration, "
                                "new_system_percentage: 50}\n");
  auto result = run({"migrate", "plan", "run", file});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("step 2 bridge_mode migration (new_system_percentage 50): "
                                    "failed"));
  EXPECT_THAT(result.out, HasSubstr("undo step 1 set_config logging.level = \"debug\": "
                                    "rolled_back"));
  EXPECT_THAT(result.err, HasSubstr("bridge.legacy_path"));
  // The keys are gone again, though unsetting a key may leave its empty table header.
  std::string after = config_text();
  EXPECT_THAT(after, HasSubstr(before));
  EXPECT_THAT(after, Not(HasSubstr("level")));
  EXPECT_THAT(after, Not(HasSubstr("mode")));
  EXPECT_THAT(after, Not(HasSubstr("new_system_percentage")));
}

// A filesystem workspace whose plan migrates to SQLite and then fails to verify against a
// legacy directory that has one more server.
class PlanRunTest : public PlanTest {
 protected:
  void SetUp() override {
    PlanTest::SetUp();
    files_ = legacy_tree(6);
    write_legacy_tree(data_dir(), files_);
    legacy_ = home_ / "legacy";
    write_legacy_tree(legacy_, files_);
    write_text(legacy_ / "servers" / "srv-extra.json", R"({"name": "extra"})");
    write_text(workspace_ / "config.toml",
               "# test workspace\n[storage]\nbackend = \"filesystem\"  # legacy\n[bridge]\n"
               "legacy_path = \"" +
                   legacy_.string() + "\"\n");
    plan_ = write_plan("rollback.yaml",
                       "name: rollback-demo\n"
                       "phases:\n"
                       "  - name: settle\n"
                       "    steps:\n"
                       "      - {type: set_config, key: logging.level, value: debug}\n"
                       "  - name: cut-over\n"
                       "    rollback_on_failure: true\n"
                       "    steps:\n"
                       "      - {type: set_config, key: server.default_zone, value: zone-b}\n"
                       "      - {type: migrate_storage, from: filesystem, to: sqlite}\n"
                       "      - {type: verify, source: filesystem}\n"
                       "      - {type: verify, source: legacy}\n"
                       "  - name: never\n"
                       "    steps:\n"
                       "      - {type: set_config, key: logging.level, value: warn}\n");
  }

  std::vector<LegacyFile> files_;
  std::filesystem::path legacy_;
  std::string plan_;
};

TEST_F(PlanRunTest, FailedStepRollsBackItsPhase) {
  auto files_before = snapshot_files(data_dir());
  auto result = run({"migrate", "plan", "run", plan_});
  EXPECT_EQ(result.exit_code, 5) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("step 1 set_config logging.level = \"debug\": ok"));
  EXPECT_THAT(result.out, HasSubstr("step 2 migrate_storage filesystem -> sqlite: ok"));
  EXPECT_THAT(result.out, HasSubstr("step 3 verify against filesystem: ok"));
  EXPECT_THAT(result.out, HasSubstr("step 4 verify against legacy: failed"));
  EXPECT_THAT(result.out, HasSubstr("undo step 2 migrate_storage filesystem -> sqlite: "
                                    "rolled_back (rolled back to backup"));
  EXPECT_THAT(result.out, HasSubstr("undo step 1 set_config server.default_zone = \"zone-b\": "
                                    "rolled_back (restored server.default_zone unset)"));
  EXPECT_THAT(result.out, HasSubstr("failed in phase 'cut-over'; undid 2 steps"));
  EXPECT_THAT(result.out, Not(HasSubstr("phase 'never'")));
  EXPECT_THAT(result.err, HasSubstr("servers/srv-extra missing"));

  std::string config = config_text();
  EXPECT_THAT(config, HasSubstr("backend = \"filesystem\""));
  EXPECT_THAT(config, Not(HasSubstr("default_zone")));
  EXPECT_THAT(config, HasSubstr("level = \"debug\""));  // the first phase stays done
  EXPECT_THAT(config, HasSubstr("# test workspace"));
  EXPECT_EQ(configured_backend(), "filesystem");
  EXPECT_EQ(snapshot_files(data_dir()), files_before) << "the legacy files must be as they were";
}

TEST_F(PlanRunTest, FailureWithoutRollbackKeepsCompletedSteps) {
  std::string text = read_text(plan_);
  text.replace(text.find("rollback_on_failure: true"), 25, "rollback_on_failure: false");
  write_text(plan_, text);
  auto result = run({"--output", "json", "migrate", "plan", "run", plan_, "--skip-backup"});
  EXPECT_EQ(result.exit_code, 5) << result.err;
  json::object report = json::parse(result.out).as_object();
  EXPECT_FALSE(report.at("succeeded").as_bool());
  EXPECT_EQ(report.at("failed_phase").as_string(), "cut-over");
  EXPECT_EQ(report.at("outcomes").as_array().size(), 5u);
  EXPECT_EQ(configured_backend(), "sqlite");
  EXPECT_THAT(config_text(), HasSubstr("default_zone = \"zone-b\""));
}

TEST_F(PlanRunTest, DryRunChangesNothing) {
  std::string before = config_text();
  auto result = run({"migrate", "plan", "run", plan_, "--dry-run"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("step 2 migrate_storage filesystem -> sqlite: dry_run "
                                    "(would migrate 9 records)"));
  EXPECT_THAT(result.out, HasSubstr("plan 'rollback-demo' checked: nothing was changed"));
  EXPECT_EQ(config_text(), before);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".provisioning" / "state.db"));
}

TEST_F(PlanRunTest, SuccessfulPlanRunsEveryPhase) {
  std::filesystem::remove(legacy_ / "servers" / "srv-extra.json");
  auto result = run({"migrate", "plan", "run", plan_});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("phase 'never'"));
  EXPECT_THAT(result.out, HasSubstr("plan 'rollback-demo' completed"));
  EXPECT_EQ(configured_backend(), "sqlite");
  EXPECT_THAT(config_text(), HasSubstr("level = \"warn\""));
  expect_same_records(read_state(), expected_records(files_));
}

}  // namespace
}  // namespace provisioning::testing
