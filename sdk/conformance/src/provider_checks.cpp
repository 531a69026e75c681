// Checks of the Provider contract (provisioning/sdk/provider.h).

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "check_support.h"

namespace provisioning::conformance::detail {
namespace {

constexpr const char* kUnknownPlan = "conformance-no-such-plan";
constexpr const char* kUnknownId = "conformance-no-such-server-id";
constexpr const char* kProbeFile = "/conformance/probe.txt";

// Returns "<prefix>-<suffix>", the name of a server one check creates.
std::string server_name(const ProviderCheckOptions& options, std::string_view suffix) {
  return options.server_name_prefix + "-" + std::string(suffix);
}

std::string describe_spec(const sdk::ServerSpec& spec) {
  return "create_server(name " + quote(spec.name) + ", plan " + quote(spec.plan) + ", zone " +
         quote(spec.zone) + ")";
}

std::string plan_for(sdk::Provider& provider, const ProviderCheckOptions& options) {
  if (!options.plan.empty()) return options.plan;
  auto plans = attempt("plans()", [&] { return provider.plans(); });
  if (plans.empty()) fail("plans() returned no plan, so no server can be created");
  return plans.front().name;
}

// Best-effort delete of a server a check created; the check's own result matters more
// than a failed clean-up, which a later check reports anyway.
void discard_server(sdk::Provider& provider, const std::string& id) {
  try {
    provider.delete_server(id);
  } catch (...) {
  }
}

// A server created for one check and deleted when the check ends.
class TemporaryServer {
 public:
  TemporaryServer(sdk::Provider& provider, const ProviderCheckOptions& options,
                  std::string_view suffix)
      : provider_(provider) {
    sdk::ServerSpec spec{server_name(options, suffix), plan_for(provider, options), "auto", {}};
    info_ = attempt(describe_spec(spec), [&] { return provider.create_server(spec); });
    if (info_.id.empty()) fail(describe_spec(spec) + " returned a server with an empty id");
  }
  ~TemporaryServer() {
    if (!info_.id.empty()) discard_server(provider_, info_.id);
  }
  TemporaryServer(const TemporaryServer&) = delete;
  TemporaryServer& operator=(const TemporaryServer&) = delete;

  const sdk::ServerInfo& info() const { return info_; }

 private:
  sdk::Provider& provider_;
  sdk::ServerInfo info_;
};

std::string get_call(const std::string& id) {
  return "get_server(" + quote(id) + ")";
}

// Waits until the server reports running, since executor() needs a running server.
void wait_until_running(sdk::Provider& provider, const sdk::ServerInfo& created,
                        const ProviderCheckOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + options.running_timeout;
  sdk::ServerState state = created.state;
  while (state == sdk::ServerState::kCreating) {
    if (std::chrono::steady_clock::now() >= deadline) {
      fail("server " + quote(created.name) + " was still creating after " +
           std::to_string(options.running_timeout.count()) +
           " s; raise ProviderCheckOptions::running_timeout for a slow provider");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto found = attempt(get_call(created.id), [&] { return provider.get_server(created.id); });
    if (!found) fail(get_call(created.id) + " returned nothing while the server was creating");
    state = found->state;
  }
  if (state != sdk::ServerState::kRunning) {
    fail("server " + quote(created.name) + " is " + sdk::to_string(state) + ", not running");
  }
}

void check_plans(sdk::Provider& provider, const ProviderCheckOptions&) {
  auto plans = attempt("plans()", [&] { return provider.plans(); });
  if (plans.empty()) fail("plans() returned no plan; list at least one");
  std::set<std::string> names;
  for (const sdk::Plan& plan : plans) {
    if (plan.name.empty()) fail("plans() lists a plan with an empty name");
    if (!names.insert(plan.name).second) fail("plans() lists plan " + quote(plan.name) + " twice");
    if (plan.cores <= 0 || plan.memory_mb <= 0 || plan.storage_gb <= 0) {
      fail("plan " + quote(plan.name) + " has cores " + std::to_string(plan.cores) +
           ", memory_mb " + std::to_string(plan.memory_mb) + " and storage_gb " +
           std::to_string(plan.storage_gb) + "; all three must be positive");
    }
  }
}

void check_zones(sdk::Provider& provider, const ProviderCheckOptions&) {
  auto zones = attempt("zones()", [&] { return provider.zones(); });
  std::set<std::string> ids;
  for (const sdk::Zone& zone : zones) {
    if (zone.id.empty()) fail("zones() lists a zone with an empty id");
    if (!ids.insert(zone.id).second) fail("zones() lists zone " + quote(zone.id) + " twice");
  }
}

void check_created_zone(sdk::Provider& provider, const sdk::ServerInfo& info) {
  if (info.zone.empty() || info.zone == "auto") {
    fail("create_server() with zone 'auto' returned zone " + quote(info.zone) +
         "; report the concrete zone the provider chose");
  }
  auto zones = attempt("zones()", [&] { return provider.zones(); });
  bool listed = std::any_of(zones.begin(), zones.end(),
                            [&](const sdk::Zone& zone) { return zone.id == info.zone; });
  if (!zones.empty() && !listed) {
    fail("create_server() returned zone " + quote(info.zone) + ", which zones() does not list");
  }
}

void check_create(sdk::Provider& provider, const ProviderCheckOptions& options) {
  std::string name = server_name(options, "create");
  std::string plan = plan_for(provider, options);
  TemporaryServer server(provider, options, "create");
  const sdk::ServerInfo& info = server.info();
  if (info.name != name)
    fail("create_server() returned name " + quote(info.name) + ", not " + quote(name));
  if (info.plan != plan)
    fail("create_server() returned plan " + quote(info.plan) + ", not " + quote(plan));
  check_created_zone(provider, info);
  if (info.state != sdk::ServerState::kRunning && info.state != sdk::ServerState::kCreating) {
    fail(std::string("create_server() returned state ") + sdk::to_string(info.state) +
         ", expected running or creating");
  }
}

void check_get(sdk::Provider& provider, const ProviderCheckOptions& options) {
  TemporaryServer server(provider, options, "get");
  const sdk::ServerInfo& created = server.info();
  auto found = attempt(get_call(created.id), [&] { return provider.get_server(created.id); });
  if (!found) fail(get_call(created.id) + " returned nothing for a server just created");
  if (found->id != created.id || found->name != created.name || found->plan != created.plan ||
      found->zone != created.zone) {
    fail(get_call(created.id) + " returned id " + quote(found->id) + ", name " +
         quote(found->name) + ", plan " + quote(found->plan) + ", zone " + quote(found->zone) +
         "; create_server() returned id " + quote(created.id) + ", name " + quote(created.name) +
         ", plan " + quote(created.plan) + ", zone " + quote(created.zone));
  }
}

bool listed(sdk::Provider& provider, const std::string& id) {
  auto servers = attempt("list_servers()", [&] { return provider.list_servers(); });
  return std::any_of(servers.begin(), servers.end(),
                     [&](const sdk::ServerInfo& server) { return server.id == id; });
}

void check_list(sdk::Provider& provider, const ProviderCheckOptions& options) {
  TemporaryServer server(provider, options, "list");
  if (!listed(provider, server.info().id)) {
    fail("list_servers() does not contain server " + quote(server.info().name) + " (id " +
         quote(server.info().id) + ") just created");
  }
}

void check_delete(sdk::Provider& provider, const ProviderCheckOptions& options) {
  TemporaryServer server(provider, options, "delete");
  const std::string& id = server.info().id;
  std::string call = "delete_server(" + quote(id) + ")";
  attempt(call, [&] { provider.delete_server(id); });
  auto found = attempt(get_call(id), [&] { return provider.get_server(id); });
  if (found && found->state != sdk::ServerState::kDeleted) {
    fail(get_call(id) + " still returns the server after " + call + ", in state " +
         sdk::to_string(found->state));
  }
  if (listed(provider, id)) fail("list_servers() still contains the server after " + call);
  try {
    provider.delete_server(id);
  } catch (...) {
    fail("a second " + call + " threw " + describe_current_exception() +
         "; deleting a server that is already gone must succeed");
  }
}

void check_get_unknown(sdk::Provider& provider, const ProviderCheckOptions&) {
  std::optional<sdk::ServerInfo> found;
  try {
    found = provider.get_server(kUnknownId);
  } catch (const sdk::Error& error) {
    if (error.code() == sdk::ErrorCode::kNotFound) return;
    fail(get_call(kUnknownId) + " threw sdk::Error (" + sdk::to_string(error.code()) +
         "), expected nothing or sdk::Error (not_found): " + error.what());
  } catch (...) {
    fail(get_call(kUnknownId) + " threw " + describe_current_exception() +
         ", expected nothing or sdk::Error (not_found)");
  }
  if (found) fail(get_call(kUnknownId) + " returned server " + quote(found->name));
}

// Calls create_server(), which must fail with kInvalidArgument; a server it creates
// anyway is deleted.
sdk::Error expect_rejected(sdk::Provider& provider, const sdk::ServerSpec& spec) {
  return expect_error(describe_spec(spec), sdk::ErrorCode::kInvalidArgument, [&] {
    sdk::ServerInfo created = provider.create_server(spec);
    discard_server(provider, created.id);
  });
}

void check_unknown_plan(sdk::Provider& provider, const ProviderCheckOptions& options) {
  sdk::ServerSpec spec{server_name(options, "plan"), kUnknownPlan, "auto", {}};
  sdk::Error error = expect_rejected(provider, spec);
  if (std::string(error.what()).find(kUnknownPlan) == std::string::npos) {
    fail(describe_spec(spec) + " threw a message that does not name the plan: " + error.what());
  }
}

void check_invalid_names(sdk::Provider& provider, const ProviderCheckOptions& options) {
  std::string plan = plan_for(provider, options);
  for (const char* name : {"../x", ""}) expect_rejected(provider, {name, plan, "auto", {}});
}

std::unique_ptr<sdk::Executor> open_executor(sdk::Provider& provider, const TemporaryServer& server,
                                             const ProviderCheckOptions& options) {
  wait_until_running(provider, server.info(), options);
  const std::string& id = server.info().id;
  auto executor = attempt("executor(" + quote(id) + ")", [&] { return provider.executor(id); });
  if (!executor) fail("executor(" + quote(id) + ") returned no executor");
  return executor;
}

void expect_content(sdk::Executor& executor, const std::string& expected) {
  std::string read = attempt(std::string("read_file(") + kProbeFile + ")",
                             [&] { return executor.read_file(kProbeFile); });
  if (read != expected) {
    fail(std::string("read_file(") + kProbeFile + ") returned " + quote(read) + " after writing " +
         quote(expected));
  }
}

void expect_exists(sdk::Executor& executor, const std::string& path, bool expected) {
  bool found = attempt("exists(" + path + ")", [&] { return executor.exists(path); });
  if (found != expected) {
    fail("exists(" + path + ") returned " + (found ? "true" : "false") + ", expected " +
         (expected ? "true" : "false"));
  }
}

void check_executor_files(sdk::Executor& executor) {
  attempt("write_file(" + std::string(kProbeFile) + ")",
          [&] { executor.write_file(kProbeFile, "first\n", 0644); });
  expect_exists(executor, kProbeFile, true);
  expect_content(executor, "first\n");
  attempt("write_file(" + std::string(kProbeFile) + ") over an existing file",
          [&] { executor.write_file(kProbeFile, "second\n", 0600); });
  expect_content(executor, "second\n");
  bool removed = attempt("remove(" + std::string(kProbeFile) + ")",
                         [&] { return executor.remove(kProbeFile); });
  if (!removed) fail(std::string("remove(") + kProbeFile + ") of an existing file returned false");
  expect_exists(executor, kProbeFile, false);
  expect_error(std::string("read_file(") + kProbeFile + ") of a removed file",
               sdk::ErrorCode::kNotFound, [&] { executor.read_file(kProbeFile); });
  removed = attempt("remove() of a missing file", [&] { return executor.remove(kProbeFile); });
  if (removed) fail(std::string("remove(") + kProbeFile + ") of a missing file returned true");
}

void check_executor_round_trip(sdk::Provider& provider, const ProviderCheckOptions& options) {
  TemporaryServer server(provider, options, "executor");
  auto executor = open_executor(provider, server, options);
  if (attempt("target()", [&] { return executor->target(); }).empty()) {
    fail("the executor's target() is empty; return the server's name or address");
  }
  attempt("create_directories(/conformance/directory/sub)",
          [&] { executor->create_directories("/conformance/directory/sub"); });
  expect_exists(*executor, "/conformance/directory/sub", true);
  check_executor_files(*executor);
}

void check_executor_escape(sdk::Provider& provider, const ProviderCheckOptions& options) {
  TemporaryServer server(provider, options, "escape");
  auto executor = open_executor(provider, server, options);
  for (const char* path :
       {"/../conformance-escape.txt", "/conformance/../../conformance-escape.txt"}) {
    expect_error("write_file(" + std::string(path) + ")", sdk::ErrorCode::kInvalidArgument,
                 [&] { executor->write_file(path, "escaped\n", 0644); });
    expect_error("read_file(" + std::string(path) + ")", sdk::ErrorCode::kInvalidArgument,
                 [&] { executor->read_file(path); });
  }
}

bool lists_capability(const ProviderCheckOptions& options, std::string_view capability) {
  const auto& listed = options.capabilities;
  return std::find(listed.begin(), listed.end(), capability) != listed.end();
}

void expect_owner(const sdk::ServerInfo& info, std::string_view call, const std::string& owner) {
  const sdk::json::value* value = info.metadata.if_contains("workflow_id");
  if (value == nullptr || !value->is_string() || value->get_string() != owner) {
    fail(std::string(call) + " returned metadata " + sdk::json::serialize(info.metadata) +
         " without the entry \"workflow_id\": \"" + owner +
         "\" of the ServerSpec.metadata; the unique-names capability promises it");
  }
}

// With the unique-names capability, a name in use is rejected and each server reports the
// ServerSpec.metadata it was created with.
void check_unique_names(sdk::Provider& provider, const ProviderCheckOptions& options) {
  if (!lists_capability(options, sdk::kUniqueNamesCapability)) return;
  std::string owner = server_name(options, "owner");
  sdk::ServerSpec spec{server_name(options, "unique"), plan_for(provider, options), "auto",
                       sdk::json::object{{"workflow_id", owner}}};
  sdk::ServerInfo first =
      attempt(describe_spec(spec), [&] { return provider.create_server(spec); });
  struct Discard {
    sdk::Provider& provider;
    std::string id;
    ~Discard() { discard_server(provider, id); }
  } discard{provider, first.id};

  expect_owner(first, describe_spec(spec), owner);
  std::string call = "a second " + describe_spec(spec);
  try {
    sdk::ServerInfo duplicate = provider.create_server(spec);
    discard_server(provider, duplicate.id);
    fail(call + " made a second server " + quote(duplicate.id) +
         "; the unique-names capability promises sdk::Error (already_exists)");
  } catch (const CheckFailure&) {
    throw;
  } catch (const sdk::Error& error) {
    if (error.code() != sdk::ErrorCode::kAlreadyExists) {
      fail(call + " threw sdk::Error (" + sdk::to_string(error.code()) +
           "), expected sdk::Error (already_exists): " + error.what());
    }
  } catch (...) {
    fail(call + " threw " + describe_current_exception() +
         ", expected sdk::Error (already_exists)");
  }
  auto servers = attempt("list_servers()", [&] { return provider.list_servers(); });
  auto listed = std::find_if(servers.begin(), servers.end(),
                             [&](const sdk::ServerInfo& info) { return info.id == first.id; });
  if (listed == servers.end()) fail("list_servers() does not contain " + quote(first.id));
  expect_owner(*listed, "list_servers()", owner);
}

void check_executor_unknown(sdk::Provider& provider, const ProviderCheckOptions&) {
  expect_error("executor(" + quote(kUnknownId) + ")", sdk::ErrorCode::kNotFound,
               [&] { provider.executor(kUnknownId); });
}

}  // namespace

const std::vector<ProviderCheck>& provider_checks() {
  static const std::vector<ProviderCheck> checks = {
      {"plans_are_valid",
       "plans() lists at least one plan, with unique names and positive cores, memory and storage",
       check_plans},
      {"zones_are_unique", "zones() lists zones with unique, non-empty ids", check_zones},
      {"create_server_reports_server",
       "create_server() returns the id, name, plan, a concrete zone (never 'auto') and state "
       "running or creating",
       check_create},
      {"get_server_finds_created", "get_server() returns a server just created", check_get},
      {"list_servers_includes_created", "list_servers() contains a server just created",
       check_list},
      {"delete_server_is_idempotent",
       "delete_server() removes the server, and deleting it again succeeds", check_delete},
      {"get_unknown_server_not_found",
       "get_server() of an unknown id returns nothing or throws sdk::Error (not_found)",
       check_get_unknown},
      {"unknown_plan_rejected",
       "create_server() with an unknown plan throws sdk::Error (invalid_argument) naming the plan",
       check_unknown_plan},
      {"invalid_names_rejected",
       "create_server() with the names '../x' and '' throws sdk::Error (invalid_argument)",
       check_invalid_names},
      {"executor_round_trip",
       "the executor of a created server creates directories and writes, reads and removes a file",
       check_executor_round_trip},
      {"executor_rejects_escape",
       "the executor rejects paths that climb out of the server with sdk::Error "
       "(invalid_argument)",
       check_executor_escape},
      {"executor_unknown_server_not_found",
       "executor() of an unknown id throws sdk::Error (not_found)", check_executor_unknown},
      {"unique_names_enforced",
       "with the unique-names capability, a second create_server() of a name throws "
       "sdk::Error (already_exists), and servers report their ServerSpec.metadata",
       check_unique_names},
  };
  return checks;
}

}  // namespace provisioning::conformance::detail
