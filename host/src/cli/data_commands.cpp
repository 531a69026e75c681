// `provisioning data check` and `data repair`: compare the current store with the legacy
// data directory of bridge.legacy_path and copy the legacy records in.

#include <iostream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "migration/data_check.h"
#include "migration/data_repair.h"

namespace provisioning::cli {
namespace {

using host::migration::DataCheckReport;
using host::migration::DifferenceKind;
using host::migration::LegacyDirectory;
using host::migration::RepairReport;

LegacyDirectory required_legacy_directory(host::Host& host) {
  auto legacy = host::migration::configured_legacy_directory(
      host.config().get_string("bridge.legacy_path"), host.workspace().root());
  if (!legacy) {
    throw sdk::Error::invalid_argument(
        "bridge.legacy_path is not set, so there is no legacy data directory to compare "
        "with; set it in config.toml or pass --set bridge.legacy_path=DIR");
  }
  return *legacy;
}

std::string fields_or_detail(const host::migration::RecordDifference& difference) {
  if (difference.kind == DifferenceKind::kUnreadable) return difference.detail;
  std::string text;
  for (const auto& name : difference.fields) text += (text.empty() ? "" : ", ") + name;
  return text;
}

void print_check(const DataCheckReport& report) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& difference : report.differences) {
    rows.push_back({difference.collection, difference.id, to_string(difference.kind),
                    fields_or_detail(difference)});
  }
  if (!rows.empty()) print_table({"COLLECTION", "ID", "DIFFERENCE", "FIELDS"}, rows);
  for (const auto& [collection, counts] : report.counts) {
    std::cout << collection << ": " << counts.legacy << " legacy, " << counts.current
              << " current, " << counts.equal << " equal\n";
  }
  std::cout << (report.consistent()
                    ? "the current store matches the legacy data directory\n"
                    : "the stores differ; run 'provisioning data repair' to copy the legacy "
                      "records in\n");
}

void print_repair(const RepairReport& report) {
  std::string prefix = report.dry_run ? "would " : "";
  for (const auto& change : report.changes) {
    std::string target = change.collection + "/" + change.id;
    if (change.action == "insert") {
      std::cout << (report.dry_run ? "would insert " : "inserted ") << target << '\n';
    } else if (change.action == "replace") {
      std::string fields;
      for (const auto& name : change.fields) fields += (fields.empty() ? "" : ", ") + name;
      std::cout << (report.dry_run ? "would replace " : "replaced ") << target << " (" << fields
                << ")\n";
    } else {
      std::cout << (report.dry_run ? "would skip " : "skipped ") << target << ": " << change.detail
                << '\n';
    }
  }
  std::cout << prefix << (report.dry_run ? "insert " : "inserted ") << report.count("insert")
            << ", " << (report.dry_run ? "replace " : "replaced ") << report.count("replace")
            << ", " << (report.dry_run ? "skip " : "skipped ") << report.count("skip") << "; kept "
            << report.only_in_current << " records only in the current store\n";
}

void add_check(CLI::App& data, Invocation& invocation) {
  auto* check = data.add_subcommand(
      "check",
      "List records missing or different between the current store and the legacy "
      "data directory (bridge.legacy_path); exits 5 when repair has work to do");
  on_run(*check, invocation, [&invocation](host::Host& host) {
    LegacyDirectory legacy = required_legacy_directory(host);
    DataCheckReport report = host.storage().call(
        "for_each", [&](sdk::StorageBackend& s) { return check_data(s, legacy); });
    if (json_output(invocation.options)) {
      print_json(report.to_json());
    } else {
      print_check(report);
    }
    return report.consistent() ? kExitSuccess : kExitConflict;
  });
}

void add_repair(CLI::App& data, Invocation& invocation) {
  auto dry_run = std::make_shared<bool>(false);
  auto* repair =
      data.add_subcommand("repair",
                          "Copy the records that are missing or different from the legacy data "
                          "directory into the current store, in one transaction");
  repair->add_flag("--dry-run", *dry_run, "List the changes and write nothing");
  on_run(*repair, invocation, [&invocation, dry_run](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    bool preview_only = *dry_run || options.check;
    LegacyDirectory legacy = required_legacy_directory(host);
    auto storage = host.storage();
    if (!preview_only) {
      RepairReport preview = repair_data(storage, legacy, true);
      if (preview.count("replace") > 0) {
        confirm(options, "Replace " + std::to_string(preview.count("replace")) +
                             " records of the current store with their legacy versions?");
      }
    }
    RepairReport report = repair_data(storage, legacy, preview_only);
    if (json_output(options)) {
      print_json(report.to_json());
    } else {
      print_repair(report);
    }
    return report.complete() ? kExitSuccess : kExitConflict;
  });
}

}  // namespace

void add_data_commands(CLI::App& app, Invocation& invocation) {
  auto* data = app.add_subcommand(
      "data", "Compare and repair the current store against the legacy data directory");
  data->require_subcommand(1);
  add_check(*data, invocation);
  add_repair(*data, invocation);
}

}  // namespace provisioning::cli
