#pragma once

#include <string_view>

// Files the etcd taskserv writes. "{{name}}" marks a value filled in at install.
namespace provisioning::plugins::etcd_templates {

// etcd 3.5 configuration file (the format of `etcd --config-file`). URL lists are
// comma-separated strings, as etcd expects them there.
inline constexpr std::string_view kConfigYaml =
    R"(# Written by the provisioning etcd taskserv; changes are reported as drift.
name: "{{member_name}}"
data-dir: "{{data_dir}}"
listen-peer-urls: "{{peer_url}}"
listen-client-urls: "{{listen_client_urls}}"
initial-advertise-peer-urls: "{{peer_url}}"
advertise-client-urls: "{{client_url}}"
initial-cluster: "{{initial_cluster}}"
initial-cluster-token: "{{cluster_token}}"
initial-cluster-state: "{{cluster_state}}"
heartbeat-interval: 100
election-timeout: 1000
snapshot-count: 10000
auto-compaction-mode: periodic
auto-compaction-retention: "1"
logger: zap
log-level: info
log-outputs: [stderr]
)";

inline constexpr std::string_view kServiceUnit = R"(# Written by the provisioning etcd taskserv.
[Unit]
Description=etcd distributed key-value store
Documentation=https://etcd.io/docs/v3.5/
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
ExecStart=/usr/local/bin/etcd --config-file /etc/etcd/etcd.conf.yml
Restart=on-failure
RestartSec=5
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
)";

}  // namespace provisioning::plugins::etcd_templates
