#pragma once

#include <provisioning/sdk/error.h>

namespace provisioning::cli {

// Exit codes of the provisioning command, documented in docs/cli.md.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitInternal = 1;         // a bug or an unexpected failure
inline constexpr int kExitUsage = 2;            // invalid command line (from the parser)
inline constexpr int kExitInvalidArgument = 3;  // invalid name, plan, zone, file or setting
inline constexpr int kExitNotFound = 4;         // unknown server, plugin, cluster, key
inline constexpr int kExitConflict = 5;         // already exists, or the state forbids it
inline constexpr int kExitUnavailable = 6;      // storage busy, service unreachable
inline constexpr int kExitConformance = 7;      // `plugin test`: a conformance check failed
inline constexpr int kExitWorkflowFailed = 8;   // a followed workflow or batch did not complete
inline constexpr int kExitDegraded = 9;         // `health`: degraded, and nothing unhealthy

inline int exit_code_for(sdk::ErrorCode code) {
  switch (code) {
    case sdk::ErrorCode::kInvalidArgument:
      return kExitInvalidArgument;
    case sdk::ErrorCode::kNotFound:
      return kExitNotFound;
    case sdk::ErrorCode::kAlreadyExists:
    case sdk::ErrorCode::kConflict:
      return kExitConflict;
    case sdk::ErrorCode::kUnavailable:
      return kExitUnavailable;
    case sdk::ErrorCode::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace provisioning::cli
