#!/usr/bin/env bash
# Installs the npm packages of the test-only SurrealDB adapter (tests/surrealdb/adapter),
# which the surrealdb storage tests start as a real database engine. Installs Debian's
# nodejs and npm first when node or npm is missing. Runs `npm ci` only when the
# packages are missing, so a second run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

adapter=tests/surrealdb/adapter

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  ./scripts/install-deps.sh nodejs npm
fi

if [ -d "$adapter/node_modules/@surrealdb/node" ] && [ -d "$adapter/node_modules/surrealdb" ]; then
  echo "install-test-node-deps: $adapter/node_modules is installed"
  exit 0
fi

echo "install-test-node-deps: installing the packages of $adapter (npm ci)"
(cd "$adapter" && npm ci --no-audit --no-fund --loglevel=error)
