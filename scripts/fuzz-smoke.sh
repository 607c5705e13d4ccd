#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every built libFuzzer target (BUILD_DIR/fuzz/fuzz-*) for SECONDS each, starting
# from its seed corpus fuzz/corpus/<name without "fuzz-"> (created if missing). New
# inputs go to BUILD_DIR/fuzz-work/<name>, so the seed corpus in the tree stays small;
# a crash leaves its input in BUILD_DIR/fuzz-artifacts/ and fails the script.
#
#   scripts/fuzz-smoke.sh build-fuzz 60
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
seconds=$2
case $seconds in
  '' | *[!0-9]*) echo "fuzz-smoke: SECONDS must be a whole number" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)

shopt -s nullglob
targets=()
for exe in "$build"/fuzz/fuzz-*; do
  [ -f "$exe" ] && [ -x "$exe" ] && targets+=("$exe")
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz-smoke: no fuzz targets in $build/fuzz (configure with CC=clang -DBLEC_FUZZ=ON)" >&2
  exit 2
fi

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
failed=()
for exe in "${targets[@]}"; do
  name=$(basename "$exe")
  corpus=$root/fuzz/corpus/${name#fuzz-}
  work=$build/fuzz-work/$name
  mkdir -p "$corpus" "$work"
  echo "fuzz-smoke: $name for ${seconds}s over $corpus"
  if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$name-" "$work" "$corpus" >"$build/fuzz-work/$name.log" 2>&1; then
    failed+=("$name")
    echo "fuzz-smoke: $name FAILED; last lines of $build/fuzz-work/$name.log:" >&2
    tail -n 40 "$build/fuzz-work/$name.log" >&2
  else
    grep -E "^stat::(number_of_executed_units|new_units_added)" "$build/fuzz-work/$name.log" || true
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz-smoke: failed: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
echo "fuzz-smoke: ${#targets[@]} target(s) ran ${seconds}s each without a crash"
