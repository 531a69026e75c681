// discovery_bench: measures plugin discovery over many generated plugins against a
// baseline that only dlopen()s and dlclose()s the same files.
//
//   discovery_bench [--count N] [--rounds N] [--template FILE] DIR
//
// Writes N copies of the template plugin (built by this directory's CMakeLists.txt) to
// DIR/provider/, each with the name "benchplugin000" replaced by "benchplugin001" and
// so on. The names have the same length, so the ELF layout is unchanged, and both the
// manifest section and the exported manifest alias see the new name because the alias
// points at the section's bytes. Then, for each round, it times:
//   dlopen:        dlopen(RTLD_NOW | RTLD_LOCAL) every file, then dlclose every file;
//   discover:      PluginCatalog::discover() over DIR, which reads each manifest from
//                  the file without loading it;
//   discover_load: discover(), then load_plugin_file() on every plugin found, then
//                  release every plugin object (which unloads its library).
// The three run in a rotating order each round, after one warm-up round, with the files
// in the page cache. Prints one result line per measurement (see bench_stats.h), both
// against the dlopen baseline, and exits 0, or prints an error and exits 1.

#include <dlfcn.h>
#include <provisioning/sdk/plugin.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_stats.h"
#include "plugin_catalog.h"
#include "plugin_loader.h"

namespace provisioning::bench {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTemplateName = "benchplugin000";

struct Options {
  int count = 200;
  int rounds = 20;
  fs::path template_file = BENCH_PLUGIN_TEMPLATE;
  fs::path directory;
};

int parse_count(const std::string& option, const char* value) {
  if (value == nullptr) throw std::invalid_argument(option + " needs a value");
  try {
    int count = std::stoi(value);
    if (count >= 1 && count <= 999) return count;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("invalid " + option + " '" + value +
                              "': expected an integer from 1 to 999");
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int index = 1; index < argc; ++index) {
    std::string argument = argv[index];
    const char* value = index + 1 < argc ? argv[index + 1] : nullptr;
    if (argument == "--count") {
      options.count = parse_count(argument, value);
      ++index;
    } else if (argument == "--rounds") {
      options.rounds = parse_count(argument, value);
      ++index;
    } else if (argument == "--template" && value != nullptr) {
      options.template_file = value;
      ++index;
    } else if (argument.starts_with("-") || !options.directory.empty()) {
      throw std::invalid_argument("unexpected argument '" + argument + "'");
    } else {
      options.directory = argument;
    }
  }
  if (options.directory.empty()) {
    throw std::invalid_argument(
        "usage: discovery_bench [--count N] [--rounds N] [--template FILE] DIR");
  }
  return options;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("failed to read '" + file.string() + "'");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("failed to write '" + file.string() + "'");
}

// Returns the offsets of every occurrence of the template name. Throws when there is
// none, since copies would then all carry the same name.
std::vector<std::size_t> find_name(const std::string& bytes, const fs::path& file) {
  std::vector<std::size_t> offsets;
  for (auto at = bytes.find(kTemplateName); at != std::string::npos;
       at = bytes.find(kTemplateName, at + kTemplateName.size())) {
    offsets.push_back(at);
  }
  if (offsets.empty()) {
    throw std::runtime_error("'" + file.string() + "' does not contain the plugin name '" +
                             std::string(kTemplateName) + "'; rebuild the bench_plugin target");
  }
  return offsets;
}

// Writes `count` renamed copies of the template to <directory>/provider/ and returns
// their paths.
std::vector<fs::path> generate_plugins(const Options& options) {
  std::string bytes = read_bytes(options.template_file);
  std::vector<std::size_t> offsets = find_name(bytes, options.template_file);
  fs::path provider_dir = options.directory / sdk::to_string(sdk::PluginKind::kProvider);
  fs::create_directories(provider_dir);

  std::vector<fs::path> files;
  for (int index = 0; index < options.count; ++index) {
    char name[32];
    std::snprintf(name, sizeof(name), "benchplugin%03d", index);
    for (std::size_t offset : offsets) bytes.replace(offset, kTemplateName.size(), name);
    fs::path file = provider_dir / (std::string(name) + ".so");
    write_bytes(file, bytes);
    fs::permissions(file, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    files.push_back(file);
  }
  return files;
}

void dlopen_all(const std::vector<fs::path>& files) {
  std::vector<void*> handles;
  handles.reserve(files.size());
  for (const fs::path& file : files) {
    void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
    handles.push_back(handle);
  }
  for (void* handle : handles) dlclose(handle);
}

host::PluginCatalog discover(const Options& options) {
  host::PluginCatalog catalog =
      host::PluginCatalog::discover({{host::PluginLayer::kWorkspace, options.directory}});
  std::size_t found = catalog.entries(sdk::PluginKind::kProvider).size();
  if (found != static_cast<std::size_t>(options.count) || !catalog.problems().empty()) {
    throw std::runtime_error("discovery found " + std::to_string(found) + " usable plugins and " +
                             std::to_string(catalog.problems().size()) + " problems in '" +
                             options.directory.string() + "', expected " +
                             std::to_string(options.count) + " and none");
  }
  return catalog;
}

void discover_and_load(const Options& options) {
  host::PluginCatalog catalog = discover(options);
  sdk::PluginContext context;
  context.workspace = options.directory;
  context.state_dir = options.directory / ".provisioning";
  context.data_dir = options.directory / "data";

  std::vector<host::LoadedPlugin> loaded;
  for (const host::PluginEntry* entry : catalog.entries(sdk::PluginKind::kProvider)) {
    loaded.push_back(host::load_plugin_file(entry->active.file, entry->active.kind, context));
  }
  loaded.clear();  // destroys every object, which unloads its library
}

// Warns when a plugin stays mapped after its last handle is closed, because then every
// round after the first measures a reference count instead of a load.
void check_unloaded(const fs::path& file) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return;
  dlclose(handle);
  std::fprintf(stderr,
               "discovery_bench: warning: '%s' stays loaded after dlclose(), so the load "
               "timings after the first round do not include mapping and relocation\n",
               file.c_str());
}

double time_step(const std::function<void()>& step) {
  Clock::time_point start = Clock::now();
  step();
  return elapsed_ms(start, Clock::now());
}

void run(const Options& options) {
  std::vector<fs::path> files = generate_plugins(options);
  std::vector<std::function<void()>> steps = {
      [&] { dlopen_all(files); },
      [&] { discover(options); },
      [&] { discover_and_load(options); },
  };
  std::vector<std::vector<double>> samples(steps.size());

  for (int round = -1; round < options.rounds; ++round) {  // round -1 is the warm-up
    for (std::size_t turn = 0; turn < steps.size(); ++turn) {
      std::size_t step = (turn + static_cast<std::size_t>(round + 1)) % steps.size();
      double ms = time_step(steps[step]);
      if (round >= 0) samples[step].push_back(ms);
    }
    if (round == -1) check_unloaded(files.front());
  }

  Summary baseline = summarize(samples[0]);
  print_result("discover", samples[1].size(), summarize(samples[1]), baseline);
  print_result("discover_load", samples[2].size(), summarize(samples[2]), baseline);
}

}  // namespace
}  // namespace provisioning::bench

int main(int argc, char** argv) {
  try {
    provisioning::bench::run(provisioning::bench::parse_options(argc, argv));
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "discovery_bench: %s\n", error.what());
    return 1;
  }
}
