#pragma once

#include "common/routing.h"

namespace provisioning::plugins::api {

// Adds the batch routes of v3:
//   POST /workflows/batch/submit, GET /workflows/batch, GET /workflows/batch/{id},
//   POST /workflows/batch/{id}/cancel, POST /workflows/batch/{id}/rollback
void add_batch_routes(RouteTable& table);

}  // namespace provisioning::plugins::api
