#include "servers.h"

#include <provisioning/sdk/error.h>

#include <thread>

#include "logging.h"
#include "migration/legacy_fallback.h"
#include "names.h"
#include "record_ids.h"

namespace provisioning::host {
namespace {

json::object planned_record(const CreateServerRequest& request, const std::string& provider,
                            const std::string& plan, const std::string& zone) {
  std::string now = utc_timestamp();
  json::object record;
  record["id"] = new_record_id();
  record["name"] = request.name;
  record["provider"] = provider;
  record["provider_id"] = "";
  record["plan"] = plan;
  record["zone"] = zone;
  record["status"] = "creating";
  record["ip_address"] = "";
  record["created_at"] = now;
  record["updated_at"] = now;
  record["metadata"] = request.metadata;
  record["tags"] = request.tags;
  return record;
}

void apply_provider_info(json::object& record, const sdk::ServerInfo& info) {
  record["provider_id"] = info.id;
  record["zone"] = info.zone;
  record["status"] = sdk::to_string(info.state);
  record["ip_address"] = info.ip_address;
  record["updated_at"] = utc_timestamp();
  json::object& metadata = record["metadata"].as_object();
  if (!info.metadata.empty()) metadata["provider"] = info.metadata;
}

void validate_zone(const std::string& zone, const std::vector<sdk::Zone>& zones,
                   const std::string& provider) {
  if (zone == "auto") return;
  std::string valid = "auto";
  for (const sdk::Zone& candidate : zones) {
    if (candidate.id == zone) return;
    valid += ", " + candidate.id;
  }
  throw sdk::Error::invalid_argument("unknown zone '" + zone + "' for provider '" + provider +
                                     "'; valid zones: " + valid);
}

// A transaction body that stores `record` unless a server of its name exists.
std::function<void(sdk::StorageView&)> reserve_body(json::object record) {
  return [record = std::move(record)](sdk::StorageView& view) {
    std::string name = record_string(record, "name");
    auto existing = view.find(sdk::kServers, "name", name);
    if (!existing.empty()) {
      throw HostError(sdk::ErrorCode::kAlreadyExists,
                      "server '" + name + "' already exists (id " +
                          record_string(existing[0], "id") + ", status " +
                          record_string(existing[0], "status") +
                          "); choose another name or delete it first");
    }
    view.put(sdk::kServers, record_string(record, "id"), record);
  };
}

// Marks a name as being created in this process for the life of the object, so that two
// overlapping creates of one name do not both reach the provider.
class CreatingName {
 public:
  CreatingName(std::mutex& mutex, std::set<std::string>& names, std::string name)
      : mutex_(mutex), names_(names), name_(std::move(name)) {
    std::lock_guard lock(mutex_);
    if (!names_.insert(name_).second) {
      throw sdk::Error::already_exists("server '" + name_ +
                                       "' is being created by another workflow; choose another "
                                       "name or wait for that workflow to end");
    }
  }
  ~CreatingName() {
    std::lock_guard lock(mutex_);
    names_.erase(name_);
  }
  CreatingName(const CreatingName&) = delete;
  CreatingName& operator=(const CreatingName&) = delete;

 private:
  std::mutex& mutex_;
  std::set<std::string>& names_;
  std::string name_;
};

// Deletes a server whose reservation failed, because nothing else would know of it.
void delete_unreserved(const PluginHandle<sdk::Provider>& provider, const sdk::ServerInfo& info,
                       const std::exception& reason) {
  try {
    provider.call("delete_server", [&](sdk::Provider& p) { p.delete_server(info.id); });
  } catch (const std::exception& error) {
    component_logger("host")->error(
        "server '{}' (provider id {}) was made but its reservation failed ({}), and deleting "
        "it failed: {}; delete it at the provider by hand",
        info.name, info.id, reason.what(), error.what());
  }
}

bool matches(const json::object& record, const ServerFilter& filter) {
  if (!filter.provider.empty() && record_string(record, "provider") != filter.provider) {
    return false;
  }
  if (!filter.zone.empty() && record_string(record, "zone") != filter.zone) return false;
  if (!filter.status.empty() && record_string(record, "status") != filter.status) return false;
  return true;
}

}  // namespace

std::string owner_of(const json::object& metadata) {
  const json::value* owner = metadata.if_contains("workflow_id");
  if (owner == nullptr || !owner->is_string()) return {};
  return std::string(owner->get_string());
}

std::string record_string(const json::object& record, std::string_view field) {
  const json::value* value = record.if_contains(field);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->get_string());
}

std::string ServerService::default_provider() const {
  return host_.config().get_string("provider.default");
}

json::object ServerService::create(const CreateServerRequest& request) {
  validate_server_name(request.name);
  std::string provider_name = request.provider.empty() ? default_provider() : request.provider;
  std::string zone =
      request.zone.empty() ? host_.config().get_string("server.default_zone") : request.zone;
  auto provider = host_.provider(provider_name);
  auto catalog = provider.call("plans", [](sdk::Provider& p) { return p.plans(); });
  std::string plan = resolve_plan(request.plan, catalog, provider_name);
  auto zones = provider.call("zones", [](sdk::Provider& p) { return p.zones(); });
  validate_zone(zone, zones, provider_name);

  json::object record = planned_record(request, provider_name, plan, zone);
  if (request.check) {
    if (find(request.name)) {
      throw sdk::Error::already_exists("server '" + request.name +
                                       "' already exists; choose another name");
    }
    record["status"] = "planned";
    return record;
  }

  auto log = component_logger("host");
  log->debug("creating server '{}' (id {}) with provider '{}', plan {}, zone {}", request.name,
             record_string(record, "id"), provider_name, plan, zone);
  sdk::ServerSpec spec{request.name, plan, zone, request.metadata};
  if (request.overlap_reservation && write_async_ &&
      provider.has_capability(sdk::kUniqueNamesCapability)) {
    create_overlapping(provider, spec, record);
  } else {
    create_after_reserve(provider, spec, record);
  }
  if (request.store_created) {
    request.store_created(record);
  } else {
    write([&](sdk::StorageView& view) {
      view.put(sdk::kServers, record_string(record, "id"), record);
    });
  }
  if (request.wait) record = wait_until_running(provider, record, request);
  log->info("server '{}' is {} at {}", request.name, record_string(record, "status"),
            record_string(record, "ip_address"));
  return record;
}

// Reserves the name durably, then has the provider make the server.
void ServerService::create_after_reserve(const PluginHandle<sdk::Provider>& provider,
                                         const sdk::ServerSpec& spec, json::object& record) {
  record = reserve(record);
  sdk::ServerInfo info;
  try {
    info = provider.call("create_server", [&](sdk::Provider& p) { return p.create_server(spec); });
  } catch (const sdk::Error&) {
    remove_record(record);  // release the name: the provider created nothing we know of
    throw;
  }
  apply_provider_info(record, info);
}

// Has the provider make the server while the reservation is stored, which saves a wait
// for the disk per create. The provider rejects a name in use, and a server left by a
// crash before the reservation was durable is adopted by the retry that carries the same
// owner. The reservation decides: when it fails, the server made here is deleted.
void ServerService::create_overlapping(const PluginHandle<sdk::Provider>& provider,
                                       const sdk::ServerSpec& spec, json::object& record) {
  CreatingName creating(creating_mutex_, creating_, spec.name);
  std::future<void> reserved = write_async_(reserve_body(record));
  sdk::ServerInfo info;
  try {
    info = provider.call("create_server", [&](sdk::Provider& p) { return p.create_server(spec); });
  } catch (const sdk::Error& error) {
    if (error.code() != sdk::ErrorCode::kAlreadyExists) {
      release(record, reserved);
      throw;
    }
    reserved.get();  // a name in use in storage fails here, with its record named
    std::optional<sdk::ServerInfo> owned;
    try {
      owned = owned_server(provider, spec);
    } catch (const std::exception&) {
      remove_record(record);
      throw;
    }
    if (!owned) {
      remove_record(record);
      throw;
    }
    component_logger("host")->info(
        "adopted server '{}' (provider id {}), made by an earlier attempt of workflow {}",
        spec.name, owned->id, owner_of(spec.metadata));
    apply_provider_info(record, *owned);
    return;
  }
  try {
    reserved.get();
  } catch (const std::exception& error) {
    delete_unreserved(provider, info, error);
    throw;
  }
  apply_provider_info(record, info);
}

// Returns the provider's server named like `spec` when it carries the owner of `spec`.
std::optional<sdk::ServerInfo> ServerService::owned_server(
    const PluginHandle<sdk::Provider>& provider, const sdk::ServerSpec& spec) {
  std::string owner = owner_of(spec.metadata);
  if (owner.empty()) return std::nullopt;
  auto servers = provider.call("list_servers", [](sdk::Provider& p) { return p.list_servers(); });
  for (sdk::ServerInfo& info : servers) {
    if (info.name == spec.name && owner_of(info.metadata) == owner) return std::move(info);
  }
  return std::nullopt;
}

// Removes the reservation behind `reserved` once it is stored; one that failed left
// nothing to remove.
void ServerService::release(const json::object& record, std::future<void>& reserved) {
  try {
    reserved.get();
  } catch (const std::exception& error) {
    component_logger("host")->debug("reservation of server '{}' (id {}) failed too: {}",
                                    record_string(record, "name"), record_string(record, "id"),
                                    error.what());
    return;
  }
  remove_record(record);
}

void ServerService::remove_record(const json::object& record) {
  write([&](sdk::StorageView& view) { view.remove(sdk::kServers, record_string(record, "id")); });
}

json::object ServerService::reserve(const json::object& record) {
  write(reserve_body(record));
  return record;
}

json::object ServerService::wait_until_running(const PluginHandle<sdk::Provider>& provider,
                                               json::object record,
                                               const CreateServerRequest& request) {
  std::chrono::seconds timeout = request.wait_timeout;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string id = record_string(record, "provider_id");
  while (record_string(record, "status") != "running") {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw sdk::Error::unavailable("server '" + record_string(record, "name") + "' is still " +
                                    record_string(record, "status") + " after " +
                                    std::to_string(timeout.count()) +
                                    " s; check it with 'provisioning server show'");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (request.between_polls) request.between_polls();
    auto info = provider.call("get_server", [&](sdk::Provider& p) { return p.get_server(id); });
    if (!info) throw sdk::Error::not_found("provider lost server '" + id + "' while waiting");
    apply_provider_info(record, *info);
    write([&](sdk::StorageView& view) {
      view.put(sdk::kServers, record_string(record, "id"), record);
    });
  }
  return record;
}

std::vector<json::object> ServerService::list(const ServerFilter& filter) {
  std::vector<json::object> records;
  host_.records().for_each(sdk::kServers, [&](const std::string&, const json::object& record) {
    if (matches(record, filter)) records.push_back(record);
    return true;
  });
  std::sort(records.begin(), records.end(), [](const json::object& a, const json::object& b) {
    return record_string(a, "name") < record_string(b, "name");
  });
  return records;
}

std::optional<json::object> ServerService::find(const std::string& name) {
  auto found = host_.records().find(sdk::kServers, "name", name);
  if (found.empty()) return std::nullopt;
  return found.front();
}

json::object ServerService::get(const std::string& name) {
  if (auto record = find(name)) return *record;
  std::vector<std::string> names;
  for (const auto& record : list()) names.push_back(record_string(record, "name"));
  std::string message =
      "server '" + name + "' not found in workspace '" + host_.workspace().root().string() + "'";
  std::string suggestion = closest_match(name, names);
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  message += "; run 'provisioning server list' to see all servers";
  throw sdk::Error::not_found(message);
}

json::object ServerService::remove(const std::string& name, bool check) {
  json::object record = get(name);
  migration::reject_legacy_only(host_.records(), sdk::kServers, record_string(record, "id"),
                                "server '" + name + "'");
  if (check) return record;
  std::string provider_id = record_string(record, "provider_id");
  if (!provider_id.empty()) {
    auto provider = host_.provider(record_string(record, "provider"));
    provider.call("delete_server", [&](sdk::Provider& p) { p.delete_server(provider_id); });
  }
  std::string id = record_string(record, "id");
  write([&](sdk::StorageView& view) {
    for (const auto& taskserv : view.find(sdk::kTaskservs, "server_id", id)) {
      view.remove(sdk::kTaskservs, record_string(taskserv, "id"));
    }
    view.remove(sdk::kServers, id);
  });
  component_logger("host")->info("deleted server '{}' (id {})", name, id);
  record["status"] = "deleted";
  return record;
}

std::optional<json::object> ServerService::reconcile_creating(const json::object& record) {
  std::string name = record_string(record, "name");
  auto provider = host_.provider(record_string(record, "provider"));
  auto servers = provider.call("list_servers", [](sdk::Provider& p) { return p.list_servers(); });
  auto log = component_logger("host");
  for (const sdk::ServerInfo& info : servers) {
    if (info.name != name) continue;
    if (info.state == sdk::ServerState::kRunning) {
      json::object adopted = record;
      apply_provider_info(adopted, info);
      write([&](sdk::StorageView& view) {
        view.put(sdk::kServers, record_string(adopted, "id"), adopted);
      });
      log->info("adopted server '{}' (provider id {}) left by an interrupted create", name,
                info.id);
      return adopted;
    }
    // NOTE: a server still "creating" at the provider is taken as a create that died
    // with its process, which holds for the local provider. A cloud provider whose
    // creates continue remotely would want to wait for it instead.
    log->warn("deleting half-created server '{}' (provider id {}, state {})", name, info.id,
              sdk::to_string(info.state));
    provider.call("delete_server", [&](sdk::Provider& p) { p.delete_server(info.id); });
  }
  write([&](sdk::StorageView& view) { view.remove(sdk::kServers, record_string(record, "id")); });
  return std::nullopt;
}

void ServerService::write(const std::function<void(sdk::StorageView& view)>& body) {
  if (write_) {
    write_(body);
    return;
  }
  host_.storage().call("transaction",
                       [&](sdk::StorageBackend& storage) { storage.transaction(body); });
}

std::vector<sdk::Plan> ServerService::plans(const std::string& provider) {
  return host_.provider(provider).call("plans", [](sdk::Provider& p) { return p.plans(); });
}

std::vector<sdk::Zone> ServerService::zones(const std::string& provider) {
  return host_.provider(provider).call("zones", [](sdk::Provider& p) { return p.zones(); });
}

}  // namespace provisioning::host
