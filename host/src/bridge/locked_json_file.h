#pragma once

#include <provisioning/sdk/json.h>

#include <filesystem>
#include <functional>

namespace provisioning::host::bridge {

// Returns the JSON object stored in `file`, or an empty object when the file does not
// exist. Throws sdk::Error (kInvalidArgument) naming the file when it is not a JSON
// object, and (kUnavailable) when it cannot be read.
boost::json::object read_json_object(const std::filesystem::path& file);

// Reads `file`, lets `update` change the object and writes it back atomically, holding an
// exclusive flock() on "<file>.lock" throughout, so concurrent CLI runs do not lose each
// other's updates. Creates missing parent directories. Throws what read_json_object()
// throws, and sdk::Error (kUnavailable) when the lock cannot be taken.
void update_json_object(const std::filesystem::path& file,
                        const std::function<void(boost::json::object&)>& update);

}  // namespace provisioning::host::bridge
