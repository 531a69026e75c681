#include "api_test_support.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <stdexcept>

namespace provisioning::testing {

void FakeServices::respond(const std::string& operation, json::value result) {
  std::lock_guard lock(mutex_);
  outcomes_[operation] = Outcome{std::move(result), std::nullopt, std::nullopt};
}

void FakeServices::fail(const std::string& operation, sdk::ErrorCode code,
                        const std::string& message) {
  std::lock_guard lock(mutex_);
  outcomes_[operation] = Outcome{nullptr, sdk::Error(code, message), std::nullopt};
}

void FakeServices::fail_unexpectedly(const std::string& operation, const std::string& message) {
  std::lock_guard lock(mutex_);
  outcomes_[operation] = Outcome{nullptr, std::nullopt, message};
}

json::value FakeServices::call(const std::string& operation, const json::object& request) {
  std::lock_guard lock(mutex_);
  calls_.push_back({operation, request});
  auto found = outcomes_.find(operation);
  if (found == outcomes_.end()) {
    throw sdk::Error::internal("the fake services have no response for '" + operation + "'");
  }
  if (found->second.error) throw *found->second.error;
  if (found->second.unexpected) throw std::runtime_error(*found->second.unexpected);
  return found->second.result;
}

std::vector<FakeServices::Call> FakeServices::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

ApiHandle load_api(const std::string& version) {
  sdk::PluginContext context;
  context.name = version;
  context.log =
      std::make_shared<spdlog::logger>("api-test", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::filesystem::path file =
      std::filesystem::path(PROVISIONING_TEST_PLUGIN_DIR) / "api" / (version + ".so");
  return host::load_plugin_as<sdk::ApiVersion>(file, sdk::PluginKind::kApi, context);
}

sdk::ApiVersion& api_of(const ApiHandle& handle) {
  return handle.call("test access", [](sdk::ApiVersion& api) -> sdk::ApiVersion& { return api; });
}

sdk::ApiRequest make_request(const std::string& method, const std::string& path,
                             const std::string& body, std::map<std::string, std::string> query) {
  sdk::ApiRequest request;
  request.method = method;
  request.path = path;
  request.body = body;
  request.query = std::move(query);
  request.headers = {{"content-type", "application/json"}};
  request.correlation_id = "corr-test-1";
  return request;
}

json::object server_record(const std::string& name) {
  return {{"id", "srv-" + name},
          {"name", name},
          {"provider", "local"},
          {"provider_id", "local-" + name},
          {"plan", "2xCPU-4GB"},
          {"zone", "local-1"},
          {"status", "running"},
          {"ip_address", "10.0.0.7"},
          {"created_at", "2026-01-02T10:11:12.345Z"},
          {"updated_at", "2026-01-02T10:12:00.000Z"},
          {"metadata", json::object{{"owner", "ops"}}},
          {"tags", json::array{"web"}},
          {"reservation", "internal field the API does not show"}};
}

json::object workflow_record(const std::string& id, const std::string& status) {
  return {{"id", id},
          {"type", "server_create"},
          {"status", status},
          {"params", json::object{{"name", "web-1"}}},
          {"options", json::object{{"wait_for_completion", true}}},
          {"result", nullptr},
          {"error", nullptr},
          {"created_at", "2026-01-02T10:11:12.345Z"},
          {"updated_at", "2026-01-02T10:11:12.345Z"},
          {"started_at", nullptr},
          {"finished_at", nullptr},
          {"tasks", json::array{"task-1"}},
          {"correlation_id", "corr-test-1"},
          {"lease_owner", "internal field the API does not show"}};
}

json::object task_record(const std::string& id) {
  return {{"id", id},
          {"workflow_id", "wf-1"},
          {"type", "server_create"},
          {"status", "Running"},
          {"attempt", 1},
          {"max_attempts", 4},
          {"error", nullptr},
          {"result", nullptr},
          {"timeout_seconds", 300},
          {"created_at", "2026-01-02T10:11:12.345Z"},
          {"started_at", "2026-01-02T10:11:13.000Z"},
          {"finished_at", nullptr}};
}

json::object batch_record(const std::string& id) {
  json::object operation{{"id", "db"},          {"type", "server_create"},
                         {"status", "Pending"}, {"workflow_id", nullptr},
                         {"error", nullptr},    {"attempts", "internal field"}};
  return {{"id", id},
          {"status", "Pending"},
          {"operations", json::array{operation}},
          {"batch_options", json::object{{"parallel_limit", 4}, {"on_failure", "fail"}}},
          {"created_at", "2026-01-02T10:11:12.345Z"},
          {"updated_at", "2026-01-02T10:11:12.345Z"},
          {"started_at", nullptr},
          {"finished_at", nullptr}};
}

std::vector<std::string> keys_of(const json::object& object) {
  std::vector<std::string> keys;
  for (const auto& member : object) keys.emplace_back(member.key());
  return keys;
}

std::vector<std::string> detail_paths(const sdk::ApiResponse& response) {
  std::vector<std::string> paths;
  const json::value* details =
      response.body.is_object() ? response.body.as_object().if_contains("error") : nullptr;
  if (details == nullptr || !details->is_object()) return paths;
  const json::value* list = details->as_object().if_contains("details");
  if (list == nullptr || !list->is_array()) return paths;
  for (const json::value& detail : list->as_array()) {
    paths.emplace_back(detail.as_object().at("path").as_string());
  }
  return paths;
}

std::string detail_message(const sdk::ApiResponse& response, const std::string& path) {
  const json::array& details = response.body.at("error").at("details").as_array();
  for (const json::value& detail : details) {
    if (detail.at("path").as_string() == path) {
      return std::string(detail.at("message").as_string());
    }
  }
  return "";
}

void expect_error(const sdk::ApiResponse& response, int status, const std::string& code,
                  const std::string& version) {
  EXPECT_EQ(response.status, status) << json::serialize(response.body);
  ASSERT_TRUE(response.body.is_object()) << json::serialize(response.body);
  const json::object& body = response.body.as_object();
  EXPECT_EQ(keys_of(body), (std::vector<std::string>{"error", "api_version", "correlation_id"}));
  ASSERT_TRUE(body.contains("error"));
  ASSERT_TRUE(body.at("error").is_object());
  const json::object& error = body.at("error").as_object();
  EXPECT_EQ(keys_of(error), (std::vector<std::string>{"code", "message", "details"}));
  EXPECT_EQ(error.at("code"), json::value(code));
  EXPECT_TRUE(error.at("message").is_string());
  EXPECT_FALSE(error.at("message").as_string().empty());
  EXPECT_TRUE(error.at("details").is_array());
  EXPECT_EQ(body.at("api_version"), json::value(version));
  EXPECT_EQ(body.at("correlation_id"), json::value("corr-test-1"));
}

FakeServices::Call ApiVersionTest::only_call() const {
  std::vector<FakeServices::Call> calls = services_.calls();
  EXPECT_EQ(calls.size(), 1u);
  if (calls.empty()) return {};
  return calls.front();
}

}  // namespace provisioning::testing
