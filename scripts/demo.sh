#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job in a new throwaway workspace:
# a server, a taskserv with its dependencies, and the buildkit cluster, all through the
# local provider and the SQLite backend. Prints every command before it runs.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
BUILD_TARGET=runtime ./scripts/build.sh

provisioning="$PWD/build/bin/provisioning"
workspace="$(mktemp -d "${TMPDIR:-/tmp}/provisioning-demo.XXXXXX")"

step() {
  echo
  echo "\$ provisioning $*"
  "$provisioning" "$@"
}

step --version
step workspace init "$workspace"
cd "$workspace"
step server create web-01 2xCPU-4GB
step taskserv install kubernetes
step cluster create buildkit
step server list
step taskserv list
step cluster list
step plugin list

echo
echo "The workspace is $workspace; its state is in .provisioning/state.db and each"
echo "server's files are under .provisioning/servers/<name>/root. Remove it with:"
echo "  rm -rf '$workspace'"
