#include "target_location.h"

#include <provisioning/sdk/error.h>

#include "durable_files.h"
#include "fault_injection.h"
#include "logging.h"
#include "record_reader.h"
#include "workspace_config_writer.h"

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

std::filesystem::path staging_root(const std::filesystem::path& state_dir) {
  return state_dir / "migration";
}

std::string configured_string(const Host& host, const std::string& key) {
  auto value = host.config().find(key);
  if (!value || !value->value.is_string()) return {};
  return std::string(value->value.get_string());
}

std::filesystem::path resolve(const Host& host, const std::string& value) {
  std::filesystem::path path(value);
  return path.is_absolute() ? path : host.workspace().root() / path;
}

// Returns `path` relative to the workspace when it is inside it, for config.toml.
std::string config_path_text(const Host& host, const std::filesystem::path& path) {
  std::filesystem::path relative = path.lexically_relative(host.workspace().root());
  if (!relative.empty() && *relative.begin() != "..") return relative.string();
  return path.string();
}

std::string database_name_for(const std::string& database, const std::string& id) {
  std::string suffix;
  for (char c : id) {
    if (std::isalnum(static_cast<unsigned char>(c))) suffix += static_cast<char>(std::tolower(c));
  }
  return (database.empty() ? std::string("provisioning") : database) + "_" + suffix;
}

// The location a staging copy moves to when the configured location contains other data.
std::filesystem::path own_location(const TargetPlan& plan) {
  std::filesystem::path path = plan.configured_path;
  if (plan.backend == "sqlite") {
    return path.parent_path() / (path.stem().string() + "-" + plan.id + path.extension().string());
  }
  return path.parent_path() / (path.filename().string() + "-" + plan.id);
}

std::map<std::string, CollectionDigest> digests_of(RecordReader& source) {
  std::map<std::string, CollectionDigest> digests;
  for (const std::string& collection : source.collections()) {
    CollectionDigest& digest = digests[collection];
    source.for_each(collection, [&](const std::string& id, const json::object& record) {
      digest.add(collection, id, record);
      return true;
    });
  }
  return digests;
}

bool same_records(const std::map<std::string, CollectionDigest>& a,
                  const std::map<std::string, CollectionDigest>& b) {
  auto non_empty = [](const std::map<std::string, CollectionDigest>& digests) {
    std::map<std::string, CollectionDigest> result;
    for (const auto& [name, digest] : digests) {
      if (digest.count() > 0) result.emplace(name, digest);
    }
    return result;
  };
  return non_empty(a) == non_empty(b);
}

// Moves an empty configured location out of the way of the staging copy.
void clear_empty_location(const TargetPlan& plan) {
  if (plan.backend == "sqlite") {
    for (const char* suffix : {"-wal", "-shm", ""}) {
      std::filesystem::path file = plan.configured_path.string() + suffix;
      std::error_code error;
      std::filesystem::remove(file, error);
      if (error) {
        throw sdk::Error::unavailable("cannot remove the empty database file '" + file.string() +
                                      "': " + error.message());
      }
    }
    return;
  }
  if (std::filesystem::exists(plan.configured_path)) {
    rename_durably(plan.configured_path, plan.staging_dir / "replaced-empty-directory");
  }
}

}  // namespace

std::optional<std::string> location_setting(const std::string& backend) {
  if (backend == "sqlite" || backend == "filesystem") return "path";
  if (backend == "surrealdb") return "database";
  return std::nullopt;
}

TargetPlan plan_target(Host& host, const std::string& backend, const std::string& id) {
  TargetPlan plan;
  plan.backend = backend;
  plan.id = id;
  plan.setting = location_setting(backend).value_or("");
  plan.configured_value = configured_string(host, "storage." + backend + "." + plan.setting);
  plan.staging_dir = staging_root(host.workspace().state_dir()) / id;
  make_directories(plan.staging_dir);
  if (backend == "surrealdb") {
    plan.file_based = false;
    plan.staging_value = database_name_for(plan.configured_value, id);
    return plan;
  }
  plan.configured_path =
      resolve(host, plan.configured_value.empty()
                        ? (backend == "sqlite" ? ".provisioning/state.db" : "data")
                        : plan.configured_value);
  plan.staging_value = (plan.staging_dir / (backend == "sqlite" ? "state.db" : "data")).string();
  return plan;
}

void remove_stale_staging(const std::filesystem::path& state_dir) {
  std::error_code error;
  std::filesystem::remove_all(staging_root(state_dir), error);
  if (error) {
    component_logger("host")->warn("cannot remove stale migration staging directory '{}': {}",
                                   staging_root(state_dir).string(), error.message());
  }
}

TargetState inspect_target(Host& host, const TargetPlan& plan,
                           const std::map<std::string, CollectionDigest>& expected) {
  std::map<std::string, CollectionDigest> existing;
  if (plan.backend == "filesystem") {
    auto source = legacy_source(plan.configured_path, false, nullptr);
    if (source->collections().empty()) return TargetState::kEmpty;
    existing = digests_of(*source);
  } else {
    if (plan.file_based && !std::filesystem::exists(plan.configured_path)) {
      return TargetState::kEmpty;
    }
    auto source = backend_source(host.open_storage_backend(plan.backend, {}));
    if (source->collections().empty()) return TargetState::kEmpty;
    existing = digests_of(*source);
  }
  return same_records(existing, expected) ? TargetState::kSame : TargetState::kDifferent;
}

std::string switch_in(Host& host, const TargetPlan& plan, TargetState state, bool set_backend) {
  std::vector<std::pair<std::string, ConfigFileValue>> settings;
  if (set_backend) settings.emplace_back("storage.backend", plan.backend);
  std::string location = plan.file_based ? plan.configured_path.string() : plan.configured_value;
  if (state == TargetState::kEmpty && plan.file_based) {
    clear_empty_location(plan);
    rename_durably(plan.staging_value, plan.configured_path);
  } else if (state != TargetState::kSame && plan.file_based) {
    std::filesystem::path destination = own_location(plan);
    rename_durably(plan.staging_value, destination);
    settings.emplace_back("storage." + plan.backend + "." + plan.setting,
                          config_path_text(host, destination));
    location = destination.string();
  } else if (state != TargetState::kSame) {
    settings.emplace_back("storage.surrealdb.database", plan.staging_value);
    location = plan.staging_value;
  }
  fault_point("switch", 1);
  if (!settings.empty()) set_config_values(host.workspace().config_file(), settings);
  fault_point("switch", 2);
  return location;
}

void discard_staging(const TargetPlan& plan) noexcept {
  std::error_code error;
  std::filesystem::remove_all(plan.staging_dir, error);
  std::error_code ignored;  // the parent stays when another staging directory is in it
  if (!error) std::filesystem::remove(plan.staging_dir.parent_path(), ignored);
  if (error) {
    component_logger("host")->warn("cannot remove migration staging directory '{}': {}",
                                   plan.staging_dir.string(), error.message());
  }
}

}  // namespace provisioning::host::migration
