#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-windows.sh — the Windows part of blec's tests, on Linux: cross-builds the library,
# CLI, tests and examples with mingw-w64 (warnings are errors), creates the build's own
# Wine prefix and runs, under Wine with its heap checks on (scripts/wine-run.sh):
#
#   1. every test of the build (ABI check, suites on `virtual`, the winrt backend's tests,
#      the simulated Windows stack's tests, ...), but the passes below;
#   2. the conformance suite again on backend `winrt`, against the simulated Windows stack
#      (label winrt);
#   3. the hostile-Windows pass: the winrt backend's tests and the conformance suite on
#      `winrt` once more with every hard part of Windows played (label hostile,
#      BLEC_WINRT_SIM_HOSTILE=1).
#
# Tests that fail because of a defect of the winrt backend are listed, with the reason, in
# tests/wine/known-failures-*.txt: they are left out, and printed before and after the run.
# A listed name that is no test fails the run (the list must not rot). Then it stops the
# Wine session it started and prints how long each step took.
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

# ---- known failures --------------------------------------------------------------------
# "<ctest name> <reason>" per line; '#' starts a comment.
known=()
known_lines=()
for f in "$root"/tests/wine/known-failures-*.txt; do
  [ -f "$f" ] || continue
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    known+=("${line%%[[:space:]]*}")
    known_lines+=("$(basename "$f"): $line")
  done <"$f"
done
all_tests=$(cd "$build" && ctest -N | sed -n 's/^ *Test *#[0-9]*: //p')
stale=0
for t in "${known[@]}"; do
  if ! grep -qxF "$t" <<<"$all_tests"; then
    echo "test-windows: known-failure entry '$t' is no test of this build: remove it" >&2
    stale=1
  fi
done
[ $stale = 0 ] || exit 1

print_known() {
  [ ${#known_lines[@]} -gt 0 ] || return 0
  echo
  echo "!!!! test-windows: ${#known_lines[@]} KNOWN FAILURES left out (defects of the winrt backend, tests/wine/known-failures-*.txt):"
  printf '!!!!   %s\n' "${known_lines[@]}"
  echo
}
print_known

# ctest -E: the known failures, exactly.
exclude=""
if [ ${#known[@]} -gt 0 ]; then
  exclude=$(printf '%s\n' "${known[@]}" | sed 's/[][.*^$+?(){}|\\/]/\\&/g' | paste -sd'|')
  exclude="^($exclude)\$"
fi

# ---- the three parts ------------------------------------------------------------------------
rc=0
times=()
run_part() { # name, ctest selection arguments...
  local name=$1 s e
  shift
  echo
  echo "==== test-windows: $name"
  s=$(now)
  local args=(--output-on-failure -j2 "$@")
  [ -z "$exclude" ] || args+=(-E "$exclude")
  # shellcheck disable=SC2086
  (cd "$build" && ctest "${args[@]}" ${BLEC_CTEST_ARGS:-}) || rc=1
  e=$(now)
  times+=("$name $(span "$s" "$e")")
}
run_part "every test but the winrt and hostile passes" -LE '^(winrt|hostile)$'
run_part "conformance suite on winrt" -L '^winrt$'
run_part "hostile Windows: winrt backend and conformance suite, every quirk on" -L '^hostile$'
t4=$(now)
"$root/scripts/wine-run.sh" --stop "$build"

print_known
echo "test-windows: configure $(span "$t0" "$t1"), build $(span "$t1" "$t2"), Wine prefix $(span "$t2" "$t3")"
for t in "${times[@]}"; do echo "test-windows:   tests: $t"; done
echo "test-windows: total $(span "$t0" "$t4")"
if [ $rc -ne 0 ]; then
  echo "test-windows: FAILED" >&2
fi
exit $rc
