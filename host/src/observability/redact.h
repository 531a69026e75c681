#pragma once

// Removal of secrets from log lines, configuration dumps and error messages.
//
// Two rules apply. Every configured secret value (see is_secret_key) is replaced
// wherever it appears, and so is the value after "Bearer " or after a key whose name
// contains "token", "password" or "secret" ("password=...", "token: ...",
// "\"secret\": \"...\"").

#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace provisioning::host::observability {

// The text that replaces a secret.
inline constexpr std::string_view kRedacted = "[REDACTED]";

// Secret values shorter than this are not searched for in free text, because they would
// match ordinary words. The key-based rule still hides them.
inline constexpr std::size_t kMinSecretLength = 4;

// Returns whether a configuration key contains a secret: orchestrator.auth_token,
// storage.surrealdb.password, and any key whose name contains "token", "password" or
// "secret", in any case.
bool is_secret_key(std::string_view key);

// The non-empty string values of the secret keys of `config`.
std::vector<std::string> secret_values(const Config& config);

// Replaces the process-wide list of secret values that redact() hides. Thread-safe.
void set_secret_values(std::vector<std::string> values);

// Returns `text` with every secret hidden. Thread-safe.
std::string redact(std::string_view text);

// Returns whether redact() would change `text`; cheaper than comparing.
bool needs_redaction(std::string_view text);

// The value to print for `key` in a configuration dump: kRedacted for a secret key with
// a value, else `value` itself.
json::value redacted_config_value(std::string_view key, const json::value& value);

}  // namespace provisioning::host::observability
