#include "observability/metrics_hooks.h"

#include <provisioning/sdk/version.h>

#include <array>
#include <string>

#include "observability/process_stats.h"

namespace provisioning::host::observability {
namespace {

std::atomic<bool> enabled{true};

// The families that the record_* calls update, looked up once.
struct Instruments {
  CounterFamily& http_requests;
  HistogramFamily& http_duration;
  HistogramFamily& task_duration;
  CounterFamily& task_retries;
  CounterFamily& plugin_loads;
  CounterFamily& plugin_load_failures;
  HistogramFamily& plugin_load_duration;
  CounterFamily& storage_operations;
  CounterFamily& storage_errors;
  GaugeFamily& migration_done;
  GaugeFamily& migration_expected;
};

void add_process_metrics(Registry& registry) {
  auto& resident =
      registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  auto& virtual_memory =
      registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  auto& cpu = registry.counter("process_cpu_seconds_total",
                               "Total user and system CPU time spent in seconds.");
  auto& start = registry.gauge("process_start_time_seconds",
                               "Start time of the process since the Unix epoch in seconds.");
  auto& open_fds = registry.gauge("process_open_fds", "Number of open file descriptors.");
  auto& max_fds = registry.gauge("process_max_fds", "Maximum number of open file descriptors.");
  // The registry lives until the process exits, so this collector is never removed.
  static CollectorHandle handle = registry.add_collector([&] {
    ProcessStats stats = read_process_stats();
    if (stats.resident_memory_bytes) resident.with({}).set(*stats.resident_memory_bytes);
    if (stats.virtual_memory_bytes) virtual_memory.with({}).set(*stats.virtual_memory_bytes);
    if (stats.cpu_seconds) cpu.with({}).mirror(*stats.cpu_seconds);
    if (stats.start_time_seconds) start.with({}).set(*stats.start_time_seconds);
    if (stats.open_fds) open_fds.with({}).set(*stats.open_fds);
    if (stats.max_fds) max_fds.with({}).set(*stats.max_fds);
  });
}

Registry& make_registry() {
  static Registry registry;
  registry
      .gauge("provisioning_build_info",
             "Always 1; the labels name the version of the program, of its SDK and the SDK ABI.",
             {"version", "sdk_version", "sdk_abi"})
      .with({PROVISIONING_VERSION, PROVISIONING_SDK_VERSION,
             std::to_string(PROVISIONING_SDK_ABI_VERSION)})
      .set(1);
  add_process_metrics(registry);
  return registry;
}

Instruments& instruments() {
  static Instruments families{
      registry().counter("provisioning_http_requests_total",
                         "HTTP requests served by the orchestrator.",
                         {"api_version", "route", "method", "status"}),
      registry().histogram("provisioning_http_request_duration_seconds",
                           "Time to handle an HTTP request, from routing to the response body, "
                           "in seconds.",
                           {"api_version", "route", "method"}, latency_buckets()),
      registry().histogram("provisioning_task_duration_seconds",
                           "Time of one attempt of a workflow task, in seconds.", {"type"},
                           task_duration_buckets()),
      registry().counter("provisioning_task_retries_total",
                         "Failed task attempts that were scheduled to run again.", {"type"}),
      registry().counter("provisioning_plugin_loads_total", "Plugin loads that succeeded.",
                         {"kind", "name"}),
      registry().counter("provisioning_plugin_load_failures_total", "Plugin loads that failed.",
                         {"kind", "name"}),
      registry().histogram("provisioning_plugin_load_duration_seconds",
                           "Time to load a plugin, from reading its manifest to its factory's "
                           "return, in seconds.",
                           {"kind"}, latency_buckets()),
      registry().counter("provisioning_storage_operations_total", "Calls into the storage backend.",
                         {"backend", "operation"}),
      registry().counter("provisioning_storage_errors_total",
                         "Calls into the storage backend that failed.", {"backend", "operation"}),
      registry().gauge("provisioning_migration_done_records",
                       "Records the running migration has migrated so far."),
      registry().gauge("provisioning_migration_expected_records",
                       "Records the running migration migrates in all."),
  };
  return families;
}

std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kMethods = {"GET",    "POST", "PUT",    "PATCH",
                                                               "DELETE", "HEAD", "OPTIONS"};
  for (auto known : kMethods) {
    if (known == method) return known;
  }
  return "other";
}

}  // namespace

Registry& registry() {
  static Registry& instance = make_registry();
  return instance;
}

void register_metrics() {
  Instruments& families = instruments();
  // A series without labels exists only once used, so create the migration gauges at 0.
  families.migration_done.with({});
  families.migration_expected.with({});
}

void set_metrics_enabled(bool value) {
  enabled.store(value, std::memory_order_relaxed);
}

bool metrics_enabled() {
  return enabled.load(std::memory_order_relaxed);
}

std::string_view task_type_label(std::string_view type) {
  static constexpr std::array<std::string_view, 7> kTypes = {
      "server_create",   "server_delete",  "taskserv_create", "taskserv_install",
      "taskserv_remove", "cluster_create", "config"};
  for (auto known : kTypes) {
    if (known == type) return known;
  }
  return "other";
}

void record_http_request(std::string_view api_version, std::string_view route,
                         std::string_view method, int status, double seconds) {
  if (!metrics_enabled()) return;
  Instruments& families = instruments();
  std::string code = std::to_string(status);
  std::string_view verb = method_label(method);
  families.http_requests.with({api_version, route, verb, code}).increment();
  families.http_duration.with({api_version, route, verb}).observe(seconds);
}

void record_task_attempt(std::string_view type, double seconds) {
  if (!metrics_enabled()) return;
  instruments().task_duration.with({task_type_label(type)}).observe(seconds);
}

void record_task_retry(std::string_view type) {
  if (!metrics_enabled()) return;
  instruments().task_retries.with({task_type_label(type)}).increment();
}

void record_plugin_load(sdk::PluginKind kind, std::string_view name, bool loaded, double seconds) {
  if (!metrics_enabled()) return;
  Instruments& families = instruments();
  std::string_view kind_label = sdk::to_string(kind);
  (loaded ? families.plugin_loads : families.plugin_load_failures)
      .with({kind_label, name})
      .increment();
  families.plugin_load_duration.with({kind_label}).observe(seconds);
}

void record_plugin_call(sdk::PluginKind kind, std::string_view name, std::string_view operation) {
  if (kind != sdk::PluginKind::kStorage || !metrics_enabled()) return;
  instruments().storage_operations.with({name, operation}).increment();
}

void record_plugin_call_error(sdk::PluginKind kind, std::string_view name,
                              std::string_view operation) {
  if (kind != sdk::PluginKind::kStorage || !metrics_enabled()) return;
  instruments().storage_errors.with({name, operation}).increment();
}

void set_migration_progress(std::uint64_t done, std::uint64_t total) {
  Instruments& families = instruments();
  families.migration_done.with({}).set(static_cast<double>(done));
  families.migration_expected.with({}).set(static_cast<double>(total));
}

}  // namespace provisioning::host::observability
