# SPDX-License-Identifier: MIT
"""Runs the simulated bluetoothd (blec-bluez-sim) for a bleak test on the private bus that
scripts/private-bus.sh made ($DBUS_SYSTEM_BUS_ADDRESS), and drives its test-only control
interface (org.blec.BluezSim1 at /org/blec/sim) through dbus-fast, bleak's own D-Bus
library. Every wait is bounded and scaled by BLEC_TEST_TIMEOUT_MULTIPLIER."""

import asyncio
import os
import subprocess
import sys
import time

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

MULTIPLIER = max(1.0, float(os.environ.get("BLEC_TEST_TIMEOUT_MULTIPLIER", "1") or 1))


def seconds(s):
    """A deadline in seconds, scaled like the C tests' blec_test_ms."""
    return s * MULTIPLIER


class Sim:
    """blec-bluez-sim as a child process; stopped (SIGTERM) when the test ends."""

    def __init__(self, *args):
        binary = os.environ["BLEC_BLUEZ_SIM"]
        world = os.path.join(os.path.dirname(__file__), "bleak.world")
        if "--world" in args:
            cmd = [binary, *args]
        else:
            cmd = [binary, "--world", world, *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        line = self.proc.stdout.readline()  # bounded by ctest's timeout if the sim hangs
        if line.strip() != "ready":
            raise RuntimeError(f"blec-bluez-sim did not start: {line!r}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=seconds(10))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        if self.proc.returncode != 0:
            raise RuntimeError(f"blec-bluez-sim exited with {self.proc.returncode}")


async def control(member, signature="", body=()):
    """Calls the simulator's test-only control interface."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        reply = await bus.call(
            Message(
                destination="org.bluez",
                path="/org/blec/sim",
                interface="org.blec.BluezSim1",
                member=member,
                signature=signature,
                body=list(body),
            )
        )
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"{member}: {reply.error_name} {reply.body}")
    finally:
        bus.disconnect()


async def wait_for(predicate, what, timeout=5.0):
    """Waits until predicate() is true (polled while the event loop runs)."""
    deadline = time.monotonic() + seconds(timeout)
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def run(scenarios, argv, sim_args=()):
    """Runs the scenario named by argv[1] against a fresh simulator."""
    if len(argv) != 2 or argv[1] not in scenarios:
        print(f"usage: {argv[0]} {'|'.join(scenarios)}", file=sys.stderr)
        sys.exit(2)
    fn, extra = scenarios[argv[1]]
    sim = Sim(*sim_args, *extra)
    try:
        asyncio.run(asyncio.wait_for(fn(), seconds(30)))
    finally:
        sim.stop()
    print(f"ok {argv[1]}")
