#pragma once

#include <cstdint>
#include <string>

#include "common/field_reader.h"

namespace provisioning::plugins::api {

// "workflow_options" of a request (v2 and later): how the orchestrator runs a workflow.
struct WorkflowOptions {
  bool wait_for_completion = true;
  std::int64_t timeout_seconds = 300;  // 1 to 86400
  std::int64_t retry_count = 3;        // 0 to 10

  // Returns the "options" object of "workflow.submit".
  json::object to_json() const;
};

// "batch_options" of a request (v3 and later): how the orchestrator runs a batch.
struct BatchOptions {
  std::int64_t parallel_limit = 4;  // 1 to 100 operations at once
  std::string on_failure = "fail";  // "fail", "continue" or "rollback"

  json::object to_json() const;
};

// Reads the "workflow_options" member of `body`. An absent member gives the defaults.
WorkflowOptions read_workflow_options(ObjectReader& body, ApiLevel level);

// Reads the "batch_options" member of `body`. An absent member gives the defaults.
BatchOptions read_batch_options(ObjectReader& body, ApiLevel level);

}  // namespace provisioning::plugins::api
