#pragma once

// The metrics of this program and the calls that record them. docs/observability.md
// lists every metric with its labels.
//
// Label values are bounded: routes are templates such as /servers/{name}, task types
// and API versions outside the known set become "other", and plugin names come from
// installed plugins only, never from request input.

#include <provisioning/sdk/plugin.h>

#include <chrono>
#include <cstdint>
#include <string_view>

#include "observability/metrics.h"

namespace provisioning::host::observability {

// The process-wide registry, with the build_info and process_* metrics registered.
Registry& registry();

// Registers every family that the record_* calls update, so an exposition lists them
// before their first value.
void register_metrics();

// Whether the record_* calls below record anything (default true). The orchestrator
// sets it from observability.metrics; it applies to the whole process.
void set_metrics_enabled(bool enabled);
bool metrics_enabled();

void record_http_request(std::string_view api_version, std::string_view route,
                         std::string_view method, int status, double seconds);

// One run of a workflow task, whatever its outcome.
void record_task_attempt(std::string_view type, double seconds);
void record_task_retry(std::string_view type);

// Runs `attempt` and records its duration as a task attempt of `type`, also when it
// throws.
template <typename Attempt>
auto timed_task_attempt(std::string_view type, Attempt&& attempt) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  try {
    auto result = attempt();
    record_task_attempt(type, elapsed());
    return result;
  } catch (...) {
    record_task_attempt(type, elapsed());
    throw;
  }
}

void record_plugin_load(sdk::PluginKind kind, std::string_view name, bool loaded, double seconds);

// Runs `load` and records its duration and whether it threw, which it rethrows.
template <typename Load>
auto timed_plugin_load(sdk::PluginKind kind, std::string_view name, Load&& load) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  try {
    auto loaded = load();
    record_plugin_load(kind, name, true, elapsed());
    return loaded;
  } catch (...) {
    record_plugin_load(kind, name, false, elapsed());
    throw;
  }
}

// One call into a plugin. Only storage calls are counted, by backend and operation.
void record_plugin_call(sdk::PluginKind kind, std::string_view name, std::string_view operation);
// A call into a plugin that failed with an error of the plugin.
void record_plugin_call_error(sdk::PluginKind kind, std::string_view name,
                              std::string_view operation);

// Sets the progress of the running migration: records migrated so far and records to
// migrate in all.
void set_migration_progress(std::uint64_t done, std::uint64_t total);

// The task type as a label value: a known type, else "other".
std::string_view task_type_label(std::string_view type);

}  // namespace provisioning::host::observability
