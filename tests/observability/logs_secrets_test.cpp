// Tests that configured secrets appear in no log file, configuration dump or error
// message, after real traffic that includes failed authentication.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "logging.h"
#include "logs_test_support.h"
#include "observability/redact.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace obs = host::observability;

const std::string kToken = "tok-4f9a1c2e-secret-value";
const std::string kPassword = "pw-77b3e1d0-secret";

void expect_no_secret(const std::string& where, const std::string& content) {
  EXPECT_THAT(content, Not(HasSubstr(kToken))) << where;
  EXPECT_THAT(content, Not(HasSubstr(kPassword))) << where;
}

TEST(LogsSecrets, NoSecretInAnyLogAfterTraffic) {
  TestWorkspace workspace;
  workspace.append_config("[orchestrator]\nauth_token = \"" + kToken +
                          "\"\n[storage.surrealdb]\npassword = \"" + kPassword + "\"\n");
  ScopedVariable trace("PROVISIONING_INTEGRATION_TRACE", "1");
  ScopedVariable debug("PROVISIONING_DEBUG", "1");
  OrchestratorProcess orchestrator(workspace, {});
  ASSERT_TRUE(orchestrator.wait_until_listening()) << orchestrator.output();
  int port = orchestrator.port();

  httplib::Headers good = {{"Authorization", "Bearer " + kToken}};
  EXPECT_EQ(send_request(port, "GET", "/servers", "v2").status, 401);
  EXPECT_EQ(
      send_request(port, "GET", "/servers", "v2", "", {{"Authorization", "Bearer wrong"}}).status,
      401);
  Reply created = send_request(port, "POST", "/servers", "v2",
                               R"({"name": "sec-01", "plan": "1xCPU-2GB"})", good);
  EXPECT_EQ(created.status, 201) << created.body;
  Reply health = send_request(port, "GET", "/health/detailed", std::nullopt, "", good);
  EXPECT_EQ(health.status, 200) << health.body;
  expect_no_secret("GET /health/detailed", health.body);

  // A failing command whose argument is the token: the error names it.
  ProcessResult failed = run_cli(workspace, {"server", "create", "sec-02", kToken});
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_THAT(failed.err, HasSubstr("[REDACTED]"));
  expect_no_secret("stderr of the failed command", failed.err);

  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"config", "show"},
        std::vector<std::string>{"config", "show", "--origin", "--output", "json"},
        std::vector<std::string>{"health", "--detailed", "--output", "json"},
        std::vector<std::string>{"debug", "integration"},
        std::vector<std::string>{"--verbose", "server", "list"}}) {
    ProcessResult result = run_cli(workspace, command);
    std::string joined;
    for (const auto& word : command) joined += word + " ";
    expect_no_secret("stdout of " + joined, result.out);
    expect_no_secret("stderr of " + joined, result.err);
  }

  std::vector<fs::path> files = log_files(workspace);
  ASSERT_GE(files.size(), 2u);
  for (const auto& file : files) expect_no_secret(file.string(), read_text(file));
  expect_no_secret("orchestrator output", orchestrator.output());

  // The failed authentication was logged, without the token.
  std::size_t rejected = 0;
  for (const auto& line : read_integrated_log(workspace)) {
    if (text(line, "message").find("missing or invalid bearer token") != std::string::npos) {
      ++rejected;
    }
  }
  EXPECT_EQ(rejected, 2u);
}

TEST(LogsSecrets, TokenFromEnvironmentRedacted) {
  TestWorkspace workspace;
  ProcessResult failed = run_cli(workspace, {"server", "create", "env-01", kToken},
                                 {{"PROVISIONING_ORCHESTRATOR_AUTH_TOKEN", kToken}});
  EXPECT_EQ(failed.exit_code, 3) << failed.err;
  EXPECT_THAT(failed.err, HasSubstr("[REDACTED]"));
  expect_no_secret("stderr", failed.err);
  std::vector<fs::path> files = log_files(workspace);
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) expect_no_secret(file.string(), read_text(file));
}

TEST(LogsSecrets, ConfigShowRedactsSecretKeys) {
  TestWorkspace workspace;
  workspace.append_config("[orchestrator]\nauth_token = \"" + kToken + "\"\n");
  ProcessResult shown = run_cli(workspace, {"config", "show", "--output", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  json::value entries = json::parse(shown.out);
  bool found = false;
  for (const auto& entry : entries.as_array()) {
    if (text(entry, "key") != "orchestrator.auth_token") continue;
    found = true;
    EXPECT_EQ(text(entry, "value"), "[REDACTED]");
  }
  EXPECT_TRUE(found) << shown.out;
}

TEST(LogsSecrets, RedactHidesValuesAndAssignments) {
  obs::set_secret_values({kToken, "abc"});
  EXPECT_EQ(obs::redact("token is " + kToken + "."), "token is [REDACTED].");
  EXPECT_EQ(obs::redact("Authorization: Bearer xyz123"), "Authorization: Bearer [REDACTED]");
  EXPECT_EQ(obs::redact("send 'Authorization: Bearer <token>'"),
            "send 'Authorization: Bearer <token>'");
  EXPECT_EQ(obs::redact("db password=hunter2 user=admin"), "db password=[REDACTED] user=admin");
  EXPECT_EQ(obs::redact(R"({"api_secret": "s1", "name": "x"})"),
            R"({"api_secret": "[REDACTED]", "name": "x"})");
  EXPECT_EQ(obs::redact("auth_token is not set; set it"), "auth_token is not set; set it");
  // A secret shorter than kMinSecretLength is not searched for in free text.
  EXPECT_EQ(obs::redact("abc def"), "abc def");
  obs::set_secret_values({});
}

TEST(LogsSecrets, SecretKeysRecognised) {
  EXPECT_TRUE(obs::is_secret_key("orchestrator.auth_token"));
  EXPECT_TRUE(obs::is_secret_key("storage.surrealdb.password"));
  EXPECT_TRUE(obs::is_secret_key("plugins.provider.cloud.API_SECRET"));
  EXPECT_FALSE(obs::is_secret_key("storage.backend"));
  EXPECT_EQ(obs::redacted_config_value("orchestrator.auth_token", json::value("x")),
            json::value("[REDACTED]"));
  EXPECT_EQ(obs::redacted_config_value("orchestrator.auth_token", json::value("")),
            json::value(""));
  EXPECT_EQ(obs::redacted_config_value("storage.backend", json::value("sqlite")),
            json::value("sqlite"));
}

TEST(LogsSecrets, SinkRedactsEveryFile) {
  TempDir directory("provisioning-secrets");
  host::LoggingOptions options;
  options.file = directory / "provisioning.log";
  options.jsonl_file = directory / "integrated.jsonl";
  options.legacy_file = directory / "legacy.log";
  options.secrets = {kPassword};
  host::setup_logging(options);
  host::component_logger("storage")->info("connecting with {}", kPassword);
  host::component_logger("storage")->error("login failed: password: {}", "other-value");

  for (const char* name : {"provisioning.log", "integrated.jsonl", "legacy.log"}) {
    std::string content = read_text(directory / name);
    expect_no_secret(name, content);
    EXPECT_THAT(content, Not(HasSubstr("other-value"))) << name;
    EXPECT_THAT(content, HasSubstr("connecting with [REDACTED]")) << name;
  }
}

}  // namespace
}  // namespace provisioning::testing
