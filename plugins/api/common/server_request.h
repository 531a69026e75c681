#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/orchestration_options.h"

namespace provisioning::plugins::api {

// The body of POST /servers and POST /workflows/servers/create. Each version accepts the
// fields of the earlier ones:
//   v1: name, plan, zone (default "auto")
//   v2: orchestrated (default false), workflow_options
//   v3: batch_options, dependencies (default [])
struct ServerCreateRequest {
  std::string name;
  std::string plan;
  std::string zone = "auto";
  bool orchestrated = false;
  WorkflowOptions workflow_options;
  std::optional<BatchOptions> batch_options;  // set only when the body has it
  std::vector<std::string> dependencies;

  // The fields of the body that only an orchestrated request uses, in body order.
  std::vector<std::string> orchestration_fields;
};

// Parses and validates the body at `level`. Throws ApiError (400) listing every invalid
// field, and naming the version that introduced a field sent to an earlier version.
ServerCreateRequest parse_server_create(std::string_view body, ApiLevel level);

}  // namespace provisioning::plugins::api
