# SPDX-License-Identifier: MIT
"""bleak itself (Debian's python3-bleak, on dbus-fast) against the simulated bluetoothd:
a client none of us wrote. Each scenario runs on its own private bus with a fresh
simulator (ctest: bluez_sim.bleak.<scenario>). Where bleak and the simulation disagree,
the simulation is wrong.

    python3 test_bleak.py SCENARIO
"""

import asyncio
import sys

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDBusError, BleakError

from simbus import control, run, seconds, wait_for

THERMO = "C0:FF:EE:00:01:01"
ECHO = "C0:FF:EE:00:01:02"
VAULT = "C0:FF:EE:00:01:03"
FAULTY = "C0:FF:EE:00:01:04"
TEMPERATURE = "00002a6e-0000-1000-8000-00805f9b34fb"
HUMIDITY = "00002a6f-0000-1000-8000-00805f9b34fb"
RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
BATTERY = "00002a19-0000-1000-8000-00805f9b34fb"
USER_DESCRIPTION = "00002901-0000-1000-8000-00805f9b34fb"


async def scan_detection_callback():
    """The detection callback gets every advertisement with bluetoothd's fields."""
    seen = {}

    def on_adv(device, adv):
        seen.setdefault(device.address, []).append(adv)

    async with BleakScanner(detection_callback=on_adv):
        await wait_for(lambda: len(seen.get(THERMO, [])) >= 3 and ECHO in seen, "advertisements")
    adv = seen[THERMO][-1]
    assert adv.local_name == "Thermo", adv
    assert "0000181a-0000-1000-8000-00805f9b34fb" in adv.service_uuids, adv
    assert adv.manufacturer_data == {0x0059: b"\x01\x02"}, adv
    assert adv.service_data == {"0000181a-0000-1000-8000-00805f9b34fb": b"\x2a\x08"}, adv
    assert adv.tx_power == -6, adv
    assert -58 <= adv.rssi <= -52, adv
    # A detection per report: several for the same device, not just the first.
    assert len(seen[THERMO]) >= 3


async def scan_service_uuid_filter():
    """service_uuids becomes SetDiscoveryFilter's UUIDs: other devices are not reported."""
    seen = []
    async with BleakScanner(
        detection_callback=lambda d, a: seen.append(d.address),
        service_uuids=["6e400001-b5a3-f393-e0a9-e50e24dcca9e"],
    ):
        # Thermo advertises as often as Echo: had the filter let it through, it would
        # be among five reports of Echo.
        await wait_for(lambda: seen.count(ECHO) >= 5, "reports of the UART device")
    assert set(seen) == {ECHO}, seen


async def find_by_address():
    device = await BleakScanner.find_device_by_address(ECHO, timeout=seconds(5))
    assert device is not None
    assert device.name == "Echo", device
    assert device.details["path"] == "/org/bluez/hci0/dev_C0_FF_EE_00_01_02"
    missing = await BleakScanner.find_device_by_address("C0:FF:EE:99:99:99", timeout=0.3)
    assert missing is None


async def connect_list_services_read():
    """Connect, services with the handles bleak reads from the paths, reads."""
    async with BleakClient(THERMO, timeout=seconds(10)) as client:
        assert client.is_connected
        services = {s.uuid: s for s in client.services}
        assert "0000181a-0000-1000-8000-00805f9b34fb" in services, services
        # bluetoothd keeps the GAP service to itself.
        assert "00001800-0000-1000-8000-00805f9b34fb" not in services, services
        env = services["0000181a-0000-1000-8000-00805f9b34fb"]
        assert env.handle == 4, env.handle
        chars = {c.uuid: c for c in env.characteristics}
        temp = chars[TEMPERATURE]
        # bleak's handle is the one in the path: the characteristic declaration.
        assert temp.handle == 5, temp.handle
        assert temp.properties == ["read", "notify"], temp.properties
        assert {d.uuid for d in temp.descriptors} == {
            "00002902-0000-1000-8000-00805f9b34fb",
            USER_DESCRIPTION,
        }
        value = await client.read_gatt_char(HUMIDITY)
        assert value == bytearray(b"\x94\x11"), value
        # bleak answers the GAP name from Device1.Name (BlueZ hides 0x2A00).
        name = await client.read_gatt_char("00002a00-0000-1000-8000-00805f9b34fb")
        assert name == bytearray(b"Thermo"), name


async def read_descriptor():
    async with BleakClient(THERMO, timeout=seconds(10)) as client:
        temp = client.services.get_characteristic(TEMPERATURE)
        desc = temp.get_descriptor(USER_DESCRIPTION)
        assert desc is not None
        assert await client.read_gatt_descriptor(desc.handle) == bytearray(b"Temperature")


async def write_with_and_without_response():
    """Writes both ways; the echo proves each reached the peripheral."""
    got = []
    arrived = asyncio.Event()

    def on_value(char, data):
        got.append(bytes(data))
        arrived.set()

    async with BleakClient(ECHO, timeout=seconds(10)) as client:
        await client.start_notify(TX, on_value)
        await client.write_gatt_char(RX, b"with", response=True)
        await asyncio.wait_for(arrived.wait(), seconds(5))
        arrived.clear()
        await client.write_gatt_char(RX, b"without", response=False)
        await asyncio.wait_for(arrived.wait(), seconds(5))
        await client.stop_notify(TX)
    assert got == [b"with", b"without"], got


async def start_stop_notify():
    """A stream of notifications while subscribed, none after stop_notify."""
    values = []
    three = asyncio.Event()

    def on_value(char, data):
        values.append(bytes(data))
        if len(values) >= 3:
            three.set()

    async with BleakClient(THERMO, timeout=seconds(10)) as client:
        await client.start_notify(TEMPERATURE, on_value)
        await asyncio.wait_for(three.wait(), seconds(5))
        await client.stop_notify(TEMPERATURE)
        # The peripheral was told: its CCCD reads 0000 (the read follows the clearing
        # write on the link).
        cccd = client.services.get_characteristic(TEMPERATURE).get_descriptor(
            "00002902-0000-1000-8000-00805f9b34fb"
        )
        assert await client.read_gatt_descriptor(cccd.handle) == bytearray(b"\x00\x00")
    # The counter generator: each value one more than the last (first byte).
    firsts = [v[0] for v in values]
    assert all((b - a) % 256 == 1 for a, b in zip(firsts, firsts[1:])), firsts


async def pair_and_unpair():
    """pair(): Trusted, Pair, Paired true; the encrypted read then works; unpair()."""
    async with BleakClient(VAULT, timeout=seconds(10)) as client:
        assert await client.pair()
        assert await client.read_gatt_char(BATTERY) == bytearray(b"\x40")
        # bleak's pair() says so when already paired.
        assert await client.pair()
    client = BleakClient(VAULT, timeout=seconds(10))
    await client.connect()
    await client.unpair()
    # RemoveDevice took the device (and its link) away.
    await wait_for(lambda: not client.is_connected, "the link to go with the device")


async def disconnect_and_callback():
    called = asyncio.Event()
    client = BleakClient(ECHO, disconnected_callback=lambda c: called.set(), timeout=seconds(10))
    await client.connect()
    assert client.is_connected
    await client.disconnect()
    assert not client.is_connected
    await asyncio.wait_for(called.wait(), seconds(5))


async def peripheral_disconnects():
    """The peripheral ends the link: bleak's disconnected callback runs."""
    called = asyncio.Event()
    client = BleakClient(ECHO, disconnected_callback=lambda c: called.set(), timeout=seconds(10))
    await client.connect()
    await control("DisconnectPeripheral", "s", [ECHO])
    await asyncio.wait_for(called.wait(), seconds(5))
    assert not client.is_connected


async def radio_off_while_connected():
    called = asyncio.Event()
    client = BleakClient(ECHO, disconnected_callback=lambda c: called.set(), timeout=seconds(10))
    await client.connect()
    await control("SetRadio", "b", [False])
    await asyncio.wait_for(called.wait(), seconds(5))
    try:
        await BleakScanner.discover(timeout=0.2)
    except BleakDBusError as e:
        # bleak had not seen Powered false yet: StartDiscovery answered NotReady.
        assert e.dbus_error == "org.bluez.Error.NotReady", e
    except BleakError as e:
        # No powered adapter left (Adapter1.Powered false).
        assert "powered" in str(e).lower(), e
    else:
        raise AssertionError("scanning with the radio off worked")
    await control("SetRadio", "b", [True])


async def retry_after_abort_by_local():
    """le-connection-abort-by-local: bleak waits for Connected false and retries."""
    await control("SetSwitch", "sx", ["ConnectAbortByLocal", 1])
    async with BleakClient(ECHO, timeout=seconds(10)) as client:
        assert client.is_connected
        await client.write_gatt_char(RX, b"x", response=True)


async def passive_scan_needs_experimental():
    """5.66 without -E has no AdvertisementMonitorManager1: bleak says what it needs."""
    try:
        async with BleakScanner(
            scanning_mode="passive", bluez={"or_patterns": [(0, 0x09, b"Echo")]}
        ):
            pass
    except BleakError as e:
        assert "experimental" in str(e), e
    else:
        raise AssertionError("passive scanning worked without --experimental")


async def passive_scan_with_experimental():
    """With -E: AdvertisementMonitorManager1; bleak's passive scan reports what matches."""
    seen = []
    async with BleakScanner(
        detection_callback=lambda d, a: seen.append((d.address, a.local_name)),
        scanning_mode="passive",
        bluez={"or_patterns": [(0, 0x09, b"Echo")]},
    ):
        # Without discovery RSSI changes under 8 dB are not signalled (device_set_rssi):
        # Echo's RSSI varies by up to 15 dB, so its reports keep coming.
        await wait_for(lambda: sum(1 for a, _ in seen if a == ECHO) >= 3, "passive reports of Echo")
    # Only what matched the pattern (the complete local name "Echo") became a device:
    # Thermo advertises as often and would have been among them.
    assert {a for a, _ in seen} == {ECHO}, seen


async def second_adapter():
    """adapter="hci1" scans and connects through the second adapter."""
    device = await BleakScanner.find_device_by_address(ECHO, timeout=seconds(5), adapter="hci1")
    assert device is not None
    assert device.details["path"].startswith("/org/bluez/hci1/"), device.details
    async with BleakClient(device, timeout=seconds(10)) as client:
        assert client.is_connected
        await client.write_gatt_char(RX, b"1", response=True)


async def rescan_finds_a_connected_device():
    """Advertising goes on while connected: a new scan reports the device again."""
    async with BleakClient(ECHO, timeout=seconds(10)) as client:
        seen = asyncio.Event()

        def on_adv(device, adv):
            if device.address == ECHO:
                seen.set()

        async with BleakScanner(detection_callback=on_adv):
            await asyncio.wait_for(seen.wait(), seconds(5))
        assert client.is_connected


async def att_errors_reach_bleak():
    """ATT errors as bluetoothd words them, which bleak parses ("ATT error: 0x..")."""
    async with BleakClient(FAULTY, timeout=seconds(10)) as client:
        try:
            await client.read_gatt_char(BATTERY)
        except BleakDBusError as e:
            assert e.dbus_error == "org.bluez.Error.Failed", e
            assert "0x80" in e.dbus_error_details, e.dbus_error_details
        else:
            raise AssertionError("the scripted ATT error did not come")
        # The next request is answered.
        assert await client.read_gatt_char(BATTERY) == bytearray(b"\x11")


SCENARIOS = {
    "scan_detection_callback": (scan_detection_callback, ()),
    "scan_service_uuid_filter": (scan_service_uuid_filter, ()),
    "find_by_address": (find_by_address, ()),
    "connect_list_services_read": (connect_list_services_read, ()),
    "read_descriptor": (read_descriptor, ()),
    "write_with_and_without_response": (write_with_and_without_response, ()),
    "start_stop_notify": (start_stop_notify, ()),
    "pair_and_unpair": (pair_and_unpair, ()),
    "disconnect_and_callback": (disconnect_and_callback, ()),
    "peripheral_disconnects": (peripheral_disconnects, ()),
    "radio_off_while_connected": (radio_off_while_connected, ()),
    "retry_after_abort_by_local": (retry_after_abort_by_local, ()),
    "passive_scan_needs_experimental": (passive_scan_needs_experimental, ()),
    "second_adapter": (second_adapter, ("--adapters", "2")),
    "passive_scan_with_experimental": (passive_scan_with_experimental, ("--experimental",)),
    "rescan_finds_a_connected_device": (rescan_finds_a_connected_device, ()),
    "att_errors_reach_bleak": (att_errors_reach_bleak, ()),
}

if __name__ == "__main__":
    # Disconnects are not what these scenarios test: the 2 s DISCONNECT_TIMER is short.
    run(SCENARIOS, sys.argv, sim_args=("--switch", "disconnect-timer-ms=20"))
