// API version v2 (stable): workflows and tasks, plus the server routes with full records.

#include <provisioning/sdk/manifest.h>

#include "common/records.h"
#include "common/routed_api.h"
#include "common/server_routes.h"
#include "common/workflow_routes.h"

namespace provisioning::plugins {
namespace {

using namespace provisioning::plugins::api;

RouteTable v2_routes() {
  RouteTable table;
  add_server_routes(table, server_view);
  add_workflow_routes(table);
  return table;
}

class V2Api final : public RoutedApi {
 public:
  explicit V2Api(const sdk::PluginContext& context)
      : RoutedApi(context, ApiLevel::kV2, "stable", v2_routes()) {}
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::V2Api)
