#!/usr/bin/env bash
# Measures what metrics and logging cost the orchestrator: the same wrk runs against an
# orchestrator with both on (observability.metrics=true, logging.level=info, and a
# scraper reading /metrics every second) and with both off (observability.metrics=false,
# logging.level=off), in alternating rounds of one run. It prints a Markdown table with
# the throughput of each mode and the orchestrator's CPU time per request, read from
# /proc/PID/stat around each run, which a busy machine disturbs less than throughput.
# docs/benchmarks.md records past results.
#
# Usage: bench/run-observability.sh
#   BUILD_DIR     build directory, relative to the repository or absolute (default:
#                 build). It is configured as RelWithDebInfo when it has no
#                 CMakeCache.txt yet.
#   WRK_DURATION  seconds of each wrk run (default: 5)
#   ROUNDS        rounds of on and off runs; the table shows the median (default: 3)
#   SERVERS       servers stored before the GET /servers runs (default: 200)
#
# The orchestrators listen on 127.0.0.1 only, on ports chosen at run time. Everything
# the commands write goes to one temporary directory, removed on exit together with the
# orchestrators, also after a failure. Exits 0 when every measurement ran, whatever the
# figures.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
wrk_duration=${WRK_DURATION:-5}
rounds=${ROUNDS:-3}
server_count=${SERVERS:-200}
wrk_threads=2
wrk_connections=8 # the orchestrator's HTTP thread count; more would measure queueing
plan=1xCPU-1GB
on_settings=(--set observability.metrics=true --set logging.level=info)
off_settings=(--set observability.metrics=false --set logging.level=off)

workspaces=()
scraper_pid=""

log() { echo "run-observability.sh: $*" >&2; }
# shellcheck source=bench/common.sh
. bench/common.sh

build() {
  if ! command -v wrk >/dev/null || ! command -v curl >/dev/null; then
    log "wrk or curl is missing; installing them with the build dependencies"
    scripts/install-deps.sh wrk curl
  fi
  build_bench_target orchestrator_benchmarks
}

provisioning() { "$bin/provisioning" "$@"; }

state_field() {
  sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1/.provisioning/orchestrator.json"
}

# Starts the orchestrator of workspace $1 on a free port of 127.0.0.1 with the settings
# of mode $2 (on or off). With "on", a background loop scrapes /metrics every second.
start_orchestrator() {
  local workspace=$1 mode=$2 settings port
  if [ "$mode" = on ]; then settings=("${on_settings[@]}"); else settings=("${off_settings[@]}"); fi
  provisioning --workspace "$workspace" --set storage.backend=sqlite \
    --set provider.default=local "${settings[@]}" \
    orchestrator start --bind 127.0.0.1 --port 0 --detach >/dev/null
  if [ "$mode" = on ]; then
    port=$(state_field "$workspace" port)
    while sleep 1; do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" || true; done &
    scraper_pid=$!
  fi
}

stop_orchestrator() {
  local workspace=$1 pid
  if [ -n "$scraper_pid" ]; then
    kill "$scraper_pid" 2>/dev/null || true
    wait "$scraper_pid" 2>/dev/null || true
    scraper_pid=""
  fi
  [ -f "$workspace/.provisioning/orchestrator.json" ] || return 0
  pid=$(state_field "$workspace" pid)
  if ! provisioning --workspace "$workspace" orchestrator stop >/dev/null 2>&1; then
    log "orchestrator stop failed for $workspace; sending SIGKILL to pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

cleanup() {
  local workspace
  for workspace in "${workspaces[@]}"; do stop_orchestrator "$workspace"; done
  rm -rf "$tmp"
}

# Prints the user and system CPU time of process $1 in clock ticks.
cpu_ticks() {
  # The command name (field 2) has no spaces here, so awk's fields are proc(5)'s.
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# Runs wrk with the given arguments against the orchestrator of workspace $2 and appends
# its requests per second to the array <$1>_rps and the orchestrator's CPU time per
# request in microseconds to <$1>_cpu, where $1 is such as health_on. The full output
# goes to $tmp/wrk-$1-<round>.txt. Fails when a response was not 2xx.
run_wrk() {
  local name=$1 workspace=$2 output="$tmp/wrk-$1-$round.txt" pid before after rps cpu
  shift 2
  pid=$(state_field "$workspace" pid)
  before=$(cpu_ticks "$pid")
  wrk -t "$wrk_threads" -c "$wrk_connections" -d "${wrk_duration}s" --latency "$@" >"$output"
  after=$(cpu_ticks "$pid")
  if grep -q "Non-2xx or 3xx responses" "$output"; then
    log "wrk run $name got error responses; see below"
    cat "$output" >&2
    exit 1
  fi
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$output")
  cpu=$(awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    '/ requests in / { printf "%.1f", ticks / hz * 1e6 / $1 }' "$output")
  eval "${name}_rps+=($rps)"
  eval "${name}_cpu+=($cpu)"
}

median() {
  tr ' ' '\n' <<<"$*" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Runs the three workloads once in mode $1 (round $round).
measure() {
  local mode=$1 port submit_workspace="$tmp/submit-$1-$round"
  start_orchestrator "$serve" "$mode"
  port=$(state_field "$serve" port)
  run_wrk "health_$mode" "$serve" "http://127.0.0.1:$port/health"
  run_wrk "servers_$mode" "$serve" -H 'API-Version: v2' "http://127.0.0.1:$port/servers"
  stop_orchestrator "$serve"

  # Submissions grow the workspace, so each gets a new one.
  workspaces+=("$submit_workspace")
  provisioning workspace init "$submit_workspace" >/dev/null
  start_orchestrator "$submit_workspace" "$mode"
  port=$(state_field "$submit_workspace" port)
  run_wrk "submit_$mode" "$submit_workspace" -s bench/orchestrator/submit_workflows.lua \
    "http://127.0.0.1:$port" -- "$plan" "wf$round$mode"
  stop_orchestrator "$submit_workspace"
  rm -rf "$submit_workspace"
}

# Prints one table row for workload $2 (such as health) labelled $1: the medians of each
# mode, their ratio, and the CPU overhead of "on" over "off".
print_row() {
  local label=$1 workload=$2 on_rps off_rps on_cpu off_cpu
  eval "on_rps=\$(median \"\${${workload}_on_rps[*]}\")"
  eval "off_rps=\$(median \"\${${workload}_off_rps[*]}\")"
  eval "on_cpu=\$(median \"\${${workload}_on_cpu[*]}\")"
  eval "off_cpu=\$(median \"\${${workload}_off_cpu[*]}\")"
  awk -v label="$label" -v a="$on_rps" -v b="$off_rps" -v c="$on_cpu" -v d="$off_cpu" 'BEGIN {
    printf "| %s | %s | %s | %.3f | %s | %s | %+.1f%% |\n", label, a, b, a / b, c, d, (c / d - 1) * 100
  }'
}

# Prints every run's figures of workload $1, for the record.
print_runs() {
  local workload=$1
  eval "echo \"$workload on:  \${${workload}_on_rps[*]} requests/s, \${${workload}_on_cpu[*]} us CPU/request\""
  eval "echo \"$workload off: \${${workload}_off_rps[*]} requests/s, \${${workload}_off_cpu[*]} us CPU/request\""
}

print_machine() {
  local cpu memory source
  echo "date:       $(date -u +%Y-%m-%dT%H:%MZ)"
  cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
  memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "machine:    $(nproc) cores, $cpu, $memory memory"
  # shellcheck source=/dev/null
  echo "os:         $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  source="commit $(git rev-parse --short HEAD)"
  git diff --quiet HEAD -- host plugins sdk || source+=" with uncommitted changes"
  echo "build:      $(cache_value CMAKE_BUILD_TYPE) in $build_dir, $source"
  echo "runs:       $rounds rounds, $wrk_duration s per wrk run, $wrk_threads threads," \
    "$wrk_connections connections, $server_count servers for GET /servers"
  echo "load:       $load_before before, $(cut -d ' ' -f 1 /proc/loadavg) after" \
    "(1-minute load average)"
  echo
}

main() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/provisioning-obsbench.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  build
  bin="$(cd "$build_dir" && pwd)/bin"
  isolate_environment
  load_before=$(cut -d ' ' -f 1 /proc/loadavg)

  serve="$tmp/serve-workspace"
  workspaces+=("$serve")
  provisioning workspace init "$serve" >/dev/null
  log "creating $server_count servers"
  start_orchestrator "$serve" off
  "$bin/orchestrator_client" create-servers --port "$(state_field "$serve" port)" \
    --count "$server_count" --connections 4 --prefix web --plan "$plan" >/dev/null
  stop_orchestrator "$serve"

  local workload mode
  for workload in health servers submit; do
    for mode in on off; do eval "${workload}_${mode}_rps=() ${workload}_${mode}_cpu=()"; done
  done
  for round in $(seq "$rounds"); do
    log "round $round of $rounds"
    # Alternate which mode goes first, so a drift in machine load affects both alike.
    if [ $((round % 2)) -eq 1 ]; then
      measure on
      measure off
    else
      measure off
      measure on
    fi
  done

  print_machine
  echo "| workload | on requests/s | off requests/s | throughput on/off |" \
    "on CPU us/request | off CPU us/request | CPU overhead |"
  echo "|---|---|---|---|---|---|---|"
  print_row "GET /health" health
  print_row "GET /servers v2, $server_count servers" servers
  print_row "POST /workflows/servers/create v2, no wait" submit
  echo
  echo "Medians of $rounds runs. Target: overhead under 10% (throughput on/off above 0.9," \
    "CPU overhead under +10%)."
  echo
  for workload in health servers submit; do print_runs "$workload"; done
}

main "$@"
