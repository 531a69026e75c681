#include <iostream>

#include "cli/cli.h"
#include "cli/orchestrated.h"
#include "names.h"
#include "servers.h"

namespace provisioning::cli {
namespace {

std::vector<std::string> server_row(const json::object& record) {
  return {field(record, "name"),      field(record, "status"), field(record, "provider"),
          field(record, "plan"),      field(record, "zone"),   field(record, "ip_address"),
          field(record, "created_at")};
}

void print_servers(const GlobalOptions& options, const std::vector<json::object>& records) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& record : records) rows.push_back(server_row(record));
  print_json_or_table(options, to_array(records),
                      {"NAME", "STATUS", "PROVIDER", "PLAN", "ZONE", "ADDRESS", "CREATED"}, rows);
}

void print_server(const GlobalOptions& options, const json::object& record,
                  const std::string& verb) {
  if (json_output(options)) {
    print_json(record);
    return;
  }
  if (!verb.empty()) {
    std::cout << verb << " server " << field(record, "name") << " (" << field(record, "plan")
              << ", zone " << field(record, "zone") << ", provider " << field(record, "provider")
              << ")";
    if (!field(record, "ip_address").empty()) std::cout << " at " << field(record, "ip_address");
    std::cout << '\n';
    return;
  }
  for (const char* key : {"name", "id", "status", "provider", "provider_id", "plan", "zone",
                          "ip_address", "created_at", "updated_at", "tags", "metadata"}) {
    std::cout << key << ": " << field(record, key) << '\n';
  }
}

json::array parse_tags(const std::vector<std::string>& tags) {
  json::array array;
  for (const auto& tag : tags) array.emplace_back(tag);
  return array;
}

struct CreateArguments {
  std::string name;
  std::vector<std::string> plan_words;
  std::vector<std::string> tags;
};

// Submits the create as a server_create workflow. Returns nothing when the orchestrator
// is not reachable, so that the caller creates the server directly.
std::optional<int> create_orchestrated(host::Host& host, const GlobalOptions& options,
                                       const host::CreateServerRequest& request) {
  reject_with_orchestrated(options, !request.tags.empty(), "--tag");
  reject_with_orchestrated(options, !request.provider.empty(), "--provider");
  std::string zone =
      request.zone.empty() ? host.config().get_string("server.default_zone") : request.zone;
  json::object body{{"name", request.name}, {"plan", request.plan}, {"zone", zone}};
  return run_orchestrated(host, options, "/workflows/servers/create", std::move(body));
}

void add_create(CLI::App& server, Invocation& invocation) {
  auto arguments = std::make_shared<CreateArguments>();
  auto* create = server.add_subcommand("create", "Create a server");
  create->add_option("name", arguments->name, "Server name (a host name, such as web-01)")
      ->required();
  create
      ->add_option("plan", arguments->plan_words,
                   "Plan, such as 2xCPU-4GB (\"2xCPU-4 GB\" is accepted)")
      ->required();
  create->add_option("--tag", arguments->tags, "Tag to attach (repeatable)")
      ->allow_extra_args(false);
  on_run(*create, invocation, [&invocation, arguments](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    host::ServerService servers(host);
    host::CreateServerRequest request;
    request.name = arguments->name;
    for (const auto& word : arguments->plan_words) {
      request.plan += (request.plan.empty() ? "" : " ") + word;
    }
    request.zone = options.zone;
    request.provider = options.provider;
    request.tags = parse_tags(arguments->tags);
    request.check = options.check;
    request.wait = options.wait;
    if (options.orchestrated && !options.check) {
      if (auto exit_code = create_orchestrated(host, options, request)) return *exit_code;
    }
    json::object record = servers.create(request);
    print_server(options, record, options.check ? "would create" : "created");
    return 0;
  });
}

void add_list(CLI::App& server, Invocation& invocation) {
  auto status = std::make_shared<std::string>();
  auto* list = server.add_subcommand("list", "List servers");
  list->add_option("--status", *status, "Only servers in this status, such as running");
  on_run(*list, invocation, [&invocation, status](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    host::ServerService servers(host);
    print_servers(options, servers.list({options.provider, options.zone, *status}));
    return 0;
  });
}

void add_show(CLI::App& server, Invocation& invocation) {
  auto name = std::make_shared<std::string>();
  auto* show = server.add_subcommand("show", "Show one server");
  show->add_option("name", *name, "Server name")->required();
  on_run(*show, invocation, [&invocation, name](host::Host& host) {
    host::ServerService servers(host);
    print_server(invocation.options, servers.get(*name), "");
    return 0;
  });
}

void add_delete(CLI::App& server, Invocation& invocation) {
  auto name = std::make_shared<std::string>();
  auto* remove = server.add_subcommand("delete", "Delete a server and its taskservs");
  remove->add_option("name", *name, "Server name")->required();
  on_run(*remove, invocation, [&invocation, name](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    host::ServerService servers(host);
    servers.get(*name);  // fail on an unknown name before asking
    confirm(options, "Delete server '" + *name + "' and everything installed on it?");
    print_server(options, servers.remove(*name, options.check),
                 options.check ? "would delete" : "deleted");
    return 0;
  });
}

void add_catalog(CLI::App& server, Invocation& invocation) {
  auto* plans = server.add_subcommand("plans", "List the plans of a provider");
  on_run(*plans, invocation, [&invocation](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    host::ServerService servers(host);
    std::string provider = options.provider.empty() ? servers.default_provider() : options.provider;
    json::array array;
    std::vector<std::vector<std::string>> rows;
    for (const auto& plan : servers.plans(provider)) {
      array.push_back({{"name", plan.name},
                       {"cores", plan.cores},
                       {"memory_mb", plan.memory_mb},
                       {"storage_gb", plan.storage_gb}});
      rows.push_back({plan.name, std::to_string(plan.cores), std::to_string(plan.memory_mb),
                      std::to_string(plan.storage_gb)});
    }
    print_json_or_table(options, array, {"PLAN", "CORES", "MEMORY_MB", "STORAGE_GB"}, rows);
    return 0;
  });
  auto* zones = server.add_subcommand("zones", "List the zones of a provider");
  on_run(*zones, invocation, [&invocation](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    host::ServerService servers(host);
    std::string provider = options.provider.empty() ? servers.default_provider() : options.provider;
    json::array array;
    std::vector<std::vector<std::string>> rows;
    for (const auto& zone : servers.zones(provider)) {
      array.push_back({{"id", zone.id}, {"description", zone.description}});
      rows.push_back({zone.id, zone.description});
    }
    print_json_or_table(options, array, {"ZONE", "DESCRIPTION"}, rows);
    return 0;
  });
}

}  // namespace

void add_server_commands(CLI::App& app, Invocation& invocation) {
  auto* server = app.add_subcommand("server", "Create, list, show and delete servers");
  server->require_subcommand(1);
  add_create(*server, invocation);
  add_list(*server, invocation);
  add_show(*server, invocation);
  add_delete(*server, invocation);
  add_catalog(*server, invocation);
}

}  // namespace provisioning::cli
