#include "taskservs.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <set>

#include "logging.h"
#include "migration/legacy_fallback.h"
#include "names.h"

namespace provisioning::host {
namespace {

std::string record_id(const json::object& server, const std::string& taskserv) {
  return record_string(server, "id") + ":" + taskserv;
}

std::string cycle_text(const std::vector<std::string>& stack, const std::string& repeated) {
  std::string text;
  bool inside = false;
  for (const auto& name : stack) {
    if (name == repeated) inside = true;
    if (inside) text += name + " -> ";
  }
  return text + repeated;
}

json::object installed_record(const json::object& server, const std::string& taskserv,
                              const sdk::TaskservStatus& status, const std::string& cluster) {
  std::string now = utc_timestamp();
  json::object record;
  record["id"] = record_id(server, taskserv);
  record["name"] = taskserv;
  record["server"] = record_string(server, "name");
  record["server_id"] = record_string(server, "id");
  record["version"] = status.version;
  record["status"] = status.installed ? "installed" : "failed";
  record["cluster"] = cluster;
  json::array files;
  for (const auto& file : status.files) files.emplace_back(file);
  record["files"] = std::move(files);
  record["installed_at"] = now;
  record["updated_at"] = now;
  return record;
}

}  // namespace

std::vector<std::string> TaskservService::install_order(const std::string& name) {
  std::vector<std::string> order;
  std::vector<std::string> stack;
  std::set<std::string> done;
  std::function<void(const std::string&)> visit = [&](const std::string& current) {
    if (done.count(current) != 0) return;
    if (std::find(stack.begin(), stack.end(), current) != stack.end()) {
      throw sdk::Error::invalid_argument(
          "taskserv dependency cycle: " + cycle_text(stack, current) +
          "; fix the dependencies of these plugins");
    }
    stack.push_back(current);
    auto plugin = host_.taskserv(current);
    auto dependencies =
        plugin.call("dependencies", [](sdk::Taskserv& t) { return t.dependencies(); });
    for (const auto& dependency : dependencies) visit(dependency);
    stack.pop_back();
    done.insert(current);
    order.push_back(current);
  };
  visit(name);
  return order;
}

std::vector<json::object> TaskservService::target_servers(const std::vector<std::string>& names) {
  std::vector<json::object> targets;
  if (!names.empty()) {
    for (const auto& name : names) {
      json::object server = servers_.get(name);
      if (record_string(server, "status") != "running") {
        throw sdk::Error::conflict("server '" + name + "' is " + record_string(server, "status") +
                                   ", not running; taskservs install only on running servers");
      }
      targets.push_back(std::move(server));
    }
    return targets;
  }
  targets = servers_.list(ServerFilter{"", "", "running"});
  if (targets.empty()) {
    throw sdk::Error::not_found("no running server in workspace '" +
                                host_.workspace().root().string() +
                                "'; create one with 'provisioning server create NAME PLAN'");
  }
  return targets;
}

std::vector<TaskservStep> TaskservService::install(const TaskservInstallRequest& request) {
  std::vector<std::string> order = install_order(request.name);
  std::vector<json::object> targets = target_servers(request.servers);
  std::vector<TaskservStep> steps;
  for (const auto& server : targets) {
    for (const auto& taskserv : order) {
      auto plugin = host_.taskserv(taskserv);
      std::string version =
          plugin.call("software_version", [](sdk::Taskserv& t) { return t.software_version(); });
      steps.push_back({record_string(server, "name"), taskserv, "install", version});
      if (request.check) continue;
      if (request.between_steps) request.between_steps();
      install_on(server, taskserv, request);
    }
  }
  return steps;
}

void TaskservService::install_on(const json::object& server, const std::string& taskserv,
                                 const TaskservInstallRequest& request) {
  auto provider = host_.provider(record_string(server, "provider"));
  std::string provider_id = record_string(server, "provider_id");
  auto executor =
      provider.call("executor", [&](sdk::Provider& p) { return p.executor(provider_id); });
  auto plugin = host_.taskserv(taskserv);

  sdk::TaskservTarget target;
  target.server_name = record_string(server, "name");
  target.server_id = provider_id;
  target.ip_address = record_string(server, "ip_address");
  target.cluster = request.cluster;
  if (auto found = request.peers.find(taskserv); found != request.peers.end()) {
    target.cluster_peers = found->second;
  }
  target.settings = host_.config().table("taskservs." + taskserv);

  auto log = component_logger("taskserv");
  log->info("installing taskserv '{}' on server '{}'", taskserv, target.server_name);
  plugin.call("install", [&](sdk::Taskserv& t) { t.install(*executor, target); });
  auto status = plugin.call("status", [&](sdk::Taskserv& t) { return t.status(*executor); });
  json::object record = installed_record(server, taskserv, status, request.cluster);
  host_.storage().call("put", [&](sdk::StorageBackend& s) {
    s.put(sdk::kTaskservs, record_string(record, "id"), record);
  });
  if (!status.installed) {
    throw sdk::Error::internal("taskserv '" + taskserv + "' reports not installed on server '" +
                               target.server_name + "' after install: " + status.detail);
  }
}

void TaskservService::check_no_dependents(const std::string& name, const json::object& server) {
  for (const auto& record : list({record_string(server, "name")})) {
    std::string other = record_string(record, "name");
    if (other == name) continue;
    auto order = install_order(other);
    if (std::find(order.begin(), order.end(), name) != order.end()) {
      throw sdk::Error::conflict("taskserv '" + other + "' on server '" +
                                 record_string(server, "name") + "' depends on '" + name +
                                 "'; remove '" + other + "' first");
    }
  }
}

std::vector<TaskservStep> TaskservService::remove(const std::string& name,
                                                  const std::vector<std::string>& servers,
                                                  bool check,
                                                  const std::function<void()>& between_steps) {
  auto plugin = host_.taskserv(name);
  std::vector<json::object> targets;
  for (const auto& record : list()) {
    if (record_string(record, "name") != name) continue;
    std::string server = record_string(record, "server");
    if (servers.empty() || std::find(servers.begin(), servers.end(), server) != servers.end()) {
      targets.push_back(servers_.get(server));
    }
  }
  if (targets.empty()) {
    throw sdk::Error::not_found(
        "taskserv '" + name + "' is not installed on " +
        (servers.empty() ? std::string("any server") : "server '" + servers.front() + "'") +
        "; run 'provisioning taskserv list' to see installed ones");
  }
  std::vector<TaskservStep> steps;
  for (const auto& server : targets) {
    check_no_dependents(name, server);
    steps.push_back({record_string(server, "name"), name, "remove", ""});
    if (check) continue;
    if (between_steps) between_steps();
    auto provider = host_.provider(record_string(server, "provider"));
    std::string provider_id = record_string(server, "provider_id");
    auto executor =
        provider.call("executor", [&](sdk::Provider& p) { return p.executor(provider_id); });
    plugin.call("remove", [&](sdk::Taskserv& t) { t.remove(*executor); });
    host_.storage().call("remove", [&](sdk::StorageBackend& s) {
      return s.remove(sdk::kTaskservs, record_id(server, name));
    });
    component_logger("taskserv")
        ->info("removed taskserv '{}' from server '{}'", name, record_string(server, "name"));
  }
  return steps;
}

std::vector<json::object> TaskservService::list(const std::vector<std::string>& servers) {
  std::vector<json::object> records;
  host_.records().for_each(sdk::kTaskservs, [&](const std::string&, const json::object& record) {
    std::string server = record_string(record, "server");
    if (servers.empty() || std::find(servers.begin(), servers.end(), server) != servers.end()) {
      records.push_back(record);
    }
    return true;
  });
  std::sort(records.begin(), records.end(), [](const json::object& a, const json::object& b) {
    return std::make_pair(record_string(a, "server"), record_string(a, "name")) <
           std::make_pair(record_string(b, "server"), record_string(b, "name"));
  });
  return records;
}

std::vector<json::object> TaskservService::available() {
  std::vector<json::object> result;
  for (const PluginEntry* entry : host_.catalog().entries(sdk::PluginKind::kTaskserv)) {
    auto plugin = host_.taskserv(entry->active.name);
    json::object item;
    item["name"] = entry->active.name;
    item["version"] =
        plugin.call("software_version", [](sdk::Taskserv& t) { return t.software_version(); });
    json::array dependencies;
    for (const auto& dependency :
         plugin.call("dependencies", [](sdk::Taskserv& t) { return t.dependencies(); })) {
      dependencies.emplace_back(dependency);
    }
    item["dependencies"] = std::move(dependencies);
    item["layer"] = to_string(entry->active.layer);
    result.push_back(std::move(item));
  }
  return result;
}

}  // namespace provisioning::host
