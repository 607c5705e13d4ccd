#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-windows.sh — the Windows part of blec's tests, on Linux: cross-builds the library,
# CLI, tests and examples with mingw-w64 (warnings are errors), creates the build's own
# Wine prefix, runs the whole ctest suite under Wine (ABI check included), stops the Wine
# session it started and prints how long each step took.
#
#   scripts/test-windows.sh [BUILD_DIR]     default: $BLEC_WIN_BUILD_DIR, else build-win at
#                                           the top of the clone
#
# Needs mingw-w64, wine64, wine64-tools (widl-stable), libwine-dev and python3
# (scripts/install-deps.sh installs them). Extra ctest arguments: BLEC_CTEST_ARGS.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${BLEC_WIN_BUILD_DIR:-$root/build-win}}

missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(mingw-w64)
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null || missing+=(wine64)
command -v widl-stable >/dev/null || command -v widl >/dev/null || missing+=(wine64-tools)
[ -f /usr/include/wine/wine/windows/windows.foundation.idl ] || missing+=(libwine-dev)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-windows: missing ${missing[*]}; run scripts/install-deps.sh" >&2
  exit 2
fi

now() { date +%s.%N; }
span() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", b - a }'; }

generator=()
command -v ninja >/dev/null && [ ! -f "$build/CMakeCache.txt" ] && generator=(-G Ninja)

t0=$(now)
cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-mingw64.cmake"
t1=$(now)
cmake --build "$build" --parallel "$(nproc 2>/dev/null || echo 2)"
t2=$(now)
"$root/scripts/wine-run.sh" --init "$build"
t3=$(now)
rc=0
# shellcheck disable=SC2086
(cd "$build" && ctest --output-on-failure -j2 ${BLEC_CTEST_ARGS:-}) || rc=$?
t4=$(now)
"$root/scripts/wine-run.sh" --stop "$build"

echo "test-windows: configure $(span "$t0" "$t1"), build $(span "$t1" "$t2"), Wine prefix $(span "$t2" "$t3"), tests under Wine $(span "$t3" "$t4"); total $(span "$t0" "$t4")"
if [ $rc -ne 0 ]; then
  echo "test-windows: FAILED (ctest exit status $rc)" >&2
fi
exit $rc
