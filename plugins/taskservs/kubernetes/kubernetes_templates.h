#pragma once

#include <string_view>

// Files the kubernetes taskserv writes. "{{name}}" marks a value filled in at install.
namespace provisioning::plugins::kubernetes_templates {

// Input of `kubeadm init --config`: kubeadm.k8s.io/v1beta3, the newest API kubeadm 1.29
// accepts, plus the kubelet configuration that matches containerd's systemd cgroups.
inline constexpr std::string_view kKubeadmConfig =
    R"(# Written by the provisioning kubernetes taskserv; changes are reported as drift.
apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: "{{address}}"
  bindPort: 6443
nodeRegistration:
  name: "{{node_name}}"
  criSocket: "unix:///run/containerd/containerd.sock"
  kubeletExtraArgs:
    node-ip: "{{address}}"
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: "v{{version}}"
clusterName: "{{cluster_name}}"
controlPlaneEndpoint: "{{api_endpoint}}"
networking:
  podSubnet: "{{pod_subnet}}"
  serviceSubnet: "{{service_subnet}}"
  dnsDomain: "{{dns_domain}}"
etcd:
  external:
    endpoints:
{{etcd_endpoints}}
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock"
)";

// One entry of etcd.external.endpoints above.
inline constexpr std::string_view kEtcdEndpoint = R"(      - "{{url}}")";

inline constexpr std::string_view kKubeletUnit =
    R"(# Written by the provisioning kubernetes taskserv.
[Unit]
Description=kubelet: the Kubernetes node agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target containerd.service

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
)";

// Drop-in that starts kubelet with the files kubeadm writes: the bootstrap and final
// kubeconfig, /var/lib/kubelet/config.yaml and the flags in kubeadm-flags.env.
inline constexpr std::string_view kKubeletKubeadmDropIn =
    R"(# Written by the provisioning kubernetes taskserv.
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
)";

// Settings kubeadm's preflight checks require: bridged traffic visible to iptables and
// IPv4 forwarding.
inline constexpr std::string_view kSysctl = R"(# Written by the provisioning kubernetes taskserv.
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
)";

}  // namespace provisioning::plugins::kubernetes_templates
