#include "common/orchestration_options.h"

namespace provisioning::plugins::api {

namespace {

constexpr std::int64_t kMaxTimeoutSeconds = 86400;
constexpr std::int64_t kMaxRetryCount = 10;
constexpr std::int64_t kMaxParallelLimit = 100;

const std::vector<FieldSpec> kWorkflowOptionFields = {
    {"wait_for_completion", ApiLevel::kV2},
    {"timeout_seconds", ApiLevel::kV2},
    {"retry_count", ApiLevel::kV2},
};

const std::vector<FieldSpec> kBatchOptionFields = {
    {"parallel_limit", ApiLevel::kV3},
    {"on_failure", ApiLevel::kV3},
};

}  // namespace

json::object WorkflowOptions::to_json() const {
  return {{"wait_for_completion", wait_for_completion},
          {"timeout_seconds", timeout_seconds},
          {"retry_count", retry_count}};
}

json::object BatchOptions::to_json() const {
  return {{"parallel_limit", parallel_limit}, {"on_failure", on_failure}};
}

WorkflowOptions read_workflow_options(ObjectReader& body, ApiLevel level) {
  WorkflowOptions options;
  const json::object* object = body.optional_object("workflow_options");
  if (object == nullptr) return options;

  ObjectReader reader = body.nested("workflow_options", *object);
  reader.reject_unknown_fields(kWorkflowOptionFields, level);
  options.wait_for_completion =
      reader.optional_bool("wait_for_completion", options.wait_for_completion);
  options.timeout_seconds =
      reader.optional_integer("timeout_seconds", 1, kMaxTimeoutSeconds, options.timeout_seconds);
  options.retry_count =
      reader.optional_integer("retry_count", 0, kMaxRetryCount, options.retry_count);
  return options;
}

BatchOptions read_batch_options(ObjectReader& body, ApiLevel level) {
  BatchOptions options;
  const json::object* object = body.optional_object("batch_options");
  if (object == nullptr) return options;

  ObjectReader reader = body.nested("batch_options", *object);
  reader.reject_unknown_fields(kBatchOptionFields, level);
  options.parallel_limit =
      reader.optional_integer("parallel_limit", 1, kMaxParallelLimit, options.parallel_limit);
  options.on_failure =
      reader.optional_choice("on_failure", {"fail", "continue", "rollback"}, options.on_failure);
  return options;
}

}  // namespace provisioning::plugins::api
