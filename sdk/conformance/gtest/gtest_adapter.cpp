#include <gtest/gtest.h>
#include <provisioning/conformance/gtest.h>
#include <provisioning/conformance/plugin_library.h>
#include <provisioning/conformance/scratch.h>
#include <provisioning/sdk/error.h>

namespace provisioning::conformance {
namespace {

// One check against a new plugin object in a scratch directory of its own.
class ConformanceTest : public ::testing::Test {
 public:
  ConformanceTest(sdk::PluginKind kind, std::string plugin_name, std::string check,
                  std::shared_ptr<const PluginMaker> make, CheckOptions options)
      : kind_(kind),
        plugin_name_(std::move(plugin_name)),
        check_(std::move(check)),
        make_(std::move(make)),
        options_(std::move(options)) {}

  void TestBody() override {
    ScratchDirectory directory("provisioning-conformance-" + plugin_name_);
    if (options_.taskserv.scratch_parent.empty()) {
      options_.taskserv.scratch_parent = directory.path() / "servers";
    }
    // Declared after the directory, so the plugin is destroyed before it is removed.
    std::shared_ptr<sdk::Plugin> plugin = create(directory.path());
    if (!plugin) return;
    CheckResult result = run_check(kind_, check_, *plugin, options_);
    EXPECT_TRUE(result.passed) << check_ << " failed: " << result.message;
  }

 private:
  // Returns a new plugin object, or nothing after recording why it could not be made.
  std::shared_ptr<sdk::Plugin> create(const std::filesystem::path& root) {
    try {
      return (*make_)(scratch_context(root, kind_, plugin_name_));
    } catch (const std::exception& error) {
      ADD_FAILURE() << "creating " << sdk::to_string(kind_) << " plugin '" << plugin_name_
                    << "' failed: " << error.what();
    } catch (...) {
      ADD_FAILURE() << "creating " << sdk::to_string(kind_) << " plugin '" << plugin_name_
                    << "' failed with an exception not derived from std::exception";
    }
    return nullptr;
  }

  sdk::PluginKind kind_;
  std::string plugin_name_;
  std::string check_;
  std::shared_ptr<const PluginMaker> make_;
  CheckOptions options_;
};

}  // namespace

std::vector<std::string> register_conformance_tests(const std::string& suite, sdk::PluginKind kind,
                                                    const std::string& name, PluginMaker make,
                                                    CheckOptions options) {
  auto shared_make = std::make_shared<const PluginMaker>(std::move(make));
  std::vector<std::string> registered;
  for (const CheckInfo& check : list_checks(kind)) {
    ::testing::RegisterTest(
        suite.c_str(), check.name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [kind, name, check = check.name, shared_make, options]() -> ::testing::Test* {
          return new ConformanceTest(kind, name, check, shared_make, options);
        });
    registered.push_back(suite + "." + check.name);
  }
  return registered;
}

std::vector<std::string> register_conformance_tests(const std::filesystem::path& plugin,
                                                    CheckOptions options) {
  auto library = std::make_shared<PluginLibrary>(plugin);
  if (options.taskserv.name.empty()) options.taskserv.name = library->name();
  if (options.provider.capabilities.empty()) {
    options.provider.capabilities = library->capabilities();
  }
  std::string suite =
      std::string("Conformance/") + sdk::to_string(library->kind()) + "_" + library->name();
  PluginMaker make = [library](const sdk::PluginContext& context) {
    return library->create(context);
  };
  return register_conformance_tests(suite, library->kind(), library->name(), std::move(make),
                                    std::move(options));
}

}  // namespace provisioning::conformance
