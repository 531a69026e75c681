#pragma once

#include "common/routing.h"

namespace provisioning::plugins::api {

// Adds the workflow and task routes of v2, which v3 keeps:
//   POST /workflows/servers/create, /workflows/taskserv/create, /workflows/cluster/create
//   GET /workflows, GET /workflows/{id}, POST /workflows/{id}/cancel
//   GET /tasks, GET /tasks/{id}
void add_workflow_routes(RouteTable& table);

}  // namespace provisioning::plugins::api
