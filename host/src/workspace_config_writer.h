#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace provisioning::host {

// A value that set_config_value() writes: a TOML string, integer, boolean or array of
// strings.
using ConfigFileValue = std::variant<std::string, std::int64_t, bool, std::vector<std::string>>;

// Returns `value` as TOML text, such as "\"sqlite\"", 42, true or ["a", "b"].
std::string to_toml_text(const ConfigFileValue& value);

// Sets the dotted key `key` ("storage.backend") in the TOML file `config_file`, such as a
// workspace's config.toml, and changes nothing else in the file: comments, blank lines
// and other keys stay as they are. The key's `key = value` line inside its [table] is
// replaced (keeping its trailing comment); a missing key is added at the end of its
// table, and a missing table at the end of the file. A missing file is created.
//
// The write is atomic and durable: the new text goes to a temporary file in the same
// directory, which is synced and renamed over the file, and then the directory is
// synced. Before the rename the new text is parsed with toml++ and must hold `value`
// at `key`. Throws sdk::Error (kInvalidArgument) naming the file and key when the file
// is not valid TOML or when the key is set in a form this editor does not change, such
// as an inline table; the file is then left as it was.
void set_config_value(const std::filesystem::path& config_file, std::string_view key,
                      const ConfigFileValue& value);

// Sets several keys in one atomic write, in order, with the guarantees of
// set_config_value(): either every key changes or the file stays as it was.
void set_config_values(const std::filesystem::path& config_file,
                       const std::vector<std::pair<std::string, ConfigFileValue>>& values);

// Removes the line that sets `key`, with the same guarantees as set_config_value().
// Returns false, and leaves the file untouched, when the file does not set the key.
bool unset_config_value(const std::filesystem::path& config_file, std::string_view key);

}  // namespace provisioning::host
