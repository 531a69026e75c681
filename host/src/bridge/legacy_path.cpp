#include "bridge/legacy_path.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/storage.h>

#include "bridge/translate.h"
#include "logging.h"
#include "migration/legacy_fallback.h"
#include "servers.h"

namespace provisioning::host::bridge {
namespace {

namespace json = boost::json;

std::string string_field(const json::object& record, std::string_view key) {
  const json::value* value = record.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
}

}  // namespace

LegacyPath::LegacyPath(Host& current, const HostOptions& base,
                       std::filesystem::path legacy_directory)
    : current_(current), base_(base), directory_(std::move(legacy_directory)) {}

LegacyPath::~LegacyPath() = default;

Host& LegacyPath::legacy_host() {
  if (host_) return *host_;
  HostOptions options = base_;
  options.config_flags["storage.backend"] = "filesystem";
  options.config_flags["storage.filesystem.path"] = directory_.string();
  // The legacy directory is this host's own store, so it must not also read it a second
  // time as its legacy fallback.
  options.config_flags["bridge.legacy_path"] = "";
  host_ = Host::open(options);
  return *host_;
}

std::optional<json::object> LegacyPath::find_record(const std::string& name) const {
  migration::LegacyDirectory directory(directory_);
  for (const std::string& id : directory.ids(sdk::kServers)) {
    std::optional<json::object> record = directory.get(sdk::kServers, id);
    if (record && string_field(*record, "name") == name) return record;
  }
  return std::nullopt;
}

json::array LegacyPath::list_records() const {
  migration::LegacyDirectory directory(directory_);
  json::array records;
  for (const std::string& id : directory.ids(sdk::kServers)) {
    if (auto record = directory.get(sdk::kServers, id)) records.push_back(*record);
  }
  return records;
}

// The legacy operation has succeeded when the copy runs, so a failed copy is logged, not
// thrown: `provisioning data check` lists the difference and `data repair` copies it.
void LegacyPath::mirror_put(const json::object& record) {
  std::string id = string_field(record, "id");
  try {
    current_.storage().call(
        "put", [&](sdk::StorageBackend& storage) { storage.put(sdk::kServers, id, record); });
  } catch (const sdk::Error& error) {
    component_logger("bridge")->error(
        "server '{}' (id {}) was created on the legacy path but not copied to the current "
        "store: {}; run 'provisioning data repair'",
        string_field(record, "name"), id, error.what());
  }
}

void LegacyPath::mirror_remove(const json::object& record) {
  std::string id = string_field(record, "id");
  try {
    current_.storage().call(
        "remove", [&](sdk::StorageBackend& storage) { return storage.remove(sdk::kServers, id); });
  } catch (const sdk::Error& error) {
    component_logger("bridge")->error(
        "server '{}' (id {}) was deleted on the legacy path but not from the current store: "
        "{}; run 'provisioning data check'",
        string_field(record, "name"), id, error.what());
  }
}

bool LegacyPath::has_server(const std::string& name) {
  return find_record(name).has_value();
}

json::value LegacyPath::run(const BridgeOperation& operation) {
  switch (operation.kind) {
    case OperationKind::kServerList:
      return to_legacy_shape(list_records());
    case OperationKind::kServerShow: {
      std::optional<json::object> record = find_record(operation.server);
      if (!record) {
        throw sdk::Error::not_found("server '" + operation.server +
                                    "' not found in the legacy data directory '" +
                                    directory_.string() + "'");
      }
      return legacy_server_view(*record);
    }
    case OperationKind::kServerDelete: {
      ServerService servers(legacy_host());
      json::object record = servers.remove(operation.server, operation.check);
      if (!operation.check) mirror_remove(record);
      return legacy_server_view(record);
    }
    case OperationKind::kServerCreate: {
      ServerService servers(legacy_host());
      CreateServerRequest request;
      request.name = operation.server;
      request.plan = operation.plan;
      request.zone = operation.zone;
      request.check = operation.check;
      request.wait = operation.wait;
      json::object record = servers.create(request);
      if (!operation.check) mirror_put(record);
      return legacy_server_view(record);
    }
  }
  throw sdk::Error::internal("unknown bridge operation");
}

}  // namespace provisioning::host::bridge
