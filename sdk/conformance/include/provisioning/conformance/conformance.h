#pragma once

// The conformance kit: named checks of the SDK contracts, run against a plugin object.
//
// Each kind has a fixed list of checks (list_checks()). A check calls the plugin through
// its SDK interface, never through the host, so it gets exactly the exceptions the plugin throws.
// A check passes or fails with a message that names the call, the value and what the
// contract expects. Every check is self-contained, so the checks may run alone or in
// any order against one object, each at most once. Provider checks delete the servers
// they create, and taskserv checks remove their scratch servers. Storage checks leave
// their records in collections named "conformance_<check>".
//
// The plugin object must have been created with a context whose directories are
// private to the run, such as one from scratch_context() (scratch.h), because the
// checks write into them.

#include <provisioning/sdk/api_version.h>
#include <provisioning/sdk/plugin.h>
#include <provisioning/sdk/provider.h>
#include <provisioning/sdk/storage.h>
#include <provisioning/sdk/taskserv.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace provisioning::conformance {

namespace sdk = provisioning::sdk;

// Outcome of one check.
struct CheckResult {
  std::string name;  // the check's name, such as "delete_server_is_idempotent"
  bool passed = false;
  std::string message;  // reason for the failure, or empty when the check passed
};

// Name and one-line description of a check, for listings and test registration.
struct CheckInfo {
  std::string name;
  std::string description;
};

struct ProviderCheckOptions {
  // Prefix of the names of the servers the checks create. Each check appends its own
  // suffix, such as "conformance-create".
  std::string server_name_prefix = "conformance";
  // Plan of the servers the checks create, or empty for the first of plans().
  std::string plan;
  // Maximum time a created server may stay in state creating before the executor checks
  // give up. Meanwhile get_server() is polled every 200 ms.
  std::chrono::seconds running_timeout{60};
  // Capabilities from the plugin's manifest. The check of a capability's promises,
  // such as unique_names_enforced, passes without a call when it is not listed.
  std::vector<std::string> capabilities;
};

struct TaskservCheckOptions {
  // The taskserv's name from its manifest, for the check that it does not depend on
  // itself. Empty skips that part of the check.
  std::string name;
  // What install() receives. The defaults describe a server named "conformance-1" at
  // 127.0.0.1, outside any cluster.
  sdk::TaskservTarget target = default_target();
  // Directory under which each check creates the root of its scratch server, or empty
  // for the system temporary directory.
  std::filesystem::path scratch_parent;

  static sdk::TaskservTarget default_target();
};

struct StorageCheckOptions {
  // Shape of the concurrency check: this many threads, each running this many
  // transactions of one put.
  int writer_threads = 4;
  int transactions_per_thread = 50;
};

struct ApiCheckOptions {
  // A path that matches none of routes(), requested with GET.
  std::string unknown_path = "/conformance/no-such-route";
};

// Options of every kind, for check_plugin() and run_check().
struct CheckOptions {
  ProviderCheckOptions provider;
  TaskservCheckOptions taskserv;
  StorageCheckOptions storage;
  ApiCheckOptions api;
};

// The checks of `kind`, in the order check_plugin() runs them.
std::vector<CheckInfo> list_checks(sdk::PluginKind kind);

// Runs every check of one kind against `plugin`, in list_checks() order. Never throws,
// because a check whose calls throw fails with a message describing the exception.
std::vector<CheckResult> check_provider(sdk::Provider& plugin,
                                        const ProviderCheckOptions& options = {});
std::vector<CheckResult> check_taskserv(sdk::Taskserv& plugin,
                                        const TaskservCheckOptions& options = {});
std::vector<CheckResult> check_storage(sdk::StorageBackend& plugin,
                                       const StorageCheckOptions& options = {});
std::vector<CheckResult> check_api(sdk::ApiVersion& plugin, const ApiCheckOptions& options = {});

// Runs every check of `kind` against `plugin`. Throws sdk::Error (kInvalidArgument)
// when `plugin` does not implement the interface of `kind`.
std::vector<CheckResult> check_plugin(sdk::PluginKind kind, sdk::Plugin& plugin,
                                      const CheckOptions& options = {});

// Runs the check of `kind` named `name` against `plugin`. Throws sdk::Error
// (kInvalidArgument) when `plugin` does not implement the interface of `kind`, and
// (kNotFound) listing the valid names when no check has that name.
CheckResult run_check(sdk::PluginKind kind, std::string_view name, sdk::Plugin& plugin,
                      const CheckOptions& options = {});

}  // namespace provisioning::conformance
