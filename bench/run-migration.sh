#!/usr/bin/env bash
# Measures `provisioning migrate` from legacy record files to SQLite, with verification,
# against a baseline measured in the same run: the sqlite3 command-line tool loading the
# same files (fsdir() and readfile()) into the same table in one transaction. Prints
# both times and their ratio, and the peak resident memory of the migration for 100,000
# and for 1,000,000 records. With the SurrealDB test adapter installed, it also times
# SQLite -> SurrealDB for the 100,000 records.
#
# Usage: bench/run-migration.sh
#   BUILD_DIR  build directory with bin/provisioning (default: build)
#   RECORDS    records of the timed runs (default: 100000)
#   LARGE_RECORDS  records of the memory run (default: 1000000; 0 skips it)
#   SKIP_SURREAL   set to skip the SQLite -> SurrealDB run
#
# Everything goes to one temporary directory, removed on exit.
set -euo pipefail
[ -n "${TRACE:-}" ] && set -x
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
records=${RECORDS:-100000}
large_records=${LARGE_RECORDS:-1000000}
binary=$build_dir/bin/provisioning
adapter=tests/surrealdb/adapter/server.mjs

log() { echo "run-migration.sh: $*" >&2; }

if [ ! -x "$binary" ]; then
  log "$binary is missing; build first with scripts/build.sh or set BUILD_DIR"
  exit 1
fi
binary=$(realpath "$binary")
for tool in sqlite3 /usr/bin/time awk; do
  command -v "$tool" >/dev/null || { log "$tool is missing; run scripts/install-deps.sh"; exit 1; }
done

scratch=$(mktemp -d /tmp/provisioning-migration-bench.XXXXXX)
adapter_pid=
cleanup() {
  if [ -n "$adapter_pid" ]; then kill "$adapter_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
export HOME=$scratch/home XDG_DATA_HOME=$scratch/home/data XDG_CONFIG_HOME=$scratch/home/config
unset PROVISIONING_WORKSPACE PROVISIONING_ENV PROVISIONING_EXTENSIONS_PATH

# new_workspace DIR COUNT: a workspace on the filesystem backend with COUNT legacy records.
new_workspace() {
  "$binary" workspace init "$1" >/dev/null
  printf '[storage]\nbackend = "filesystem"\n' > "$1/config.toml"
  bench/migration/generate-legacy.sh "$1/data" "$2"
  sync
}

# timed FILE COMMAND...: runs COMMAND under /usr/bin/time -v, output in FILE.
timed() {
  local file=$1
  shift
  /usr/bin/time -v -o "$file" "$@" >/dev/null
}
seconds_of() {
  awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, part, ":"); s = 0
    for (i = 1; i <= n; i++) s = s * 60 + part[i]
    printf "%.2f", s }' "$1"
}
rss_mb_of() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"; }

baseline() {
  local dir=$1 database=$2
  sqlite3 "$database" <<SQL >/dev/null
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE records (collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
  UNIQUE (collection, id));
BEGIN;
INSERT INTO records
  SELECT 'servers', substr(name, length('$dir/servers/') + 1,
                           length(name) - length('$dir/servers/') - 5),
         CAST(readfile(name) AS TEXT)
  FROM fsdir('$dir/servers') WHERE name LIKE '%.json';
COMMIT;
SQL
}

log "generating $records legacy records"
new_workspace "$scratch/ws" "$records"
cp -r "$scratch/ws" "$scratch/ws-backup"

log "baseline: sqlite3 loads the files in one transaction"
timed "$scratch/baseline.time" bash -c "$(declare -f baseline); baseline '$scratch/ws/data' '$scratch/baseline.db'"
loaded=$(sqlite3 "$scratch/baseline.db" 'SELECT COUNT(*) FROM records')

log "migrate --no-backup (copy and verification)"
timed "$scratch/migrate.time" "$binary" --workspace "$scratch/ws" migrate --from filesystem \
  --to sqlite --yes --no-backup
migrated=$(sqlite3 "$scratch/ws/.provisioning/state.db" 'SELECT COUNT(*) FROM records')

log "migrate with the default backup"
timed "$scratch/migrate-backup.time" "$binary" --workspace "$scratch/ws-backup" migrate \
  --from filesystem --to sqlite --yes

base_s=$(seconds_of "$scratch/baseline.time")
migrate_s=$(seconds_of "$scratch/migrate.time")
backup_s=$(seconds_of "$scratch/migrate-backup.time")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "| Measurement | Records | Time (s) | Ratio to baseline | Peak RSS (MB) |"
echo "|---|---|---|---|---|"
echo "| sqlite3 CLI, one transaction (baseline) | $loaded | $base_s | 1.00 | $(rss_mb_of "$scratch/baseline.time") |"
echo "| migrate filesystem -> sqlite, verify, no backup | $migrated | $migrate_s | $(ratio "$migrate_s" "$base_s") | $(rss_mb_of "$scratch/migrate.time") |"
echo "| migrate filesystem -> sqlite, verify, backup | $records | $backup_s | $(ratio "$backup_s" "$base_s") | $(rss_mb_of "$scratch/migrate-backup.time") |"

if [ -z "${SKIP_SURREAL:-}" ] && [ -f "$adapter" ] && [ -d tests/surrealdb/adapter/node_modules ] && command -v node >/dev/null; then
  log "SQLite -> SurrealDB through the test adapter"
  node "$adapter" --bind 127.0.0.1:0 --user bench --pass bench-password > "$scratch/adapter.out" &
  adapter_pid=$!
  for _ in $(seq 100); do
    port=$(grep -o '127\.0\.0\.1:[0-9]*' "$scratch/adapter.out" | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  cat >> "$scratch/ws/config.toml" <<TOML

[storage.surrealdb]
url = "http://127.0.0.1:$port"
namespace = "bench"
database = "state"
username = "bench"
password = "bench-password"
TOML
  timed "$scratch/surreal.time" "$binary" --workspace "$scratch/ws" migrate --from sqlite \
    --to surrealdb --yes --no-backup
  echo "| migrate sqlite -> surrealdb (test adapter), verify, no backup | $records | $(seconds_of "$scratch/surreal.time") | - | $(rss_mb_of "$scratch/surreal.time") |"
else
  log "skipping SQLite -> SurrealDB (SKIP_SURREAL is set, or the test adapter is missing: run scripts/install-test-node-deps.sh)"
fi

if [ "$large_records" -gt 0 ]; then
  log "generating $large_records legacy records for the memory run"
  rm -rf "$scratch/ws" "$scratch/ws-backup"
  new_workspace "$scratch/large" "$large_records"
  timed "$scratch/large.time" "$binary" --workspace "$scratch/large" migrate \
    --from filesystem --to sqlite --yes
  echo "| migrate filesystem -> sqlite, verify, backup (memory run) | $large_records | $(seconds_of "$scratch/large.time") | - | $(rss_mb_of "$scratch/large.time") |"
fi
