#include "plugin_test_support.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace provisioning::testing {

std::filesystem::path plugin_file(sdk::PluginKind kind, const std::string& name) {
  return std::filesystem::path(PROVISIONING_TEST_PLUGIN_DIR) / sdk::to_string(kind) /
         (name + ".so");
}

sdk::PluginContext make_context(const std::filesystem::path& workspace,
                                sdk::json::object settings) {
  sdk::PluginContext context;
  context.workspace = workspace;
  context.state_dir = workspace / ".provisioning";
  context.data_dir = workspace / "data";
  context.settings = std::move(settings);
  context.log = std::make_shared<spdlog::logger>("plugin-test",
                                                 std::make_shared<spdlog::sinks::null_sink_mt>());
  return context;
}

std::map<std::string, std::string> snapshot_files(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    files[std::filesystem::relative(entry.path(), root).string()] = content.str();
  }
  return files;
}

std::string test_directory_prefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

}  // namespace provisioning::testing
