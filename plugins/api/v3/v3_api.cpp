// API version v3 (beta): everything of v2, plus batches of operations with dependencies.

#include <provisioning/sdk/manifest.h>

#include "batch_routes.h"
#include "common/records.h"
#include "common/routed_api.h"
#include "common/server_routes.h"
#include "common/workflow_routes.h"

namespace provisioning::plugins {
namespace {

using namespace provisioning::plugins::api;

RouteTable v3_routes() {
  RouteTable table;
  add_server_routes(table, server_view);
  add_workflow_routes(table);
  add_batch_routes(table);
  return table;
}

class V3Api final : public RoutedApi {
 public:
  explicit V3Api(const sdk::PluginContext& context)
      : RoutedApi(context, ApiLevel::kV3, "beta", v3_routes()) {}
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::V3Api)
