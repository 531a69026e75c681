// API version v1 (legacy): synchronous server routes only, with the legacy record shape
// {name, plan, zone, status, ip, created} that clients of the first release read.

#include <provisioning/sdk/manifest.h>

#include "common/records.h"
#include "common/routed_api.h"
#include "common/server_routes.h"

namespace provisioning::plugins {
namespace {

using namespace provisioning::plugins::api;

json::value field_or_null(const json::object& record, std::string_view field) {
  const json::value* value = record.if_contains(field);
  return value != nullptr ? *value : json::value(nullptr);
}

// Renames ip_address to "ip" and created_at to "created", and drops the fields v1 never
// had (id, provider, provider_id, updated_at, metadata, tags).
json::object legacy_server_view(const json::object& record) {
  json::object view = select_fields(record, {"name", "plan", "zone", "status"});
  view["ip"] = field_or_null(record, "ip_address");
  view["created"] = field_or_null(record, "created_at");
  return view;
}

RouteTable v1_routes() {
  RouteTable table;
  add_server_routes(table, legacy_server_view);
  return table;
}

class V1Api final : public RoutedApi {
 public:
  explicit V1Api(const sdk::PluginContext& context)
      : RoutedApi(context, ApiLevel::kV1, "legacy", v1_routes()) {}
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::V1Api)
