#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "cli/cli.h"
#include "cli/orchestrator_client.h"

// Submitting workflows to the orchestrator and following them, shared by --orchestrated
// and the `workflow` commands.
namespace provisioning::cli {

// Returns how long to wait for the response to a submission with wait_for_completion.
std::chrono::seconds waited_submission_timeout();

// Returns the exit code for a workflow or batch that has ended: kExitSuccess for
// Completed, kExitWorkflowFailed for any other state.
int exit_code_for_final_status(const std::string& status);

// Prints how a workflow ended: the record with --output json, else its result when it
// completed. A workflow that ended Failed or Cancelled also gets an "error: ..." line with
// its error on standard error.
void print_workflow_outcome(const GlobalOptions& options, const json::object& workflow);

// Prints "workflow ID (TYPE): STATUS" (not with --output json), then the outcome.
void print_workflow(const GlobalOptions& options, const json::object& workflow);

// Polls GET /workflows/{id} every 500 ms until the workflow has ended, calling `on_change`
// with the first record and with each record whose status or error differs from the one
// before. Returns the final record. Throws what OrchestratorClient::call() throws.
json::object follow_workflow(OrchestratorClient& client, const std::string& id,
                             const std::function<void(const json::object&)>& on_change);

// Runs a create command through the orchestrator (--orchestrated). Posts `body`, with
// workflow_options.wait_for_completion set from --wait, to `path` (API version v2), prints
// the workflow and returns the exit code. Returns nothing, after a note on standard error,
// when GET /health fails, so that the caller runs the command directly.
std::optional<int> run_orchestrated(host::Host& host, const GlobalOptions& options,
                                    const std::string& path, json::object body);

// Throws sdk::Error (kInvalidArgument) naming `option` when --orchestrated is combined with
// an option that the workflow API cannot carry.
void reject_with_orchestrated(const GlobalOptions& options, bool option_given,
                              const std::string& option);

}  // namespace provisioning::cli
