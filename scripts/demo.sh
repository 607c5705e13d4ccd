#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on a fresh Debian machine: install what is needed, build, and run the
# blec command-line tool against the built-in virtual world (live scan, then the
# heart-rate sensor's services and a few notifications).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/install-deps.sh"
bash "$top/scripts/build.sh" "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
blec="$top/build/tools/blec/blec"
echo "== blec scan (the built-in virtual world, 5 s)"
"$blec" scan --timeout 5
