// Tests of every route of docs/http-api.md under each API-Version header value, against
// a real orchestrator serving on a free loopback port, and of what the core adds to
// every response.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kVersions = {"v1", "v2", "v3"};
const std::string kSupportedHeader = "v1, v2, v3";

// The test parameter: the API-Version header to send, where "none" sends no header.
std::optional<std::string> header_of(const std::string& parameter) {
  if (parameter == "none") return std::nullopt;
  return parameter;
}

// The version that serves a request sent with `parameter`: no header means v1.
std::string served_by(const std::string& parameter) {
  return parameter == "none" ? "v1" : parameter;
}

int level_of(const std::string& parameter) {
  return served_by(parameter).back() - '0';
}

std::vector<std::string> keys_of(const json::object& object) {
  std::vector<std::string> keys;
  for (const auto& [key, unused] : object) keys.emplace_back(key);
  return keys;
}

bool looks_like_uuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

// Checks the headers the core adds to every response of a known version.
void expect_common_headers(const Reply& reply, const std::string& version) {
  EXPECT_EQ(reply.header("API-Supported-Versions"), kSupportedHeader);
  EXPECT_EQ(reply.header("API-Version"), version);
  EXPECT_FALSE(reply.header("X-Correlation-ID").empty());
  EXPECT_THAT(reply.header("Content-Type"), HasSubstr("application/json"));
}

// Checks the status and the error shape every endpoint uses.
void expect_error(const Reply& reply, int status, const std::string& code,
                  const std::string& version) {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.error_code(), code) << reply.body;
  EXPECT_FALSE(reply.error_message().empty()) << reply.body;
  ASSERT_TRUE(reply.json.is_object()) << reply.body;
  const json::object& body = reply.json.get_object();
  const json::value* error = body.if_contains("error");
  ASSERT_NE(error, nullptr) << reply.body;
  const json::value* details = error->as_object().if_contains("details");
  ASSERT_NE(details, nullptr) << reply.body;
  EXPECT_TRUE(details->is_array()) << reply.body;
  EXPECT_EQ(text(body, "api_version"), version) << reply.body;
  EXPECT_EQ(text(body, "correlation_id"), reply.header("X-Correlation-ID")) << reply.body;
}

// Returns details[index].path of an error body.
std::string detail_path(const Reply& reply, std::size_t index = 0) {
  const json::value* error = reply.object().if_contains("error");
  if (error == nullptr) return "";
  const json::array& details = error->as_object().at("details").as_array();
  return index < details.size() ? text(details[index], "path") : "";
}

const std::vector<std::string> kV1ServerFields = {"name",   "plan", "zone",
                                                  "status", "ip",   "created"};
const std::vector<std::string> kFullServerFields = {
    "id",     "name",       "provider",   "provider_id", "plan",     "zone",
    "status", "ip_address", "created_at", "updated_at",  "metadata", "tags"};

class VersionedEndpointTest : public OrchestratorTest,
                              public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override { start(); }

  Reply request(const std::string& method, const std::string& path, const std::string& body = "",
                const httplib::Headers& headers = {}) const {
    return call(method, path, header_of(GetParam()), body, headers);
  }

  std::string version() const { return served_by(GetParam()); }
  int level() const { return level_of(GetParam()); }
};

TEST_P(VersionedEndpointTest, ServerRoutes) {
  Reply created = request("POST", "/servers", R"({"name": "web-1", "plan": "1xCPU-1GB"})");
  ASSERT_EQ(created.status, 201) << created.body;
  expect_common_headers(created, version());
  EXPECT_EQ(created.header("Location"), "/servers/web-1");
  EXPECT_EQ(keys_of(created.object()), level() == 1 ? kV1ServerFields : kFullServerFields);
  EXPECT_EQ(text(created.json, "name"), "web-1");
  EXPECT_EQ(text(created.json, "plan"), "1xCPU-1GB");
  EXPECT_EQ(text(created.json, "status"), "running");

  Reply listed = request("GET", "/servers");
  ASSERT_EQ(listed.status, 200) << listed.body;
  expect_common_headers(listed, version());
  const json::array& servers = listed.object().at("servers").as_array();
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(text(servers[0], "name"), "web-1");
  EXPECT_EQ(keys_of(servers[0].as_object()), level() == 1 ? kV1ServerFields : kFullServerFields);

  Reply shown = request("GET", "/servers/web-1");
  ASSERT_EQ(shown.status, 200) << shown.body;
  expect_common_headers(shown, version());
  EXPECT_EQ(text(shown.json, "name"), "web-1");

  Reply duplicate = request("POST", "/servers", R"({"name": "web-1", "plan": "1xCPU-1GB"})");
  expect_error(duplicate, 409, "already_exists", version());
  expect_common_headers(duplicate, version());

  Reply deleted = request("DELETE", "/servers/web-1");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  expect_common_headers(deleted, version());
  EXPECT_EQ(text(deleted.json, "status"), "deleted");

  Reply gone = request("GET", "/servers/web-1");
  expect_error(gone, 404, "not_found", version());
  expect_common_headers(gone, version());
  Reply delete_again = request("DELETE", "/servers/web-1");
  expect_error(delete_again, 404, "not_found", version());
}

TEST_P(VersionedEndpointTest, WorkflowRoutes) {
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"POST", "/workflows/servers/create"},
      {"POST", "/workflows/taskserv/create"},
      {"POST", "/workflows/cluster/create"},
      {"GET", "/workflows"},
      {"GET", "/workflows/some-id"},
      {"POST", "/workflows/some-id/cancel"},
      {"GET", "/tasks"},
      {"GET", "/tasks/some-id.1"}};
  if (level() == 1) {
    for (const auto& [method, path] : routes) {
      SCOPED_TRACE(method + " " + path);
      Reply reply = request(method, path, "{}");
      expect_error(reply, 404, "not_found", "v1");
      expect_common_headers(reply, "v1");
      EXPECT_THAT(reply.error_message(), HasSubstr("in API v1"));
    }
    return;
  }

  Reply server =
      request("POST", "/workflows/servers/create", R"({"name": "app-1", "plan": "1xCPU-1GB"})");
  ASSERT_EQ(server.status, 200) << server.body;
  expect_common_headers(server, version());
  EXPECT_EQ(text(server.json, "status"), "Completed") << server.body;
  EXPECT_EQ(text(server.json, "type"), "server_create");
  std::string workflow_id = text(server.json, "id");
  ASSERT_FALSE(workflow_id.empty());
  const json::array& tasks = server.object().at("tasks").as_array();
  ASSERT_EQ(tasks.size(), 1u);
  std::string task_id(tasks[0].as_string());

  Reply queued = request(
      "POST", "/workflows/taskserv/create",
      R"({"name": "containerd", "servers": ["app-1"], "workflow_options": {"wait_for_completion": false}})");
  ASSERT_EQ(queued.status, 202) << queued.body;
  expect_common_headers(queued, version());
  std::string taskserv_id = text(queued.json, "id");
  EXPECT_EQ(queued.header("Location"), "/workflows/" + taskserv_id);
  EXPECT_EQ(text(wait_for_workflow(taskserv_id), "status"), "Completed");

  Reply cluster = request("POST", "/workflows/cluster/create", R"({"name": "no-such-cluster"})");
  ASSERT_EQ(cluster.status, 200) << cluster.body;
  expect_common_headers(cluster, version());
  EXPECT_EQ(text(cluster.json, "type"), "cluster_create");
  EXPECT_EQ(text(cluster.json, "status"), "Failed") << cluster.body;
  EXPECT_THAT(text(cluster.json, "error"), HasSubstr("no-such-cluster"));

  Reply listed = request("GET", "/workflows?status=Completed&limit=10&offset=0");
  ASSERT_EQ(listed.status, 200) << listed.body;
  expect_common_headers(listed, version());
  EXPECT_EQ(listed.object().at("total").to_number<int>(), 2);
  EXPECT_EQ(listed.object().at("limit").to_number<int>(), 10);
  EXPECT_EQ(listed.object().at("workflows").as_array().size(), 2u);

  Reply bad_query = request("GET", "/workflows?status=running");
  expect_error(bad_query, 400, "invalid_argument", version());
  EXPECT_EQ(detail_path(bad_query), "query.status");

  Reply shown = request("GET", "/workflows/" + workflow_id);
  ASSERT_EQ(shown.status, 200) << shown.body;
  expect_common_headers(shown, version());
  EXPECT_EQ(text(shown.json, "id"), workflow_id);
  EXPECT_EQ(text(shown.json, "status"), "Completed");

  Reply cancel_finished = request("POST", "/workflows/" + workflow_id + "/cancel");
  expect_error(cancel_finished, 409, "conflict", version());

  Reply unknown = request("GET", "/workflows/no-such-workflow");
  expect_error(unknown, 404, "not_found", version());

  Reply task_list = request("GET", "/tasks");
  ASSERT_EQ(task_list.status, 200) << task_list.body;
  expect_common_headers(task_list, version());
  EXPECT_EQ(task_list.object().at("total").to_number<int>(), 3);

  Reply task = request("GET", "/tasks/" + task_id);
  ASSERT_EQ(task.status, 200) << task.body;
  expect_common_headers(task, version());
  EXPECT_EQ(text(task.json, "workflow_id"), workflow_id);
  EXPECT_EQ(text(task.json, "status"), "Completed");
  EXPECT_EQ(task.object().at("attempt").to_number<int>(), 1);
  EXPECT_EQ(task.object().at("max_attempts").to_number<int>(), 4);
}

TEST_P(VersionedEndpointTest, BatchRoutes) {
  const std::string submit_body =
      R"({"operations": [{"id": "db", "type": "server_create",
                          "params": {"name": "db-1", "plan": "1xCPU-1GB"}}]})";
  if (level() < 3) {
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"POST", "/workflows/batch/submit"},
        {"GET", "/workflows/batch/some-id"},
        {"POST", "/workflows/batch/some-id/cancel"},
        {"POST", "/workflows/batch/some-id/rollback"}};
    for (const auto& [method, path] : routes) {
      SCOPED_TRACE(method + " " + path);
      Reply reply = request(method, path, submit_body);
      expect_error(reply, 404, "not_found", version());
      expect_common_headers(reply, version());
    }
    return;
  }

  Reply submitted = request("POST", "/workflows/batch/submit", submit_body);
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  expect_common_headers(submitted, version());
  std::string batch_id = text(submitted.json, "id");
  EXPECT_EQ(submitted.header("Location"), "/workflows/batch/" + batch_id);
  json::object finished = wait_for_batch(batch_id);
  EXPECT_EQ(text(finished, "status"), "Completed");

  Reply shown = request("GET", "/workflows/batch/" + batch_id);
  ASSERT_EQ(shown.status, 200) << shown.body;
  expect_common_headers(shown, version());

  Reply cancel_finished = request("POST", "/workflows/batch/" + batch_id + "/cancel");
  expect_error(cancel_finished, 409, "conflict", version());

  Reply rolled_back = request("POST", "/workflows/batch/" + batch_id + "/rollback", "{}");
  ASSERT_EQ(rolled_back.status, 200) << rolled_back.body;
  expect_common_headers(rolled_back, version());
  EXPECT_EQ(text(rolled_back.object().at("operations").as_array()[0], "status"), "RolledBack");

  Reply again = request("POST", "/workflows/batch/" + batch_id + "/rollback");
  expect_error(again, 409, "conflict", version());

  Reply unknown = request("GET", "/workflows/batch/no-such-batch");
  expect_error(unknown, 404, "not_found", version());
}

TEST_P(VersionedEndpointTest, CoreRoutes) {
  Reply health = request("GET", "/health");
  ASSERT_EQ(health.status, 200) << health.body;
  expect_common_headers(health, version());
  EXPECT_EQ(text(health.json, "status"), "ok");
  EXPECT_EQ(text(health.json, "api_version"), version());
  EXPECT_FALSE(text(health.json, "version").empty());

  Reply versions = request("GET", "/api/versions");
  ASSERT_EQ(versions.status, 200) << versions.body;
  expect_common_headers(versions, version());
  EXPECT_EQ(versions.object().at("versions").as_array().size(), 3u);

  Reply openapi = request("GET", "/api/openapi.json");
  ASSERT_EQ(openapi.status, 200) << openapi.body;
  expect_common_headers(openapi, version());
  EXPECT_EQ(text(openapi.json, "openapi"), "3.0.3");
}

TEST_P(VersionedEndpointTest, UnknownRouteAndWrongMethod) {
  Reply unknown = request("GET", "/no-such-route");
  expect_error(unknown, 404, "not_found", version());
  expect_common_headers(unknown, version());

  Reply unknown_core = request("GET", "/api/no-such-route");
  expect_error(unknown_core, 404, "not_found", version());
  expect_common_headers(unknown_core, version());

  for (const std::string method : {"PUT", "PATCH", "DELETE"}) {
    SCOPED_TRACE(method);
    Reply wrong = request(method, "/servers", "{}");
    expect_error(wrong, 405, "method_not_allowed", version());
    expect_common_headers(wrong, version());
    EXPECT_THAT(wrong.error_message(), HasSubstr(method));
  }
  Reply wrong_on_item = request("POST", "/servers/web-1", "{}");
  expect_error(wrong_on_item, 405, "method_not_allowed", version());

  // /workflows exists from v2 on, so DELETE there is a wrong method only from v2 on.
  Reply delete_workflows = request("DELETE", "/workflows");
  if (level() == 1) {
    expect_error(delete_workflows, 404, "not_found", version());
  } else {
    expect_error(delete_workflows, 405, "method_not_allowed", version());
  }
}

TEST_P(VersionedEndpointTest, InvalidJsonBody) {
  std::vector<std::string> paths = {"/servers"};
  if (level() >= 2) paths.push_back("/workflows/servers/create");
  if (level() >= 3) paths.push_back("/workflows/batch/submit");
  for (const auto& path : paths) {
    for (const std::string body : {"{not json", "[1, 2]", "", "{\"name\": \"x\""}) {
      SCOPED_TRACE(path + " with body '" + body + "'");
      Reply reply = request("POST", path, body);
      expect_error(reply, 400, "invalid_argument", version());
      expect_common_headers(reply, version());
      EXPECT_EQ(detail_path(reply), "$");
    }
  }
}

TEST_P(VersionedEndpointTest, CorrelationIdEchoedOrGenerated) {
  Reply given = request("GET", "/servers/missing", "", {{"X-Correlation-ID", "trace-42.a_b"}});
  EXPECT_EQ(given.header("X-Correlation-ID"), "trace-42.a_b");
  expect_error(given, 404, "not_found", version());

  Reply generated = request("GET", "/servers/missing");
  EXPECT_TRUE(looks_like_uuid(generated.header("X-Correlation-ID")))
      << generated.header("X-Correlation-ID");
  expect_error(generated, 404, "not_found", version());

  Reply second = request("GET", "/servers/missing");
  EXPECT_NE(second.header("X-Correlation-ID"), generated.header("X-Correlation-ID"));

  // An id with a space cannot go into log lines unchanged, so a new one replaces it.
  Reply replaced = request("GET", "/health", "", {{"X-Correlation-ID", "has space"}});
  EXPECT_TRUE(looks_like_uuid(replaced.header("X-Correlation-ID")))
      << replaced.header("X-Correlation-ID");
  Reply too_long = request("GET", "/health", "", {{"X-Correlation-ID", std::string(129, 'a')}});
  EXPECT_TRUE(looks_like_uuid(too_long.header("X-Correlation-ID")));

  if (level() >= 2) {
    Reply workflow =
        request("POST", "/workflows/servers/create", R"({"name": "traced-1", "plan": "1xCPU-1GB"})",
                {{"X-Correlation-ID", "trace-workflow-7"}});
    ASSERT_EQ(workflow.status, 200) << workflow.body;
    EXPECT_EQ(workflow.header("X-Correlation-ID"), "trace-workflow-7");
    EXPECT_EQ(text(workflow.json, "correlation_id"), "trace-workflow-7");
  }
}

INSTANTIATE_TEST_SUITE_P(ApiVersionHeader, VersionedEndpointTest,
                         ::testing::Values("none", "v1", "v2", "v3"));

using EndpointTest = OrchestratorTest;

TEST_F(EndpointTest, UnknownVersionRejected) {
  start();
  for (const std::string value : {"v9", "V2", "2", "v0", "latest"}) {
    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/servers"},
                                                          {"POST", "/servers"},
                                                          {"GET", "/api/versions"},
                                                          {"GET", "/api/openapi.json"},
                                                          {"GET", "/no-such-route"}}) {
      SCOPED_TRACE(method + " " + path + " with API-Version '" + value + "'");
      Reply reply = call(method, path, value, R"({"name": "x-1", "plan": "1xCPU-1GB"})");
      expect_error(reply, 400, "unsupported_api_version", value);
      EXPECT_THAT(reply.error_message(), HasSubstr("'" + value + "'"));
      EXPECT_THAT(reply.error_message(), HasSubstr(kSupportedHeader));
      EXPECT_EQ(detail_path(reply), "header.API-Version");
      const json::value& supported =
          reply.object().at("error").as_object().at("supported_versions");
      EXPECT_EQ(supported, (json::array{"v1", "v2", "v3"}));
      EXPECT_EQ(reply.header("API-Supported-Versions"), kSupportedHeader);
      EXPECT_FALSE(reply.has_header("API-Version"));
      EXPECT_FALSE(reply.header("X-Correlation-ID").empty());
    }
  }
  Reply servers = call("GET", "/servers", "v1");
  EXPECT_EQ(servers.object().at("servers").as_array().size(), 0u) << "a rejected POST ran";
}

TEST_F(EndpointTest, HealthAnswersUnderEveryVersionHeader) {
  start();
  for (const std::optional<std::string>& value :
       {std::optional<std::string>(), std::optional<std::string>("v1"),
        std::optional<std::string>("v2"), std::optional<std::string>("v3"),
        std::optional<std::string>("v9"), std::optional<std::string>("")}) {
    SCOPED_TRACE("API-Version " + value.value_or("(none)"));
    Reply health = call("GET", "/health", value);
    EXPECT_EQ(health.status, 200) << health.body;
    EXPECT_EQ(text(health.json, "status"), "ok");
    EXPECT_EQ(health.header("API-Supported-Versions"), kSupportedHeader);
    EXPECT_FALSE(health.header("X-Correlation-ID").empty());
  }
}

TEST_F(EndpointTest, DeprecatedVersionHeaders) {
  workspace_.append_config(
      "[api]\n"
      "deprecated = [\"v1\", \"v3\"]\n"
      "[api.sunset]\n"
      "v1 = \"2027-06-30\"\n"
      "v2 = \"2026-01-01\"\n");
  start();
  for (const std::optional<std::string>& value :
       {std::optional<std::string>(), std::optional<std::string>("v1")}) {
    SCOPED_TRACE("API-Version " + value.value_or("(none)"));
    for (const std::string path : {"/servers", "/health", "/no-such-route", "/api/versions"}) {
      SCOPED_TRACE(path);
      Reply reply = call("GET", path, value);
      EXPECT_EQ(reply.header("API-Version"), "v1");
      EXPECT_EQ(reply.header("Deprecation"), "true");
      EXPECT_EQ(reply.header("Sunset"), "Wed, 30 Jun 2027 00:00:00 GMT");
    }
  }
  Reply stable = call("GET", "/servers", "v2");
  EXPECT_EQ(stable.status, 200);
  EXPECT_FALSE(stable.has_header("Deprecation")) << "v2 is not deprecated";
  EXPECT_FALSE(stable.has_header("Sunset")) << "a sunset date alone has no effect";

  Reply without_sunset = call("GET", "/servers", "v3");
  EXPECT_EQ(without_sunset.status, 200);
  EXPECT_EQ(without_sunset.header("Deprecation"), "true");
  EXPECT_FALSE(without_sunset.has_header("Sunset"));

  Reply listing = call("GET", "/api/versions", "v2");
  ASSERT_EQ(listing.status, 200) << listing.body;
  std::map<std::string, json::object> by_id;
  for (const auto& entry : listing.object().at("versions").as_array()) {
    by_id[text(entry, "id")] = entry.as_object();
  }
  ASSERT_EQ(by_id.size(), 3u);
  EXPECT_EQ(by_id["v1"].at("deprecated"), json::value(true));
  EXPECT_EQ(text(by_id["v1"], "sunset"), "2027-06-30");
  EXPECT_EQ(by_id["v2"].at("deprecated"), json::value(false));
  EXPECT_EQ(text(by_id["v2"], "sunset"), "");
  EXPECT_EQ(by_id["v3"].at("deprecated"), json::value(true));
  EXPECT_EQ(text(by_id["v3"], "sunset"), "");
}

// Error messages quote the client's input. Bytes that are not UTF-8, such as %FF decoded
// from a query or a path, become U+FFFD, so the error body stays valid JSON.
TEST_F(EndpointTest, ErrorsQuotingInvalidUtf8AreJson) {
  start();
  const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8
  for (const char* path : {"/workflows?status=%FF", "/workflows/%FF", "/workflows?st%FFatus=1"}) {
    SCOPED_TRACE(path);
    Reply rejected = call("GET", path, "v2");
    EXPECT_EQ(rejected.status, 400) << rejected.body;
    ASSERT_TRUE(rejected.json.is_object()) << "not JSON: " << rejected.body;
    EXPECT_EQ(rejected.error_code(), "invalid_argument");
    EXPECT_THAT(json::serialize(rejected.json), HasSubstr(replacement));
  }
}

// "." and ".." pass the character check of ids but name no record.
TEST_F(EndpointTest, DotIdsAreInvalid) {
  start();
  for (const char* path : {"/workflows/%2e", "/workflows/%2e%2e", "/tasks/..."}) {
    SCOPED_TRACE(path);
    Reply rejected = call("GET", path, "v2");
    EXPECT_EQ(rejected.status, 400) << rejected.body;
    EXPECT_EQ(rejected.error_code(), "invalid_argument");
    EXPECT_THAT(rejected.body, HasSubstr("\"path\":\"path.id\""));
    EXPECT_THAT(rejected.error_message(), HasSubstr("not only dots"));
  }
}

// A repeated query parameter is ambiguous, so it is rejected rather than resolved to
// one of its values.
TEST_F(EndpointTest, RepeatedQueryParameterRejected) {
  start();
  Reply rejected = call("GET", "/workflows?limit=1&limit=2", "v2");
  EXPECT_EQ(rejected.status, 400) << rejected.body;
  EXPECT_EQ(rejected.error_code(), "invalid_argument");
  EXPECT_THAT(rejected.error_message(),
              HasSubstr("query parameter 'limit' is given more than once"));
  EXPECT_EQ(rejected.header("API-Supported-Versions"), kSupportedHeader);

  Reply listed = call("GET", "/workflows?limit=2&offset=0", "v2");
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.object().at("limit"), json::value(2));
}

TEST_F(EndpointTest, OversizeBodyRejected) {
  start({{"orchestrator.max_body_bytes", "512"}});
  std::string small = R"({"name": "small-1", "plan": "1xCPU-1GB"})";
  Reply accepted = call("POST", "/servers", "v2", small);
  EXPECT_EQ(accepted.status, 201) << accepted.body;

  std::string padding(4096, ' ');
  for (const auto& [version, path] :
       std::vector<std::pair<std::string, std::string>>{{"v1", "/servers"},
                                                        {"v2", "/workflows/servers/create"},
                                                        {"v3", "/workflows/batch/submit"}}) {
    SCOPED_TRACE(version + " " + path);
    Reply rejected =
        call("POST", path, version, R"({"name": "big-1", "plan": "1xCPU-1GB")" + padding + "}",
             {{"X-Correlation-ID", "oversize-1"}});
    EXPECT_EQ(rejected.status, 413) << rejected.body << rejected.error;
    EXPECT_EQ(rejected.error_code(), "payload_too_large") << rejected.body;
    EXPECT_THAT(rejected.error_message(), HasSubstr("512 bytes"));
    EXPECT_THAT(rejected.header("Content-Type"), HasSubstr("application/json"));
    const json::value* details = rejected.object().at("error").as_object().if_contains("details");
    ASSERT_NE(details, nullptr);
    EXPECT_TRUE(details->is_array());
    EXPECT_EQ(rejected.header("API-Supported-Versions"), kSupportedHeader);
    EXPECT_EQ(rejected.header("X-Correlation-ID"), "oversize-1");
    EXPECT_EQ(text(rejected.json, "correlation_id"), "oversize-1");
    EXPECT_EQ(text(rejected.json, "api_version"), version);
  }
  Reply servers = call("GET", "/servers", "v1");
  ASSERT_EQ(servers.status, 200);
  EXPECT_EQ(servers.object().at("servers").as_array().size(), 1u) << "an oversize body was run";
}

TEST_F(EndpointTest, V1BodiesAcceptedByNewerVersions) {
  start();
  for (const std::string version : {"v2", "v3"}) {
    SCOPED_TRACE(version);
    Reply created = call("POST", "/servers", version,
                         R"({"name": "plain-)" + version + R"(", "plan": "1xCPU-1GB"})");
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(text(created.json, "zone"), "local-1");

    Reply workflow =
        call("POST", "/workflows/servers/create", version,
             R"({"name": "flow-)" + version + R"(", "plan": "1xCPU-1GB", "zone": "auto"})");
    ASSERT_EQ(workflow.status, 200) << workflow.body;
    EXPECT_EQ(text(workflow.json, "status"), "Completed") << workflow.body;
    json::object expected_params{
        {"name", "flow-" + version}, {"plan", "1xCPU-1GB"}, {"zone", "auto"}};
    if (version == "v3") expected_params["dependencies"] = json::array{};
    EXPECT_EQ(workflow.object().at("params"), expected_params);
    json::object expected_options{
        {"wait_for_completion", true}, {"timeout_seconds", 300}, {"retry_count", 3}};
    EXPECT_EQ(workflow.object().at("options"), expected_options);
  }
  // The fields v2 added are rejected by v1, naming the version that added them.
  Reply newer = call("POST", "/servers", "v1",
                     R"({"name": "x-1", "plan": "1xCPU-1GB", "orchestrated": true})");
  expect_error(newer, 400, "invalid_argument", "v1");
  EXPECT_EQ(detail_path(newer), "$.orchestrated");
  EXPECT_THAT(newer.error_message(), HasSubstr("v2"));
}

TEST_F(EndpointTest, VersionsListing) {
  start();
  Reply reply = call("GET", "/api/versions", std::nullopt);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(text(reply.json, "default"), "v1");
  const json::array& versions = reply.object().at("versions").as_array();
  ASSERT_EQ(versions.size(), 3u);
  const std::map<std::string, std::string> statuses = {
      {"v1", "legacy"}, {"v2", "stable"}, {"v3", "beta"}};
  const std::map<std::string, std::size_t> route_counts = {{"v1", 4}, {"v2", 12}, {"v3", 17}};
  std::set<std::pair<std::string, std::string>> previous;
  for (const auto& entry : versions) {
    std::string id = text(entry, "id");
    SCOPED_TRACE(id);
    EXPECT_EQ(text(entry, "status"), statuses.at(id));
    EXPECT_EQ(entry.as_object().at("deprecated"), json::value(false));
    const json::array& routes = entry.as_object().at("routes").as_array();
    EXPECT_EQ(routes.size(), route_counts.at(id));
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& route : routes) {
      keys.emplace(text(route, "method"), text(route, "path"));
      EXPECT_FALSE(text(route, "summary").empty());
    }
    // Every version serves all routes of the version before it.
    EXPECT_TRUE(std::includes(keys.begin(), keys.end(), previous.begin(), previous.end()));
    previous = keys;
  }
  EXPECT_EQ(text(versions[0], "id"), "v1");
  EXPECT_EQ(text(versions[2], "id"), "v3");
}

TEST_F(EndpointTest, OpenApiListsEveryRoute) {
  start();
  Reply document = call("GET", "/api/openapi.json", "v3");
  ASSERT_EQ(document.status, 200);
  ASSERT_TRUE(document.json.is_object()) << "the served document does not parse";
  const json::object& paths = document.object().at("paths").as_object();
  for (const std::string core : {"/health", "/api/versions", "/api/openapi.json"}) {
    EXPECT_TRUE(paths.contains(core)) << core;
  }

  Reply listing = call("GET", "/api/versions", "v3");
  ASSERT_EQ(listing.status, 200);
  for (const auto& version : listing.object().at("versions").as_array()) {
    std::string id = text(version, "id");
    for (const auto& route : version.as_object().at("routes").as_array()) {
      std::string method = text(route, "method");
      std::string path = text(route, "path");
      SCOPED_TRACE(id + " " + method + " " + path);
      std::transform(method.begin(), method.end(), method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const json::value* item = paths.if_contains(path);
      ASSERT_NE(item, nullptr);
      const json::value* operation = item->as_object().if_contains(method);
      ASSERT_NE(operation, nullptr);
      const json::value* listed = operation->as_object().if_contains("x-api-versions");
      ASSERT_NE(listed, nullptr);
      const json::array& ids = listed->as_array();
      EXPECT_NE(std::find(ids.begin(), ids.end(), json::value(id)), ids.end());
    }
  }
}

}  // namespace
}  // namespace provisioning::testing
