#pragma once

#include <string_view>

// Files the containerd taskserv writes. "{{name}}" marks a value filled in at install.
namespace provisioning::plugins::containerd_templates {

// containerd 1.7 configuration, format version 2. The CRI plugin uses runc through the
// v2 shim with the systemd cgroup driver, which kubelet must match.
inline constexpr std::string_view kConfigToml =
    R"(# Written by the provisioning containerd taskserv; changes are reported as drift.
version = 2
root = "{{root_dir}}"
state = "/run/containerd"
oom_score = 0

[grpc]
  address = "/run/containerd/containerd.sock"
  uid = 0
  gid = 0
  max_recv_message_size = 16777216
  max_send_message_size = 16777216

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "{{sandbox_image}}"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = true

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"
)";

inline constexpr std::string_view kServiceUnit =
    R"(# Written by the provisioning containerd taskserv.
[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target local-fs.target

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/containerd --config /etc/containerd/config.toml
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5
LimitNPROC=infinity
LimitCORE=infinity
LimitNOFILE=infinity
TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
)";

// Kernel modules the overlayfs snapshotter and bridged pod networking need at boot.
inline constexpr std::string_view kModulesLoad =
    R"(# Written by the provisioning containerd taskserv.
overlay
br_netfilter
)";

// Lets iptables see bridged pod traffic and lets the node route between pods.
inline constexpr std::string_view kCriSysctl = R"(# Written by the provisioning containerd taskserv.
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
)";

}  // namespace provisioning::plugins::containerd_templates
