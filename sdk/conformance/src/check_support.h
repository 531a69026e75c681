#pragma once

// Building blocks of the checks: failing with a message, calling the plugin with every
// exception turned into a failure, and expecting a specific sdk::Error.

#include <provisioning/conformance/conformance.h>
#include <provisioning/sdk/error.h>

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace provisioning::conformance::detail {

// Thrown inside a check to make it fail with `message`.
class CheckFailure : public std::exception {
 public:
  explicit CheckFailure(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

[[noreturn]] inline void fail(std::string message) {
  throw CheckFailure(std::move(message));
}

// Returns `text` in single quotes, for values in messages.
inline std::string quote(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// Describes the exception being handled, with its dynamic type: "provisioning::sdk::Error
// (not_found): no server 'x'", "std::runtime_error: boom" or "an exception of type int".
// Call it only inside a catch block.
std::string describe_current_exception();

// Returns the result of `action`, the plugin call described by `call` (such as
// "create_server(name 'x')"). Any exception fails the check with a message naming the
// call and the exception.
template <typename Action>
decltype(auto) attempt(std::string_view call, Action&& action) {
  try {
    return std::forward<Action>(action)();
  } catch (const CheckFailure&) {
    throw;
  } catch (...) {
    fail(std::string(call) + " failed: it threw " + describe_current_exception());
  }
}

// Fails the check unless `action` throws sdk::Error with `code`, and returns that error.
// The message names `call`, what happened instead, and the contract.
template <typename Action>
sdk::Error expect_error(std::string_view call, sdk::ErrorCode code, Action&& action) {
  std::string expected = std::string("sdk::Error (") + sdk::to_string(code) + ")";
  try {
    std::forward<Action>(action)();
  } catch (const CheckFailure&) {
    throw;
  } catch (const sdk::Error& error) {
    if (error.code() == code) return error;
    fail(std::string(call) + " threw sdk::Error (" + sdk::to_string(error.code()) + "), expected " +
         expected + ": " + error.what());
  } catch (...) {
    fail(std::string(call) + " threw " + describe_current_exception() + ", expected " + expected +
         "; plugins must report every failure as provisioning::sdk::Error");
  }
  fail(std::string(call) + " returned normally, expected it to throw " + expected);
}

// One named check of an interface.
template <typename Interface, typename Options>
struct Check {
  const char* name;
  const char* description;
  void (*run)(Interface& plugin, const Options& options);
};

// Runs `check`; a CheckFailure or any other exception makes it fail.
template <typename Interface, typename Options>
CheckResult run_one(const Check<Interface, Options>& check, Interface& plugin,
                    const Options& options) {
  CheckResult result{check.name, false, {}};
  try {
    check.run(plugin, options);
    result.passed = true;
  } catch (const CheckFailure& failure) {
    result.message = failure.what();
  } catch (...) {
    result.message = "the check could not run: " + describe_current_exception();
  }
  return result;
}

template <typename Interface, typename Options>
std::vector<CheckResult> run_all(const std::vector<Check<Interface, Options>>& checks,
                                 Interface& plugin, const Options& options) {
  std::vector<CheckResult> results;
  for (const auto& check : checks) results.push_back(run_one(check, plugin, options));
  return results;
}

template <typename Interface, typename Options>
std::vector<CheckInfo> describe(const std::vector<Check<Interface, Options>>& checks) {
  std::vector<CheckInfo> infos;
  for (const auto& check : checks) infos.push_back({check.name, check.description});
  return infos;
}

// The check lists of each kind, defined in <kind>_checks.cpp.
using ProviderCheck = Check<sdk::Provider, ProviderCheckOptions>;
using TaskservCheck = Check<sdk::Taskserv, TaskservCheckOptions>;
using StorageCheck = Check<sdk::StorageBackend, StorageCheckOptions>;
using ApiCheck = Check<sdk::ApiVersion, ApiCheckOptions>;

const std::vector<ProviderCheck>& provider_checks();
const std::vector<TaskservCheck>& taskserv_checks();
const std::vector<StorageCheck>& storage_checks();
const std::vector<ApiCheck>& api_checks();

}  // namespace provisioning::conformance::detail
