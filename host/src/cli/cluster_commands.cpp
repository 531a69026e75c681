#include <iostream>

#include "cli/cli.h"
#include "cli/orchestrated.h"
#include "clusters.h"

namespace provisioning::cli {
namespace {

struct Services {
  explicit Services(host::Host& host)
      : servers(host), taskservs(host, servers), clusters(host, servers, taskservs) {}
  host::ServerService servers;
  host::TaskservService taskservs;
  host::ClusterService clusters;
};

void report_progress(const GlobalOptions& options, host::ClusterService& clusters) {
  if (json_output(options)) return;
  clusters.set_progress([](const std::string& line) { std::cout << line << '\n' << std::flush; });
}

void add_create(CLI::App& cluster, Invocation& invocation) {
  auto name = std::make_shared<std::string>();
  auto* create = cluster.add_subcommand("create", "Create a cluster from clusters/<name>.toml");
  create->add_option("name", *name, "Cluster name, such as buildkit")->required();
  on_run(*create, invocation, [&invocation, name](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    if (options.orchestrated && !options.check) {
      auto exit_code =
          run_orchestrated(host, options, "/workflows/cluster/create", {{"name", *name}});
      if (exit_code) return *exit_code;
    }
    Services services(host);
    report_progress(options, services.clusters);
    json::object record = services.clusters.create(*name, options.check);
    if (json_output(options))
      print_json(record);
    else
      std::cout << "cluster " << *name << ": " << field(record, "status") << '\n';
    return 0;
  });
}

void add_list(CLI::App& cluster, Invocation& invocation) {
  auto* list = cluster.add_subcommand("list", "List clusters");
  on_run(*list, invocation, [&invocation](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    Services services(host);
    auto records = services.clusters.list();
    std::vector<std::vector<std::string>> rows;
    for (const auto& record : records) {
      rows.push_back({field(record, "name"), field(record, "status"),
                      join_strings(record.at("servers").as_array()), field(record, "created_at")});
    }
    print_json_or_table(options, to_array(records), {"CLUSTER", "STATUS", "SERVERS", "CREATED"},
                        rows);
    return 0;
  });
}

void add_delete(CLI::App& cluster, Invocation& invocation) {
  auto name = std::make_shared<std::string>();
  auto* remove = cluster.add_subcommand("delete", "Delete a cluster and its servers");
  remove->add_option("name", *name, "Cluster name")->required();
  on_run(*remove, invocation, [&invocation, name](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    Services services(host);
    services.clusters.remove(*name, /*check=*/true);  // fails on an unknown cluster first
    confirm(options, "Delete cluster '" + *name + "' and all of its servers?");
    report_progress(options, services.clusters);
    json::object record = services.clusters.remove(*name, options.check);
    if (json_output(options))
      print_json(record);
    else
      std::cout << "cluster " << *name << ": " << field(record, "status") << '\n';
    return 0;
  });
}

}  // namespace

void add_cluster_commands(CLI::App& app, Invocation& invocation) {
  auto* cluster = app.add_subcommand("cluster", "Create, list and delete clusters");
  cluster->require_subcommand(1);
  add_create(*cluster, invocation);
  add_list(*cluster, invocation);
  add_delete(*cluster, invocation);
}

}  // namespace provisioning::cli
