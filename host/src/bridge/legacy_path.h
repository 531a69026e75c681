#pragma once

#include <filesystem>
#include <memory>

#include "bridge/execution_path.h"
#include "host.h"

namespace provisioning::host::bridge {

// The legacy path: direct execution, without the orchestrator, against the legacy data
// directory through the `filesystem` storage backend, with results in the v1 shape.
// Reads translate records in older shapes with normalize_legacy_record().
//
// Each server record it creates or deletes is also written to or removed from the
// current store of `current` (a dual write), so the two stores stay consistent and
// `provisioning data check` is clean when the bridge is switched off. Records of the
// taskservs on a deleted server are removed from the legacy directory only.
class LegacyPath final : public ExecutionPath {
 public:
  // `base` is the command's own host options. The legacy host opened from them uses the
  // same workspace and plugins, with storage.backend = "filesystem" and
  // storage.filesystem.path = `legacy_directory`.
  LegacyPath(Host& current, const HostOptions& base, std::filesystem::path legacy_directory);
  ~LegacyPath() override;

  PathKind kind() const override { return PathKind::kLegacy; }
  boost::json::value run(const BridgeOperation& operation) override;
  bool has_server(const std::string& name) override;

 private:
  Host& legacy_host();
  std::optional<boost::json::object> find_record(const std::string& name) const;
  boost::json::array list_records() const;
  void mirror_put(const boost::json::object& record);
  void mirror_remove(const boost::json::object& record);

  Host& current_;
  HostOptions base_;
  std::filesystem::path directory_;
  std::unique_ptr<Host> host_;  // opened on first use
};

}  // namespace provisioning::host::bridge
