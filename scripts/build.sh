#!/usr/bin/env bash
# Configures and builds provisioning in build/ (RelWithDebInfo, all cores).
# Usage: scripts/build.sh [extra cmake configure arguments...]
# BUILD_TARGET names one target to build instead of everything (for example runtime).
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build build -j "$(nproc)" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
