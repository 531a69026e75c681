#pragma once

#include <filesystem>
#include <string>

#include "migrate.h"

namespace provisioning::host::migration {

// Saves `report` as JSON: as .provisioning/backups/<id>/report.json when the migration
// made a backup, else as .provisioning/migration-reports/<id>.json. Returns the file.
std::string save_report(const std::filesystem::path& state_dir, const MigrationReport& report);

// Like save_report(), but logs a failure instead of throwing, for reports of failed
// migrations, whose own error matters more.
void save_report_quietly(const std::filesystem::path& state_dir,
                         const MigrationReport& report) noexcept;

}  // namespace provisioning::host::migration
