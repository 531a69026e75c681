#include "clusters.h"

#include <provisioning/sdk/error.h>
#include <toml++/toml.h>

#include <set>

#include "logging.h"
#include "migration/legacy_fallback.h"
#include "names.h"

namespace provisioning::host {
namespace {

[[noreturn]] void throw_field_error(const std::filesystem::path& file, const std::string& field,
                                    const std::string& problem) {
  throw sdk::Error::invalid_argument("cluster file '" + file.string() + "': " + field + " " +
                                     problem);
}

std::string string_field(const toml::table& table, const std::string& key,
                         const std::filesystem::path& file, const std::string& where,
                         bool required) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    if (required) throw_field_error(file, where + key, "is missing");
    return {};
  }
  auto value = node->value<std::string>();
  if (!value) throw_field_error(file, where + key, "must be a string");
  return *value;
}

// Rejects keys a cluster file does not define, so a typo such as "taskserv" is not
// silently ignored.
void reject_unknown_keys(const toml::table& table, const std::vector<std::string>& known,
                         const std::filesystem::path& file, const std::string& where) {
  for (const auto& [key, value] : table) {
    std::string name(key.str());
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "is not a known key";
    std::string suggestion = closest_match(name, known);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    throw_field_error(file, where + name, message);
  }
}

ClusterServerGroup parse_group(const toml::table& table, const std::filesystem::path& file,
                               std::size_t index) {
  std::string where = "servers[" + std::to_string(index) + "].";
  reject_unknown_keys(table, {"role", "count", "plan", "zone", "taskservs"}, file, where);
  ClusterServerGroup group;
  group.role = string_field(table, "role", file, where, true);
  group.plan = string_field(table, "plan", file, where, true);
  group.zone = string_field(table, "zone", file, where, false);
  if (const toml::node* count = table.get("count")) {
    auto value = count->value<std::int64_t>();
    if (!value || *value < 1 || *value > 1000) {
      throw_field_error(file, where + "count", "must be an integer from 1 to 1000");
    }
    group.count = static_cast<int>(*value);
  }
  if (const toml::array* taskservs = table.get_as<toml::array>("taskservs")) {
    for (const toml::node& item : *taskservs) {
      auto name = item.value<std::string>();
      if (!name) throw_field_error(file, where + "taskservs", "must be a list of strings");
      group.taskservs.push_back(*name);
    }
  }
  return group;
}

std::filesystem::path find_cluster_file(const Host& host, const std::string& name) {
  std::filesystem::path workspace_file = host.workspace().clusters_dir() / (name + ".toml");
  if (std::filesystem::exists(workspace_file)) return workspace_file;
  std::filesystem::path core_file = host.paths().core_config / "clusters" / (name + ".toml");
  if (std::filesystem::exists(core_file)) return core_file;

  std::vector<std::string> known = available_clusters(host);
  std::string message = "cluster '" + name + "' is not defined: looked for '" +
                        workspace_file.string() + "' and '" + core_file.string() + "'";
  std::string suggestion = closest_match(name, known);
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  if (!known.empty()) {
    message += "; defined clusters:";
    for (const auto& item : known) message += " " + item;
  }
  throw sdk::Error::not_found(message);
}

void collect_names(const std::filesystem::path& directory, std::set<std::string>& names) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".toml") names.insert(entry.path().stem().string());
  }
}

std::string server_name(const ClusterDefinition& definition, const ClusterServerGroup& group,
                        int number) {
  return definition.name + "-" + group.role + "-" + std::to_string(number);
}

}  // namespace

ClusterDefinition parse_cluster_file(const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    throw sdk::Error::invalid_argument(file.string() + ":" + std::to_string(where.line) + ":" +
                                       std::to_string(where.column) + ": " +
                                       std::string(error.description()));
  }
  reject_unknown_keys(root, {"cluster", "servers"}, file, "");
  const toml::table* cluster = root.get_as<toml::table>("cluster");
  if (cluster == nullptr) throw_field_error(file, "[cluster]", "table is missing");
  reject_unknown_keys(*cluster, {"name", "description", "provider", "zone"}, file, "cluster.");
  ClusterDefinition definition;
  definition.file = file;
  definition.name = string_field(*cluster, "name", file, "cluster.", true);
  definition.description = string_field(*cluster, "description", file, "cluster.", false);
  definition.provider = string_field(*cluster, "provider", file, "cluster.", false);
  definition.zone = string_field(*cluster, "zone", file, "cluster.", false);
  const toml::array* groups = root.get_as<toml::array>("servers");
  if (groups == nullptr || groups->empty()) {
    throw_field_error(file, "[[servers]]", "is missing; declare at least one server group");
  }
  for (std::size_t i = 0; i < groups->size(); ++i) {
    const toml::table* table = groups->get(i)->as_table();
    if (table == nullptr) throw_field_error(file, "servers", "must be an array of tables");
    definition.groups.push_back(parse_group(*table, file, i));
  }
  return definition;
}

ClusterDefinition load_cluster_definition(const Host& host, const std::string& name) {
  validate_server_name(name);
  std::filesystem::path file = find_cluster_file(host, name);
  ClusterDefinition definition = parse_cluster_file(file);
  if (definition.name != name) {
    throw_field_error(
        file, "cluster.name",
        "is '" + definition.name + "' but the file is named '" + name + ".toml'; make them equal");
  }
  return definition;
}

std::vector<std::string> available_clusters(const Host& host) {
  std::set<std::string> names;
  collect_names(host.workspace().clusters_dir(), names);
  collect_names(host.paths().core_config / "clusters", names);
  return {names.begin(), names.end()};
}

std::vector<json::object> ClusterService::ensure_servers(const ClusterDefinition& definition,
                                                         bool check) {
  std::vector<json::object> members;
  for (const auto& group : definition.groups) {
    for (int number = 1; number <= group.count; ++number) {
      std::string name = server_name(definition, group, number);
      if (auto existing = servers_.find(name)) {
        report("server " + name + ": exists (" + record_string(*existing, "status") + ")");
        members.push_back(*existing);
        continue;
      }
      CreateServerRequest request;
      request.name = name;
      request.plan = group.plan;
      request.zone = group.zone.empty() ? definition.zone : group.zone;
      request.provider = definition.provider;
      request.check = check;
      request.tags.emplace_back("cluster:" + definition.name);
      request.tags.emplace_back("role:" + group.role);
      json::object record = servers_.create(request);
      report("server " + name + ": " + (check ? "would create" : "created") + " (" +
             record_string(record, "plan") + ", " + record_string(record, "ip_address") + ")");
      members.push_back(std::move(record));
    }
  }
  return members;
}

json::object ClusterService::create(const std::string& name, bool check) {
  ClusterDefinition definition = load_cluster_definition(host_, name);
  report("cluster " + name + ": " + definition.file.string());
  if (check) {
    build(definition, /*check=*/true);
    return cluster_record(definition, "planned", "");
  }
  // The record exists from the start, so `cluster delete` can clean up after a failure.
  save(cluster_record(definition, "creating", ""));
  try {
    std::size_t members = build(definition, /*check=*/false);
    component_logger("host")->info("cluster '{}' is ready with {} servers", name, members);
    return save(cluster_record(definition, "ready", ""));
  } catch (const sdk::Error& error) {
    save(cluster_record(definition, "failed", error.what()));
    throw;
  }
}

std::size_t ClusterService::build(const ClusterDefinition& definition, bool check) {
  std::vector<json::object> members = ensure_servers(definition, check);

  // Peers of each taskserv: the members whose groups install it or depend on it.
  TaskservInstallRequest base;
  base.cluster = definition.name;
  base.check = check;
  std::size_t index = 0;
  std::vector<std::pair<std::string, std::vector<std::string>>> plan;
  for (const auto& group : definition.groups) {
    for (int number = 1; number <= group.count; ++number, ++index) {
      const json::object& member = members[index];
      for (const auto& taskserv : group.taskservs) {
        for (const auto& step : taskservs_.install_order(taskserv)) {
          auto& peers = base.peers[step];
          std::pair<std::string, std::string> peer{record_string(member, "name"),
                                                   record_string(member, "ip_address")};
          if (std::find(peers.begin(), peers.end(), peer) == peers.end()) peers.push_back(peer);
        }
      }
      plan.emplace_back(record_string(member, "name"), group.taskservs);
    }
  }
  for (const auto& [server, taskservs] : plan) {
    for (const auto& taskserv : taskservs) {
      TaskservInstallRequest request = base;
      request.name = taskserv;
      request.servers = {server};
      if (check) {
        auto order = taskservs_.install_order(taskserv);
        std::string text;
        for (const auto& step : order) text += (text.empty() ? "" : ", ") + step;
        report("taskserv " + taskserv + " on " + server + ": would install " + text);
        continue;
      }
      for (const auto& step : taskservs_.install(request)) {
        report("taskserv " + step.taskserv + " " + step.version + " on " + step.server +
               ": installed");
      }
    }
  }

  return members.size();
}

json::object ClusterService::cluster_record(const ClusterDefinition& definition,
                                            const std::string& status,
                                            const std::string& error) const {
  std::string now = utc_timestamp();
  json::object record;
  record["id"] = definition.name;
  record["name"] = definition.name;
  record["description"] = definition.description;
  record["status"] = status;
  record["error"] = error;
  json::array server_names;
  for (const auto& group : definition.groups) {
    for (int number = 1; number <= group.count; ++number) {
      server_names.emplace_back(server_name(definition, group, number));
    }
  }
  record["servers"] = std::move(server_names);
  record["definition"] = definition.file.string();
  record["created_at"] = now;
  record["updated_at"] = now;
  return record;
}

json::object ClusterService::save(json::object record) {
  std::string name = record_string(record, "name");
  auto existing = host_.storage().call(
      "get", [&](sdk::StorageBackend& s) { return s.get(sdk::kClusters, name); });
  if (existing) record["created_at"] = (*existing)["created_at"];
  host_.storage().call("put", [&](sdk::StorageBackend& s) { s.put(sdk::kClusters, name, record); });
  return record;
}

std::vector<json::object> ClusterService::list() {
  std::vector<json::object> records;
  host_.records().for_each(sdk::kClusters, [&](const std::string&, const json::object& record) {
    records.push_back(record);
    return true;
  });
  return records;
}

json::object ClusterService::remove(const std::string& name, bool check) {
  auto record = host_.storage().call(
      "get", [&](sdk::StorageBackend& s) { return s.get(sdk::kClusters, name); });
  if (!record) {
    throw sdk::Error::not_found("cluster '" + name +
                                "' not found; run 'provisioning cluster list' to see clusters");
  }
  for (const auto& server : (*record)["servers"].as_array()) {
    std::string server_name(server.as_string());
    if (!servers_.find(server_name)) continue;
    servers_.remove(server_name, check);
    report("server " + server_name + ": " + (check ? "would delete" : "deleted"));
  }
  if (!check) {
    host_.storage().call("remove",
                         [&](sdk::StorageBackend& s) { return s.remove(sdk::kClusters, name); });
  }
  (*record)["status"] = check ? "planned" : "deleted";
  return *record;
}

}  // namespace provisioning::host
