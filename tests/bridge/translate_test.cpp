#include "bridge/translate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

struct CommandCase {
  std::vector<std::string> legacy;
  std::string expected;  // the translated command line
  std::optional<OperationKind> operation;
};

TEST(TranslateCommand, TableOfLegacyCommands) {
  const std::vector<CommandCase> cases = {
      {{"server", "create", "web-01", "2xCPU-4GB"},
       "server create web-01 2xCPU-4GB --orchestrated",
       OperationKind::kServerCreate},
      {{"server", "create", "web-01", "2xCPU-4GB", "--dry-run"},
       "server create web-01 2xCPU-4GB --check --orchestrated",
       OperationKind::kServerCreate},
      {{"server", "create", "web-01", "2xCPU-4GB", "--zone=eu-1", "--wait"},
       "server create web-01 2xCPU-4GB --zone eu-1 --wait --orchestrated",
       OperationKind::kServerCreate},
      {{"server", "create", "web-01", "2xCPU-4GB", "--zone", "eu-1"},
       "server create web-01 2xCPU-4GB --zone eu-1 --orchestrated",
       OperationKind::kServerCreate},
      {{"server", "create", "web-01", "2xCPU-4GB", "--infra=prod", "--debug"},
       "server create web-01 2xCPU-4GB --infra=prod --debug --orchestrated",
       OperationKind::kServerCreate},
      {{"server", "create", "web-01", "2xCPU-4GB", "--orchestrated"},
       "server create web-01 2xCPU-4GB --orchestrated",
       OperationKind::kServerCreate},
      {{"server", "list", "--out=json"}, "server list --output json", OperationKind::kServerList},
      {{"server", "delete", "web-01", "-y"},
       "server delete web-01 --yes",
       OperationKind::kServerDelete},
      {{"server", "show", "web-01", "-o", "json"},
       "server show web-01 --output json",
       OperationKind::kServerShow},
      {{"taskserv", "install", "kubernetes", "--dry-run"},
       "taskserv install kubernetes --check",
       std::nullopt},
      {{"cluster", "create", "my cluster"}, "cluster create 'my cluster'", std::nullopt},
  };
  for (const CommandCase& test : cases) {
    TranslatedCommand command = translate_legacy_command(test.legacy);
    EXPECT_EQ(quote_command(command.arguments), test.expected) << quote_command(test.legacy);
    EXPECT_EQ(command.operation, test.operation) << quote_command(test.legacy);
  }
}

TEST(TranslateCommand, RecordsMappedFlags) {
  TranslatedCommand command = translate_legacy_command(
      {"server", "create", "web-01", "2xCPU-4", "GB", "--dry-run", "--zone=eu-1", "--x=1"});
  EXPECT_TRUE(command.check);
  EXPECT_FALSE(command.wait);
  EXPECT_EQ(command.zone, "eu-1");
  EXPECT_EQ(command.passed_through, std::vector<std::string>{"--x=1"});

  BridgeOperation operation = to_bridge_operation(command);
  EXPECT_EQ(operation.kind, OperationKind::kServerCreate);
  EXPECT_EQ(operation.server, "web-01");
  EXPECT_EQ(operation.plan, "2xCPU-4 GB");
  EXPECT_TRUE(operation.check);
}

TEST(TranslateCommand, RejectsEmptyCommand) {
  try {
    translate_legacy_command({});
    FAIL() << "expected an error";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
    EXPECT_THAT(error.what(), HasSubstr("after '--'"));
  }
}

TEST(TranslateCommand, RejectsFlagWithoutValue) {
  try {
    translate_legacy_command({"server", "create", "web-01", "2xCPU-4GB", "--zone"});
    FAIL() << "expected an error";
  } catch (const sdk::Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("--zone needs a value"));
    EXPECT_THAT(error.what(), HasSubstr("--zone=VALUE"));
  }
}

TEST(TranslateCommand, CreateWithoutPlanNamesUsage) {
  TranslatedCommand command = translate_legacy_command({"server", "create", "web-01"});
  try {
    to_bridge_operation(command);
    FAIL() << "expected an error";
  } catch (const sdk::Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("needs a plan"));
    EXPECT_THAT(error.what(), HasSubstr("'server create NAME PLAN'"));
  }
}

struct ResponseCase {
  std::string name;
  json::object record;
  json::object expected;
};

TEST(TranslateResponse, TableOfRecordsToV2) {
  const std::string now = "2026-12-04T10:00:00.000Z";
  const std::vector<ResponseCase> cases = {
      {"legacy v1 record",
       {{"name", "web-01"},
        {"plan", "2xCPU-4GB"},
        {"zone", "local-1"},
        {"status", "running"},
        {"ip", "127.0.0.2"},
        {"created", "2025-01-01T00:00:00.000Z"}},
       {{"id", "generated-1"},
        {"name", "web-01"},
        {"status", "running"},
        {"created_at", "2025-01-01T00:00:00.000Z"},
        {"metadata", {{"plan", "2xCPU-4GB"}, {"zone", "local-1"}, {"ip", "127.0.0.2"}}},
        {"version", "v2-compat"}}},
      {"record with id and metadata",
       {{"id", "abc"},
        {"name", "db-01"},
        {"status", "creating"},
        {"created_at", "2025-02-02T00:00:00.000Z"},
        {"metadata", {{"owner", "ops"}}},
        {"tags", json::array{"a"}}},
       {{"id", "abc"},
        {"name", "db-01"},
        {"status", "creating"},
        {"created_at", "2025-02-02T00:00:00.000Z"},
        {"metadata", {{"owner", "ops"}, {"tags", json::array{"a"}}}},
        {"version", "v2-compat"}}},
      {"bare name",
       {{"name", "x"}},
       {{"id", "generated-1"},
        {"name", "x"},
        {"status", nullptr},
        {"created_at", now},
        {"metadata", json::object{}},
        {"version", "v2-compat"}}},
      {"empty id is generated",
       {{"id", ""}, {"name", "y"}, {"status", "running"}},
       {{"id", "generated-1"},
        {"name", "y"},
        {"status", "running"},
        {"created_at", now},
        {"metadata", json::object{}},
        {"version", "v2-compat"}}},
  };
  for (const ResponseCase& test : cases) {
    int generated = 0;
    json::object response = to_v2_response(
        test.record, now, [&] { return "generated-" + std::to_string(++generated); });
    EXPECT_EQ(response, test.expected) << test.name << ": " << json::serialize(response);
  }
}

TEST(TranslateResponse, LegacyViewOfV2Record) {
  json::object record{{"id", "abc"},         {"name", "web-01"},
                      {"plan", "2xCPU-4GB"}, {"zone", "local-1"},
                      {"status", "running"}, {"ip_address", "127.0.0.9"},
                      {"provider", "local"}, {"created_at", "2025-01-01T00:00:00.000Z"}};
  json::object expected{{"name", "web-01"},  {"plan", "2xCPU-4GB"},
                        {"zone", "local-1"}, {"status", "running"},
                        {"ip", "127.0.0.9"}, {"created", "2025-01-01T00:00:00.000Z"}};
  EXPECT_EQ(legacy_server_view(record), expected);
  EXPECT_EQ(legacy_server_view(expected), expected);  // already legacy: unchanged
  json::value list = to_legacy_shape(json::array{record, record});
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list.as_array().size(), 2u);
  EXPECT_EQ(list.as_array()[1], expected);
}

}  // namespace
}  // namespace provisioning::host::bridge
