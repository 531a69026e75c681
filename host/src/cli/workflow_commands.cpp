// `provisioning workflow ...`: list, show, follow and cancel orchestrator workflows.

#include <provisioning/sdk/error.h>

#include <iostream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "cli/orchestrated.h"
#include "cli/orchestrator_client.h"

namespace provisioning::cli {
namespace {

struct ListArguments {
  std::string status;
  std::string limit;
  std::string offset;
};

json::object as_object(const json::value& value, const std::string& request) {
  if (!value.is_object()) {
    throw sdk::Error::internal("orchestrator returned no JSON object for " + request);
  }
  return value.get_object();
}

std::string workflow_path(const std::string& id) {
  return "/workflows/" + encode_path_segment(id);
}

// Prints a note on standard error when more records match than the page contains.
void note_more_records(const json::object& page, std::size_t shown, const std::string& kind) {
  const json::value* total = page.if_contains("total");
  const json::value* offset = page.if_contains("offset");
  if (total == nullptr || !total->is_int64() || offset == nullptr || !offset->is_int64()) return;
  std::int64_t next = offset->get_int64() + static_cast<std::int64_t>(shown);
  if (next >= total->get_int64()) return;
  std::cerr << "note: showing " << shown << " of " << total->get_int64() << " " << kind
            << "; pass --offset " << next << " for the next page\n";
}

void add_list(CLI::App& workflow, Invocation& invocation) {
  auto arguments = std::make_shared<ListArguments>();
  auto* list = workflow.add_subcommand("list", "List workflows, newest first");
  list->add_option("--status", arguments->status,
                   "Only workflows in this state: Pending, Running, Completed, Failed or "
                   "Cancelled");
  list->add_option("--limit", arguments->limit,
                   "Maximum number of workflows (1 to 1000, "
                   "default 100)");
  list->add_option("--offset", arguments->offset, "Number of workflows to skip (default 0)");
  on_run(*list, invocation, [&invocation, arguments](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    OrchestratorClient client(host, options.correlation_id);
    std::string path = with_query("/workflows", {{"status", arguments->status},
                                                 {"limit", arguments->limit},
                                                 {"offset", arguments->offset}});
    json::object page = as_object(client.get(path, {}), "GET " + path);
    const json::value* workflows = page.if_contains("workflows");
    if (workflows == nullptr || !workflows->is_array()) {
      throw sdk::Error::internal("orchestrator returned no \"workflows\" list for GET " + path);
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : workflows->get_array()) {
      const json::object& record = item.as_object();
      rows.push_back({field(record, "id"), field(record, "type"), field(record, "status"),
                      field(record, "created_at"), field(record, "finished_at")});
    }
    print_json_or_table(options, page, {"ID", "TYPE", "STATUS", "CREATED", "FINISHED"}, rows);
    note_more_records(page, rows.size(), "workflows");
    return kExitSuccess;
  });
}

void print_fields(const json::object& workflow) {
  for (const char* key :
       {"id", "type", "status", "params", "options", "result", "error", "created_at", "updated_at",
        "started_at", "finished_at", "tasks", "correlation_id"}) {
    std::cout << key << ": " << field(workflow, key) << '\n';
  }
}

void add_status(CLI::App& workflow, Invocation& invocation) {
  auto id = std::make_shared<std::string>();
  auto* status = workflow.add_subcommand("status", "Show one workflow");
  status->add_option("id", *id, "Workflow id")->required();
  on_run(*status, invocation, [&invocation, id](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    OrchestratorClient client(host, options.correlation_id);
    json::object record = as_object(client.get(workflow_path(*id), {}), "GET workflow");
    if (json_output(options))
      print_json(record);
    else
      print_fields(record);
    return kExitSuccess;
  });
}

void print_change(const json::object& workflow) {
  std::cout << field(workflow, "updated_at") << "  workflow " << field(workflow, "id") << ": "
            << field(workflow, "status");
  if (std::string error = field(workflow, "error"); !error.empty()) {
    std::cout << " (" << error << ")";
  }
  std::cout << '\n' << std::flush;
}

void add_monitor(CLI::App& workflow, Invocation& invocation) {
  auto id = std::make_shared<std::string>();
  auto* monitor = workflow.add_subcommand(
      "monitor", "Print a workflow's state changes until it ends; exit 0 when it completed");
  monitor->add_option("id", *id, "Workflow id")->required();
  on_run(*monitor, invocation, [&invocation, id](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    OrchestratorClient client(host, options.correlation_id);
    bool json = json_output(options);
    json::object final_record = follow_workflow(client, *id, [json](const json::object& record) {
      if (!json) print_change(record);
    });
    print_workflow_outcome(options, final_record);
    return exit_code_for_final_status(field(final_record, "status"));
  });
}

void add_cancel(CLI::App& workflow, Invocation& invocation) {
  auto id = std::make_shared<std::string>();
  auto* cancel = workflow.add_subcommand(
      "cancel", "Cancel a workflow: a queued one ends Cancelled, a running one is asked to stop");
  cancel->add_option("id", *id, "Workflow id")->required();
  on_run(*cancel, invocation, [&invocation, id](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    OrchestratorClient client(host, options.correlation_id);
    std::string path = workflow_path(*id) + "/cancel";
    json::object record = as_object(client.call("POST", path, nullptr, {}), "POST " + path);
    if (json_output(options)) {
      print_json(record);
    } else {
      std::cout << "cancel requested for workflow " << field(record, "id") << " ("
                << field(record, "type") << "): " << field(record, "status") << '\n';
    }
    return kExitSuccess;
  });
}

}  // namespace

void add_workflow_commands(CLI::App& app, Invocation& invocation) {
  auto* workflow = app.add_subcommand("workflow", "List, follow and cancel orchestrator workflows");
  workflow->require_subcommand(1);
  add_list(*workflow, invocation);
  add_status(*workflow, invocation);
  add_monitor(*workflow, invocation);
  add_cancel(*workflow, invocation);
}

}  // namespace provisioning::cli
