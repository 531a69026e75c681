#!/usr/bin/env bash
# Measures the HTTP orchestrator under load, against nginx serving responses of the same
# size from static files in the same run, and prints a Markdown table. docs/benchmarks.md
# explains the measurements and records past results.
#
# Usage: bench/run-orchestrator.sh
#   BUILD_DIR         build directory, relative to the repository or absolute (default:
#                     build). It is configured as RelWithDebInfo when it has no
#                     CMakeCache.txt yet.
#   WRK_DURATION      seconds of each wrk run (default: 5)
#   BATCH_OPERATIONS  operation counts of the batch runs, each on a new workspace
#                     (default: "1000 2000"). Without 10000 among them, the time of a
#                     10,000-operation batch is estimated from the last two counts.
#   BATCH_MAX_PARALLEL_TASKS  orchestrator.max_parallel_tasks of the batch runs
#                     (default: 4, the shipped default)
#
# Both servers listen on 127.0.0.1 only, on ports chosen at run time, and all traffic
# goes to loopback. Everything the commands write (workspaces, HOME, XDG directories, the
# nginx configuration, logs and temporary files) goes to one temporary directory. The
# orchestrators and nginx are stopped and the directory removed on exit, also after a
# failure. Exits 0 when every measurement ran, whatever the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
wrk_duration=${WRK_DURATION:-5}
read -r -a batch_counts <<<"${BATCH_OPERATIONS:-1000 2000}"
wrk_threads=2
# Each connection gets an orchestrator thread of its own while it stays open; 8 is the
# number of threads that wait for connections before more are started.
wrk_connections=8
# Submissions are also measured with more clients at once: each waits for its workflow
# to be stored, and the orchestrator stores all that wait at one time with one sync.
wide_connections=32
server_count=1000
setup_connections=4
batch_size=1000           # the v3 API accepts at most 1000 operations per batch
batch_parallel_limit=64
batch_max_parallel_tasks=${BATCH_MAX_PARALLEL_TASKS:-4}
batch_timeout=400         # seconds the client polls the batches of one run
drain_timeout=20          # seconds to wait for submitted workflows to end
# Seconds of quiet before an idle RSS reading. The orchestrator returns freed memory to
# the system within a second of going idle (see docs/orchestrator.md).
idle_wait=2
plan=1xCPU-1GB
# Where each run notes when it deleted its workspaces, and how long afterwards the next
# run reports that its batch figures may suffer (see seconds_since_cleanup()).
cleanup_stamp="${TMPDIR:-/tmp}/provisioning-orchbench.last-cleanup"
recent_cleanup_seconds=360
cleanup_age=""

nginx_pid=""
workspaces=()

log() { echo "run-orchestrator.sh: $*" >&2; }
# shellcheck source=bench/common.sh
. bench/common.sh

build() {
  if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null ||
    ! command -v curl >/dev/null || ! command -v sqlite3 >/dev/null; then
    log "wrk, nginx, curl or sqlite3 is missing; installing them with the build dependencies"
    scripts/install-deps.sh wrk nginx-light curl
  fi
  build_bench_target orchestrator_benchmarks
}

load_average() { cut -d ' ' -f 1 /proc/loadavg; }

rss_mb() {
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# Prints a field of the orchestrator state file of workspace $1: pid or port.
state_field() {
  sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1/.provisioning/orchestrator.json"
}

provisioning() {
  "$bin/provisioning" "$@"
}

# Starts an orchestrator on a new workspace $1 with the sqlite storage backend and the
# local provider, on a free port of 127.0.0.1. The caller adds $1 to `workspaces` first,
# so that cleanup stops the orchestrator even when this runs in a subshell.
start_orchestrator() {
  local workspace=$1
  shift
  provisioning workspace init "$workspace" >/dev/null
  provisioning --workspace "$workspace" --set storage.backend=sqlite --set provider.default=local \
    "$@" orchestrator start --bind 127.0.0.1 --port 0 --detach >/dev/null
}

stop_orchestrator() {
  local workspace=$1 pid
  [ -f "$workspace/.provisioning/orchestrator.json" ] || return 0
  pid=$(state_field "$workspace" pid)
  if ! provisioning --workspace "$workspace" orchestrator stop >/dev/null 2>&1; then
    log "orchestrator stop failed for $workspace; sending SIGKILL to pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# Writes the nginx configuration and starts nginx in the foreground of a background job,
# on a random port, retrying with another port when that one is taken.
start_nginx() {
  local dir="$tmp/nginx" port
  mkdir -p "$dir/temp"
  # The worker processes run as another user when the script runs as root.
  chmod 755 "$tmp" "$dir" "$dir/www"
  chmod 644 "$dir/www/"*
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $dir/temp/body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
  }
}
EOF
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
    nginx_pid=$!
    for _ in $(seq 50); do
      # Comparing the body tells nginx apart from another server already on the port.
      if curl -sf "http://127.0.0.1:$port/health.json" | cmp -s - "$dir/www/health.json"; then
        nginx_port=$port
        return 0
      fi
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=""
    if ! grep -q "Address already in use" "$dir/error.log" 2>/dev/null; then break; fi
  done
  tail -n 20 "$dir/error.log" >&2 || true
  log "nginx did not start; its error log is above"
  exit 1
}

cleanup() {
  local workspace
  for workspace in "${workspaces[@]}"; do stop_orchestrator "$workspace"; done
  if [ -n "$nginx_pid" ]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  date +%s >"$cleanup_stamp" 2>/dev/null || true
}

# Seconds since an earlier run deleted its workspaces, or nothing when that was long ago.
# ext4 without a journal skips inodes freed in the last few minutes when it allocates one
# (recently_deleted() in fs/ext4/ialloc.c), which slows the creates of the batch runs.
seconds_since_cleanup() {
  local deleted_at now
  deleted_at=$(cat "$cleanup_stamp" 2>/dev/null) || return 0
  now=$(date +%s)
  if [ $((now - deleted_at)) -lt "$recent_cleanup_seconds" ]; then echo $((now - deleted_at)); fi
}

# Converts a wrk latency such as 215.00us, 1.20ms or 2.01s to milliseconds.
to_ms() {
  awk -v value="$1" 'BEGIN {
    number = value + 0
    if (value ~ /us$/) number /= 1000
    else if (value ~ /ms$/) number *= 1
    else if (value ~ /m$/) number *= 60000
    else if (value ~ /s$/) number *= 1000
    printf "%.2f", number
  }'
}

# Runs wrk with the given arguments and prints one tab-separated line: requests per
# second, p50 ms, p99 ms, requests, responses other than 2xx or 3xx, socket errors.
# The full wrk output goes to $tmp/wrk-$1.txt. $connections, when set, replaces
# wrk_connections.
run_wrk() {
  local name=$1 output="$tmp/wrk-$1.txt"
  shift
  wrk -t "$wrk_threads" -c "${connections:-$wrk_connections}" -d "${wrk_duration}s" --latency \
    "$@" >"$output"
  local rps p50 p99 requests non_2xx errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$output")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$output")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$output")")
  requests=$(awk '/ requests in / { print $1 }' "$output")
  non_2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$output")
  errors=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$output")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rps" "$p50" "$p99" "$requests" "${non_2xx:-0}" \
    "${errors:-0}"
}

# Prints the number of workflows with status $2 (all when empty) in the orchestrator on
# port $1.
workflow_count() {
  curl -sf -H 'API-Version: v2' "http://127.0.0.1:$1/workflows?limit=1${2:+&status=$2}" |
    sed -n 's/.*"total":\([0-9]*\).*/\1/p'
}

ended_workflows() {
  echo $(($(workflow_count "$1" Completed) + $(workflow_count "$1" Failed) +
    $(workflow_count "$1" Cancelled)))
}

# Polls the orchestrator on port $1 until its $2 workflows have ended or drain_timeout
# passes, and prints the seconds waited and the number ended.
wait_for_workflows() {
  local port=$1 stored=$2 start ended
  start=$(date +%s.%N)
  while true; do
    ended=$(ended_workflows "$port")
    if [ "$ended" -ge "$stored" ] ||
      awk -v s="$start" -v now="$(date +%s.%N)" -v limit="$drain_timeout" \
        'BEGIN { exit !(now - s >= limit) }'; then
      break
    fi
    sleep 0.5
  done
  awk -v s="$start" -v now="$(date +%s.%N)" -v n="$ended" \
    'BEGIN { printf "%.1f\t%d\n", now - s, n }'
}

figure() {
  awk -v name="$2" '$1 == name { print $2 + 0 }' <<<"$1"
}

print_machine() {
  local cxx cpu memory source
  cxx=$(cache_value CMAKE_CXX_COMPILER)
  echo "date:       $(date -u +%Y-%m-%dT%H:%MZ)"
  cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
  memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "machine:    $(nproc) cores, $cpu, $memory memory"
  # shellcheck source=/dev/null
  echo "os:         $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "compiler:   $("$cxx" --version | head -n 1)"
  source="commit $(git rev-parse --short HEAD)"
  git diff --quiet HEAD -- host plugins sdk || source+=" with uncommitted changes"
  echo "build:      $(cache_value CMAKE_BUILD_TYPE) in $build_dir, $source"
  echo "tools:      $(wrk -v 2>&1 | head -n 1 | cut -d ' ' -f 1-2)," \
    "$(nginx -v 2>&1 | sed 's/.*: //') ($wrk_threads wrk threads, $wrk_connections" \
    "connections, ${wrk_duration} s per run)"
  echo "load:       $load_before before, $(load_average) after (1-minute load average)"
  if [ -n "$cleanup_age" ]; then
    echo "note:       started ${cleanup_age} s after an earlier run deleted its workspaces;" \
      "on ext4 without a journal, creates are slower for a few minutes after that," \
      "so wait ${recent_cleanup_seconds} s between runs"
  fi
  echo
}

# Prints one table row: measurement, requests/s, p50 ms, p99 ms, requests, errors,
# baseline, baseline requests/s, ratio, target. $3 and $4 are run_wrk lines.
print_wrk_row() {
  local label=$1 baseline=$2 line=$3 base_line=$4 target=$5
  local rps p50 p99 requests non_2xx errors base_rps ratio="-"
  IFS=$'\t' read -r rps p50 p99 requests non_2xx errors <<<"$line"
  base_rps="-"
  if [ -n "$base_line" ]; then
    base_rps=$(cut -f 1 <<<"$base_line")
    ratio=$(awk -v a="$rps" -v b="$base_rps" 'BEGIN { printf "%.3fx", a / b }')
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" \
    "$p99" "$requests" "$((non_2xx + errors))" "$baseline" "$base_rps" "$ratio" "$target"
}

# Starts an orchestrator on a new workspace, runs $1 server_create operations in batches
# of batch_size, stops it, and prints one line: the orchestrator_client figures as
# name=value words, then a tab and the idle RSS in MB after the batches.
run_batch() {
  local count=$1 workspace="$tmp/batch-workspace-$1" output rss
  start_orchestrator "$workspace" --set "orchestrator.max_parallel_tasks=$batch_max_parallel_tasks"
  output=$("$bin/orchestrator_client" batch --port "$(state_field "$workspace" port)" \
    --operations "$count" --batch-size "$batch_size" --parallel-limit "$batch_parallel_limit" \
    --timeout "$batch_timeout" --prefix node --plan "$plan")
  sleep "$idle_wait"
  rss=$(rss_mb "$(state_field "$workspace" pid)")
  stop_orchestrator "$workspace"
  printf '%s\t%s\n' "$(tr '\t\n' '= ' <<<"$output")" "$rss"
}

main() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/provisioning-orchbench.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  build
  bin="$(cd "$build_dir" && pwd)/bin"
  isolate_environment
  load_before=$(load_average)
  cleanup_age=$(seconds_since_cleanup)
  if [ -n "$cleanup_age" ]; then
    log "an earlier run deleted its workspaces ${cleanup_age} s ago; the batch figures may be high"
  fi

  log "starting the orchestrator and creating $server_count servers"
  local serve="$tmp/serve-workspace" port pid
  workspaces+=("$serve")
  start_orchestrator "$serve"
  port=$(state_field "$serve" port)
  pid=$(state_field "$serve" pid)
  sleep 1
  local rss_start rss_idle rss_busy setup
  rss_start=$(rss_mb "$pid")
  setup=$("$bin/orchestrator_client" create-servers --port "$port" --count "$server_count" \
    --connections "$setup_connections" --prefix web --plan "$plan")

  log "starting nginx with copies of the orchestrator's responses"
  local base="http://127.0.0.1:$port"
  mkdir -p "$tmp/nginx/www"
  curl -sf -o "$tmp/nginx/www/health.json" "$base/health"
  curl -sf -o "$tmp/nginx/www/servers-v1.json" "$base/servers"
  curl -sf -H 'API-Version: v2' -o "$tmp/nginx/www/servers-v2.json" "$base/servers"
  start_nginx
  local nginx_base="http://127.0.0.1:$nginx_port"

  log "running wrk for ${wrk_duration} s against each target"
  local nginx_health health nginx_v1 servers_v1 nginx_v2 servers_v2 submit
  nginx_health=$(run_wrk nginx-health "$nginx_base/health.json")
  health=$(run_wrk health "$base/health")
  nginx_v1=$(run_wrk nginx-servers-v1 "$nginx_base/servers-v1.json")
  servers_v1=$(run_wrk servers-v1 "$base/servers")
  nginx_v2=$(run_wrk nginx-servers-v2 "$nginx_base/servers-v2.json")
  servers_v2=$(run_wrk servers-v2 -H 'API-Version: v2' "$base/servers")
  sleep "$idle_wait"
  rss_idle=$(rss_mb "$pid")

  log "submitting workflows for ${wrk_duration} s, then waiting up to ${drain_timeout} s" \
    "for them to end"
  submit=$(run_wrk submit -s bench/orchestrator/submit_workflows.lua "$base" -- "$plan" wf)
  local stored ended_at_end failed drain
  stored=$(workflow_count "$port" "")
  ended_at_end=$(ended_workflows "$port")
  rss_busy=$(rss_mb "$pid")
  drain=$(wait_for_workflows "$port" "$stored")
  failed=$(workflow_count "$port" Failed)
  log "submitting workflows over $wide_connections connections for ${wrk_duration} s"
  local submit_wide
  submit_wide=$(connections=$wide_connections run_wrk submit-wide \
    -s bench/orchestrator/submit_workflows.lua "$base" -- "$plan" wide)
  stop_orchestrator "$serve"

  local count batches=() rss_batch
  for count in "${batch_counts[@]}"; do
    log "running $count server_create operations in batches on a new workspace"
    workspaces+=("$tmp/batch-workspace-$count")
    batches+=("$(run_batch "$count")")
  done
  rss_batch=$(cut -f 2 <<<"${batches[-1]}")

  print_machine
  echo "Response bodies: /health $(stat -c %s "$tmp/nginx/www/health.json") bytes," \
    "GET /servers v1 $(stat -c %s "$tmp/nginx/www/servers-v1.json") bytes," \
    "v2 $(stat -c %s "$tmp/nginx/www/servers-v2.json") bytes ($server_count servers)."
  echo
  echo "| measurement | requests/s | p50 ms | p99 ms | requests | errors | baseline |" \
    "baseline requests/s | ratio | target |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  print_wrk_row "nginx GET /health.json" "-" "$nginx_health" "" "-"
  print_wrk_row "GET /health" "nginx /health.json" "$health" "$nginx_health" \
    "ratio >= 0.5"
  print_wrk_row "nginx GET /servers-v1.json" "-" "$nginx_v1" "" "-"
  print_wrk_row "GET /servers v1, $server_count servers" "nginx /servers-v1.json" \
    "$servers_v1" "$nginx_v1" ">= 2000 requests/s"
  print_wrk_row "nginx GET /servers-v2.json" "-" "$nginx_v2" "" "-"
  print_wrk_row "GET /servers v2, $server_count servers" "nginx /servers-v2.json" \
    "$servers_v2" "$nginx_v2" ">= 2000 requests/s"
  print_wrk_row "POST /workflows/servers/create v2, no wait" "-" "$submit" "" \
    ">= 2000 submissions/s"
  print_wrk_row "the same over $wide_connections connections" "-" "$submit_wide" "" \
    ">= 2000 submissions/s"
  echo

  local drain_seconds drained
  IFS=$'\t' read -r drain_seconds drained <<<"$drain"
  echo "| measurement | figure | target |"
  echo "|---|---|---|"
  printf '| setup: %s POST /servers v1 over %s connections | %.1f s (%.1f creates/s) | - |\n' \
    "$server_count" "$setup_connections" "$(figure "$setup" seconds)" \
    "$(figure "$setup" creates_per_second)"
  printf '| workflows stored by the %s s submission run (wrk counts %s responses) | %s | - |\n' \
    "$wrk_duration" "$(cut -f 4 <<<"$submit")" "$stored"
  printf '| workflows ended during submission | %s (%.1f/s) | - |\n' "$ended_at_end" \
    "$(awk -v n="$ended_at_end" -v d="$wrk_duration" 'BEGIN { print n / d }')"
  printf '| workflows ended %s s after submission stopped | %s of %s, %s failed' \
    "$drain_seconds" "$drained" "$stored" "$failed"
  printf ' (%.1f completions/s from the start of submission) | - |\n' \
    "$(awk -v n="$drained" -v d="$wrk_duration" -v w="$drain_seconds" \
      'BEGIN { print n / (d + w) }')"
  print_batch_rows "${batches[@]}"
  printf '| idle RSS after start-up (empty workspace) | %s MB | < 30 MB |\n' "$rss_start"
  printf '| idle RSS after setup and the GET runs | %s MB | < 30 MB |\n' "$rss_idle"
  printf '| RSS while running the submitted workflows | %s MB | - |\n' "$rss_busy"
  printf '| idle RSS after %s batch operations (batch orchestrator) | %s MB | < 30 MB |\n' \
    "${batch_counts[-1]}" "$rss_batch"
}

batch_figure() {
  tr ' ' '\n' <<<"$1" | awk -F= -v name="$2" '$1 == name { print $2 + 0 }'
}

# Prints one row per batch run (run_batch lines), and, when no run had 10,000
# operations, an estimate for 10,000 from the last two runs.
print_batch_rows() {
  local line figures operations seconds ended measured_10000=""
  local -a counts=() times=()
  for line in "$@"; do
    figures=$(cut -f 1 <<<"$line")
    operations=$(batch_figure "$figures" operations)
    seconds=$(batch_figure "$figures" seconds)
    ended=$(($(batch_figure "$figures" operations_Completed) +
      $(batch_figure "$figures" operations_Failed) +
      $(batch_figure "$figures" operations_Cancelled)))
    printf '| batch: %s server_create in %s batch(es), parallel_limit %s, %s workers |' \
      "$operations" "$(batch_figure "$figures" batches)" "$batch_parallel_limit" \
      "$batch_max_parallel_tasks"
    printf ' %.2f s until %s ended (%s failed); half ended at %.2f s | %s |\n' "$seconds" \
      "$ended" "$(batch_figure "$figures" operations_Failed)" \
      "$(batch_figure "$figures" half_seconds)" \
      "$([ "$operations" -eq 10000 ] && echo "< 5 s" || echo "-")"
    [ "$operations" -eq 10000 ] && [ "$ended" -eq 10000 ] && measured_10000=yes
    if [ "$ended" -eq "$operations" ]; then
      counts+=("$operations")
      times+=("$seconds")
    fi
  done
  if [ -z "$measured_10000" ] && [ ${#counts[@]} -ge 2 ]; then
    # Fits t = a*n + b*n^2 through the last two runs: the cost of an operation grows
    # with the number of servers already stored.
    printf '| batch: 10000 operations, ESTIMATE from the %s and %s runs (t = a*n + b*n^2) |' \
      "${counts[-2]}" "${counts[-1]}"
    awk -v n1="${counts[-2]}" -v t1="${times[-2]}" -v n2="${counts[-1]}" -v t2="${times[-1]}" \
      'BEGIN {
        b = (t2 / n2 - t1 / n1) / (n2 - n1); a = t1 / n1 - b * n1
        printf " %.0f s (linear from the %s run: %.0f s) | < 5 s |\n", a * 1e4 + b * 1e8, n2,
          t2 * 1e4 / n2
      }'
  fi
}

main "$@"
