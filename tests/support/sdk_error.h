#pragma once

#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

namespace provisioning::testing {

// Runs `action`, which must throw sdk::Error, and returns the error for checks on its
// code and message. Records a test failure when `action` throws nothing.
template <typename Action>
sdk::Error expect_sdk_error(Action&& action) {
  try {
    action();
  } catch (const sdk::Error& error) {
    return error;
  }
  ADD_FAILURE() << "expected sdk::Error, but nothing was thrown";
  return sdk::Error::internal("no error was thrown");
}

}  // namespace provisioning::testing
