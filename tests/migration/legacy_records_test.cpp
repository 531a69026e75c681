#include "migration/legacy_records.h"

#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include <map>

#include "migration/record_reader.h"
#include "support/temp_dir.h"

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

json::object parse(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(LegacyRecords, MissingServerFieldsGetDefaults) {
  json::object record = normalize_legacy_record("servers", "s1", parse(R"({"name": "web-01"})"));
  EXPECT_EQ(record.at("id"), "s1");
  EXPECT_EQ(record.at("name"), "web-01");
  EXPECT_EQ(record.at("zone"), "unknown");
  EXPECT_EQ(record.at("status"), "unknown");
  EXPECT_EQ(record.at("plan"), "unknown");
  EXPECT_EQ(record.at("provider"), "unknown");
  EXPECT_EQ(record.at("ip_address"), "");
  EXPECT_EQ(record.at("tags"), json::array());
  EXPECT_EQ(record.at("metadata"), json::object());
  EXPECT_EQ(record.at("updated_at"), "");
}

TEST(LegacyRecords, UpdatedAtDefaultsToCreatedAt) {
  json::object record = normalize_legacy_record(
      "servers", "s1", parse(R"({"name": "a", "created_at": "2020-01-02T03:04:05.000Z"})"));
  EXPECT_EQ(record.at("updated_at"), "2020-01-02T03:04:05.000Z");
}

TEST(LegacyRecords, UnknownFieldsMoveToMetadata) {
  json::object record = normalize_legacy_record(
      "servers", "s1",
      parse(R"({"name": "a", "owner": "ops", "metadata": {"team": "x"}, "cores": 4})"));
  EXPECT_FALSE(record.contains("owner"));
  EXPECT_FALSE(record.contains("cores"));
  const json::object& metadata = record.at("metadata").as_object();
  EXPECT_EQ(metadata.at("team"), "x");
  EXPECT_EQ(metadata.at("legacy").at("owner"), "ops");
  EXPECT_EQ(metadata.at("legacy").at("cores"), 4);
}

TEST(LegacyRecords, WrongTypeKeptInMetadata) {
  json::object record =
      normalize_legacy_record("servers", "s1", parse(R"({"name": "a", "tags": "x,y", "zone": 3})"));
  EXPECT_EQ(record.at("tags"), json::array());
  EXPECT_EQ(record.at("zone"), "unknown");
  EXPECT_EQ(record.at("metadata").at("legacy").at("tags"), "x,y");
  EXPECT_EQ(record.at("metadata").at("legacy").at("zone"), 3);
}

TEST(LegacyRecords, DifferentStoredIdKept) {
  json::object record = normalize_legacy_record("servers", "s1", parse(R"({"id": "old-7"})"));
  EXPECT_EQ(record.at("id"), "s1");
  EXPECT_EQ(record.at("name"), "s1");
  EXPECT_EQ(record.at("metadata").at("legacy").at("id"), "old-7");
}

TEST(LegacyRecords, NonObjectMetadataKept) {
  json::object record =
      normalize_legacy_record("servers", "s1", parse(R"({"name": "a", "metadata": "free text"})"));
  EXPECT_EQ(record.at("metadata").at("legacy").at("metadata"), "free text");
}

TEST(LegacyRecords, NormalizingTwiceChangesNothing) {
  json::object once = normalize_legacy_record(
      "servers", "s1", parse(R"({"name": "ü-server", "extra": [1, 2], "tags": 5})"));
  EXPECT_EQ(normalize_legacy_record("servers", "s1", once), once);
}

TEST(LegacyRecords, CurrentServerRecordUnchanged) {
  json::object current = parse(
      R"({"id": "s1", "name": "web", "provider": "local", "provider_id": "p", "plan": "1xCPU",
          "zone": "local-1", "status": "running", "ip_address": "127.0.0.2",
          "created_at": "t1", "updated_at": "t2", "metadata": {}, "tags": ["a"]})");
  EXPECT_EQ(normalize_legacy_record("servers", "s1", current), current);
}

TEST(LegacyRecords, TaskservDefaultsFromId) {
  json::object record = normalize_legacy_record("taskservs", "srv-1:etcd", parse("{}"));
  EXPECT_EQ(record.at("name"), "etcd");
  EXPECT_EQ(record.at("server_id"), "srv-1");
  EXPECT_EQ(record.at("version"), "unknown");
  EXPECT_EQ(record.at("files"), json::array());
  EXPECT_FALSE(record.contains("metadata"));
}

TEST(LegacyRecords, ClusterUnknownFieldGetsMetadata) {
  json::object record =
      normalize_legacy_record("clusters", "c1", parse(R"({"name": "c1", "owner": "ops"})"));
  EXPECT_EQ(record.at("status"), "unknown");
  EXPECT_EQ(record.at("metadata").at("legacy").at("owner"), "ops");
}

TEST(LegacyRecords, OtherCollectionsUnchanged) {
  json::object record = parse(R"({"anything": 1})");
  EXPECT_EQ(normalize_legacy_record("workflows", "w1", record), record);
}

TEST(LegacyRecords, ParseErrorNamesPathAndPosition) {
  testing::TempDir dir;
  auto file = dir / "servers/bad.json";
  testing::write_text(file, "{\n  \"name\": \"a\",\n  \"zone\" \"x\"\n}\n");
  try {
    parse_legacy_file(file);
    FAIL() << "expected an error";
  } catch (const sdk::Error& error) {
    std::string message = error.what();
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
    EXPECT_NE(message.find(file.string() + ":3:10"), std::string::npos) << message;
    EXPECT_NE(message.find("--skip-invalid"), std::string::npos) << message;
  }
}

TEST(LegacyRecords, ArrayFileRejected) {
  testing::TempDir dir;
  auto file = dir / "servers/list.json";
  testing::write_text(file, "[1, 2]");
  EXPECT_THROW(parse_legacy_file(file), sdk::Error);
}

TEST(LegacyRecords, ParsesValidFile) {
  testing::TempDir dir;
  auto file = dir / "servers/ok.json";
  testing::write_text(file, R"({"name": "ünïcode-名前"})");
  EXPECT_EQ(parse_legacy_file(file).at("name"), "ünïcode-名前");
}

// The reader reuses one buffer for every file: files larger than it and files shorter
// than the one before must each come back whole, with nothing left from another file.
TEST(LegacyRecords, ReaderReturnsFilesOfEverySize) {
  testing::TempDir dir;
  std::map<std::string, std::string> notes;
  for (std::size_t size : {200000, 3, 70000, 0, 16384, 16383, 1}) {
    std::string id = "srv-" + std::to_string(size);
    notes[id] = std::string(size, static_cast<char>('a' + size % 26));
    testing::write_text(dir / "servers" / (id + ".json"),
                        json::serialize(json::object{{"id", id}, {"notes", notes[id]}}));
  }
  auto source = legacy_source(dir.path(), false, nullptr);
  std::map<std::string, std::string> read;
  source->for_each("servers", [&](const std::string& id, const json::object& record) {
    read[id] = std::string(record.at("notes").as_string());
    return true;
  });
  EXPECT_EQ(read, notes);
}

}  // namespace
}  // namespace provisioning::host::migration
