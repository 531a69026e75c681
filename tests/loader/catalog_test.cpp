#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/provider.h>
#include <stdlib.h>

#include "../support/loader_fixture.h"
#include "../support/temp_dir.h"
#include "plugin_catalog.h"
#include "plugin_loader.h"

namespace provisioning::host {
namespace {

using ::testing::HasSubstr;
using testing::loader_fixture;
using testing::TempDir;

// Copies a fixture into <layer>/<kind>/<file name>.
void install(const std::filesystem::path& layer, const std::string& kind,
             const std::filesystem::path& file, const std::string& as = "") {
  std::filesystem::path target = layer / kind / (as.empty() ? file.filename().string() : as);
  std::filesystem::create_directories(target.parent_path());
  std::filesystem::copy_file(file, target, std::filesystem::copy_options::overwrite_existing);
}

struct Layers {
  TempDir root;
  std::filesystem::path workspace = root / "workspace";
  std::filesystem::path extra = root / "extra";
  std::filesystem::path user = root / "user";
  std::filesystem::path core = root / "core";

  std::vector<SearchDirectory> directories() const {
    return {{PluginLayer::kWorkspace, workspace},
            {PluginLayer::kExtensionsPath, extra},
            {PluginLayer::kUser, user},
            {PluginLayer::kCore, core}};
  }
};

TEST(Catalog, MoreSpecificLayerWins) {
  Layers layers;
  install(layers.core, "provider", loader_fixture("fixture_good", "fixture"));
  install(layers.user, "provider", loader_fixture("fixture_good", "fixture"));
  install(layers.workspace, "provider", loader_fixture("fixture_good_v2", "fixture"));

  auto catalog = PluginCatalog::discover(layers.directories());
  const PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->active.layer, PluginLayer::kWorkspace);
  EXPECT_EQ(entry->active.manifest->version, "2.0.0");
  ASSERT_EQ(entry->shadowed.size(), 2u);
  EXPECT_EQ(entry->shadowed[0].layer, PluginLayer::kUser);
  EXPECT_EQ(entry->shadowed[1].layer, PluginLayer::kCore);
  EXPECT_TRUE(catalog.problems().empty());
}

TEST(Catalog, ExtensionsPathBeatsUserAndCore) {
  Layers layers;
  install(layers.core, "provider", loader_fixture("fixture_good", "fixture"));
  install(layers.extra, "provider", loader_fixture("fixture_good_v2", "fixture"));
  auto catalog = PluginCatalog::discover(layers.directories());
  const PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->active.layer, PluginLayer::kExtensionsPath);
  EXPECT_EQ(entry->active.manifest->version, "2.0.0");
}

TEST(Catalog, BrokenPluginsDoNotStopOthers) {
  Layers layers;
  install(layers.core, "provider", loader_fixture("fixture_good", "fixture"));
  install(layers.core, "provider", loader_fixture("fixture_other", "other"));
  install(layers.core, "provider", loader_fixture("fixture_wrong_abi", "wrongabi"));
  install(layers.core, "provider", loader_fixture("fixture_no_manifest", "nomanifest"));
  testing::write_text(layers.core / "provider" / "notes.so", "plain text");

  auto catalog = PluginCatalog::discover(layers.directories());
  EXPECT_EQ(catalog.names(sdk::PluginKind::kProvider),
            (std::vector<std::string>{"fixture", "other"}));
  auto problems = catalog.problems();
  ASSERT_EQ(problems.size(), 3u);
  std::map<std::string, std::string> reasons;
  for (const auto& problem : problems) reasons[problem.file.filename().string()] = problem.problem;
  EXPECT_THAT(reasons["wrongabi.so"], HasSubstr("SDK ABI version 999"));
  EXPECT_THAT(reasons["nomanifest.so"], HasSubstr("has no plugin manifest"));
  EXPECT_THAT(reasons["notes.so"], HasSubstr("is not a shared object"));
}

TEST(Catalog, BrokenOverrideFallsBackToCore) {
  Layers layers;
  install(layers.core, "provider", loader_fixture("fixture_good", "fixture"));
  install(layers.workspace, "provider", loader_fixture("fixture_wrong_abi", "wrongabi"),
          "fixture.so");
  auto catalog = PluginCatalog::discover(layers.directories());
  const PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->active.layer, PluginLayer::kCore);
  ASSERT_EQ(catalog.problems().size(), 1u);
  EXPECT_EQ(catalog.problems()[0].layer, PluginLayer::kWorkspace);
}

TEST(Catalog, DuplicateInOneLayerIsAProblem) {
  Layers layers;
  install(layers.core, "provider", loader_fixture("fixture_good", "fixture"), "a.so");
  install(layers.core, "provider", loader_fixture("fixture_good_v2", "fixture"), "b.so");
  auto catalog = PluginCatalog::discover(layers.directories());
  const PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->active.file.filename(), "a.so");
  ASSERT_EQ(catalog.problems().size(), 1u);
  EXPECT_THAT(catalog.problems()[0].problem, HasSubstr("duplicate provider 'fixture'"));
  EXPECT_THAT(catalog.problems()[0].problem, HasSubstr("a.so"));
}

TEST(Catalog, EarlierExtensionsPathDirectoryWins) {
  TempDir root;
  install(root / "first", "provider", loader_fixture("fixture_good_v2", "fixture"));
  install(root / "second", "provider", loader_fixture("fixture_good", "fixture"));
  auto catalog = PluginCatalog::discover({{PluginLayer::kExtensionsPath, root / "first"},
                                          {PluginLayer::kExtensionsPath, root / "second"}});
  const PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "fixture");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->active.manifest->version, "2.0.0");
  ASSERT_EQ(entry->shadowed.size(), 1u);
  EXPECT_EQ(entry->shadowed[0].manifest->version, "1.0.0");
  EXPECT_TRUE(catalog.problems().empty());
}

TEST(Catalog, PluginInWrongKindDirectoryIsAProblem) {
  Layers layers;
  install(layers.core, "storage", loader_fixture("fixture_good", "fixture"));
  auto catalog = PluginCatalog::discover(layers.directories());
  EXPECT_TRUE(catalog.names(sdk::PluginKind::kStorage).empty());
  ASSERT_EQ(catalog.problems().size(), 1u);
  EXPECT_THAT(catalog.problems()[0].problem, HasSubstr("declares kind 'provider'"));
}

TEST(Catalog, DiscoveryRunsNoPluginCode) {
  Layers layers;
  install(layers.core, "provider", loader_fixture("fixture_marker", "marker"));
  std::filesystem::path marker = layers.root / "loaded.marker";
  ::setenv("PROVISIONING_FIXTURE_MARKER", marker.c_str(), 1);

  auto catalog = PluginCatalog::discover(layers.directories());
  const PluginEntry* entry = catalog.find(sdk::PluginKind::kProvider, "marker");
  ASSERT_NE(entry, nullptr);
  EXPECT_FALSE(std::filesystem::exists(marker)) << "discovery ran the static initialiser";
  EXPECT_EQ(dlopen(entry->active.file.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);

  // Loading does run it, which shows the marker works.
  sdk::PluginContext context;
  auto provider =
      load_plugin_as<sdk::Provider>(entry->active.file, sdk::PluginKind::kProvider, context);
  EXPECT_TRUE(std::filesystem::exists(marker));
  ::unsetenv("PROVISIONING_FIXTURE_MARKER");
}

TEST(Catalog, MissingDirectoriesAreEmpty) {
  Layers layers;
  auto catalog = PluginCatalog::discover(layers.directories());
  EXPECT_TRUE(catalog.entries().empty());
  EXPECT_TRUE(catalog.problems().empty());
}

}  // namespace
}  // namespace provisioning::host
