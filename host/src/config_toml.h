#pragma once

#include <provisioning/sdk/json.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace provisioning::host {

// The settings of one TOML file as dotted keys ("storage.sqlite.path") in file order.
// Tables are flattened into the keys. Arrays stay arrays, and arrays of tables stay
// arrays of JSON objects, so [[clusters]] reads as one key.
using FlatSettings = std::vector<std::pair<std::string, boost::json::value>>;

// Parses TOML `text`, naming `file` in errors. Throws sdk::Error (kInvalidArgument) with
// "<file>:<line>:<column>: <description>; <fix_hint>" when the text is not valid TOML.
FlatSettings parse_toml_settings(std::string_view text, const std::filesystem::path& file,
                                 std::string_view fix_hint);

// Reads and parses `file` as above. Throws sdk::Error (kNotFound) when it is missing and
// (kInvalidArgument) when it is not a regular file.
FlatSettings read_toml_settings(const std::filesystem::path& file, std::string_view fix_hint);

}  // namespace provisioning::host
