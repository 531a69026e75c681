#pragma once

#include <string>

namespace provisioning::plugins::api {

// The generations of the HTTP API, in order. Each one accepts everything the earlier ones
// accept, so a request field or route records the level that introduced it.
enum class ApiLevel { kV1 = 1, kV2 = 2, kV3 = 3 };

// Returns the API-Version header value of `level`, such as "v2".
std::string version_name(ApiLevel level);

}  // namespace provisioning::plugins::api
