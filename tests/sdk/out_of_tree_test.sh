#!/usr/bin/env bash
# Builds and uses plugins the way a third party does, from an installed SDK:
#   1. installs the project from BUILD_DIR under a temporary prefix, and checks the
#      version rule of its CMake package;
#   2. builds extensions/example-provider and extensions/example-taskserv against that
#      prefix only, each in its own build directory;
#   3. installs both into a new workspace with `extension install`, checks them with
#      `plugin test`, creates a sandbox server and installs nginx on it, all with the
#      installed binary;
#   4. builds the example taskserv again with g++ and pkg-config, without CMake.
# HOME and the XDG directories point into the temporary directory, which is deleted at
# the end unless KEEP_TEMP=1.
#
# Usage: out_of_tree_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
build_dir=$(realpath "$1")
source_dir=$(realpath "$2")

work=$(mktemp -d "${TMPDIR:-/tmp}/provisioning-sdk-test.XXXXXX")
if [[ ${KEEP_TEMP:-0} == 1 ]]; then
  echo "keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi

export HOME=$work/home
export XDG_DATA_HOME=$HOME/data XDG_CONFIG_HOME=$HOME/config XDG_CACHE_HOME=$HOME/cache
unset PROVISIONING_WORKSPACE PROVISIONING_ENV PROVISIONING_EXTENSIONS_PATH PROVISIONING_CORE_DIR
unset CMAKE_PREFIX_PATH PKG_CONFIG_PATH
mkdir -p "$HOME"

prefix=$work/prefix
workspace=$work/workspace
provisioning=$prefix/bin/provisioning
passed=0
failed=0

step() { printf '\n==> %s\n' "$*"; }
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() {
  failed=$((failed + 1))
  echo "FAILED: $*" >&2
}
finish() {
  echo
  echo "$passed passed, $failed failed"
  if ((failed > 0)); then exit 1; fi
  exit 0
}

# Runs a command, shows its output, and stops the test when it fails.
must() {
  if ! "$@"; then
    fail "command failed: $*"
    finish
  fi
}

expect_file() {
  if [[ -e $1 ]]; then pass "$1 exists"; else fail "$1 is missing"; fi
}

# expect_match TEXT PATTERN DESCRIPTION: checks that TEXT matches the extended regex.
expect_match() {
  if grep -Eq -- "$2" <<<"$1"; then pass "$3"; else fail "$3: no match for '$2' in: $1"; fi
}

run() { must "$provisioning" --workspace "$workspace" "$@"; }

install_prefix() {
  step "install the build under $prefix"
  must cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log"
  local cmake_dir=$prefix/lib/cmake/ProvisioningSDK
  for file in "$provisioning" "$prefix/include/provisioning/sdk/provider.h" \
    "$prefix/lib/libprovisioning_sdk.so" "$cmake_dir/ProvisioningSDKConfig.cmake" \
    "$cmake_dir/ProvisioningSDKConfigVersion.cmake" "$cmake_dir/ProvisioningSDKTargets.cmake" \
    "$cmake_dir/ProvisioningPlugin.cmake" "$prefix/lib/pkgconfig/provisioning-sdk.pc"; do
    expect_file "$file"
  done
  expect_match "$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --modversion provisioning-sdk)" \
    '^[0-9]+\.[0-9]+\.[0-9]+$' "pkg-config reports the SDK version"
}

# build_example NAME: configures and builds extensions/NAME against the prefix only.
build_example() {
  local example=$source_dir/extensions/$1 binary=$work/build-$1
  step "build $1 against the installed SDK"
  must cmake -S "$example" -B "$binary" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/configure-$1.log"
  must cmake --build "$binary" --parallel 2 >"$work/build-$1.log"
  local sdk_dir
  sdk_dir=$(sed -n 's/^ProvisioningSDK_DIR:PATH=//p' "$binary/CMakeCache.txt")
  if [[ $sdk_dir == "$prefix/lib/cmake/ProvisioningSDK" ]]; then
    pass "$1 found the installed SDK"
  else
    fail "$1 found the SDK in '$sdk_dir', expected $prefix/lib/cmake/ProvisioningSDK"
  fi
}

check_plugin_file() {
  local file=$1
  expect_file "$file"
  local dynamic
  dynamic=$(readelf -d "$file")
  if grep -Fq -e "$build_dir" -e "$source_dir" <<<"$dynamic"; then
    fail "$file has a run path into the provisioning tree: $dynamic"
  else
    pass "$(basename "$file") has no run path into the provisioning tree"
  fi
  expect_match "$(readelf -p .provisioning_manifest "$file")" 'compiler=GNU' \
    "$(basename "$file") records its compiler in the manifest"
}

install_extensions() {
  step "install both plugins into a new workspace"
  run workspace init "$workspace" >/dev/null
  run extension install "$provider_so"
  run extension install "$taskserv_so"
  expect_file "$workspace/extensions/provider/sandbox.so"
  expect_file "$workspace/extensions/taskserv/nginx.so"
}

conformance() {
  step "plugin test"
  run plugin test "$workspace/extensions/provider/sandbox.so"
  pass "sandbox passes plugin test"
  run plugin test "$workspace/extensions/taskserv/nginx.so"
  pass "nginx passes plugin test"
}

use_plugins() {
  step "create a sandbox server and install nginx on it"
  local created
  if ! created=$("$provisioning" --workspace "$workspace" server create web-01 small \
    --provider sandbox --output json); then
    fail "server create web-01 small --provider sandbox failed"
    finish
  fi
  echo "$created"
  expect_match "$created" '"provider": *"sandbox"' "server create names provider sandbox"
  expect_match "$created" '"status": *"running"' "server create reports status running"
  expect_match "$created" '"ip_address": *"127\.100\.0\.1"' "the server has address 127.100.0.1"

  run taskserv install nginx --server web-01
  local root=$workspace/.provisioning/sandbox/web-01/rootfs
  expect_file "$root/etc/nginx/nginx.conf"
  expect_file "$root/etc/systemd/system/nginx.service"
  expect_match "$(cat "$root/etc/nginx/nginx.conf")" 'listen 127\.100\.0\.1:80;' \
    "nginx.conf listens on the server's address"
}

# check_version_request: the package accepts its own minor version and rejects the next.
check_version_request() {
  step "find_package(ProvisioningSDK) version checks"
  local header=$prefix/include/provisioning/sdk/version.h project=$work/version-check
  local version abi major minor
  version=$(sed -n 's/^#define PROVISIONING_SDK_VERSION "\(.*\)"$/\1/p' "$header")
  abi=$(sed -n 's/^#define PROVISIONING_SDK_ABI_VERSION \([0-9]*\)$/\1/p' "$header")
  IFS=. read -r major minor _ <<<"$version"
  mkdir -p "$project"
  cat >"$project/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(version_check LANGUAGES CXX)
find_package(ProvisioningSDK ${REQUESTED} REQUIRED)
message(STATUS "abi=${ProvisioningSDK_ABI_VERSION} libdir=${ProvisioningSDK_LIBRARY_DIR}")
EOF
  local output
  if output=$(cmake -S "$project" -B "$work/version-same" -DCMAKE_PREFIX_PATH="$prefix" \
    -DREQUESTED="$major.$minor" 2>&1); then
    pass "find_package accepts version $major.$minor"
  else
    fail "find_package rejects version $major.$minor: $output"
  fi
  expect_match "$output" "abi=$abi libdir=$prefix/lib\$" \
    "the package reports ABI version $abi and the library directory"
  if output=$(cmake -S "$project" -B "$work/version-next" -DCMAKE_PREFIX_PATH="$prefix" \
    -DREQUESTED="$major.$((minor + 1))" 2>&1); then
    fail "find_package accepts version $major.$((minor + 1)) from SDK $version"
  else
    pass "find_package rejects version $major.$((minor + 1))"
  fi
}

# build_with_pkg_config: builds the example taskserv with g++ and the .pc file alone.
build_with_pkg_config() {
  step "build the example taskserv with pkg-config instead of CMake"
  local directory=$work/pkg-config
  mkdir -p "$directory"
  cat >"$directory/manifest.cpp" <<'EOF'
#include <provisioning/sdk/manifest.h>

PROVISIONING_PLUGIN_MANIFEST(
    "kind=taskserv\n"
    "name=nginx\n"
    "version=1.0.0\n")
EOF
  local flags
  flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs provisioning-sdk)
  # The flags are separate words, so $flags is not quoted.
  must g++ -std=c++20 -fPIC -shared -fvisibility=hidden -fvisibility-inlines-hidden \
    -Wl,--no-undefined -o "$directory/nginx.so" \
    "$source_dir"/extensions/example-taskserv/src/*.cpp "$directory/manifest.cpp" $flags
  must "$provisioning" plugin test "$directory/nginx.so"
  pass "the pkg-config build passes plugin test"
}

install_prefix
check_version_request
build_example example-provider
build_example example-taskserv
provider_so=$work/build-example-provider/lib/provisioning/extensions/provider/sandbox.so
taskserv_so=$work/build-example-taskserv/lib/provisioning/extensions/taskserv/nginx.so
check_plugin_file "$provider_so"
check_plugin_file "$taskserv_so"
install_extensions
conformance
use_plugins
build_with_pkg_config
finish
