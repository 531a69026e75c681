#include "cli/orchestrated.h"

#include <provisioning/sdk/error.h>

#include <iostream>
#include <thread>

#include "cli/exit_codes.h"
#include "orchestrator/workflow_engine.h"

namespace provisioning::cli {
namespace {

constexpr std::chrono::milliseconds kPollInterval{500};
constexpr std::chrono::milliseconds kHealthTimeout{2000};

std::string status_of(const json::object& record) {
  return field(record, "status");
}

void print_submitted(const json::object& workflow) {
  std::string id = field(workflow, "id");
  std::cout << "submitted workflow " << id << " (" << field(workflow, "type")
            << "): " << status_of(workflow) << "; follow it with 'provisioning workflow monitor "
            << id << "'\n";
}

}  // namespace

std::chrono::seconds waited_submission_timeout() {
  // With the default workflow options, the orchestrator keeps a waited submission open for
  // at most every attempt's timeout plus 5 s. The client allows 30 s more for the response.
  host::WorkflowOptions defaults;
  return std::chrono::seconds(defaults.timeout_seconds * (defaults.retry_count + 1) + 5 + 30);
}

int exit_code_for_final_status(const std::string& status) {
  return status == host::kCompleted ? kExitSuccess : kExitWorkflowFailed;
}

void print_workflow_outcome(const GlobalOptions& options, const json::object& workflow) {
  std::string status = status_of(workflow);
  if (json_output(options)) {
    print_json(workflow);
  } else if (status == host::kCompleted) {
    std::cout << "result: " << field(workflow, "result") << '\n';
  }
  if (status == host::kFailed || status == host::kCancelled) {
    std::string error = field(workflow, "error");
    std::cerr << "error: workflow " << field(workflow, "id") << " ended " << status
              << (error.empty() ? "" : ": " + error) << '\n';
  }
}

void print_workflow(const GlobalOptions& options, const json::object& workflow) {
  if (!json_output(options)) {
    std::cout << "workflow " << field(workflow, "id") << " (" << field(workflow, "type")
              << "): " << status_of(workflow) << '\n';
  }
  print_workflow_outcome(options, workflow);
}

json::object follow_workflow(OrchestratorClient& client, const std::string& id,
                             const std::function<void(const json::object&)>& on_change) {
  std::string path = "/workflows/" + encode_path_segment(id);
  std::optional<std::pair<std::string, std::string>> last;
  while (true) {
    json::value record = client.get(path, {});
    if (!record.is_object()) {
      throw sdk::Error::internal("orchestrator returned no workflow object for GET " + path);
    }
    const json::object& workflow = record.get_object();
    std::pair<std::string, std::string> state{status_of(workflow), field(workflow, "error")};
    if (last != state) on_change(workflow);
    last = state;
    if (host::is_terminal_state(state.first)) return workflow;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::optional<int> run_orchestrated(host::Host& host, const GlobalOptions& options,
                                    const std::string& path, json::object body) {
  OrchestratorClient client(host, options.correlation_id);
  if (!client.healthy(kHealthTimeout)) {
    std::cerr << "note: orchestrator at " << client.address().url()
              << " is not answering; running directly\n";
    return std::nullopt;
  }
  body["workflow_options"] = json::object{{"wait_for_completion", options.wait}};
  RequestOptions request;
  if (options.wait) request.read_timeout = waited_submission_timeout();
  json::value response = client.call("POST", path, body, request);
  if (!response.is_object()) {
    throw sdk::Error::internal("orchestrator returned no workflow object for POST " + path);
  }
  json::object workflow = response.get_object();
  if (!options.wait) {
    if (json_output(options))
      print_json(workflow);
    else
      print_submitted(workflow);
    return kExitSuccess;
  }
  // A waited workflow that is still running when the orchestrator returns comes back 202.
  if (!host::is_terminal_state(status_of(workflow))) {
    workflow = follow_workflow(client, field(workflow, "id"), [](const json::object&) {});
  }
  print_workflow(options, workflow);
  return exit_code_for_final_status(status_of(workflow));
}

void reject_with_orchestrated(const GlobalOptions& options, bool option_given,
                              const std::string& option) {
  if (!options.orchestrated || !option_given) return;
  throw sdk::Error::invalid_argument(option +
                                     " cannot be used with --orchestrated, because the "
                                     "orchestrator's workflow API has no field for it; drop " +
                                     option + " or --orchestrated");
}

}  // namespace provisioning::cli
