#pragma once

#include "cli/cli.h"

// Subcommands of `provisioning bridge`, split over two files.
namespace provisioning::cli {

// Adds `bridge run`, `bridge route` and `bridge install-shims`.
void add_bridge_run_commands(CLI::App& bridge_command, Invocation& invocation);

// Adds --bridge-mode and --legacy-path to `orchestrator start`. They become the settings
// bridge.mode = "compatibility" and bridge.legacy_path = DIR for this run (and for the
// background process that --detach starts), so the orchestrator reads legacy records
// through the legacy fallback.
void add_orchestrator_bridge_options(CLI::App& start, Invocation& invocation);

}  // namespace provisioning::cli
