#include "provisioning/sdk/error.h"

namespace provisioning::sdk {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

// Out of line so that the type information lives in the SDK library and exceptions
// thrown by a plugin are caught as Error in the host.
Error::~Error() = default;

Error Error::invalid_argument(std::string_view message) {
  return Error(ErrorCode::kInvalidArgument, std::string(message));
}
Error Error::not_found(std::string_view message) {
  return Error(ErrorCode::kNotFound, std::string(message));
}
Error Error::already_exists(std::string_view message) {
  return Error(ErrorCode::kAlreadyExists, std::string(message));
}
Error Error::conflict(std::string_view message) {
  return Error(ErrorCode::kConflict, std::string(message));
}
Error Error::unavailable(std::string_view message) {
  return Error(ErrorCode::kUnavailable, std::string(message));
}
Error Error::internal(std::string_view message) {
  return Error(ErrorCode::kInternal, std::string(message));
}

}  // namespace provisioning::sdk
