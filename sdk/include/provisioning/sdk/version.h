#pragma once

// Version numbers of the provisioning SDK.
//
// The ABI version changes whenever a change to a public header breaks plugins built
// against an earlier one (a new virtual method, a changed struct layout). The loader
// rejects a plugin whose manifest names another ABI version before running any of its
// code. The SDK version is informational and follows semantic versioning.

#define PROVISIONING_SDK_ABI_VERSION 1
#define PROVISIONING_SDK_VERSION "0.3.0"

namespace provisioning::sdk {

inline constexpr int kAbiVersion = PROVISIONING_SDK_ABI_VERSION;
inline constexpr const char* kSdkVersion = PROVISIONING_SDK_VERSION;

}  // namespace provisioning::sdk
