// Tests of the route tables of the three API versions and of how a request finds its
// route and path parameters.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <utility>

#include "api_test_support.h"

namespace provisioning::testing {
namespace {

using RouteKey = std::pair<std::string, std::string>;

std::set<RouteKey> route_keys(const sdk::ApiVersion& api) {
  std::set<RouteKey> keys;
  for (const sdk::Route& route : api.routes()) keys.emplace(route.method, route.path);
  return keys;
}

const std::set<RouteKey> kServerRoutes = {{"GET", "/servers"},
                                          {"POST", "/servers"},
                                          {"GET", "/servers/{name}"},
                                          {"DELETE", "/servers/{name}"}};

const std::set<RouteKey> kWorkflowRoutes = {{"POST", "/workflows/servers/create"},
                                            {"POST", "/workflows/taskserv/create"},
                                            {"POST", "/workflows/cluster/create"},
                                            {"GET", "/workflows"},
                                            {"GET", "/workflows/{id}"},
                                            {"POST", "/workflows/{id}/cancel"},
                                            {"GET", "/tasks"},
                                            {"GET", "/tasks/{id}"}};

const std::set<RouteKey> kBatchRoutes = {{"POST", "/workflows/batch/submit"},
                                         {"GET", "/workflows/batch"},
                                         {"GET", "/workflows/batch/{id}"},
                                         {"POST", "/workflows/batch/{id}/cancel"},
                                         {"POST", "/workflows/batch/{id}/rollback"}};

std::set<RouteKey> joined(std::initializer_list<std::set<RouteKey>> sets) {
  std::set<RouteKey> all;
  for (const auto& set : sets) all.insert(set.begin(), set.end());
  return all;
}

class RoutesTest : public ::testing::Test {
 protected:
  ApiHandle v1_handle_ = load_api("v1");
  ApiHandle v2_handle_ = load_api("v2");
  ApiHandle v3_handle_ = load_api("v3");
  sdk::ApiVersion& v1_ = api_of(v1_handle_);
  sdk::ApiVersion& v2_ = api_of(v2_handle_);
  sdk::ApiVersion& v3_ = api_of(v3_handle_);
};

TEST_F(RoutesTest, IdsAndStatuses) {
  EXPECT_EQ(v1_.id(), "v1");
  EXPECT_EQ(v1_.status(), "legacy");
  EXPECT_EQ(v2_.id(), "v2");
  EXPECT_EQ(v2_.status(), "stable");
  EXPECT_EQ(v3_.id(), "v3");
  EXPECT_EQ(v3_.status(), "beta");
}

TEST_F(RoutesTest, V1HasServerRoutesOnly) {
  EXPECT_EQ(route_keys(v1_), kServerRoutes);
}

TEST_F(RoutesTest, V2AddsWorkflowRoutes) {
  EXPECT_EQ(route_keys(v2_), joined({kServerRoutes, kWorkflowRoutes}));
}

TEST_F(RoutesTest, V3AddsBatchRoutes) {
  EXPECT_EQ(route_keys(v3_), joined({kServerRoutes, kWorkflowRoutes, kBatchRoutes}));
}

TEST_F(RoutesTest, EachVersionContainsThePrevious) {
  std::set<RouteKey> v1 = route_keys(v1_);
  std::set<RouteKey> v2 = route_keys(v2_);
  std::set<RouteKey> v3 = route_keys(v3_);
  EXPECT_TRUE(std::includes(v2.begin(), v2.end(), v1.begin(), v1.end()));
  EXPECT_TRUE(std::includes(v3.begin(), v3.end(), v2.begin(), v2.end()));
}

TEST_F(RoutesTest, RoutesAreUniqueWithSummaries) {
  for (const sdk::ApiVersion* api : {&v1_, &v2_, &v3_}) {
    std::vector<sdk::Route> routes = api->routes();
    EXPECT_EQ(route_keys(*api).size(), routes.size()) << api->id() << " repeats a route";
    for (const sdk::Route& route : routes) {
      EXPECT_FALSE(route.summary.empty()) << api->id() << " " << route.method << " " << route.path;
    }
  }
}

TEST_F(RoutesTest, UnmatchedRequestIs404InErrorShape) {
  FakeServices services;
  sdk::ApiResponse response =
      v1_.handle(make_request("POST", "/workflows/servers/create", "{}"), services);
  expect_error(response, 404, "not_found", "v1");
  EXPECT_THAT(std::string(response.body.at("error").at("message").as_string()),
              ::testing::HasSubstr("POST /workflows/servers/create"));
  EXPECT_TRUE(services.calls().empty());
}

TEST_F(RoutesTest, PathParameterMatchedFromPath) {
  FakeServices services;
  services.respond("server.get", server_record("web-1"));
  sdk::ApiResponse response = v2_.handle(make_request("GET", "/servers/web-1"), services);
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(services.calls().size(), 1u);
  EXPECT_EQ(services.calls()[0].request, (json::object{{"name", "web-1"}}));
}

TEST_F(RoutesTest, OrchestratorPathParametersWin) {
  FakeServices services;
  services.respond("server.get", server_record("web-1"));
  sdk::ApiRequest request = make_request("GET", "/servers/web%2D1");
  request.path_params = {{"name", "web-1"}};
  sdk::ApiResponse response = v2_.handle(request, services);
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(services.calls().size(), 1u);
  EXPECT_EQ(services.calls()[0].request, (json::object{{"name", "web-1"}}));
}

TEST_F(RoutesTest, EmptySegmentsIgnoredLikeOrchestrator) {
  FakeServices services;
  services.respond("server.list", json::object{{"servers", json::array()}});
  services.respond("server.get", server_record("web-1"));
  EXPECT_EQ(v2_.handle(make_request("GET", "/servers/"), services).status, 200);
  EXPECT_EQ(v2_.handle(make_request("GET", "//servers//web-1"), services).status, 200);

  std::vector<FakeServices::Call> calls = services.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].operation, "server.list");
  EXPECT_EQ(calls[1].operation, "server.get");
  EXPECT_EQ(calls[1].request, (json::object{{"name", "web-1"}}));
}

TEST_F(RoutesTest, BatchPathIsNotAWorkflowId) {
  FakeServices services;
  services.respond("batch.get", batch_record("b-1"));
  sdk::ApiResponse response = v3_.handle(make_request("GET", "/workflows/batch/b-1"), services);
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(services.calls().size(), 1u);
  EXPECT_EQ(services.calls()[0].operation, "batch.get");
  EXPECT_EQ(services.calls()[0].request, (json::object{{"id", "b-1"}}));
}

TEST_F(RoutesTest, BatchListIsNotAWorkflowId) {
  FakeServices services;
  services.respond("batch.list", json::object{{"batches", json::array()}, {"total", 0}});
  sdk::ApiResponse response = v3_.handle(make_request("GET", "/workflows/batch"), services);
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(services.calls().size(), 1u);
  EXPECT_EQ(services.calls()[0].operation, "batch.list");
}

TEST_F(RoutesTest, UnknownQueryParameterRejected) {
  FakeServices services;
  sdk::ApiResponse response =
      v2_.handle(make_request("GET", "/servers", "", {{"zone", "local-1"}}), services);
  expect_error(response, 400, "invalid_argument", "v2");
  EXPECT_EQ(detail_paths(response), std::vector<std::string>{"query.zone"});
  EXPECT_THAT(detail_message(response, "query.zone"),
              ::testing::HasSubstr("takes no query parameters"));
  EXPECT_TRUE(services.calls().empty());
}

}  // namespace
}  // namespace provisioning::testing
