// `provisioning migrate plan validate|run` and `migrate readiness`.

#include <iostream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "migration/plan.h"
#include "migration/plan_runner.h"
#include "migration/readiness.h"

namespace provisioning::cli {
namespace {

namespace migration = host::migration;

// Opens the workspace of `host` again with the command's --set flags, so that each plan
// step reads the configuration that earlier steps wrote.
migration::HostFactory host_factory(const host::Host& host, const GlobalOptions& options) {
  host::HostOptions host_options;
  host_options.workspace = host.workspace().root();
  host_options.environment = host.environment();
  for (const auto& setting : options.settings) {
    auto equals = setting.find('=');
    if (equals != std::string::npos) {
      host_options.config_flags[setting.substr(0, equals)] = setting.substr(equals + 1);
    }
  }
  return [host_options] { return host::Host::open(host_options); };
}

void print_outcome(const migration::StepOutcome& outcome) {
  static std::string current_phase;
  if (outcome.phase != current_phase) {
    current_phase = outcome.phase;
    std::cout << "phase '" << outcome.phase << "'\n";
  }
  std::string label = outcome.status == "rolled_back" || outcome.status == "rollback_failed"
                          ? "  undo step "
                          : "  step ";
  std::cout << label << outcome.number << " " << outcome.summary << ": " << outcome.status;
  if (!outcome.detail.empty()) std::cout << " (" << outcome.detail << ")";
  std::cout << '\n';
}

void print_summary(const migration::PlanRunReport& report) {
  if (report.succeeded) {
    std::cout << "plan '" << report.plan << "' "
              << (report.dry_run ? "checked: nothing was changed" : "completed") << '\n';
    return;
  }
  std::size_t undone = 0;
  for (const auto& outcome : report.outcomes) undone += outcome.status == "rolled_back";
  std::cout << "plan '" << report.plan << "' failed in phase '" << report.failed_phase
            << "'; undid " << undone << " steps of that phase\n";
}

void add_validate(CLI::App& plan, Invocation& invocation) {
  auto file = std::make_shared<std::string>();
  auto* validate = plan.add_subcommand(
      "validate", "Check a YAML migration plan and list every problem with its line:column");
  validate
      ->add_option("file", *file, "Plan file (YAML), such as config/plans/legacy-to-sqlite.yaml")
      ->required();
  on_run(*validate, invocation, [&invocation, file](host::Host& host) {
    migration::MigrationPlan plan = migration::load_plan(*file, host);
    std::size_t steps = 0;
    for (const auto& phase : plan.phases) steps += phase.steps.size();
    if (json_output(invocation.options)) {
      print_json(json::object{
          {"plan", plan.name}, {"valid", true}, {"phases", plan.phases.size()}, {"steps", steps}});
    } else {
      std::cout << "plan '" << plan.name << "' is valid: " << plan.phases.size() << " phases, "
                << steps << " steps\n";
    }
    return kExitSuccess;
  });
}

struct RunArguments {
  std::string file;
  bool dry_run = false;
  bool skip_backup = false;
};

void add_run(CLI::App& plan, Invocation& invocation) {
  auto arguments = std::make_shared<RunArguments>();
  auto* run = plan.add_subcommand("run", "Run a migration plan phase by phase");
  run->add_option("file", arguments->file, "Plan file (YAML)")->required();
  run->add_flag("--dry-run", arguments->dry_run, "Validate, describe each step and change nothing");
  run->add_flag("--skip-backup", arguments->skip_backup,
                "Make no backup before migrate_storage steps; rollback then only restores "
                "storage.backend");
  on_run(*run, invocation, [&invocation, arguments](host::Host& host) {
    const GlobalOptions& options = invocation.options;
    migration::MigrationPlan plan = migration::load_plan(arguments->file, host);
    migration::PlanRunOptions run_options;
    run_options.dry_run = arguments->dry_run || options.check;
    run_options.skip_backup = arguments->skip_backup;
    if (!json_output(options)) run_options.on_outcome = print_outcome;
    auto report = migration::run_plan(plan, host_factory(host, options), run_options);
    if (json_output(options)) {
      print_json(report.to_json());
    } else {
      print_summary(report);
    }
    if (!report.succeeded) std::cerr << "error: " << report.error << '\n';
    return report.succeeded ? kExitSuccess : exit_code_for(report.error_code);
  });
}

struct ReadinessArguments {
  std::string from;
  std::string to;
};

void add_readiness(CLI::App& migrate, Invocation& invocation) {
  auto arguments = std::make_shared<ReadinessArguments>();
  auto* readiness = migrate.add_subcommand(
      "readiness",
      "Check that a cut-over can start: backup, source, target, configuration, "
      "disk space and orchestrator; exits 6 when not ready");
  readiness->add_option("--from", arguments->from,
                        "Source: a storage backend, or 'legacy' for bridge.legacy_path (default: "
                        "legacy when bridge.legacy_path is set, else storage.backend)");
  readiness->add_option("--to", arguments->to, "Target storage backend (default: storage.backend)");
  on_run(*readiness, invocation, [&invocation, arguments](host::Host& host) {
    migration::ReadinessOptions options;
    options.from = arguments->from;
    options.to = arguments->to;
    migration::ReadinessReport report = migration::check_readiness(host, options);
    if (json_output(invocation.options)) {
      print_json(report.to_json());
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& check : report.checks) {
        rows.push_back({check.name, check.ok ? "ok" : "fail", check.reason});
      }
      print_table({"CHECK", "STATUS", "REASON"}, rows);
      std::cout << (report.ready() ? "ready\n" : "not ready\n");
    }
    return report.ready() ? kExitSuccess : kExitUnavailable;
  });
}

}  // namespace

void add_migrate_plan_commands(CLI::App& migrate, Invocation& invocation) {
  auto* plan = migrate.add_subcommand("plan", "Validate and run YAML migration plans");
  plan->require_subcommand(1);
  add_validate(*plan, invocation);
  add_run(*plan, invocation);
  add_readiness(migrate, invocation);
}

}  // namespace provisioning::cli
