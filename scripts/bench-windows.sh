#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench-windows.sh — the end-to-end benchmarks on the virtual backend and on the winrt
# backend over the simulated Windows stack (sim/winrt), side by side, under Wine: builds
# blec-bench-winrt and the simulator DLL with mingw-w64 (Release), registers the DLL in the
# build's own Wine prefix, runs the program and prints its table (bench/README.md).
#
#   scripts/bench-windows.sh [--build DIR] [blec-bench-winrt options...]
#       --build DIR   the cross build to use (default: build-win-bench at the top of the
#                     clone, configured Release on first use)
#       options       passed on: --json, --quick, --only PREFIX, --backend NAME
#
# Needs what scripts/test-windows.sh needs (scripts/install-deps.sh installs it). Run it
# on an otherwise idle machine: the figures fall apart when other work competes for the
# cores.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-win-bench
if [ "${1:-}" = "--build" ]; then
  build=${2:?usage: bench-windows.sh [--build DIR] [options...]}
  shift 2
fi

now() { date +%s.%N; }
span() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", b - a }'; }

generator=()
command -v ninja >/dev/null && [ ! -f "$build/CMakeCache.txt" ] && generator=(-G Ninja)

t0=$(now)
# Warnings are the test builds' business (scripts/test-windows.sh builds with -Werror);
# here an -O3 false positive must not stop a measurement.
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DBLEC_WERROR=OFF \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-mingw64.cmake" >/dev/null
cmake --build "$build" --parallel "${BLEC_JOBS:-2}" --target blec-bench-winrt blec_winrt_sim
t1=$(now)
"$root/scripts/wine-run.sh" --init "$build"
# The registration fixture of sim/winrt (one `reg import` into the build's prefix).
ctest --test-dir "$build" -R '^sim_winrt\.register$' --output-on-failure >/dev/null
t2=$(now)
rc=0
"$root/scripts/wine-run.sh" "$build/bench/blec-bench-winrt.exe" "$@" || rc=$?
t3=$(now)
"$root/scripts/wine-run.sh" --stop "$build"
echo "bench-windows: build $(span "$t0" "$t1"), Wine prefix and registration $(span "$t1" "$t2"), benchmarks $(span "$t2" "$t3")" >&2
exit $rc
