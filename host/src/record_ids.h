#pragma once

#include <chrono>
#include <string>

namespace provisioning::host {

// Returns a new id for a stored record: a UUID of version 7 (RFC 9562), whose first 48
// bits are the Unix time in milliseconds and the rest random. Ids made later sort after
// earlier ones (to the millisecond), so a storage backend keyed by id appends new records
// to the end of its index instead of touching a random page for each. Safe to call from
// several threads.
std::string new_record_id();

// The same for a given time; for tests.
std::string new_record_id(std::chrono::system_clock::time_point now);

}  // namespace provisioning::host
