#pragma once

// The orchestrator's own pages: GET /ui, a status page for people, and
// GET /health/detailed, the health of every integration point as JSON.

#include <cstddef>

#include "host.h"
#include "orchestrator/api_router.h"

namespace provisioning::host::observability {

// Returns the status page: one self-contained HTML document with no external assets.
// Its script reads GET /servers and GET /workflows (API v2) and GET /health/detailed,
// and again every 5 seconds. With an orchestrator.auth_token, open it as
// /ui#token=<token>: the fragment stays in the browser and the script sends it as a
// bearer token.
HttpResponse status_page_response();

// Runs every health check, with the orchestrator that serves on `port` reporting on
// itself. Returns HTTP 200 when the overall status is healthy or degraded and 503 when
// it is unhealthy, with HealthReport::to_json() as the body.
HttpResponse detailed_health_response(Host& host, int port, std::size_t queue_depth);

}  // namespace provisioning::host::observability
