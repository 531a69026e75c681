// The provider that discovery_bench copies 200 times. It does no work when loaded or
// constructed, so the benchmark measures the loader and not the plugin.

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/provider.h>

namespace {

using namespace provisioning::sdk;

class BenchProvider final : public Provider {
 public:
  explicit BenchProvider(const PluginContext& context) : name_(context.name) {}

  std::vector<Plan> plans() const override { return {{"1xCPU-1GB", 1, 1024, 25}}; }
  std::vector<Zone> zones() const override { return {{"bench-1", "benchmark zone"}}; }

  ServerInfo create_server(const ServerSpec& spec) override {
    ServerInfo info;
    info.id = name_ + "-" + spec.name;
    info.name = spec.name;
    info.plan = spec.plan;
    info.zone = "bench-1";
    info.state = ServerState::kRunning;
    return info;
  }

  std::optional<ServerInfo> get_server(const std::string&) override { return std::nullopt; }
  std::vector<ServerInfo> list_servers() override { return {}; }
  void delete_server(const std::string&) override {}

  std::unique_ptr<Executor> executor(const std::string& id) override {
    throw Error::unavailable("the benchmark provider '" + name_ + "' has no executor for '" + id +
                             "'");
  }

 private:
  std::string name_;
};

}  // namespace

PROVISIONING_PLUGIN_FACTORY(BenchProvider)
