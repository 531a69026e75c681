# Helpers shared by the benchmark scripts, which source this file. The caller sets
# build_dir (the build directory) and tmp (its temporary directory), and defines log().

# Prints the value of CMake cache entry $1 of build_dir.
cache_value() {
  sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt"
}

# Builds target $1 in build_dir, with its log in $tmp/build.log. Configures build_dir
# for benchmarks first when needed, and warns about a build type that skews figures.
build_bench_target() {
  local target=$1 build_type
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  elif [ "$(cache_value PROVISIONING_BUILD_BENCH)" = "OFF" ]; then
    cmake -S . -B "$build_dir" -DPROVISIONING_BUILD_BENCH=ON >&2
  fi
  build_type=$(cache_value CMAKE_BUILD_TYPE)
  if [ "$build_type" != "RelWithDebInfo" ] && [ "$build_type" != "Release" ]; then
    log "warning: $build_dir is a '$build_type' build; figures from it are not comparable"
  fi
  log "building the $target target in $build_dir"
  cmake --build "$build_dir" -j "$(nproc)" --target "$target" >"$tmp/build.log" 2>&1 || {
    tail -n 40 "$tmp/build.log" >&2
    log "the build failed; the last 40 lines of its log are above"
    exit 1
  }
}

# Keeps the commands away from the user's files and settings.
isolate_environment() {
  export HOME="$tmp/home"
  export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config"
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
  local name
  for name in $(compgen -e); do
    case "$name" in PROVISIONING_*) unset "$name" ;; esac
  done
}
