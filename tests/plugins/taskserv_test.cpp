// Tests of the containerd, etcd and kubernetes taskservs, installed through the local
// provider's executor into a server root.

#include <gtest/gtest.h>
#include <provisioning/sdk/provider.h>
#include <provisioning/sdk/taskserv.h>

#include <string>
#include <vector>

#include "plugin_test_support.h"
#include "support/temp_dir.h"

namespace provisioning::testing {
namespace {

namespace json = sdk::json;

using TaskservHandle = host::PluginHandle<sdk::Taskserv>;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A local server to install on, and loaders for the taskservs.
class TaskservTest : public ::testing::Test {
 protected:
  TaskservHandle load(const std::string& name) {
    return load_plugin<sdk::Taskserv>(sdk::PluginKind::kTaskserv, name,
                                      make_context(workspace_.path()));
  }

  sdk::TaskservTarget target(json::object settings = {}) const {
    sdk::TaskservTarget target;
    target.server_name = server_.name;
    target.server_id = server_.id;
    target.ip_address = server_.ip_address;
    target.settings = std::move(settings);
    return target;
  }

  // Reads a file the taskserv wrote, as a test would read it on the server.
  std::string server_file(const std::string& path) const {
    return read_text(root_ / std::filesystem::path(path).relative_path());
  }

  TempDir workspace_{test_directory_prefix()};
  host::PluginHandle<sdk::Provider> provider_ = load_plugin<sdk::Provider>(
      sdk::PluginKind::kProvider, "local", make_context(workspace_.path()));
  sdk::ServerInfo server_ = object_of(provider_).create_server({"node-1", "2xCPU-4GB", "auto", {}});
  std::unique_ptr<sdk::Executor> executor_ = object_of(provider_).executor(server_.id);
  std::filesystem::path root_ = workspace_ / ".provisioning/servers/node-1/root";
};

// What every taskserv must do, checked for each of them.
struct TaskservCase {
  std::string name;
  std::string version;
  std::vector<std::string> files;
  std::string config_file;  // the file edited to provoke drift
};

void PrintTo(const TaskservCase& value, std::ostream* out) {
  *out << value.name;
}

class TaskservLifecycleTest : public TaskservTest,
                              public ::testing::WithParamInterface<TaskservCase> {
 protected:
  TaskservHandle handle_ = load(GetParam().name);
  sdk::Taskserv& taskserv_ = object_of(handle_);
};

TEST_P(TaskservLifecycleTest, InstallWritesFilesAndVersionRecord) {
  taskserv_.install(*executor_, target());

  for (const std::string& file : GetParam().files) {
    EXPECT_TRUE(executor_->exists(file)) << file;
  }
  std::string record_path = "/var/lib/provisioning/taskservs/" + GetParam().name + ".json";
  json::object record = json::parse(server_file(record_path)).as_object();
  EXPECT_EQ(record.at("name"), GetParam().name.c_str());
  EXPECT_EQ(record.at("version"), GetParam().version.c_str());
  EXPECT_TRUE(record.at("installed_at").is_string());
  std::vector<std::string> recorded;
  for (const json::value& file : record.at("files").as_array()) {
    recorded.emplace_back(file.at("path").as_string());
  }
  EXPECT_EQ(recorded, GetParam().files);
  EXPECT_EQ(taskserv_.software_version(), GetParam().version);
}

TEST_P(TaskservLifecycleTest, InstallTwiceWritesSameBytes) {
  taskserv_.install(*executor_, target());
  std::map<std::string, std::string> first = snapshot_files(root_);

  taskserv_.install(*executor_, target());
  EXPECT_EQ(snapshot_files(root_), first);
  EXPECT_EQ(first.size(), GetParam().files.size() + 1);  // plus the version record
}

TEST_P(TaskservLifecycleTest, StatusBeforeAndAfterInstall) {
  sdk::TaskservStatus before = taskserv_.status(*executor_);
  EXPECT_FALSE(before.installed);
  EXPECT_TRUE(before.version.empty());
  EXPECT_TRUE(before.files.empty());
  EXPECT_EQ(before.detail, "not installed");

  taskserv_.install(*executor_, target());
  sdk::TaskservStatus after = taskserv_.status(*executor_);
  EXPECT_TRUE(after.installed);
  EXPECT_EQ(after.version, GetParam().version);
  EXPECT_EQ(after.files, GetParam().files);
  EXPECT_TRUE(contains(after.detail, "unchanged since install")) << after.detail;
}

TEST_P(TaskservLifecycleTest, StatusReportsDriftAndMissingFiles) {
  taskserv_.install(*executor_, target());
  const std::string& edited = GetParam().config_file;
  executor_->write_file(edited, executor_->read_file(edited) + "# local edit\n", 0644);
  const std::string& deleted = GetParam().files.back();
  executor_->remove(deleted);

  sdk::TaskservStatus status = taskserv_.status(*executor_);
  EXPECT_TRUE(status.installed);
  EXPECT_TRUE(contains(status.detail, "config drift in " + edited)) << status.detail;
  EXPECT_TRUE(contains(status.detail, "missing " + deleted)) << status.detail;

  taskserv_.install(*executor_, target());
  EXPECT_TRUE(contains(taskserv_.status(*executor_).detail, "unchanged")) << "install repairs";
}

TEST_P(TaskservLifecycleTest, RemoveDeletesExactlyOwnedFiles) {
  executor_->write_file("/etc/keep.conf", "kept\n", 0644);
  taskserv_.install(*executor_, target());
  std::filesystem::path config_dir = std::filesystem::path(GetParam().config_file).parent_path();
  executor_->write_file((config_dir / "user-added.conf").string(), "kept\n", 0644);

  taskserv_.remove(*executor_);

  for (const std::string& file : GetParam().files) {
    EXPECT_FALSE(executor_->exists(file)) << file;
  }
  EXPECT_FALSE(executor_->exists("/var/lib/provisioning/taskservs/" + GetParam().name + ".json"));
  EXPECT_EQ(server_file("/etc/keep.conf"), "kept\n");
  EXPECT_EQ(server_file((config_dir / "user-added.conf").string()), "kept\n");
  EXPECT_FALSE(taskserv_.status(*executor_).installed);
}

TEST_P(TaskservLifecycleTest, RemoveWithoutInstallSucceeds) {
  EXPECT_NO_THROW(taskserv_.remove(*executor_));
  EXPECT_TRUE(snapshot_files(root_).empty());
}

TEST_P(TaskservLifecycleTest, BrokenVersionRecordIsReported) {
  std::string record_path = "/var/lib/provisioning/taskservs/" + GetParam().name + ".json";
  executor_->write_file(record_path, "{\"name\": 1}", 0644);

  EXPECT_SDK_ERROR(taskserv_.status(*executor_), sdk::ErrorCode::kInvalidArgument,
                   "'" + record_path + "'", "server 'node-1'");
}

INSTANTIATE_TEST_SUITE_P(
    Taskservs, TaskservLifecycleTest,
    ::testing::Values(
        TaskservCase{
            "containerd",
            "1.7.13",
            {"/etc/containerd/config.toml", "/etc/systemd/system/containerd.service",
             "/etc/modules-load.d/containerd.conf", "/etc/sysctl.d/99-kubernetes-cri.conf"},
            "/etc/containerd/config.toml"},
        TaskservCase{"etcd",
                     "3.5.12",
                     {"/etc/etcd/etcd.conf.yml", "/etc/systemd/system/etcd.service"},
                     "/etc/etcd/etcd.conf.yml"},
        TaskservCase{"kubernetes",
                     "1.29.2",
                     {"/etc/kubernetes/kubeadm-config.yaml", "/etc/systemd/system/kubelet.service",
                      "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                      "/etc/sysctl.d/99-kubernetes.conf"},
                     "/etc/kubernetes/kubeadm-config.yaml"}),
    [](const auto& info) { return info.param.name; });

TEST_F(TaskservTest, ContainerdConfigUsesSystemdCgroups) {
  TaskservHandle handle = load("containerd");
  object_of(handle).install(*executor_, target());

  std::string config = server_file("/etc/containerd/config.toml");
  EXPECT_TRUE(contains(config, "\nversion = 2\n"));
  EXPECT_TRUE(contains(config, "root = \"/var/lib/containerd\""));
  EXPECT_TRUE(contains(config, "address = \"/run/containerd/containerd.sock\""));
  EXPECT_TRUE(contains(config, "[plugins.\"io.containerd.grpc.v1.cri\"]"));
  EXPECT_TRUE(contains(config, "SystemdCgroup = true"));
  EXPECT_TRUE(contains(config, "sandbox_image = \"registry.k8s.io/pause:3.9\""));

  std::string unit = server_file("/etc/systemd/system/containerd.service");
  EXPECT_TRUE(contains(unit, "ExecStart=/usr/local/bin/containerd"));
  EXPECT_TRUE(contains(unit, "Delegate=yes"));
  EXPECT_TRUE(
      contains(server_file("/etc/modules-load.d/containerd.conf"), "overlay\nbr_netfilter\n"));
  EXPECT_TRUE(
      contains(server_file("/etc/sysctl.d/99-kubernetes-cri.conf"), "net.ipv4.ip_forward = 1"));
  EXPECT_TRUE(object_of(handle).dependencies().empty());
}

TEST_F(TaskservTest, ContainerdSettingsOverrideDefaults) {
  TaskservHandle handle = load("containerd");
  object_of(handle).install(*executor_,
                            target({{"sandbox_image", "registry.example:5000/pause:3.9"},
                                    {"root_dir", "/data/containerd"}}));

  std::string config = server_file("/etc/containerd/config.toml");
  EXPECT_TRUE(contains(config, "sandbox_image = \"registry.example:5000/pause:3.9\""));
  EXPECT_TRUE(contains(config, "root = \"/data/containerd\""));
}

TEST_F(TaskservTest, ContainerdRejectsUnsafeSettings) {
  TaskservHandle handle = load("containerd");
  EXPECT_SDK_ERROR(object_of(handle).install(*executor_, target({{"sandbox_image", "x\"\n[y]"}})),
                   sdk::ErrorCode::kInvalidArgument, "taskservs.containerd.sandbox_image");
  EXPECT_SDK_ERROR(object_of(handle).install(*executor_, target({{"root_dir", "relative"}})),
                   sdk::ErrorCode::kInvalidArgument, "taskservs.containerd.root_dir",
                   "absolute path");
  EXPECT_FALSE(executor_->exists("/etc/containerd/config.toml"));
}

TEST_F(TaskservTest, EtcdSingleMemberUsesServerNameAndAddress) {
  TaskservHandle handle = load("etcd");
  object_of(handle).install(*executor_, target());

  const std::string ip = server_.ip_address;
  std::string config = server_file("/etc/etcd/etcd.conf.yml");
  EXPECT_TRUE(contains(config, "name: \"node-1\"")) << config;
  EXPECT_TRUE(contains(config, "listen-peer-urls: \"http://" + ip + ":2380\"")) << config;
  EXPECT_TRUE(contains(config, "advertise-client-urls: \"http://" + ip + ":2379\"")) << config;
  EXPECT_TRUE(
      contains(config, "listen-client-urls: \"http://" + ip + ":2379,http://127.0.0.1:2379\""))
      << config;
  EXPECT_TRUE(contains(config, "initial-cluster: \"node-1=http://" + ip + ":2380\"")) << config;
  EXPECT_TRUE(contains(config, "initial-cluster-state: \"new\"")) << config;
  EXPECT_TRUE(contains(config, "data-dir: \"/var/lib/etcd\"")) << config;
  EXPECT_TRUE(contains(server_file("/etc/systemd/system/etcd.service"),
                       "ExecStart=/usr/local/bin/etcd --config-file /etc/etcd/etcd.conf.yml"));
}

TEST_F(TaskservTest, EtcdInitialClusterListsPeers) {
  TaskservHandle handle = load("etcd");
  sdk::TaskservTarget cluster = target({{"initial_cluster_state", "existing"}});
  cluster.cluster = "prod";
  cluster.cluster_peers = {
      {"node-0", "10.0.0.10"}, {"node-1", server_.ip_address}, {"node-2", "fd00::12"}};
  object_of(handle).install(*executor_, cluster);

  std::string config = server_file("/etc/etcd/etcd.conf.yml");
  EXPECT_TRUE(contains(config, "initial-cluster: \"node-0=http://10.0.0.10:2380,node-1=http://" +
                                   server_.ip_address + ":2380,node-2=http://[fd00::12]:2380\""))
      << config;
  EXPECT_TRUE(contains(config, "initial-cluster-token: \"etcd-prod\"")) << config;
  EXPECT_TRUE(contains(config, "initial-cluster-state: \"existing\"")) << config;
}

TEST_F(TaskservTest, EtcdRejectsInvalidPeer) {
  TaskservHandle handle = load("etcd");
  sdk::TaskservTarget cluster = target();
  cluster.cluster_peers = {{"node-0", "not-an-address"}};

  EXPECT_SDK_ERROR(object_of(handle).install(*executor_, cluster), sdk::ErrorCode::kInvalidArgument,
                   "'not-an-address'", "cluster peer 'node-0'");
  EXPECT_SDK_ERROR(
      object_of(handle).install(*executor_, target({{"initial_cluster_state", "old"}})),
      sdk::ErrorCode::kInvalidArgument, "taskservs.etcd.initial_cluster_state", "new, existing");
}

TEST_F(TaskservTest, KubernetesDependsOnContainerdThenEtcd) {
  TaskservHandle handle = load("kubernetes");
  EXPECT_EQ(object_of(handle).dependencies(), (std::vector<std::string>{"containerd", "etcd"}));
}

TEST_F(TaskservTest, KubeadmConfigUsesExternalEtcdAndContainerd) {
  TaskservHandle handle = load("kubernetes");
  sdk::TaskservTarget cluster = target({{"pod_subnet", "10.32.0.0/12"}});
  cluster.cluster = "prod";
  cluster.cluster_peers = {{"node-0", "10.0.0.10"}, {"node-1", server_.ip_address}};
  object_of(handle).install(*executor_, cluster);

  const std::string ip = server_.ip_address;
  std::string config = server_file("/etc/kubernetes/kubeadm-config.yaml");
  EXPECT_TRUE(contains(config, "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration"));
  EXPECT_TRUE(contains(config, "kind: ClusterConfiguration"));
  EXPECT_TRUE(contains(config, "kubernetesVersion: \"v1.29.2\""));
  EXPECT_TRUE(contains(config, "clusterName: \"prod\""));
  EXPECT_TRUE(contains(config, "advertiseAddress: \"" + ip + "\""));
  EXPECT_TRUE(contains(config, "criSocket: \"unix:///run/containerd/containerd.sock\""));
  EXPECT_TRUE(contains(config, "podSubnet: \"10.32.0.0/12\""));
  EXPECT_TRUE(contains(config, "serviceSubnet: \"10.96.0.0/12\""));
  EXPECT_TRUE(contains(
      config,
      "    endpoints:\n      - \"http://10.0.0.10:2379\"\n      - \"http://" + ip + ":2379\"\n"))
      << config;
  EXPECT_TRUE(contains(config, "cgroupDriver: systemd"));

  EXPECT_TRUE(contains(server_file("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"),
                       "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS"));
  EXPECT_TRUE(
      contains(server_file("/etc/systemd/system/kubelet.service"), "ExecStart=/usr/bin/kubelet"));
}

TEST_F(TaskservTest, KubeadmConfigWithoutPeersUsesOwnEtcd) {
  TaskservHandle handle = load("kubernetes");
  object_of(handle).install(*executor_, target());

  std::string config = server_file("/etc/kubernetes/kubeadm-config.yaml");
  EXPECT_TRUE(
      contains(config, "    endpoints:\n      - \"http://" + server_.ip_address + ":2379\"\n---"))
      << config;
  EXPECT_TRUE(contains(config, "podSubnet: \"10.244.0.0/16\""));
  EXPECT_TRUE(contains(config, "clusterName: \"kubernetes\""));
}

TEST_F(TaskservTest, KubernetesRejectsInvalidSubnet) {
  TaskservHandle handle = load("kubernetes");
  EXPECT_SDK_ERROR(object_of(handle).install(*executor_, target({{"pod_subnet", "10.244.0.0"}})),
                   sdk::ErrorCode::kInvalidArgument, "taskservs.kubernetes.pod_subnet",
                   "\"10.244.0.0\"", "CIDR");
  EXPECT_SDK_ERROR(
      object_of(handle).install(*executor_, target({{"service_subnet", "10.96.0.0/33"}})),
      sdk::ErrorCode::kInvalidArgument, "taskservs.kubernetes.service_subnet");
}

TEST_F(TaskservTest, ThreeTaskservsShareOneServer) {
  for (const std::string name : {"containerd", "etcd", "kubernetes"}) {
    TaskservHandle handle = load(name);
    object_of(handle).install(*executor_, target());
  }
  TaskservHandle etcd = load("etcd");
  object_of(etcd).remove(*executor_);

  EXPECT_FALSE(executor_->exists("/etc/etcd/etcd.conf.yml"));
  EXPECT_TRUE(executor_->exists("/etc/containerd/config.toml"));
  EXPECT_TRUE(executor_->exists("/etc/kubernetes/kubeadm-config.yaml"));
  TaskservHandle containerd = load("containerd");
  EXPECT_TRUE(contains(object_of(containerd).status(*executor_).detail, "unchanged"));
}

}  // namespace
}  // namespace provisioning::testing
