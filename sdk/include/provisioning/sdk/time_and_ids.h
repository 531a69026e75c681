#pragma once

#include <string>

namespace provisioning::sdk {

// Returns the current UTC time as RFC 3339 with milliseconds, such as
// "2026-01-02T10:11:12.345Z": the format of every timestamp in records.
std::string utc_timestamp();

// Returns a new random UUID (version 4) in canonical lower-case form. Safe to call from
// several threads.
std::string generate_uuid();

}  // namespace provisioning::sdk
