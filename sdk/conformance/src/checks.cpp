// Entry points of the kit: listing the checks of a kind and running them.

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "check_support.h"

namespace provisioning::conformance {
namespace detail {
namespace {

std::string demangle(const std::type_info* type) {
  if (type == nullptr) return "unknown type";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type->name());
}

}  // namespace

std::string describe_current_exception() {
  std::string type = demangle(abi::__cxa_current_exception_type());
  try {
    throw;
  } catch (const sdk::Error& error) {
    return type + " (" + sdk::to_string(error.code()) + "): " + error.what();
  } catch (const std::exception& error) {
    return type + ": " + error.what();
  } catch (...) {
    return "an exception of type " + type;
  }
}

}  // namespace detail

namespace {

// Returns `plugin` as `Interface`, or throws kInvalidArgument naming `kind`.
template <typename Interface>
Interface& as_interface(sdk::Plugin& plugin, sdk::PluginKind kind) {
  auto* typed = dynamic_cast<Interface*>(&plugin);
  if (typed == nullptr) {
    throw sdk::Error::invalid_argument(std::string("the plugin object does not implement the ") +
                                       sdk::to_string(kind) +
                                       " interface; check the kind in its manifest");
  }
  return *typed;
}

template <typename Interface, typename Options>
CheckResult run_named(const std::vector<detail::Check<Interface, Options>>& checks,
                      std::string_view name, Interface& plugin, const Options& options,
                      sdk::PluginKind kind) {
  std::string names;
  for (const auto& check : checks) {
    if (check.name == name) return detail::run_one(check, plugin, options);
    names += (names.empty() ? "" : ", ") + std::string(check.name);
  }
  throw sdk::Error::not_found("no " + std::string(sdk::to_string(kind)) + " check is named " +
                              detail::quote(name) + "; the checks are: " + names);
}

}  // namespace

sdk::TaskservTarget TaskservCheckOptions::default_target() {
  sdk::TaskservTarget target;
  target.server_name = "conformance-1";
  target.server_id = "conformance-1";
  target.ip_address = "127.0.0.1";
  return target;
}

std::vector<CheckInfo> list_checks(sdk::PluginKind kind) {
  switch (kind) {
    case sdk::PluginKind::kProvider:
      return detail::describe(detail::provider_checks());
    case sdk::PluginKind::kTaskserv:
      return detail::describe(detail::taskserv_checks());
    case sdk::PluginKind::kStorage:
      return detail::describe(detail::storage_checks());
    case sdk::PluginKind::kApi:
      return detail::describe(detail::api_checks());
  }
  return {};
}

std::vector<CheckResult> check_provider(sdk::Provider& plugin,
                                        const ProviderCheckOptions& options) {
  return detail::run_all(detail::provider_checks(), plugin, options);
}

std::vector<CheckResult> check_taskserv(sdk::Taskserv& plugin,
                                        const TaskservCheckOptions& options) {
  return detail::run_all(detail::taskserv_checks(), plugin, options);
}

std::vector<CheckResult> check_storage(sdk::StorageBackend& plugin,
                                       const StorageCheckOptions& options) {
  return detail::run_all(detail::storage_checks(), plugin, options);
}

std::vector<CheckResult> check_api(sdk::ApiVersion& plugin, const ApiCheckOptions& options) {
  return detail::run_all(detail::api_checks(), plugin, options);
}

std::vector<CheckResult> check_plugin(sdk::PluginKind kind, sdk::Plugin& plugin,
                                      const CheckOptions& options) {
  switch (kind) {
    case sdk::PluginKind::kProvider:
      return check_provider(as_interface<sdk::Provider>(plugin, kind), options.provider);
    case sdk::PluginKind::kTaskserv:
      return check_taskserv(as_interface<sdk::Taskserv>(plugin, kind), options.taskserv);
    case sdk::PluginKind::kStorage:
      return check_storage(as_interface<sdk::StorageBackend>(plugin, kind), options.storage);
    case sdk::PluginKind::kApi:
      return check_api(as_interface<sdk::ApiVersion>(plugin, kind), options.api);
  }
  return {};
}

CheckResult run_check(sdk::PluginKind kind, std::string_view name, sdk::Plugin& plugin,
                      const CheckOptions& options) {
  switch (kind) {
    case sdk::PluginKind::kProvider:
      return run_named(detail::provider_checks(), name, as_interface<sdk::Provider>(plugin, kind),
                       options.provider, kind);
    case sdk::PluginKind::kTaskserv:
      return run_named(detail::taskserv_checks(), name, as_interface<sdk::Taskserv>(plugin, kind),
                       options.taskserv, kind);
    case sdk::PluginKind::kStorage:
      return run_named(detail::storage_checks(), name,
                       as_interface<sdk::StorageBackend>(plugin, kind), options.storage, kind);
    case sdk::PluginKind::kApi:
      return run_named(detail::api_checks(), name, as_interface<sdk::ApiVersion>(plugin, kind),
                       options.api, kind);
  }
  throw sdk::Error::invalid_argument("unknown plugin kind " +
                                     std::to_string(static_cast<int>(kind)));
}

}  // namespace provisioning::conformance
