#pragma once

#include <string>

#include "common/orchestration_options.h"
#include "common/routing.h"

namespace provisioning::plugins::api {

// Submits a workflow through "workflow.submit" and returns the response: 200 with the
// workflow when the request waited and the workflow finished, otherwise 202 with the
// workflow and "Location: /workflows/{id}".
sdk::ApiResponse submit_workflow(const HandlerContext& context, const std::string& type,
                                 json::object params, const WorkflowOptions& options);

// Submits a batch through "batch.submit" and returns 202 with the batch and
// "Location: /workflows/batch/{id}". Batches always run in the background.
sdk::ApiResponse submit_batch(const HandlerContext& context, json::array operations,
                              const BatchOptions& options);

// Returns `segment` percent-encoded for use in a URL path: every byte outside the
// unreserved set of RFC 3986 (letters, digits, "-", ".", "_", "~") becomes %XX.
std::string encode_path_segment(std::string_view segment);

}  // namespace provisioning::plugins::api
