#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace provisioning::sdk {

// Category of a failure, so callers can react without parsing messages.
// The host maps them to CLI exit codes and HTTP statuses.
enum class ErrorCode {
  kInvalidArgument,  // the request is malformed: bad name, unknown plan, bad field
  kNotFound,         // the named server, record or plugin does not exist
  kAlreadyExists,    // a record with that name or id already exists
  kConflict,         // the current state does not allow the operation
  kUnavailable,      // a dependency (database, remote API) cannot be reached; retrying may help
  kInternal,         // a bug or an unexpected failure
};

// Returns the lower-case name of `code`, such as "not_found".
const char* to_string(ErrorCode code);

// The one exception type plugins throw on purpose. Its message is shown to users, so it
// names the offending value and, where possible, how to fix it. Any other exception
// that leaves a plugin is reported by the host as an internal error of that plugin.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message);
  ~Error() override;

  ErrorCode code() const noexcept { return code_; }

  static Error invalid_argument(std::string_view message);
  static Error not_found(std::string_view message);
  static Error already_exists(std::string_view message);
  static Error conflict(std::string_view message);
  static Error unavailable(std::string_view message);
  static Error internal(std::string_view message);

 private:
  ErrorCode code_;
};

}  // namespace provisioning::sdk
