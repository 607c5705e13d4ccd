#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a command with a private D-Bus system bus: starts Debian's dbus-daemon with a
# system-bus-like configuration on a socket in a temporary directory, exports
# DBUS_SYSTEM_BUS_ADDRESS to it, runs the command, then stops the daemon and removes the
# directory. The machine's own system bus is never used.
#
#   scripts/private-bus.sh COMMAND [ARGS...]     exit status: the command's
#
# The policy is the system bus's (/usr/share/dbus-1/system.conf: everything denied but
# signals, replies and calls to the bus) with bluetoothd's holes
# (/usr/share/dbus-1/system.d/bluetooth.conf), given to the user running the script:
# only that user may own org.bluez; anyone may call org.bluez; org.bluez may call the
# user's agents, monitors and GATT applications.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
daemon=$(command -v dbus-daemon || true)
if [ -z "$daemon" ]; then
  echo "private-bus: dbus-daemon not found (Debian package dbus-daemon; scripts/install-deps.sh)" >&2
  exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/blec-bus.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

user=$(id -un)
cat >"$dir/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
    <allow send_destination="org.bluez"/>
  </policy>
  <policy user="$user">
    <allow own="org.bluez"/>
    <allow send_destination="org.bluez"/>
    <allow send_interface="org.bluez.AdvertisementMonitor1"/>
    <allow send_interface="org.bluez.Agent1"/>
    <allow send_interface="org.bluez.MediaEndpoint1"/>
    <allow send_interface="org.bluez.MediaPlayer1"/>
    <allow send_interface="org.bluez.Profile1"/>
    <allow send_interface="org.bluez.GattCharacteristic1"/>
    <allow send_interface="org.bluez.GattDescriptor1"/>
    <allow send_interface="org.bluez.LEAdvertisement1"/>
    <allow send_interface="org.freedesktop.DBus.ObjectManager"/>
    <allow send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
</busconfig>
EOF

# The daemon writes its address once it listens; wait for that (bounded).
# (Its complaint that an unprivileged bus cannot raise its fd limit goes to a log.)
"$daemon" --config-file="$dir/system.conf" --nofork --nopidfile --print-address=3 3>"$dir/address" \
  2>"$dir/dbus-daemon.log" &
pid=$!
for _ in $(seq 1 500); do
  [ -s "$dir/address" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "private-bus: dbus-daemon exited at start:" >&2
    cat "$dir/dbus-daemon.log" >&2
    exit 2
  fi
  sleep 0.01
done
if [ ! -s "$dir/address" ]; then
  echo "private-bus: dbus-daemon did not start" >&2
  exit 2
fi
DBUS_SYSTEM_BUS_ADDRESS=$(head -n 1 "$dir/address")
export DBUS_SYSTEM_BUS_ADDRESS
export BLEC_PRIVATE_BUS_DIR="$dir"

set +e
"$@"
status=$?
set -e
exit "$status"
