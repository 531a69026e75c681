#!/usr/bin/env bash
# Builds and runs the benchmarks, then prints a Markdown table of the results. Each
# result has a baseline measured in the same run, and the ratio of the two medians.
# docs/benchmarks.md explains the measurements and records past results.
#
# Usage: bench/run.sh [--orchestrator]
#   --orchestrator  afterwards runs bench/run-orchestrator.sh with the same BUILD_DIR,
#                   which takes about two more minutes.
#   BUILD_DIR  build directory, relative to the repository or absolute (default: build).
#              It is configured as RelWithDebInfo when it has no CMakeCache.txt yet.
#
# Everything the commands write (workspaces, HOME, XDG directories, the 200 plugin
# copies) goes to one temporary directory, removed on exit. Exits 0 when every
# benchmark ran, whether or not the targets were met.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
cli_runs=200       # spawns of each command and of its baseline
cli_warmup=5       # unrecorded spawns first
create_runs=200    # server creates into one workspace, after the warm-up creates
discovery_count=200
discovery_rounds=20

log() { echo "run.sh: $*" >&2; }
# shellcheck source=bench/common.sh
. bench/common.sh

build() {
  if ! command -v sqlite3 >/dev/null; then
    log "the sqlite3 command-line tool is missing; installing the build dependencies"
    scripts/install-deps.sh
  fi
  build_bench_target benchmarks
}

print_machine() {
  local cxx cpu memory
  cxx=$(cache_value CMAKE_CXX_COMPILER)
  echo "date:       $(date -u +%Y-%m-%dT%H:%MZ)"
  cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
  memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "machine:    $(nproc) cores, $cpu, $memory memory"
  # shellcheck source=/dev/null
  echo "os:         $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "compiler:   $("$cxx" --version | head -n 1)"
  echo "build:      $(cache_value CMAKE_BUILD_TYPE) in $build_dir"
  echo "load:       $load_before before, $(cut -d ' ' -f 1 /proc/loadavg) after" \
    "(1-minute load average)"
  echo
}

cli_bench() {
  "$bin/cli_bench" --warmup "$cli_warmup" "$@"
}

measure_version() {
  cli_bench --name version --runs "$cli_runs" -- "$bin/provisioning" --version \
    --baseline /bin/true
}

measure_plugin_list() {
  "$bin/provisioning" workspace init "$tmp/list-workspace" >/dev/null
  cli_bench --name plugin_list --runs "$cli_runs" \
    -- "$bin/provisioning" --workspace "$tmp/list-workspace" plugin list \
    --baseline /bin/true
}

# The baseline inserts a row like a server record into a table like the sqlite storage
# plugin's, with the same journal mode and synchronous setting, one process per insert.
measure_server_create() {
  "$bin/provisioning" workspace init "$tmp/create-workspace" >/dev/null
  sqlite3 "$tmp/baseline.db" "PRAGMA journal_mode=WAL;" \
    "CREATE TABLE records (collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
       UNIQUE (collection, id));" >/dev/null
  local record='{"id":"bench-{n}","name":"bench-{n}","provider":"local","provider_id":"bench-{n}",'
  record+='"plan":"1xCPU-1GB","zone":"local-1","status":"running","ip_address":"127.0.0.1",'
  record+='"created_at":"2025-01-01T00:00:00.000Z","updated_at":"2025-01-01T00:00:00.000Z",'
  record+='"metadata":{"provider":{"root":"'"$tmp"'/create-workspace/.provisioning/servers/'
  record+='bench-{n}/root"}},"tags":[]}'
  cli_bench --name server_create --runs "$create_runs" \
    -- "$bin/provisioning" --workspace "$tmp/create-workspace" --provider local \
    --set storage.backend=sqlite server create "bench-{n}" 1xCPU-1GB \
    --baseline sqlite3 "$tmp/baseline.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
      INSERT INTO records VALUES ('servers', 'bench-{n}', '$record');"
}

measure_discovery() {
  "$bin/discovery_bench" --count "$discovery_count" --rounds "$discovery_rounds" "$tmp/plugins"
}

# Prints one table row from a result line. $1 is the label, $2 the baseline label, $3
# the target as an awk condition on median and ratio, $4 the target as text, $5 the line.
print_row() {
  local label=$1 baseline=$2 condition=$3 target=$4 line=$5
  local name runs median p90 base_median base_p90 ratio verdict="-"
  IFS=$'\t' read -r name runs median p90 base_median base_p90 ratio <<<"$line"
  if [ -n "$condition" ]; then
    verdict=$(awk -v median="$median" -v ratio="$ratio" \
      "BEGIN { print (($condition) ? \"met\" : \"missed\") }")
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %sx | %s | %s |\n' "$label" "$runs" "$median" \
    "$p90" "$baseline" "$base_median" "$base_p90" "$ratio" "$target" "$verdict"
}

main() {
  local with_orchestrator=""
  case "${1:-}" in
    "") ;;
    --orchestrator) with_orchestrator=yes ;;
    *)
      log "unknown option '$1'; the only option is --orchestrator"
      exit 2
      ;;
  esac
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/provisioning-bench.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  build
  bin="$(cd "$build_dir" && pwd)/bin"
  isolate_environment

  log "measuring --version, plugin list, server create and plugin discovery"
  local version list create discovery
  load_before=$(cut -d ' ' -f 1 /proc/loadavg)
  version=$(measure_version)
  list=$(measure_plugin_list)
  create=$(measure_server_create)
  discovery=$(measure_discovery)

  print_machine
  echo "| measurement | n | median ms | p90 ms | baseline | baseline median ms |" \
    "baseline p90 ms | ratio | target | result |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  print_row "provisioning --version" "/bin/true" "median < 5" "median < 5 ms" "$version"
  print_row "provisioning plugin list" "/bin/true" "" "-" "$list"
  print_row "provisioning server create" "sqlite3 insert" "median < 30" "median < 30 ms" \
    "$create"
  print_row "discover $discovery_count plugins" "dlopen+dlclose $discovery_count" \
    "ratio <= 2" "ratio <= 2" "$(sed -n 1p <<<"$discovery")"
  print_row "discover + load $discovery_count plugins" "dlopen+dlclose $discovery_count" "" \
    "-" "$(sed -n 2p <<<"$discovery")"
  if [ -n "$with_orchestrator" ]; then
    echo
    BUILD_DIR=$build_dir bench/run-orchestrator.sh
  fi
}

main "$@"
