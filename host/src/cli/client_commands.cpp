// `provisioning client ...`: raw API requests for scripts. Each command sends the request
// shape of one API version and prints the response body as JSON.

#include <provisioning/sdk/error.h>

#include <iostream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "cli/orchestrated.h"
#include "cli/orchestrator_client.h"

namespace provisioning::cli {
namespace {

struct CreateServerArguments {
  std::string name;
  std::string plan;
  std::string api_version;
};

struct ApiRequest {
  std::string path;
  json::object body;
};

// Builds the server-create request of the chosen API version. v1 posts the legacy record to
// /servers, v2 submits a workflow, and v3 adds the v3-only `dependencies` field.
ApiRequest create_server_request(const CreateServerArguments& arguments,
                                 const GlobalOptions& options) {
  json::object body{{"name", arguments.name}, {"plan", arguments.plan}};
  if (!options.zone.empty()) body["zone"] = options.zone;
  if (arguments.api_version == "v1") return {"/servers", std::move(body)};
  body["orchestrated"] = true;
  body["workflow_options"] = json::object{{"wait_for_completion", options.wait}};
  if (arguments.api_version == "v3") body["dependencies"] = json::array{};
  return {"/workflows/servers/create", std::move(body)};
}

void report_status(const GlobalOptions& options, const HttpResponse& response) {
  if (!options.verbose) return;
  std::cerr << "HTTP " << response.status;
  if (!response.location.empty()) std::cerr << ", Location: " << response.location;
  if (!response.correlation_id.empty())
    std::cerr << ", X-Correlation-ID: " << response.correlation_id;
  std::cerr << '\n';
}

void add_create_server(CLI::App& client, Invocation& invocation) {
  auto arguments = std::make_shared<CreateServerArguments>();
  auto* create = client.add_subcommand(
      "create-server", "Send the server-create request of one API version and print the response");
  create->add_option("name", arguments->name, "Server name")->required();
  create->add_option("plan", arguments->plan, "Plan, such as 2xCPU-4GB")->required();
  create->add_option("--api-version", arguments->api_version, "API version: v1, v2 or v3")
      ->required()
      ->check(CLI::IsMember({"v1", "v2", "v3"}));
  on_run(*create, invocation, [&invocation, arguments](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    OrchestratorClient client(host, options.correlation_id);
    ApiRequest request = create_server_request(*arguments, options);
    RequestOptions request_options;
    request_options.api_version = arguments->api_version;
    if (options.wait) request_options.read_timeout = waited_submission_timeout();
    HttpResponse response = client.send("POST", request.path, request.body, request_options);
    report_status(options, response);
    print_json(response.json_body());
    if (response.status >= 200 && response.status < 300) return kExitSuccess;
    sdk::Error error =
        error_from_response(response, "POST " + client.address().url() + request.path);
    std::cerr << "error: " << error.what() << '\n';
    return exit_code_for(error.code());
  });
}

}  // namespace

void add_client_commands(CLI::App& app, Invocation& invocation) {
  auto* client = app.add_subcommand(
      "client", "Send raw API requests to the orchestrator and print the JSON responses");
  client->require_subcommand(1);
  add_create_server(*client, invocation);
}

}  // namespace provisioning::cli
