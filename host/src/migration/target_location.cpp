#include "target_location.h"

#include <httplib.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>

#include <algorithm>

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

std::filesystem::path staging_ledger(const std::filesystem::path& state_dir) {
  return state_dir / "surrealdb-staging";
}

SurrealAccess surreal_access(const Host& host) {
  SurrealAccess access;
  access.url = configured_string(host, "storage.surrealdb.url");
  access.namespace_name = configured_string(host, "storage.surrealdb.namespace");
  access.username = configured_string(host, "storage.surrealdb.username");
  access.password = configured_string(host, "storage.surrealdb.password");
  access.auth_level = configured_string(host, "storage.surrealdb.auth_level");
  if (access.auth_level.empty()) access.auth_level = "root";
  auto timeout = host.config().find("storage.surrealdb.timeout_ms");
  if (timeout && timeout->value.is_int64() && timeout->value.get_int64() > 0) {
    access.timeout = std::chrono::milliseconds(timeout->value.get_int64());
  }
  return access;
}

void require_staging_rights(const SurrealAccess& access, const std::string& staging) {
  if (access.auth_level != "database") return;
  throw sdk::Error::invalid_argument(
      "cannot migrate into surrealdb as database-level user '" + access.username +
      "' (storage.surrealdb.auth_level = \"database\"): the migration writes into a new "
      "staging database '" +
      staging +
      "', which only a namespace or root user can create; "
      "set storage.surrealdb.username and auth_level to a namespace user with the OWNER or "
      "EDITOR role for the migration");
}

// Returns `name` as a SurrealQL identifier in backticks. Names from database_name_for()
// contain a backtick only when storage.surrealdb.database does.
std::string quoted_identifier(const std::string& name) {
  if (name.find('`') != std::string::npos) {
    throw sdk::Error::invalid_argument("SurrealDB database name '" + name +
                                       "' contains a backtick: choose another "
                                       "storage.surrealdb.database");
  }
  return "`" + name + "`";
}

// Runs `sql` in the namespace of `access` and throws sdk::Error (kUnavailable) when the
// request or a statement fails.
void run_namespace_sql(const SurrealAccess& access, const std::string& sql) {
  httplib::Client client(access.url);
  client.set_connection_timeout(access.timeout);
  client.set_read_timeout(access.timeout);
  if (!access.username.empty()) client.set_basic_auth(access.username, access.password);
  httplib::Headers headers = {{"Surreal-NS", access.namespace_name},
                              {"Accept", "application/json"}};
  if (access.auth_level != "root") headers.emplace("Surreal-Auth-NS", access.namespace_name);
  auto response = client.Post("/sql", headers, sql, "text/plain; charset=utf-8");
  std::string where = "SurrealDB at " + access.url + " (namespace " + access.namespace_name + ")";
  if (!response) {
    throw sdk::Error::unavailable("cannot reach " + where + ": " +
                                  httplib::to_string(response.error()));
  }
  if (response->status != 200) {
    throw sdk::Error::unavailable(where + " returned HTTP " + std::to_string(response->status) +
                                  ": " + response->body.substr(0, 300));
  }
  json::value results = json::parse(response->body);
  for (const auto& result : results.as_array()) {
    if (result.at("status") != "OK") {
      throw sdk::Error::unavailable(
          where + " failed the statement: " + json::serialize(result.at("result")));
    }
  }
}

std::filesystem::path ledger_entry(const std::filesystem::path& state_dir,
                                   const std::string& database) {
  return staging_ledger(state_dir) / (database + ".json");
}

// Records the staging database before the backend creates it, so that a killed
// migration leaves a record of it.
void record_staging_database(const TargetPlan& plan) {
  json::object entry = {{"url", plan.surreal.url},
                        {"namespace", plan.surreal.namespace_name},
                        {"database", plan.staging_value},
                        {"migration", plan.id}};
  make_directories(staging_ledger(plan.state_dir));
  sdk::write_file_atomically(ledger_entry(plan.state_dir, plan.staging_value),
                             json::serialize(entry) + "\n");
  sync_directory(staging_ledger(plan.state_dir));
}

void forget_staging_database(const std::filesystem::path& state_dir, const std::string& database) {
  std::error_code error;
  std::filesystem::remove(ledger_entry(state_dir, database), error);
  if (error) {
    component_logger("host")->warn("cannot remove '{}': {}",
                                   ledger_entry(state_dir, database).string(), error.message());
  }
}

// Removes `database` from the server and then its record. Returns false, after logging
// why and how to remove it by hand, when that fails.
bool remove_staging_database(const SurrealAccess& access, const std::filesystem::path& state_dir,
                             const StagingDatabase& database) noexcept {
  try {
    run_namespace_sql(access,
                      "REMOVE DATABASE IF EXISTS " + quoted_identifier(database.database) + ";");
    forget_staging_database(state_dir, database.database);
    component_logger("host")->info("removed SurrealDB staging database '{}' (namespace {})",
                                   database.database, database.namespace_name);
    return true;
  } catch (const std::exception& error) {
    component_logger("host")->warn("cannot remove SurrealDB staging database '{}': {}; {}",
                                   database.database, error.what(), removal_hint(database));
    return false;
  }
}

// Removes the staging databases of earlier migrations that are on the configured server
// and namespace. Others, and one that the configuration names (a migration killed
// between writing config.toml and forgetting its staging record), are kept.
void remove_leftover_databases(const TargetPlan& plan) {
  for (const StagingDatabase& database : leftover_staging_databases(plan.state_dir)) {
    if (database.database == plan.configured_value) {
      forget_staging_database(plan.state_dir, database.database);
    } else if (database.url == plan.surreal.url &&
               database.namespace_name == plan.surreal.namespace_name) {
      remove_staging_database(plan.surreal, plan.state_dir, database);
    } else {
      component_logger("host")->warn(
          "SurrealDB staging database '{}' of an earlier migration is on another server or "
          "namespace than storage.surrealdb names, so it is left there; {}",
          database.database, removal_hint(database));
    }
  }
}

TargetPlan plan_surreal_target(Host& host, TargetPlan plan) {
  plan.file_based = false;
  plan.staging_value = database_name_for(plan.configured_value, plan.id);
  plan.surreal = surreal_access(host);
  require_staging_rights(plan.surreal, plan.staging_value);
  remove_leftover_databases(plan);
  record_staging_database(plan);
  return plan;
}

}  // namespace

std::vector<StagingDatabase> leftover_staging_databases(const std::filesystem::path& state_dir) {
  std::vector<StagingDatabase> databases;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(staging_ledger(state_dir), error)) {
    if (entry.path().extension() != ".json") continue;
    try {
      json::object fields = json::parse(sdk::read_file(entry.path())).as_object();
      databases.push_back({std::string(fields.at("url").as_string()),
                           std::string(fields.at("namespace").as_string()),
                           std::string(fields.at("database").as_string())});
    } catch (const std::exception& problem) {
      component_logger("host")->warn("ignoring unreadable staging record '{}': {}",
                                     entry.path().string(), problem.what());
    }
  }
  std::sort(databases.begin(), databases.end(),
            [](const auto& a, const auto& b) { return a.database < b.database; });
  return databases;
}

std::string removal_hint(const StagingDatabase& database) {
  return "remove it with the SurrealQL statement REMOVE DATABASE `" + database.database +
         "`; in namespace " + database.namespace_name + " on " + database.url +
         " (for example: curl -u USER -H 'Surreal-NS: " + database.namespace_name +
         "' -H 'Accept: application/json' -d 'REMOVE DATABASE `" + database.database + "`;' " +
         database.url + "/sql), or let the next 'provisioning migrate --to surrealdb' remove it";
}

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
  plan.state_dir = host.workspace().state_dir();
  plan.staging_dir = staging_root(plan.state_dir) / id;
  make_directories(plan.staging_dir);
  if (backend == "surrealdb") return plan_surreal_target(host, std::move(plan));
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
  // The staging database is the configured one now, so discard_staging() keeps it.
  if (!plan.file_based && state != TargetState::kSame) {
    forget_staging_database(plan.state_dir, plan.staging_value);
  }
  return location;
}

void discard_staging(const TargetPlan& plan) noexcept {
  std::error_code missing;
  if (!plan.file_based &&
      std::filesystem::exists(ledger_entry(plan.state_dir, plan.staging_value), missing)) {
    remove_staging_database(plan.surreal, plan.state_dir,
                            {plan.surreal.url, plan.surreal.namespace_name, plan.staging_value});
  }
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
