#!/usr/bin/env bash
# Configures and builds provisioning in build/ (RelWithDebInfo, all cores).
# Usage: scripts/build.sh [extra cmake configure arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build build -j "$(nproc)"
