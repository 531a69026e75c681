#pragma once

#include "common/records.h"
#include "common/server_request.h"

namespace provisioning::plugins::api {

// Adds GET /servers, POST /servers, GET /servers/{name} and DELETE /servers/{name},
// which return server records shaped by `view`.
//
// POST /servers creates the server synchronously (201) unless a v2+ body sets
// "orchestrated": true, in which case it behaves as POST /workflows/servers/create.
void add_server_routes(RouteTable& table, RecordView view);

// Submits `request` as a "server_create" workflow or, when it has batch_options (v3),
// as a batch of that one operation. See submit_workflow() and submit_batch().
sdk::ApiResponse submit_server_create(const HandlerContext& context,
                                      const ServerCreateRequest& request);

}  // namespace provisioning::plugins::api
