// Tests of the error response every version returns: its shape, the status for each
// orchestrator error code, and failures that are not the client's.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "api_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CodeCase {
  sdk::ErrorCode code;
  int status;
  std::string name;
};

const std::vector<CodeCase> kCodeCases = {
    {sdk::ErrorCode::kInvalidArgument, 400, "invalid_argument"},
    {sdk::ErrorCode::kNotFound, 404, "not_found"},
    {sdk::ErrorCode::kAlreadyExists, 409, "already_exists"},
    {sdk::ErrorCode::kConflict, 409, "conflict"},
    {sdk::ErrorCode::kUnavailable, 503, "unavailable"},
    {sdk::ErrorCode::kInternal, 500, "internal"},
};

class ErrorResponseTest : public ApiVersionTest, public ::testing::WithParamInterface<std::string> {
 protected:
  ErrorResponseTest() : ApiVersionTest(GetParam()) {}
};

TEST_P(ErrorResponseTest, ShapeOfFieldErrors) {
  sdk::ApiResponse response = send("POST", "/servers", R"({"name": "web-1"})");

  expect_error(response, 400, "invalid_argument", GetParam());
  const json::array& details = response.body.at("error").at("details").as_array();
  ASSERT_EQ(details.size(), 1u);
  EXPECT_EQ(keys_of(details[0].as_object()), (std::vector<std::string>{"path", "message"}));
  EXPECT_EQ(details[0].at("path"), json::value("$.plan"));
  EXPECT_EQ(response.body.at("error").at("message"),
            json::value("invalid request: $.plan is missing: it is required and must be a "
                        "non-empty string"));
}

TEST_P(ErrorResponseTest, StatusForEachErrorCode) {
  for (const CodeCase& test : kCodeCases) {
    SCOPED_TRACE(test.name);
    services_.fail("server.get", test.code, "failure of kind " + test.name);
    sdk::ApiResponse response = send("GET", "/servers/web-1");
    expect_error(response, test.status, test.name, GetParam());
    EXPECT_EQ(response.body.at("error").at("message"), json::value("failure of kind " + test.name));
    EXPECT_TRUE(response.body.at("error").at("details").as_array().empty());
  }
}

TEST_P(ErrorResponseTest, UnexpectedExceptionIs500WithoutItsText) {
  services_.fail_unexpectedly("server.list", "password=hunter2 in a driver message");
  sdk::ApiResponse response = send("GET", "/servers");

  expect_error(response, 500, "internal", GetParam());
  std::string message(response.body.at("error").at("message").as_string());
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(message, HasSubstr("GET /servers"));
  EXPECT_THAT(message, HasSubstr("corr-test-1"));
}

TEST_P(ErrorResponseTest, NonObjectResultIs500) {
  services_.respond("server.get", json::array{"web-1"});
  sdk::ApiResponse response = send("GET", "/servers/web-1");

  expect_error(response, 500, "internal", GetParam());
  EXPECT_EQ(response.body.at("error").at("message"),
            json::value("operation 'server.get' returned an array instead of an object"));
}

TEST_P(ErrorResponseTest, ListWithoutArrayIs500) {
  services_.respond("server.list", json::object{{"servers", "web-1"}});
  sdk::ApiResponse response = send("GET", "/servers");

  expect_error(response, 500, "internal", GetParam());
  EXPECT_THAT(std::string(response.body.at("error").at("message").as_string()),
              HasSubstr("\"servers\""));
}

TEST_P(ErrorResponseTest, EmptyCorrelationIdIsKept) {
  sdk::ApiRequest request = make_request("GET", "/servers/web-1");
  request.correlation_id = "";
  services_.fail("server.get", sdk::ErrorCode::kNotFound, "no server web-1");
  sdk::ApiResponse response = api_.handle(request, services_);

  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body.at("correlation_id"), json::value(""));
}

TEST_P(ErrorResponseTest, ConcurrentRequestsGetTheirOwnAnswers) {
  services_.respond("server.get", server_record("web-1"));
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 50;
  std::vector<std::vector<sdk::ApiResponse>> responses(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequestsPerThread; ++i) {
        bool valid = (t + i) % 2 == 0;
        std::string body = valid ? "" : "{";
        std::string path = valid ? "/servers/web-1" : "/servers";
        responses[t].push_back(
            api_.handle(make_request(valid ? "GET" : "POST", path, body), services_));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kRequestsPerThread; ++i) {
      const sdk::ApiResponse& response = responses[t][i];
      if ((t + i) % 2 == 0) {
        ASSERT_EQ(response.status, 200);
        ASSERT_EQ(response.body.at("name"), json::value("web-1"));
      } else {
        ASSERT_EQ(response.status, 400);
        ASSERT_EQ(detail_paths(response), std::vector<std::string>{"$"});
      }
    }
  }
  EXPECT_EQ(services_.calls().size(), static_cast<std::size_t>(kThreads * kRequestsPerThread / 2));
}

INSTANTIATE_TEST_SUITE_P(Versions, ErrorResponseTest, ::testing::Values("v1", "v2", "v3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace provisioning::testing
