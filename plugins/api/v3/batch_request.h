#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/orchestration_options.h"

namespace provisioning::plugins::api {

// One operation of POST /workflows/batch/submit. `params` passes to the orchestrator as
// sent, which validates it for the operation type.
struct BatchOperation {
  std::string id;
  std::string type;
  json::object params;
  std::vector<std::string> depends_on;  // ids of operations of the same batch

  json::object to_json() const;
};

struct BatchSubmitRequest {
  std::vector<BatchOperation> operations;
  BatchOptions batch_options;
};

// Parses and validates the body of POST /workflows/batch/submit: 1 to 1000 operations
// with distinct ids, known types, and dependencies that name other operations of the
// batch without forming a cycle. Throws ApiError (400) listing every invalid field.
BatchSubmitRequest parse_batch_submit(std::string_view body, ApiLevel level);

}  // namespace provisioning::plugins::api
