# SPDX-License-Identifier: MIT
"""bleak's side of blec-bench's BlueZ rows (bench/bench_bluez.c runs it): the same
scenario as blec's, through bleak (Debian's python3-bleak) on the simulated bluetoothd of
$DBUS_SYSTEM_BUS_ADDRESS. Prints one JSON line: the events counted, and the CPU time
(user + system, resource.getrusage of this process) and the wall time of the measured
part only (imports, the scan that finds a device and the first connection are not in
it, as they are not on blec's side).

    bleak_side.py adv N
    bleak_side.py notify ADDRESS CHAR N
    bleak_side.py read ADDRESS CHAR N
    bleak_side.py connect ADDRESS N
    bleak_side.py version
"""

import asyncio
import json
import os
import resource
import sys
import time

MULTIPLIER = max(1.0, float(os.environ.get("BLEC_TEST_TIMEOUT_MULTIPLIER", "1") or 1))
TIMEOUT = 120 * MULTIPLIER


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Meter:
    """CPU and wall time from start() to stop()."""

    def start(self):
        self.c0, self.w0 = cpu(), time.monotonic()

    def stop(self):
        self.cpu, self.wall = cpu() - self.c0, time.monotonic() - self.w0


class Countdown:
    """Counts callbacks; the N-th stops the meter (the last event's work is done) and
    wakes the waiting scenario, as blec's side does on its dispatch thread."""

    def __init__(self, n):
        self.n, self.count, self.meter, self.done = n, 0, Meter(), asyncio.Event()

    def hit(self, _sender, _data):  # bleak checks that a callback takes two parameters
        self.count += 1
        if self.count == self.n:
            self.meter.stop()
            self.done.set()

    async def wait(self):
        await asyncio.wait_for(self.done.wait(), TIMEOUT)


def report(events, meter):
    print(json.dumps({"events": events, "cpu_s": meter.cpu, "wall_s": meter.wall}), flush=True)


async def find(address):
    from bleak import BleakScanner

    dev = await BleakScanner.find_device_by_address(address, timeout=TIMEOUT)
    if dev is None:
        raise RuntimeError(f"{address} not found")
    return dev


async def adv(n):
    from bleak import BleakScanner

    seen = Countdown(n)
    # DuplicateData: every advertisement BlueZ receives is a PropertiesChanged (blec sets
    # it too; bleak's default is off).
    scanner = BleakScanner(seen.hit, bluez={"filters": {"DuplicateData": True}})
    seen.meter.start()
    await scanner.start()
    await seen.wait()
    await scanner.stop()
    report(seen.n, seen.meter)  # measured up to the N-th; more may follow


async def notify(address, char, n):
    from bleak import BleakClient

    dev = await find(address)
    async with BleakClient(dev) as client:
        values = Countdown(n)
        values.meter.start()
        await client.start_notify(char, values.hit)
        await values.wait()
        await client.stop_notify(char)
        report(values.n, values.meter)


async def read(address, char, n):
    from bleak import BleakClient

    dev = await find(address)
    async with BleakClient(dev) as client:
        meter = Meter()
        meter.start()
        for _ in range(n):
            data = await client.read_gatt_char(char)
            if len(data) != 20:
                raise RuntimeError(f"read {len(data)} bytes, expected 20")
        meter.stop()
        report(n, meter)


async def connect(address, n):
    from bleak import BleakClient

    dev = await find(address)
    meter = Meter()
    meter.start()
    for _ in range(n):
        client = BleakClient(dev)
        await client.connect(timeout=TIMEOUT)  # connect + service discovery
        if len(client.services.services) < 10:
            raise RuntimeError("services missing")
        await client.disconnect()
    meter.stop()
    report(n, meter)


def main(argv):
    if argv[1:2] == ["version"]:
        from importlib.metadata import version

        print(version("bleak"))
        return 0
    cmd, args = argv[1], argv[2:]
    if cmd == "adv":
        asyncio.run(adv(int(args[0])))
    elif cmd == "notify":
        asyncio.run(notify(args[0], args[1], int(args[2])))
    elif cmd == "read":
        asyncio.run(read(args[0], args[1], int(args[2])))
    elif cmd == "connect":
        asyncio.run(connect(args[0], int(args[1])))
    else:
        print(f"bleak_side.py: unknown scenario {cmd}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
