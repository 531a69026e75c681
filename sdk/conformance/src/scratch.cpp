#include <provisioning/conformance/scratch.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>

namespace provisioning::conformance {
namespace {

constexpr const char* kStoreName = "conformance-store";

void create_directory_tree(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    throw sdk::Error::unavailable("cannot create scratch directory '" + path.string() +
                                  "': " + error.message());
  }
}

}  // namespace

ScratchDirectory::ScratchDirectory(const std::string& prefix, const std::filesystem::path& parent) {
  std::filesystem::path base = parent.empty() ? std::filesystem::temp_directory_path() : parent;
  create_directory_tree(base);
  std::string pattern = (base / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw sdk::Error::unavailable("cannot create a scratch directory '" + pattern +
                                  "': " + std::strerror(errno) +
                                  "; check that the parent directory is writable");
  }
  path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ignored;  // a leftover temporary directory must not end a test run
  std::filesystem::remove_all(path_, ignored);
}

sdk::PluginContext scratch_context(const std::filesystem::path& root, sdk::PluginKind kind,
                                   const std::string& name) {
  sdk::PluginContext context;
  context.name = name;
  context.workspace = root;
  context.state_dir = root / ".provisioning";
  context.data_dir = root / "data";
  create_directory_tree(context.state_dir);
  create_directory_tree(context.data_dir);
  if (kind == sdk::PluginKind::kStorage) {
    context.settings["path"] = (context.data_dir / kStoreName).string();
  }
  context.log = std::make_shared<spdlog::logger>("conformance-" + name,
                                                 std::make_shared<spdlog::sinks::null_sink_mt>());
  return context;
}

}  // namespace provisioning::conformance
