#pragma once
// Sends SurrealQL to a SurrealDB server's HTTP endpoint `POST /sql` and turns every
// failure into an sdk::Error that names the server and the fix.

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/json.h>

#include <string>
#include <vector>

#include "settings.h"

namespace provisioning::plugins::surrealdb {

namespace sdk = provisioning::sdk;

// A failure that a new attempt may not have: a write conflict between two SurrealDB
// transactions ("This transaction can be retried"), or a writer lock held by another
// process. Callers retry until their deadline and then report it as kUnavailable.
class TransientError : public sdk::Error {
 public:
  explicit TransientError(const std::string& message)
      : sdk::Error(sdk::ErrorCode::kUnavailable, message) {}
};

// Text that the backend's THROW statements start with, which distinguishes these
// failures from the server's own errors.
inline constexpr const char* kLockHeldMarker = "provisioning: writer lock held";
inline constexpr const char* kLockLostMarker = "provisioning: writer lock lost";

// Thread-safe: every call opens its own HTTP connection.
class SurrealClient {
 public:
  explicit SurrealClient(Settings settings);

  // Runs `sql` and returns the result of each statement. `action` describes the request
  // for messages, such as "reading record 'servers/x'". Throws sdk::Error when the
  // server cannot be reached, rejects the request or any statement fails, and
  // TransientError for a write conflict or a held writer lock.
  std::vector<json::value> execute(const std::string& sql, const std::string& action) const;

  // "<url> (namespace <ns>, database <db>)", without credentials.
  std::string location() const;

  const Settings& settings() const { return settings_; }

 private:
  std::string post(const std::string& sql, const std::string& action) const;
  // " of namespace NS" or " of database NS/DB" for a non-root user, for messages.
  std::string auth_scope() const;
  [[noreturn]] void throw_statement_error(const std::string& text, const std::string& action) const;

  Settings settings_;
};

}  // namespace provisioning::plugins::surrealdb
