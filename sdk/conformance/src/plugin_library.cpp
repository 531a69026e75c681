#include <provisioning/conformance/plugin_library.h>
#include <provisioning/sdk/error.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/dll/shared_library.hpp>
#include <map>
#include <sstream>

namespace provisioning::conformance {
namespace {

using Library = boost::dll::shared_library;

std::map<std::string, std::string> manifest_fields(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto equals = line.find('=');
    if (equals != std::string::npos) fields[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return fields;
}

std::shared_ptr<Library> open_library(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) {
    throw sdk::Error::not_found("plugin file not found: '" + file.string() + "'");
  }
  auto library = std::make_shared<Library>();
  boost::system::error_code error;
  library->load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, error);
  if (error) {
    throw sdk::Error::invalid_argument("cannot load plugin '" + file.string() +
                                       "': " + error.message());
  }
  if (!library->has(sdk::kManifestSymbol) || !library->has(sdk::kFactorySymbol)) {
    throw sdk::Error::invalid_argument("'" + file.string() + "' does not export " +
                                       sdk::kManifestSymbol + " and " + sdk::kFactorySymbol +
                                       "; build it with provisioning_add_plugin()");
  }
  return library;
}

sdk::PluginKind parse_kind(const std::string& text, const std::filesystem::path& file) {
  for (auto kind : {sdk::PluginKind::kProvider, sdk::PluginKind::kTaskserv,
                    sdk::PluginKind::kStorage, sdk::PluginKind::kApi}) {
    if (text == sdk::to_string(kind)) return kind;
  }
  throw sdk::Error::invalid_argument("plugin '" + file.string() + "' declares unknown kind '" +
                                     text + "'; expected provider, taskserv, storage or api");
}

void check_abi(const std::string& abi, const std::string& name, const std::filesystem::path& file) {
  if (abi == std::to_string(sdk::kAbiVersion)) return;
  throw sdk::Error::invalid_argument(
      "plugin '" + name + "' in '" + file.string() + "' was built for SDK ABI version '" + abi +
      "', but the conformance kit uses ABI version " + std::to_string(sdk::kAbiVersion) +
      "; rebuild the plugin against SDK " + sdk::kSdkVersion);
}

// Splits a comma-separated manifest value, dropping empty items.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

}  // namespace

PluginLibrary::PluginLibrary(const std::filesystem::path& file) : file_(file) {
  auto library = open_library(file);
  // The alias is a pointer variable that contains the address of the manifest text.
  const auto* text = static_cast<const char*>(library->get<const void*>(sdk::kManifestSymbol));
  auto fields = manifest_fields(text == nullptr ? "" : text);
  kind_ = parse_kind(fields["kind"], file);
  name_ = fields["name"];
  version_ = fields["version"];
  capabilities_ = split_list(fields["capabilities"]);
  check_abi(fields["sdk_abi"], name_, file);
  library_ = std::move(library);
}

std::shared_ptr<sdk::Plugin> PluginLibrary::create(sdk::PluginContext context) const {
  auto library = std::static_pointer_cast<Library>(library_);
  auto* factory = reinterpret_cast<sdk::PluginFactory*>(
      const_cast<void*>(library->get<const void*>(sdk::kFactorySymbol)));
  context.name = name_;
  if (!context.log) {
    context.log = std::make_shared<spdlog::logger>("conformance-" + name_,
                                                   std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  sdk::Plugin* raw = factory(context);
  if (raw == nullptr) {
    throw sdk::Error::internal("the factory of plugin '" + name_ + "' in '" + file_.string() +
                               "' returned no object");
  }
  // The deleter owns the library, so the object is destroyed before the library unloads.
  return std::shared_ptr<sdk::Plugin>(raw, [library](sdk::Plugin* plugin) { delete plugin; });
}

}  // namespace provisioning::conformance
