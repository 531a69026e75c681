// `data check` and `data repair` against a real legacy directory and a real SQLite store.

#include <gmock/gmock.h>

#include "migration_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One difference of each kind between a sqlite store and a legacy directory:
// srv-a equal, srv-b missing from the current store, srv-c with a different status and
// plan, srv-d only in the current store, srv-e an unreadable legacy file.
class DataCheckTest : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    legacy_ = home_ / "legacy";
    write_text(workspace_ / "config.toml",
               "[storage]\nbackend = \"sqlite\"\n[bridge]\n"
               "legacy_path = \"" +
                   legacy_.string() + "\"\n");
    write_text(legacy_ / "servers" / "srv-a.json", R"({"name": "a", "plan": "p1"})");
    write_text(legacy_ / "servers" / "srv-b.json", R"({"name": "b", "plan": "p1"})");
    write_text(legacy_ / "servers" / "srv-c.json",
               R"({"name": "c", "plan": "p2", "status": "running"})");
    write_text(legacy_ / "servers" / "srv-e.json", "{\n  \"name\": \"e\",\n  \"plan\"\n");

    auto host = open_host();
    auto storage = host->storage();
    auto normalized = [](const std::string& id, const std::string& text) {
      return host::migration::normalize_legacy_record("servers", id, json::parse(text).as_object());
    };
    json::object different = normalized("srv-c", R"({"name": "c", "plan": "p1"})");
    different["status"] = "stopped";
    storage.call("put", [&](sdk::StorageBackend& s) {
      s.put("servers", "srv-a", normalized("srv-a", R"({"name": "a", "plan": "p1"})"));
      s.put("servers", "srv-c", different);
      s.put("servers", "srv-d", normalized("srv-d", R"({"name": "d", "plan": "p1"})"));
    });
  }

  json::object run_json_status(std::vector<std::string> args, int expected_exit) const {
    args.insert(args.begin(), {"--output", "json"});
    auto result = run(args);
    EXPECT_EQ(result.exit_code, expected_exit) << result.out << result.err;
    return json::parse(result.out).as_object();
  }

  // The differences of a report as "id kind", in report order.
  static std::vector<std::string> kinds(const json::object& report, const char* list,
                                        const char* kind_key) {
    std::vector<std::string> items;
    for (const auto& item : report.at(list).as_array()) {
      items.push_back(text(item.as_object(), "id") + " " + text(item.as_object(), kind_key));
    }
    return items;
  }

  std::filesystem::path legacy_;
};

TEST_F(DataCheckTest, CheckListsEachKindOfDifference) {
  json::object report = run_json_status({"data", "check"}, 5);
  EXPECT_FALSE(report.at("consistent").as_bool());
  EXPECT_THAT(
      kinds(report, "differences", "kind"),
      ElementsAre("srv-b missing", "srv-c different", "srv-d only_in_current", "srv-e unreadable"));
  const json::object& different = report.at("differences").as_array()[1].as_object();
  std::vector<std::string> fields;
  for (const auto& name : different.at("fields").as_array()) {
    fields.emplace_back(name.as_string());
  }
  EXPECT_THAT(fields, ElementsAre("plan", "status"));
  const json::object& unreadable = report.at("differences").as_array()[3].as_object();
  EXPECT_THAT(text(unreadable, "detail"), HasSubstr("srv-e.json:4:"));
  const json::object& servers = report.at("collections").at("servers").as_object();
  EXPECT_EQ(servers.at("legacy").as_int64(), 4);
  EXPECT_EQ(servers.at("current").as_int64(), 3);
  EXPECT_EQ(servers.at("equal").as_int64(), 1);
}

TEST_F(DataCheckTest, CheckTablePrintsDifferingFields) {
  auto result = run({"data", "check"});
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_THAT(result.out, HasSubstr("srv-c"));
  EXPECT_THAT(result.out, HasSubstr("plan, status"));
  EXPECT_THAT(result.out, HasSubstr("run 'provisioning data repair'"));
}

TEST_F(DataCheckTest, CheckWithoutLegacyPathFails) {
  write_text(workspace_ / "config.toml", "[storage]\nbackend = \"sqlite\"\n");
  auto result = run({"data", "check"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("bridge.legacy_path is not set"));
  EXPECT_THAT(result.err, HasSubstr("--set bridge.legacy_path=DIR"));
}

TEST_F(DataCheckTest, DryRunRepairChangesNothing) {
  RecordMap before = read_state();
  json::object report = run_json_status({"data", "repair", "--dry-run"}, 5);
  EXPECT_TRUE(report.at("dry_run").as_bool());
  EXPECT_THAT(kinds(report, "changes", "action"),
              ElementsAre("srv-b insert", "srv-c replace", "srv-e skip"));
  RecordMap after = read_state();
  expect_same_records(after, before);
}

TEST_F(DataCheckTest, RepairCopiesLegacyRecordsIn) {
  auto legacy_files = snapshot_files(legacy_);
  json::object report = run_json_status({"--yes", "data", "repair"}, 5);
  EXPECT_EQ(report.at("inserted").as_int64(), 1);
  EXPECT_EQ(report.at("replaced").as_int64(), 1);
  EXPECT_EQ(report.at("skipped").as_int64(), 1);
  EXPECT_EQ(report.at("only_in_current").as_int64(), 1);
  const json::object& replaced = report.at("changes").as_array()[1].as_object();
  EXPECT_EQ(replaced.at("previous").at("status").as_string(), "stopped");

  RecordMap state = read_state();
  ASSERT_EQ(state["servers"].size(), 4u);
  EXPECT_EQ(text(state["servers"]["srv-b"], "name"), "b");
  EXPECT_EQ(text(state["servers"]["srv-c"], "status"), "running");
  EXPECT_EQ(text(state["servers"]["srv-c"], "plan"), "p2");
  EXPECT_EQ(text(state["servers"]["srv-d"], "name"), "d");
  EXPECT_EQ(snapshot_files(legacy_), legacy_files) << "repair must not write the legacy files";

  // Once the broken file is fixed, a second repair inserts it and the stores agree.
  write_text(legacy_ / "servers" / "srv-e.json", R"({"name": "e", "plan": "p1"})");
  json::object second = run_json_status({"data", "repair"}, 0);
  EXPECT_THAT(kinds(second, "changes", "action"), ElementsAre("srv-e insert"));
  json::object check = run_json_status({"data", "check"}, 0);
  EXPECT_TRUE(check.at("consistent").as_bool());
}

TEST_F(DataCheckTest, RepairWithoutYesAsksBeforeReplacing) {
  RecordMap before = read_state();
  auto result = run({"data", "repair"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("Replace 1 records"));
  EXPECT_THAT(result.err, HasSubstr("--yes"));
  expect_same_records(read_state(), before);
}

TEST_F(DataCheckTest, RepairTablePrintsEachChange) {
  auto result = run({"--yes", "data", "repair"});
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_THAT(result.out, HasSubstr("inserted servers/srv-b"));
  EXPECT_THAT(result.out, HasSubstr("replaced servers/srv-c (plan, status)"));
  EXPECT_THAT(result.out, HasSubstr("skipped servers/srv-e"));
  EXPECT_THAT(result.out, HasSubstr("fix or remove the legacy file"));
}

}  // namespace
}  // namespace provisioning::testing
