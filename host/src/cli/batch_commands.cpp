// `provisioning batch ...`: submit batch files to the orchestrator (API version v3) and
// follow, cancel and roll back batches.

#include <provisioning/sdk/error.h>

#include <iostream>
#include <map>
#include <thread>

#include "cli/batch_file.h"
#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "cli/orchestrated.h"
#include "cli/orchestrator_client.h"
#include "orchestrator/workflow_engine.h"

namespace provisioning::cli {
namespace {

constexpr std::chrono::milliseconds kPollInterval{500};

RequestOptions v3() {
  RequestOptions options;
  options.api_version = "v3";
  return options;
}

std::string batch_path(const std::string& id) {
  return "/workflows/batch/" + encode_path_segment(id);
}

json::object as_batch(const json::value& value, const std::string& request) {
  if (!value.is_object()) {
    throw sdk::Error::internal("orchestrator returned no batch object for " + request);
  }
  return value.get_object();
}

const json::array& operations_of(const json::object& batch) {
  static const json::array kNone;
  const json::value* operations = batch.if_contains("operations");
  return operations != nullptr && operations->is_array() ? operations->get_array() : kNone;
}

void print_operations(const json::object& batch) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : operations_of(batch)) {
    if (!item.is_object()) continue;
    const json::object& operation = item.get_object();
    rows.push_back({field(operation, "id"), field(operation, "type"), field(operation, "status"),
                    field(operation, "workflow_id"), field(operation, "error")});
  }
  print_table({"OPERATION", "TYPE", "STATUS", "WORKFLOW", "ERROR"}, rows);
}

void print_batch(const GlobalOptions& options, const json::object& batch) {
  if (json_output(options)) {
    print_json(batch);
    return;
  }
  for (const char* key :
       {"id", "status", "batch_options", "created_at", "updated_at", "started_at", "finished_at"}) {
    std::cout << key << ": " << field(batch, key) << '\n';
  }
  std::cout << '\n';
  print_operations(batch);
}

// Returns the exit code for a batch that has ended, and names its failed operations on
// standard error when it did not complete.
int report_batch_end(const json::object& batch) {
  std::string status = field(batch, "status");
  if (status != host::kCompleted) {
    std::string failures;
    for (const auto& item : operations_of(batch)) {
      const json::object& operation = item.as_object();
      if (field(operation, "error").empty()) continue;
      failures += "; " + field(operation, "id") + ": " + field(operation, "error");
    }
    std::cerr << "error: batch " << field(batch, "id") << " ended " << status << failures << '\n';
  }
  return exit_code_for_final_status(status);
}

// Polls the batch every 500 ms until it has ended, printing each operation state change
// unless the output is JSON. Returns the final record. A batch can read Failed or Cancelled
// while operations or its rollback still run, so it has ended only once finished_at is set.
json::object follow_batch(OrchestratorClient& client, const GlobalOptions& options,
                          const std::string& id) {
  std::map<std::string, std::string> last_status;  // operation id -> status
  std::string path = batch_path(id);
  while (true) {
    json::object batch = as_batch(client.get(path, v3()), "GET " + path);
    for (const auto& item : operations_of(batch)) {
      const json::object& operation = item.as_object();
      std::string& last = last_status[field(operation, "id")];
      if (last == field(operation, "status")) continue;
      last = field(operation, "status");
      if (json_output(options)) continue;
      std::cout << "operation " << field(operation, "id") << " (" << field(operation, "type")
                << "): " << last << '\n'
                << std::flush;
    }
    if (!field(batch, "finished_at").empty()) return batch;
    std::this_thread::sleep_for(kPollInterval);
  }
}

// Reads and submits the file. When the orchestrator rejects the content, the error names
// the file.
json::object submit_file(OrchestratorClient& client, const host::Host& host,
                         const std::string& file) {
  json::object body = read_batch_file(file, host.paths().core_config / "batches" / "example.toml");
  try {
    return as_batch(client.call("POST", "/workflows/batch/submit", body, v3()), "batch submit");
  } catch (const sdk::Error& error) {
    if (error.code() != sdk::ErrorCode::kInvalidArgument) throw;
    throw sdk::Error::invalid_argument("batch file '" + file + "' was rejected: " + error.what());
  }
}

void print_submitted(const GlobalOptions& options, const json::object& batch) {
  if (json_output(options)) {
    print_json(batch);
    return;
  }
  std::string id = field(batch, "id");
  std::cout << "submitted batch " << id << " with " << operations_of(batch).size()
            << " operations: " << field(batch, "status")
            << "; follow it with 'provisioning batch status " << id << "'\n";
}

void add_submit(CLI::App& batch, Invocation& invocation) {
  auto file = std::make_shared<std::string>();
  auto* submit = batch.add_subcommand(
      "submit", "Submit a batch file (.toml, .json, .yaml or .yml); --wait follows it to the end");
  submit->add_option("file", *file, "Batch file, such as config/batches/example.toml")->required();
  on_run(*submit, invocation, [&invocation, file](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    OrchestratorClient client(host, options.correlation_id);
    json::object submitted = submit_file(client, host, *file);
    if (!options.wait) {
      print_submitted(options, submitted);
      return kExitSuccess;
    }
    std::string id = field(submitted, "id");
    if (!json_output(options)) std::cout << "submitted batch " << id << '\n';
    json::object final_record = follow_batch(client, options, id);
    if (json_output(options))
      print_json(final_record);
    else
      std::cout << "batch " << id << ": " << field(final_record, "status") << '\n';
    return report_batch_end(final_record);
  });
}

// Returns the page of GET /workflows/batch.
json::object fetch_batch_page(OrchestratorClient& client, const std::string& path) {
  HttpResponse response = client.send("GET", path, nullptr, v3());
  // Orchestrators before GET /workflows/batch read "batch" as a workflow id (404) or
  // have no such path (405).
  if (response.status == 404 || response.status == 405) {
    throw sdk::Error::not_found(
        "the orchestrator at " + client.address().url() +
        " has no route that lists batches (GET /workflows/batch); show one batch with "
        "'provisioning batch status ID', using the id that 'batch submit' printed");
  }
  if (response.status < 200 || response.status >= 300) {
    throw error_from_response(response, "GET " + client.address().url() + path);
  }
  json::value page = response.json_body();
  const json::value* batches =
      page.is_object() ? page.get_object().if_contains("batches") : nullptr;
  if (batches == nullptr || !batches->is_array()) {
    throw sdk::Error::internal("orchestrator returned no \"batches\" list for GET " + path);
  }
  return page.get_object();
}

void print_batch_page(const GlobalOptions& options, const json::object& page) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : page.at("batches").as_array()) {
    const json::object& record = item.as_object();
    const json::value* total = record.if_contains("operations_total");
    std::string operations = total != nullptr && total->is_int64()
                                 ? std::to_string(total->get_int64())
                                 : std::to_string(operations_of(record).size());
    rows.push_back({field(record, "id"), field(record, "status"), operations,
                    field(record, "created_at"), field(record, "finished_at")});
  }
  print_json_or_table(options, page, {"ID", "STATUS", "OPERATIONS", "CREATED", "FINISHED"}, rows);
}

void add_list(CLI::App& batch, Invocation& invocation) {
  auto limit = std::make_shared<std::string>();
  auto offset = std::make_shared<std::string>();
  auto status = std::make_shared<std::string>();
  auto* list = batch.add_subcommand("list", "List batches, newest first");
  list->add_option("--status", *status,
                   "Only batches in this state: Running, Completed, Failed or Cancelled");
  list->add_option("--limit", *limit, "Maximum number of batches");
  list->add_option("--offset", *offset, "Number of batches to skip");
  on_run(*list, invocation, [&invocation, status, limit, offset](host::Host& host) {
    OrchestratorClient client(host, invocation.options.correlation_id);
    std::string path = with_query("/workflows/batch",
                                  {{"status", *status}, {"limit", *limit}, {"offset", *offset}});
    print_batch_page(invocation.options, fetch_batch_page(client, path));
    return kExitSuccess;
  });
}

// Adds `batch <name> ID`, which sends `method` to the batch's path plus `suffix` and prints
// the batch it returns.
void add_batch_request(CLI::App& batch, Invocation& invocation, const std::string& name,
                       const std::string& description, const std::string& method,
                       const std::string& suffix) {
  auto id = std::make_shared<std::string>();
  auto* command = batch.add_subcommand(name, description);
  command->add_option("id", *id, "Batch id")->required();
  on_run(*command, invocation, [&invocation, id, method, suffix](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    OrchestratorClient client(host, options.correlation_id);
    std::string path = batch_path(*id) + suffix;
    print_batch(options, as_batch(client.call(method, path, nullptr, v3()), method + " " + path));
    return kExitSuccess;
  });
}

}  // namespace

void add_batch_commands(CLI::App& app, Invocation& invocation) {
  auto* batch = app.add_subcommand(
      "batch", "Submit batches of operations to the orchestrator and follow them");
  batch->require_subcommand(1);
  add_submit(*batch, invocation);
  add_list(*batch, invocation);
  add_batch_request(*batch, invocation, "status", "Show a batch and its operations", "GET", "");
  add_batch_request(*batch, invocation, "cancel",
                    "Cancel a running batch: queued operations are cancelled, running ones are "
                    "asked to stop",
                    "POST", "/cancel");
  add_batch_request(*batch, invocation, "rollback",
                    "Undo the completed operations of an ended batch, newest first", "POST",
                    "/rollback");
}

}  // namespace provisioning::cli
