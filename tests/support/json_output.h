#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <exception>
#include <string>
#include <string_view>

#include "run_process.h"

namespace provisioning::testing {

// Returns the parsed standard output of a command that must succeed and print JSON.
// Records a test failure with the command's output when it failed or printed no JSON,
// and then returns null.
inline boost::json::value json_output(const ProcessResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.err;
  try {
    return boost::json::parse(result.out);
  } catch (const std::exception& error) {
    ADD_FAILURE() << "invalid JSON output: " << error.what() << "\n" << result.out;
    return nullptr;
  }
}

// Returns the string `key` of `value`, or "" when `value` is not an object or `key` is
// missing or not a string.
inline std::string text(const boost::json::value& value, std::string_view key) {
  if (!value.is_object()) return "";
  const boost::json::value* found = value.get_object().if_contains(key);
  return found != nullptr && found->is_string() ? std::string(found->get_string()) : "";
}

}  // namespace provisioning::testing
