// provisioning plugin test PATH: loads a plugin file with the host's loader and runs the
// conformance kit's checks of its kind against it, in a scratch directory.

#include <provisioning/conformance/conformance.h>
#include <provisioning/conformance/scratch.h>
#include <provisioning/sdk/error.h>

#include <iostream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "plugin_loader.h"
#include "plugin_manifest.h"

namespace provisioning::cli {
namespace {

namespace conformance = provisioning::conformance;

// Reads the manifest from the file without loading it, with the loader's messages.
host::PluginManifest read_manifest(const std::filesystem::path& file) {
  try {
    return host::parse_manifest(host::read_manifest_section(file));
  } catch (const sdk::Error& error) {
    std::string message = error.what();
    if (message.find(file.string()) == std::string::npos) message += " in '" + file.string() + "'";
    throw sdk::Error(error.code(), message);
  }
}

// Loads `file` as `Interface` with the host's loader and runs the checks on the plugin
// object itself, so the checks see the plugin's own exceptions.
template <typename Interface>
std::vector<conformance::CheckResult> load_and_check(const std::filesystem::path& file,
                                                     sdk::PluginKind kind,
                                                     const sdk::PluginContext& context,
                                                     const conformance::CheckOptions& options) {
  auto handle = host::load_plugin_as<Interface>(file, kind, context);
  Interface& plugin =
      handle.call("conformance checks", [](Interface& object) -> Interface& { return object; });
  return conformance::check_plugin(kind, plugin, options);
}

std::vector<conformance::CheckResult> run_checks(const std::filesystem::path& file,
                                                 sdk::PluginKind kind,
                                                 const sdk::PluginContext& context,
                                                 const conformance::CheckOptions& options) {
  switch (kind) {
    case sdk::PluginKind::kProvider:
      return load_and_check<sdk::Provider>(file, kind, context, options);
    case sdk::PluginKind::kTaskserv:
      return load_and_check<sdk::Taskserv>(file, kind, context, options);
    case sdk::PluginKind::kStorage:
      return load_and_check<sdk::StorageBackend>(file, kind, context, options);
    case sdk::PluginKind::kApi:
      return load_and_check<sdk::ApiVersion>(file, kind, context, options);
  }
  throw sdk::Error::internal("unknown plugin kind " + std::to_string(static_cast<int>(kind)));
}

std::size_t count_failed(const std::vector<conformance::CheckResult>& results) {
  std::size_t failed = 0;
  for (const auto& result : results) failed += result.passed ? 0 : 1;
  return failed;
}

void print_report_json(const host::PluginManifest& manifest, const std::filesystem::path& file,
                       const std::vector<conformance::CheckResult>& results) {
  json::array checks;
  for (const auto& result : results) {
    checks.push_back(json::object{
        {"name", result.name}, {"passed", result.passed}, {"message", result.message}});
  }
  std::size_t failed = count_failed(results);
  print_json(json::object{{"kind", sdk::to_string(manifest.kind)},
                          {"name", manifest.name},
                          {"version", manifest.version},
                          {"path", file.string()},
                          {"checks", std::move(checks)},
                          {"passed", results.size() - failed},
                          {"failed", failed}});
}

void print_report_text(const host::PluginManifest& manifest, const std::filesystem::path& file,
                       const std::vector<conformance::CheckResult>& results) {
  std::cout << "testing " << sdk::to_string(manifest.kind) << " '" << manifest.name << "' "
            << manifest.version << " from " << file.string() << '\n';
  for (const auto& result : results) {
    std::cout << (result.passed ? "PASS  " : "FAIL  ") << result.name;
    if (!result.passed) std::cout << ": " << result.message;
    std::cout << '\n';
  }
  std::size_t failed = count_failed(results);
  std::cout << results.size() - failed << " passed, " << failed << " failed\n";
}

int test_plugin(const GlobalOptions& options, const std::filesystem::path& file,
                const std::string& kind_name) {
  host::PluginManifest manifest = read_manifest(file);
  sdk::PluginKind kind = kind_name.empty() ? manifest.kind : *host::parse_plugin_kind(kind_name);

  conformance::ScratchDirectory directory("provisioning-plugin-test");
  conformance::CheckOptions check_options;
  check_options.provider.capabilities = manifest.capabilities;
  check_options.taskserv.name = manifest.name;
  check_options.taskserv.scratch_parent = directory.path() / "servers";
  sdk::PluginContext context = conformance::scratch_context(directory.path(), kind, manifest.name);

  auto results = run_checks(file, kind, context, check_options);
  if (json_output(options)) {
    print_report_json(manifest, file, results);
  } else {
    print_report_text(manifest, file, results);
  }
  return count_failed(results) == 0 ? kExitSuccess : kExitConformance;
}

}  // namespace

void add_plugin_test_command(CLI::App& plugin, Invocation& invocation) {
  auto path = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>();
  auto* test = plugin.add_subcommand(
      "test", "Load a plugin file and check that it honours the SDK contracts of its kind");
  test->add_option("path", *path, "Plugin file (.so)")->required();
  test->add_option("--kind", *kind, "Kind the plugin must have (default: the kind in its manifest)")
      ->check(CLI::IsMember({"provider", "taskserv", "storage", "api"}));
  test->callback([&invocation, path, kind] {
    invocation.standalone = [&invocation, path, kind] {
      return test_plugin(invocation.options, *path, *kind);
    };
  });
}

}  // namespace provisioning::cli
