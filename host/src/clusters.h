#pragma once

#include <provisioning/sdk/json.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "host.h"
#include "servers.h"
#include "taskservs.h"

namespace provisioning::host {

// A group of identical servers in a cluster, named <cluster>-<role>-<n>.
struct ClusterServerGroup {
  std::string role;
  int count = 1;
  std::string plan;
  std::string zone;  // empty: the cluster's zone
  std::vector<std::string> taskservs;
};

// A cluster as declared in clusters/<name>.toml.
struct ClusterDefinition {
  std::string name;
  std::string description;
  std::string provider;  // empty: provider.default
  std::string zone;      // empty: server.default_zone
  std::vector<ClusterServerGroup> groups;
  std::filesystem::path file;
};

// Reads a cluster definition: clusters/<name>.toml of the workspace, falling back to the
// shipped config/clusters/<name>.toml. Throws sdk::Error naming the file and field.
ClusterDefinition load_cluster_definition(const Host& host, const std::string& name);

// Parses one cluster file. Throws sdk::Error (kInvalidArgument) with file, line and column
// for invalid TOML and the field for a missing or invalid value.
ClusterDefinition parse_cluster_file(const std::filesystem::path& file);

// Names of the clusters that can be created, from the workspace and the shipped files.
std::vector<std::string> available_clusters(const Host& host);

// Creates clusters: the servers that are missing, then the taskservs in dependency
// order, and a record in the "clusters" collection.
class ClusterService {
 public:
  using Progress = std::function<void(const std::string& line)>;

  ClusterService(Host& host, ServerService& servers, TaskservService& taskservs)
      : host_(host), servers_(servers), taskservs_(taskservs) {}

  void set_progress(Progress progress) { progress_ = std::move(progress); }

  // Creates what is missing; returns the cluster record. With `check`, reports the
  // steps through the progress callback and changes nothing.
  json::object create(const std::string& name, bool check);

  std::vector<json::object> list();

  // Deletes the cluster's servers and its record.
  json::object remove(const std::string& name, bool check);

 private:
  void report(const std::string& line) const {
    if (progress_) progress_(line);
  }
  std::vector<json::object> ensure_servers(const ClusterDefinition& definition, bool check);
  // Creates the missing servers and installs the taskservs; returns the member count.
  std::size_t build(const ClusterDefinition& definition, bool check);
  json::object cluster_record(const ClusterDefinition& definition, const std::string& status,
                              const std::string& error) const;
  json::object save(json::object record);

  Host& host_;
  ServerService& servers_;
  TaskservService& taskservs_;
  Progress progress_;
};

}  // namespace provisioning::host
