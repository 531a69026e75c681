#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing provisioning need.
# Runs apt-get only when a package is missing, so a second run costs nothing.
# Usage: scripts/install-deps.sh [--test] [EXTRA_PACKAGE...]
# --test adds what only the test suite runs: Prometheus (promtool and a real
# server the metrics tests scrape with) and Chromium (the status page test).
set -euo pipefail

packages=(
  cmake g++ make pkg-config git ca-certificates
  libboost1.81-dev libboost-filesystem1.81-dev libboost-json1.81-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcpp-httplib-dev
  libsqlitecpp-dev libsqlite3-dev libyaml-cpp-dev libcli11-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3
)
if [ "${1:-}" = "--test" ]; then
  shift
  packages+=(prometheus chromium)
fi
packages+=("$@")

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this script as root, or install sudo" >&2
    exit 1
  fi
  sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

# Debian's prometheus package starts a server on port 9090 of every interface, the
# orchestrator's default port. The tests start their own on loopback, so stop the
# service this script has just installed.
if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
  echo "install-deps: disabling the prometheus service the package started"
  $sudo systemctl disable --now prometheus || true
fi
