#pragma once

#include <gtest/gtest.h>
#include <provisioning/sdk/api_version.h>
#include <provisioning/sdk/error.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plugin_loader.h"

// Loading the API version plugins from the build tree, and a stand-in for the
// orchestrator's services, which the real plugins call.
namespace provisioning::testing {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;

using ApiHandle = host::PluginHandle<sdk::ApiVersion>;

// An ApiServices that records every call and returns what the test set up for the
// operation: a result, an sdk::Error or another exception. An operation without a set
// response throws sdk::Error (kInternal) naming it. Safe to call from several threads.
class FakeServices : public sdk::ApiServices {
 public:
  struct Call {
    std::string operation;
    json::object request;
  };

  void respond(const std::string& operation, json::value result);
  void fail(const std::string& operation, sdk::ErrorCode code, const std::string& message);
  void fail_unexpectedly(const std::string& operation, const std::string& message);

  json::value call(const std::string& operation, const json::object& request) override;

  std::vector<Call> calls() const;

 private:
  struct Outcome {
    json::value result;
    std::optional<sdk::Error> error;
    std::optional<std::string> unexpected;
  };

  mutable std::mutex mutex_;
  std::map<std::string, Outcome> outcomes_;
  std::vector<Call> calls_;
};

// Loads <build>/lib/provisioning/extensions/api/<version>.so with load_plugin_as.
ApiHandle load_api(const std::string& version);

// Returns the plugin object of `handle`, which must outlive every use of it. Calls through
// it skip the host's error wrapping, so tests see exactly what handle() returns.
sdk::ApiVersion& api_of(const ApiHandle& handle);

// Returns a request as the orchestrator builds it, with correlation id "corr-test-1" and
// no path parameters (the plugin then matches them itself).
sdk::ApiRequest make_request(const std::string& method, const std::string& path,
                             const std::string& body = "",
                             std::map<std::string, std::string> query = {});

// Canned orchestrator records.
json::object server_record(const std::string& name);
json::object workflow_record(const std::string& id, const std::string& status);
json::object task_record(const std::string& id);
json::object batch_record(const std::string& id);

// Returns the keys of `object` in order.
std::vector<std::string> keys_of(const json::object& object);

// Returns the "path" of each entry of the error details of `response`.
std::vector<std::string> detail_paths(const sdk::ApiResponse& response);

// Returns the message of the detail with `path`, or "" when there is none.
std::string detail_message(const sdk::ApiResponse& response, const std::string& path);

// Checks that `response` has `status` and the documented error shape with `code`, api
// version `version` and the correlation id of make_request().
void expect_error(const sdk::ApiResponse& response, int status, const std::string& code,
                  const std::string& version);

// A fixture that loads one API version and handles requests with a FakeServices.
class ApiVersionTest : public ::testing::Test {
 protected:
  explicit ApiVersionTest(const std::string& version)
      : handle_(load_api(version)), api_(api_of(handle_)) {}

  sdk::ApiResponse send(const std::string& method, const std::string& path,
                        const std::string& body = "",
                        std::map<std::string, std::string> query = {}) {
    return api_.handle(make_request(method, path, body, std::move(query)), services_);
  }

  // Returns the one call the services received. Fails the test unless there was exactly one.
  FakeServices::Call only_call() const;

  ApiHandle handle_;
  sdk::ApiVersion& api_;
  FakeServices services_;
};

}  // namespace provisioning::testing
