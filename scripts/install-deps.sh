#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, by Debian package name, everything blec's build, tests, Windows cross build
# (mingw-w64 + Wine), fuzzers and docs need. Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config python3
  clang llvm libclang-rt-14-dev            # fuzzers (libFuzzer) and sanitizers
  mingw-w64 mingw-w64-tools                # Windows cross toolchain
  wine64 wine libwine-dev wine64-tools     # Wine runtime, WinRT base IDL, widl-stable
  util-linux                               # setarch: Wine without address randomization (wine-run.sh)
  doxygen                                  # API reference
  libsystemd-dev                           # sd-bus: the bluez backend, the simulated bluetoothd
  dbus-daemon                              # private system buses for the bluez tests
  python3-bleak                            # bleak, run against the simulated bluetoothd (tests, benchmark)
  libedit-dev                              # line editing of `blec shell`
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
