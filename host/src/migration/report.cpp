#include "report.h"

#include <provisioning/sdk/files.h>

#include "backup.h"
#include "logging.h"

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

json::array collections_json(const std::vector<CollectionReport>& collections) {
  json::array list;
  for (const auto& collection : collections) {
    list.push_back(json::object{{"name", collection.name},
                                {"source_records", collection.source_records},
                                {"target_records", collection.target_records},
                                {"normalized_records", collection.normalized_records},
                                {"digest", collection.digest}});
  }
  return list;
}

json::array quarantined_json(const std::vector<QuarantinedFile>& files) {
  json::array list;
  for (const auto& file : files) {
    list.push_back(json::object{{"collection", file.collection},
                                {"id", file.id},
                                {"original_path", file.original_path},
                                {"quarantine_path", file.quarantine_path},
                                {"error", file.error}});
  }
  return list;
}

json::array mismatches_json(const std::vector<RecordMismatch>& mismatches) {
  json::array list;
  for (const auto& mismatch : mismatches) {
    list.push_back(json::object{
        {"collection", mismatch.collection}, {"id", mismatch.id}, {"problem", mismatch.problem}});
  }
  return list;
}

std::filesystem::path report_path(const std::filesystem::path& state_dir,
                                  const MigrationReport& report) {
  if (!report.backup_id.empty()) return backups_dir(state_dir) / report.backup_id / "report.json";
  std::string id = report.id.empty() ? new_backup_id(state_dir) : report.id;
  return state_dir / "migration-reports" / (id + ".json");
}

}  // namespace

std::uint64_t MigrationReport::total_records() const {
  std::uint64_t total = 0;
  for (const auto& collection : collections) total += collection.source_records;
  return total;
}

json::object MigrationReport::to_json() const {
  return {{"id", id},
          {"from", from},
          {"to", to},
          {"source_location", source_location},
          {"target_location", target_location},
          {"dry_run", dry_run},
          {"backup_id", backup_id},
          {"verified", verified},
          {"switched", switched},
          {"records", total_records()},
          {"collections", collections_json(collections)},
          {"quarantined", quarantined_json(quarantined)},
          {"mismatches", mismatches_json(mismatches)},
          {"started_at", started_at},
          {"finished_at", finished_at},
          {"durations_seconds", json::object{{"backup", backup_seconds},
                                             {"copy", copy_seconds},
                                             {"verify", verify_seconds},
                                             {"total", total_seconds}}},
          {"report_file", report_file},
          {"error", error}};
}

std::string save_report(const std::filesystem::path& state_dir, const MigrationReport& report) {
  std::filesystem::path file = report_path(state_dir, report);
  MigrationReport saved = report;
  saved.report_file = file.string();
  sdk::write_file_atomically(file, json::serialize(saved.to_json()) + "\n", 0600);
  return file.string();
}

void save_report_quietly(const std::filesystem::path& state_dir,
                         const MigrationReport& report) noexcept {
  try {
    save_report(state_dir, report);
  } catch (const std::exception& error) {
    component_logger("host")->warn("cannot save the migration report: {}", error.what());
  }
}

}  // namespace provisioning::host::migration
