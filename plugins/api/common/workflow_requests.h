#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/orchestration_options.h"

namespace provisioning::plugins::api {

// The body of POST /workflows/taskserv/create: install taskserv `name` on `servers`
// (empty: every running server).
struct TaskservCreateRequest {
  std::string name;
  std::vector<std::string> servers;
  WorkflowOptions workflow_options;
};

// The body of POST /workflows/cluster/create.
struct ClusterCreateRequest {
  std::string name;
  WorkflowOptions workflow_options;
};

// Each parses and validates a body. Throws ApiError (400) listing every invalid field.
TaskservCreateRequest parse_taskserv_create(std::string_view body, ApiLevel level);
ClusterCreateRequest parse_cluster_create(std::string_view body, ApiLevel level);

}  // namespace provisioning::plugins::api
