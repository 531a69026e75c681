#include "migration/readiness.h"

#include <httplib.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <signal.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>

#include "bridge/bridge_settings.h"
#include "host.h"
#include "migration/backup.h"
#include "migration/legacy_fallback.h"
#include "migration/migration_config.h"
#include "migration/plan.h"
#include "migration/target_location.h"
#include "orchestrator/orchestrator.h"

namespace provisioning::host::migration {
namespace {

// Size and record count of the source state.
struct StateSize {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
};

std::string format_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

// Bytes of the files at `path`: the file itself, or every file below a directory.
std::uint64_t disk_usage(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error)) return std::filesystem::file_size(path, error);
  std::uint64_t total = 0;
  if (!std::filesystem::is_directory(path, error)) return 0;
  for (auto it = std::filesystem::recursive_directory_iterator(path, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file(error)) total += it->file_size(error);
  }
  return total;
}

std::string resolved_source(Host& host, const ReadinessOptions& options) {
  if (!options.from.empty()) return options.from;
  if (!host.config().get_string("bridge.legacy_path").empty()) return std::string(kLegacySource);
  return host.config().get_string("storage.backend");
}

std::string resolved_target(Host& host, const ReadinessOptions& options) {
  return options.to.empty() ? host.config().get_string("storage.backend") : options.to;
}

// Counts the records of `backend` and the bytes of their JSON text.
StateSize measure_backend(Host& host, const std::string& name) {
  auto backend = host.storage_backend(name);
  StateSize size;
  backend.call("for_each", [&](sdk::StorageBackend& storage) {
    for (const auto& collection : storage.collections()) {
      storage.for_each(collection, [&](const std::string&, const json::object& record) {
        ++size.records;
        size.bytes += json::serialize(record).size();
        return true;
      });
    }
  });
  if (name == "sqlite" || name == "filesystem") {  // the backends that keep local files
    std::filesystem::path location = configured_location_path(host, name);
    size.bytes = std::max({size.bytes, disk_usage(location),
                           disk_usage(location.string() + "-wal")});  // SQLite's WAL file
  }
  return size;
}

StateSize measure_legacy(Host& host) {
  auto legacy = configured_legacy_directory(host.config().get_string("bridge.legacy_path"),
                                            host.workspace().root());
  if (!legacy) {
    throw sdk::Error::invalid_argument(
        "the source is the legacy data directory but bridge.legacy_path is not set; set it, "
        "or name a backend with --from");
  }
  StateSize size;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(legacy->root(), error)) {
    if (!entry.is_directory(error)) continue;
    size.records += legacy->ids(entry.path().filename().string()).size();
  }
  size.bytes = disk_usage(legacy->root());
  return size;
}

StateSize measure_source(Host& host, const std::string& source) {
  return source == kLegacySource ? measure_legacy(host) : measure_backend(host, source);
}

ReadinessCheck check_backup(Host& host) {
  std::filesystem::path state_dir = host.workspace().state_dir();
  auto backups = list_backups(state_dir);
  if (!backups.empty()) {
    const BackupManifest& latest = backups.back();
    return {"backup", true,
            "latest backup " + latest.id + " of '" + latest.backend + "' (" +
                std::to_string(latest.total_records()) + " records, created " + latest.created_at +
                ")"};
  }
  std::filesystem::path directory = backups_dir(state_dir);
  std::filesystem::create_directories(directory);
  std::filesystem::path probe = directory / ".readiness-probe";
  {
    std::ofstream out(probe);
    out << "probe\n";
    if (!out.flush()) {
      throw sdk::Error::unavailable("cannot write to " + directory.string() +
                                    "; fix its permissions or free space so migrate can "
                                    "create a backup");
    }
  }
  std::filesystem::remove(probe);
  return {"backup", true,
          "no backup yet; " + directory.string() + " is writable, so migrate creates one first"};
}

ReadinessCheck check_source(Host& host, const std::string& source, StateSize& size) {
  size = measure_source(host, source);
  return {"source", true,
          "'" + source + "' holds " + std::to_string(size.records) + " records (" +
              format_bytes(size.bytes) + ")"};
}

// Lists the SurrealDB staging databases that failed or killed migrations left, which
// do not block a cut-over but take space on the server.
std::string leftover_staging_note(Host& host, const std::string& target) {
  if (target != "surrealdb") return "";
  auto leftovers = leftover_staging_databases(host.workspace().state_dir());
  if (leftovers.empty()) return "";
  std::string note = "; " + std::to_string(leftovers.size()) +
                     " staging database(s) of earlier migrations are left on the server:";
  for (const StagingDatabase& database : leftovers) {
    note += " '" + database.database + "': " + removal_hint(database) + ";";
  }
  note.pop_back();
  return note;
}

ReadinessCheck check_target(Host& host, const std::string& target) {
  auto backend = host.storage_backend(target);
  std::size_t records = 0;
  std::string location;
  backend.call("count", [&](sdk::StorageBackend& storage) {
    location = storage.location();
    for (const auto& collection : storage.collections()) records += storage.count(collection);
  });
  return {"target", true,
          "'" + target + "' at " + location + " opens and holds " + std::to_string(records) +
              " records" + leftover_staging_note(host, target)};
}

ReadinessCheck check_config(Host& host) {
  std::vector<std::string> problems = host.config().warnings();
  std::string backend = host.config().get_string("storage.backend");
  if (host.catalog().find(sdk::PluginKind::kStorage, backend) == nullptr) {
    problems.push_back("storage.backend names '" + backend +
                       "', which is not installed; run 'provisioning plugin list --kind storage'");
  }
  try {
    auto settings = bridge::read_bridge_settings(host.config(), host.workspace().root());
    bridge::require_legacy_path(settings);
  } catch (const sdk::Error& error) {
    problems.emplace_back(error.what());
  }
  if (problems.empty()) {
    return {"config", true,
            "loaded " + std::to_string(host.config().files().size()) +
                " files without warnings; storage.backend '" + backend + "' is installed"};
  }
  std::string reason;
  for (const auto& problem : problems) reason += (reason.empty() ? "" : "; ") + problem;
  return {"config", false, reason};
}

ReadinessCheck check_disk(Host& host, const StateSize& size,
                          const std::optional<std::uint64_t>& free_override) {
  std::filesystem::path state_dir = host.workspace().state_dir();
  std::uint64_t free_bytes = 0;
  if (free_override) {
    free_bytes = *free_override;
  } else {
    struct statvfs info {};
    if (::statvfs(state_dir.c_str(), &info) != 0) {
      throw sdk::Error::unavailable("statvfs(" + state_dir.string() +
                                    ") failed: " + std::strerror(errno));
    }
    free_bytes = static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
  }
  std::uint64_t needed = 2 * size.bytes;
  std::string figures = format_bytes(free_bytes) + " free on the file system of " +
                        state_dir.string() + ", " + format_bytes(needed) +
                        " needed for two copies of the state";
  if (free_bytes >= needed) return {"disk", true, figures};
  return {"disk", false,
          figures + "; free " + format_bytes(needed - free_bytes) + " or more before migrating"};
}

// Sends GET /health to a loopback orchestrator.
ReadinessCheck probe_health(const std::string& address, int port,
                            std::chrono::milliseconds timeout) {
  std::string where = address + ":" + std::to_string(port);
  httplib::Client client(address, port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  auto response = client.Get("/health");
  if (response && response->status == 200) {
    return {"orchestrator", true, "GET /health on " + where + " returned 200"};
  }
  std::string outcome =
      response ? "HTTP " + std::to_string(response->status) : httplib::to_string(response.error());
  return {"orchestrator", false,
          "GET /health on " + where + " failed: " + outcome +
              "; check 'provisioning orchestrator status' and its log"};
}

ReadinessCheck check_orchestrator(Host& host, std::chrono::milliseconds timeout) {
  std::filesystem::path file = orchestrator_state_file(host.workspace());
  std::error_code error;
  if (!std::filesystem::exists(file, error)) {
    return {"orchestrator", true, "not running (no " + file.string() + "); nothing to check"};
  }

  json::object state = json::parse(sdk::read_file(file)).as_object();
  auto pid = static_cast<pid_t>(state.at("pid").to_number<std::int64_t>());
  std::string address(state.at("host").as_string());
  int port = static_cast<int>(state.at("port").to_number<std::int64_t>());
  if (::kill(pid, 0) != 0 && errno == ESRCH) {
    return {"orchestrator", false,
            file.string() + " names pid " + std::to_string(pid) +
                ", which is not running; start it with 'provisioning orchestrator start "
                "--detach' or remove the stale file"};
  }
  if (!is_loopback_address(address)) {
    return {"orchestrator", false,
            "the orchestrator listens on " + address + ":" + std::to_string(port) +
                ", which is not a loopback address, so readiness does not contact it; check "
                "GET /health there by hand"};
  }
  return probe_health(address, port, timeout);
}

bool selected(const ReadinessOptions& options, const std::string& name) {
  return options.checks.empty() ||
         std::find(options.checks.begin(), options.checks.end(), name) != options.checks.end();
}

}  // namespace

const std::vector<std::string>& readiness_check_names() {
  static const std::vector<std::string> names = {"backup", "source", "target",
                                                 "config", "disk",   "orchestrator"};
  return names;
}

bool ReadinessReport::ready() const {
  return std::all_of(checks.begin(), checks.end(), [](const auto& check) { return check.ok; });
}

json::object ReadinessReport::to_json() const {
  json::array items;
  for (const auto& check : checks) {
    items.push_back(json::object{{"name", check.name}, {"ok", check.ok}, {"reason", check.reason}});
  }
  return json::object{{"ready", ready()}, {"checks", std::move(items)}};
}

ReadinessReport check_readiness(Host& host, const ReadinessOptions& options) {
  std::string source = resolved_source(host, options);
  std::string target = resolved_target(host, options);
  std::optional<StateSize> size;
  ReadinessReport report;
  auto run = [&](const std::string& name, const std::function<ReadinessCheck()>& check) {
    if (!selected(options, name)) return;
    try {
      report.checks.push_back(check());
    } catch (const std::exception& error) {
      report.checks.push_back({name, false, error.what()});
    }
  };
  run("backup", [&] { return check_backup(host); });
  run("source", [&] {
    StateSize measured;
    ReadinessCheck check = check_source(host, source, measured);
    size = measured;
    return check;
  });
  run("target", [&] { return check_target(host, target); });
  run("config", [&] { return check_config(host); });
  run("disk", [&] {
    if (!size) size = measure_source(host, source);
    return check_disk(host, *size, options.free_bytes);
  });
  run("orchestrator", [&] { return check_orchestrator(host, options.orchestrator_timeout); });
  return report;
}

}  // namespace provisioning::host::migration
