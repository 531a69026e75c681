#include "cli_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> field_values(const json::value& array, std::string_view key) {
  std::vector<std::string> values;
  for (const auto& item : array.as_array()) values.push_back(text(item, key));
  return values;
}

TEST_P(CliTest, TaskservInstallsDependenciesFirst) {
  run_json({"server", "create", "web-01", "2xCPU-4GB"});
  auto steps = run_json({"taskserv", "install", "kubernetes"});
  EXPECT_EQ(field_values(steps, "taskserv"),
            (std::vector<std::string>{"containerd", "etcd", "kubernetes"}));
  EXPECT_EQ(field_values(steps, "server"),
            (std::vector<std::string>{"web-01", "web-01", "web-01"}));

  auto root = server_root("web-01");
  EXPECT_TRUE(std::filesystem::exists(root / "etc/containerd/config.toml"));
  EXPECT_TRUE(std::filesystem::exists(root / "etc/etcd/etcd.conf.yml"));
  EXPECT_TRUE(std::filesystem::exists(root / "etc/kubernetes/kubeadm-config.yaml"));
  EXPECT_THAT(read_text(root / "etc/etcd/etcd.conf.yml"), HasSubstr("web-01"));

  auto installed = run_json({"taskserv", "list"});
  EXPECT_EQ(field_values(installed, "name"),
            (std::vector<std::string>{"containerd", "etcd", "kubernetes"}));
  for (const auto& record : installed.as_array()) {
    EXPECT_EQ(text(record, "status"), "installed");
    EXPECT_FALSE(text(record, "version").empty());
  }
}

TEST_P(CliTest, TaskservCreateIsInstall) {
  run_json({"server", "create", "web-01", "1xCPU-2GB"});
  auto steps = run_json({"taskserv", "create", "containerd"});
  EXPECT_EQ(field_values(steps, "taskserv"), (std::vector<std::string>{"containerd"}));
}

TEST_P(CliTest, TaskservInstallTargetsEveryRunningServer) {
  run_json({"server", "create", "web-01", "1xCPU-2GB"});
  run_json({"server", "create", "web-02", "1xCPU-2GB"});
  auto steps = run_json({"taskserv", "install", "containerd"});
  EXPECT_EQ(field_values(steps, "server"), (std::vector<std::string>{"web-01", "web-02"}));
  auto only = run_json({"taskserv", "install", "etcd", "--server", "web-02"});
  EXPECT_EQ(field_values(only, "server"), (std::vector<std::string>{"web-02"}));
}

TEST_P(CliTest, TaskservInstallTwiceIsIdempotent) {
  run_json({"server", "create", "web-01", "1xCPU-2GB"});
  run_json({"taskserv", "install", "containerd"});
  auto config = server_root("web-01") / "etc/containerd/config.toml";
  std::string first = read_text(config);
  run_json({"taskserv", "install", "containerd"});
  EXPECT_EQ(read_text(config), first);
  EXPECT_EQ(run_json({"taskserv", "list"}).as_array().size(), 1u);
}

TEST_P(CliTest, TaskservCheckInstallsNothing) {
  run_json({"server", "create", "web-01", "1xCPU-2GB"});
  auto steps = run_json({"taskserv", "install", "kubernetes", "--check"});
  EXPECT_EQ(steps.as_array().size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(server_root("web-01") / "etc/containerd"));
  EXPECT_TRUE(run_json({"taskserv", "list"}).as_array().empty());
}

TEST_P(CliTest, TaskservWithoutServersFails) {
  auto result = run({"taskserv", "install", "containerd"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("no running server"));
  EXPECT_THAT(result.err, HasSubstr("server create"));
}

TEST_P(CliTest, UnknownTaskservSuggests) {
  run_json({"server", "create", "web-01", "1xCPU-2GB"});
  auto result = run({"taskserv", "install", "kubernets"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("taskserv 'kubernets' not found"));
  EXPECT_THAT(result.err, HasSubstr("did you mean 'kubernetes'?"));
}

void install_fixture(const std::filesystem::path& workspace, const std::string& target,
                     const std::string& name) {
  std::filesystem::copy_file(std::filesystem::path(LOADER_FIXTURE_DIR) / target / (name + ".so"),
                             workspace / "extensions" / "taskserv" / (name + ".so"));
}

TEST_P(CliTest, DependencyCycleIsSpelledOut) {
  install_fixture(workspace_, "fixture_cycle_a", "cyclea");
  install_fixture(workspace_, "fixture_cycle_b", "cycleb");
  run_json({"server", "create", "web-01", "1xCPU-2GB"});
  auto result = run({"taskserv", "install", "cyclea"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("dependency cycle: cyclea -> cycleb -> cyclea"));
  EXPECT_TRUE(run_json({"taskserv", "list"}).as_array().empty());
}

TEST_P(CliTest, MissingDependencyInstallsNothing) {
  install_fixture(workspace_, "fixture_orphan", "orphan");
  run_json({"server", "create", "web-01", "1xCPU-2GB"});
  auto result = run({"taskserv", "install", "orphan"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("taskserv 'missing' not found"));
  EXPECT_TRUE(run_json({"taskserv", "list"}).as_array().empty());
  EXPECT_FALSE(std::filesystem::exists(server_root("web-01") / "etc/containerd"));
}

TEST_P(CliTest, AvailableShowsWorkspaceLayer) {
  install_fixture(workspace_, "fixture_cycle_a", "cyclea");
  install_fixture(workspace_, "fixture_cycle_b", "cycleb");
  auto list = run_json({"taskserv", "list", "--available"});
  std::vector<std::string> layers;
  for (const auto& item : list.as_array()) {
    if (text(item, "name") == "cyclea") layers.push_back(text(item, "layer"));
  }
  EXPECT_EQ(layers, (std::vector<std::string>{"workspace"}));
}

TEST_P(CliTest, TaskservRemoveRespectsDependents) {
  run_json({"server", "create", "web-01", "2xCPU-4GB"});
  run_json({"taskserv", "install", "kubernetes"});
  auto blocked = run({"taskserv", "remove", "etcd", "--yes"});
  EXPECT_EQ(blocked.exit_code, 5);
  EXPECT_THAT(blocked.err, HasSubstr("'kubernetes' on server 'web-01' depends on 'etcd'"));

  auto removed = run({"taskserv", "remove", "kubernetes", "--yes"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_FALSE(
      std::filesystem::exists(server_root("web-01") / "etc/kubernetes/kubeadm-config.yaml"));
  EXPECT_TRUE(std::filesystem::exists(server_root("web-01") / "etc/etcd/etcd.conf.yml"));
  EXPECT_EQ(field_values(run_json({"taskserv", "list"}), "name"),
            (std::vector<std::string>{"containerd", "etcd"}));
}

TEST_P(CliTest, ListAvailableTaskservs) {
  auto available = run_json({"taskserv", "list", "--available"});
  std::map<std::string, json::value> by_name;
  for (const auto& item : available.as_array()) by_name[text(item, "name")] = item;
  ASSERT_TRUE(by_name.count("kubernetes"));
  EXPECT_EQ(by_name["kubernetes"].at("dependencies").as_array().size(), 2u);
  EXPECT_TRUE(by_name.count("containerd"));
  EXPECT_TRUE(by_name.count("etcd"));
}

TEST_P(CliTest, ClusterCreateBuildsEverything) {
  auto created = run_json({"cluster", "create", "buildkit"});
  EXPECT_EQ(text(created, "status"), "ready");
  std::vector<std::string> members;
  for (const auto& item : created.at("servers").as_array()) members.emplace_back(item.as_string());
  EXPECT_EQ(members, (std::vector<std::string>{"buildkit-control-1", "buildkit-worker-1",
                                               "buildkit-worker-2"}));
  auto servers = run_json({"server", "list"});
  EXPECT_EQ(servers.as_array().size(), 3u);
  auto control = server_root("buildkit-control-1");
  EXPECT_TRUE(std::filesystem::exists(control / "etc/kubernetes/kubeadm-config.yaml"));
  EXPECT_TRUE(
      std::filesystem::exists(server_root("buildkit-worker-2") / "etc/containerd/config.toml"));
  EXPECT_FALSE(std::filesystem::exists(server_root("buildkit-worker-2") / "etc/etcd"));

  auto clusters = run_json({"cluster", "list"});
  ASSERT_EQ(clusters.as_array().size(), 1u);
  EXPECT_EQ(text(clusters.as_array()[0], "name"), "buildkit");

  // Creating again creates nothing new.
  run_json({"cluster", "create", "buildkit"});
  EXPECT_EQ(run_json({"server", "list"}).as_array().size(), 3u);

  auto deleted = run({"cluster", "delete", "buildkit", "--yes"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_TRUE(run_json({"server", "list"}).as_array().empty());
  EXPECT_TRUE(run_json({"cluster", "list"}).as_array().empty());
}

TEST_P(CliTest, WorkspaceClusterOverridesCore) {
  write_text(workspace_ / "clusters" / "buildkit.toml",
             "[cluster]\nname = \"buildkit\"\n\n[[servers]]\nrole = \"solo\"\ncount = 1\n"
             "plan = \"1xCPU-2GB\"\ntaskservs = [\"containerd\"]\n");
  auto created = run_json({"cluster", "create", "buildkit"});
  ASSERT_EQ(created.at("servers").as_array().size(), 1u);
  EXPECT_EQ(created.at("servers").as_array()[0].as_string(), "buildkit-solo-1");
}

TEST_P(CliTest, BrokenClusterFileNamesPosition) {
  write_text(workspace_ / "clusters" / "broken.toml", "[cluster]\nname = \"broken\nx = 1\n");
  auto result = run({"cluster", "create", "broken"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("broken.toml:2:"));
  EXPECT_TRUE(run_json({"server", "list"}).as_array().empty());
}

TEST_P(CliTest, UnknownClusterKeyIsRejected) {
  write_text(workspace_ / "clusters" / "typo.toml",
             "[cluster]\nname = \"typo\"\n\n[[servers]]\nrole = \"solo\"\nplan = \"1xCPU-2GB\"\n"
             "taskserv = [\"containerd\"]\n");
  auto result = run({"cluster", "create", "typo"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("servers[0].taskserv is not a known key"));
  EXPECT_THAT(result.err, HasSubstr("did you mean 'taskservs'?"));
  EXPECT_TRUE(run_json({"server", "list"}).as_array().empty());
}

TEST_P(CliTest, FailedClusterCanBeDeleted) {
  // The second group's plan is unknown, so creation fails after the first server exists.
  write_text(workspace_ / "clusters" / "half.toml",
             "[cluster]\nname = \"half\"\n\n[[servers]]\nrole = \"good\"\nplan = \"1xCPU-2GB\"\n\n"
             "[[servers]]\nrole = \"bad\"\nplan = \"3xCPU-5GB\"\n");
  auto failed = run({"cluster", "create", "half"});
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_THAT(failed.err, HasSubstr("unknown plan '3xCPU-5GB'"));
  auto clusters = run_json({"cluster", "list"});
  ASSERT_EQ(clusters.as_array().size(), 1u);
  EXPECT_EQ(text(clusters.as_array()[0], "status"), "failed");
  EXPECT_THAT(text(clusters.as_array()[0], "error"), HasSubstr("3xCPU-5GB"));
  EXPECT_EQ(run_json({"server", "list"}).as_array().size(), 1u);

  auto deleted = run({"cluster", "delete", "half", "--yes"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_TRUE(run_json({"server", "list"}).as_array().empty());
  EXPECT_TRUE(run_json({"cluster", "list"}).as_array().empty());
}

TEST_P(CliTest, DeleteUnknownClusterIsNotFound) {
  auto result = run({"cluster", "delete", "ghost"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("cluster 'ghost' not found"));
}

TEST_P(CliTest, UnknownClusterListsDefined) {
  auto result = run({"cluster", "create", "buildkt"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("did you mean 'buildkit'?"));
}

}  // namespace
}  // namespace provisioning::testing
