# SPDX-License-Identifier: MIT
"""End-to-end tests of the built `blec` tool on the virtual backend (or another one).

Usage: test_cli.py --blec PATH [--emulator WORD]... [--man PATH] --worlds DIR
                   [--backend NAME] NAME

Runs the test function test_NAME. Exit status: 0 pass, 1 fail, 77 skipped (with the
reason printed). Each `def test_...` line is registered by CMakeLists.txt as the ctest
test cli.NAME, so a test is added by writing its function here.

--backend winrt runs the same scenario with BLEC_BACKEND=winrt against the simulated
Windows stack under Wine (ctest cli-winrt.NAME): what differs on that backend, which
scenarios do not apply and which fail for a known defect, is in backend_pass.py.

The devices of the default world are found the way a user finds them, by scanning
(`blec scan --json`) and picking them by what they advertise, so the tests do not
repeat the default world's addresses.
"""
import argparse
import atexit
import backend_pass
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HEART_RATE = "0000180d-0000-1000-8000-00805f9b34fb"
BATTERY = "0000180f-0000-1000-8000-00805f9b34fb"
NUS_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
ABSENT = "12:34:56:78:9A:BC"

EXIT = {"ok": 0, "failure": 1, "usage": 2, "not_found": 3, "timeout": 4, "att": 5,
        "not_supported": 6, "unavailable": 7, "connection": 8, "pairing": 9, "world": 10,
        "interrupted": 130}

COMMANDS = ["scan", "info", "services", "read", "write", "notify", "pair", "unpair", "record",
            "shell", "help"]


class Skip(Exception):
    pass


class Blec:
    def __init__(self, path, emulator, man, worlds, backend="virtual"):
        self.path = path
        self.emulator = emulator
        self.man = man
        self.worlds = worlds
        self.backend = backend
        self.env = dict(os.environ)
        for var in ("BLEC_WORLD", "BLEC_LOG"):
            self.env.pop(var, None)
        self.env["BLEC_BACKEND"] = backend
        # Never the machine's system bus (the bluez backend and the default rule look there).
        self.env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=/nonexistent/blec-test-no-system-bus"
        # A private bond store per test: bonds persist between the commands of one test
        # (as the OS's do), never between tests or into the user's own store.
        self.tmp = tempfile.mkdtemp(prefix="blec-cli-")
        atexit.register(shutil.rmtree, self.tmp, True)
        self.env["BLEC_BOND_STORE"] = os.path.join(self.tmp, "bonds")
        # A private state directory too: `blec shell` keeps its history there.
        self.env["XDG_STATE_HOME"] = os.path.join(self.tmp, "state")
        self.env.pop("BLEC_SHELL_HISTORY", None)
        self._scan = None

    def argv(self, args):
        return self.emulator + [self.path] + list(args)

    def virtual_only(self, why):
        """Ends a test that is about the virtual backend itself (a skip on winrt)."""
        if self.backend != "virtual":
            raise Skip(f"{why}: the virtual backend's own behaviour")

    def run(self, *args, timeout=90, env=None):
        # On another backend a world file reaches its simulated OS stack another way.
        args, env = backend_pass.command(self.backend, list(args), dict(env or self.env))
        p = subprocess.run(self.argv(args), capture_output=True, timeout=timeout, env=env)
        # Windows programs (under an emulator) write text with CRLF line ends.
        out = p.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n")
        err = p.stderr.decode("utf-8", errors="replace").replace("\r\n", "\n")
        print(f"$ blec {' '.join(args)}\n  -> exit {p.returncode}")
        if err.strip():
            print("  stderr: " + err.strip().replace("\n", "\n          "))
        backend_pass.check_claimed(self.backend, args, p.returncode, out + err)
        return p.returncode, out, err

    def expect(self, code, *args, **kw):
        rc, out, err = self.run(*args, **kw)
        if rc != code:
            raise AssertionError(f"blec {' '.join(args)}: exit {rc}, expected {code}\n"
                                 f"stdout:\n{out}\nstderr:\n{err}")
        return out, err

    def json_lines(self, code, *args, **kw):
        out, err = self.expect(code, *args, "--json", **kw)
        objs = []
        for n, line in enumerate(out.splitlines(), 1):
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                raise AssertionError(f"line {n} of --json output is not JSON ({e}): {line!r}")
        return objs, err

    def world(self, name):
        return os.path.join(self.worlds, name)

    # ---- the default world, as a scan shows it ----
    def scan(self):
        if self._scan is None:
            objs, _ = self.json_lines(0, "scan", "--timeout", "3")
            self._scan = {o["address"]: o for o in objs if o["event"] in ("new", "update")}
        return self._scan

    def device_with_service(self, uuid):
        for addr, o in self.scan().items():
            if uuid in o["service_uuids"] and o["connectable"]:
                return addr
        raise AssertionError(f"no connectable device of the default world advertises {uuid}; "
                             f"seen: {sorted(self.scan())}")

    def heart_rate(self):
        return self.device_with_service(HEART_RATE)

    def uart(self):
        return self.device_with_service(NUS_SERVICE)

    def services(self, addr):
        objs, _ = self.json_lines(0, "services", addr)
        return objs

    def services_in(self, addr, world):
        objs, _ = self.json_lines(0, "services", addr, "--world", world)
        return objs


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def find_char(tree, uuid):
    for o in tree:
        if o.get("type") == "characteristic" and o["uuid"] == uuid:
            return o
    raise AssertionError(f"no characteristic {uuid} in the services output")


def error_line(objs):
    errs = [o for o in objs if o.get("event") == "error"]
    check(len(errs) == 1, f"expected one error line, got {objs}")
    return errs[0]


# ---------------------------------------------------------------------------------------
# help, version, man page
# ---------------------------------------------------------------------------------------

def test_version(b):
    out, _ = b.expect(0, "--version")
    check(re.match(r"blec \d+\.\d+\.\d+ \(library \d+\.\d+\.\d+\)", out), f"version line: {out!r}")


def test_help_general(b):
    out, _ = b.expect(0, "--help")
    for c in COMMANDS:
        check(re.search(rf"^  {c} ", out, re.M), f"--help does not list the command {c}")
    for code in EXIT.values():
        check(re.search(rf"^\s+{code}  ", out, re.M), f"--help does not list exit code {code}")
    out2, _ = b.expect(0, "help")
    check(out == out2, "'blec help' differs from 'blec --help'")
    out3, _ = b.expect(0, "-h")
    check(out == out3, "'blec -h' differs from 'blec --help'")


def test_help_every_command(b):
    for c in COMMANDS:
        out, err = b.expect(0, c, "--help")
        check(out.startswith(f"Usage: blec {c} "), f"blec {c} --help starts {out[:40]!r}")
        check(err == "", f"blec {c} --help wrote to stderr: {err!r}")
        out2, _ = b.expect(0, "help", c)
        check(out == out2, f"'blec help {c}' differs from 'blec {c} --help'")
    # --help wins over missing arguments
    out, _ = b.expect(0, "read", "--help")
    check("ADDR CHAR" in out, "read --help shows its arguments")


def test_man_page(b):
    if not b.man:
        raise Skip("no man page in this build (cross build without an emulator)")
    with open(b.man, encoding="utf-8") as f:
        man = f.read()
    check(man.startswith(".\\\" SPDX-License-Identifier: MIT"), "man page header")
    check(".TH BLEC 1" in man, "man page .TH")
    for sect in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", '"EXIT STATUS"',
                 "ENVIRONMENT"):
        check(f".SH {sect}" in man, f"man page lacks section {sect}")
    for c in COMMANDS:
        check(f".SS \"{c}" in man, f"man page lacks command {c}")
    # every option that --help shows is in the man page (same table)
    out, _ = b.expect(0, "--help")
    opts = set(re.findall(r"--([a-z-]+)", out))
    for c in COMMANDS:
        o, _ = b.expect(0, c, "--help")
        opts |= set(re.findall(r"--([a-z][a-z-]+)", o))
    for o in sorted(opts):
        check("\\-\\-" + o.replace("-", "\\-") in man, f"man page lacks --{o}")
    for code in EXIT.values():
        check(f".B {code}\n" in man, f"man page lacks exit code {code}")


# ---------------------------------------------------------------------------------------
# bad command lines: exit 2, a precise message, nothing on stdout
# ---------------------------------------------------------------------------------------

BAD = [
    ([], "no command given"),
    (["sacn"], "did you mean 'scan'"),
    (["scan", "--jsno"], "did you mean '--json'"),
    (["scan", "--timeout"], "needs a value"),
    (["scan", "--timeout", "abc"], "number of seconds"),
    (["scan", "--timeout", "-1"], "number of seconds"),
    (["scan", "--timeout", "1e9"], "number of seconds"),
    (["scan", "--rssi-min", "-300"], "-127 to 20"),
    (["scan", "--service", "xyz"], "needs a UUID"),
    (["scan", "--json=yes"], "takes no value"),
    (["scan", "--timeout", "1", "--timeout", "2"], "more than once"),
    (["scan", "extra"], "unexpected argument"),
    (["scan", "--text", "x"], "does not apply to scan"),
    (["scan", "-q"], "unknown option '-q'"),
    (["info"], "missing ADDR"),
    (["info", "AA:BB:CC"], "not a device address"),
    (["info", "GG:BB:CC:DD:EE:FF"], "not a device address"),
    (["read", "AA:BB:CC:DD:EE:FF"], "missing CHAR"),
    (["read", "AA:BB:CC:DD:EE:FF", "nope"], "neither a UUID"),
    (["read", "AA:BB:CC:DD:EE:FF", "#0"], "not a handle"),
    (["read", "AA:BB:CC:DD:EE:FF", "#70000"], "not a handle"),
    (["read", "AA:BB:CC:DD:EE:FF", "2a19", "--timeout", "0"], "more than 0"),
    (["read", "AA:BB:CC:DD:EE:FF", "2a19", "--protection", "encryption"], "add --pair"),
    (["read", "AA:BB:CC:DD:EE:FF", "2a19", "--pair=strong"], "none, encryption or authentication"),
    (["read", "AA:BB:CC:DD:EE:FF", "2a19", "--pair", "encryption", "--protection", "none"],
     "different levels"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39"], "missing the value"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "0"], "odd number"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "0x"], "not followed by hexadecimal"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "zz"], "not a hexadecimal digit"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "00" * 513], "more than 512 bytes"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "01", "--text", "x"], "not both"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "--text", "bad\\q"], "unknown escape"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "--text", "x\\"], "lone backslash"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "--text", "\\x4"], "two hexadecimal digits"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "01", "--count", "2"], "only with --listen"),
    (["write", "AA:BB:CC:DD:EE:FF", "2a39", "01", "--listen", "zz"], "neither a UUID"),
    (["notify", "AA:BB:CC:DD:EE:FF", "2a37", "--count", "0"], "whole number"),
    (["notify", "AA:BB:CC:DD:EE:FF", "2a37", "--count", "x"], "whole number"),
    (["pair", "AA:BB:CC:DD:EE:FF", "--protection", "maximum"], "none, encryption or authentication"),
    (["pair", "AA:BB:CC:DD:EE:FF", "--pair"], "does not apply to pair"),
    (["unpair", "AA:BB:CC:DD:EE:FF", "--protection", "none"], "does not apply to unpair"),
    (["help", "nope"], "no command 'nope'"),
    (["scan", "--version"], "--version goes before"),
    (["--passive"], "belongs after a command"),
    (["scan", "--world", "w", "--backend", "winrt"], "needs the virtual backend"),
    (["read", "AA:BB:CC:DD:EE:FF", "2a19", "--connect-timeout", "0"], "more than 0"),
]


def test_bad_arguments(b):
    for args, phrase in BAD:
        rc, out, err = b.run(*args)
        check(rc == 2, f"blec {' '.join(args)}: exit {rc}, expected 2 (usage)")
        check(out == "", f"blec {' '.join(args)}: wrote to stdout on a usage error: {out!r}")
        check(err.startswith("blec: "), f"blec {' '.join(args)}: message {err!r}")
        check(phrase in err, f"blec {' '.join(args)}: message {err!r} lacks {phrase!r}")
        check("Try 'blec" in err, f"blec {' '.join(args)}: no pointer to --help in {err!r}")


def test_bad_arguments_binary_junk(b):
    # Arguments that are not text must be refused, not crash.
    for args in (["\x01\x02"], ["scan", "--\x7f"], ["read", "\xff" * 17, "2a19"],
                 ["write", "AA:BB:CC:DD:EE:FF", "2a39", "--text", "\\x"]):
        rc, _, err = b.run(*args)
        check(rc == 2, f"blec {args!r}: exit {rc}, expected 2; {err!r}")


# ---------------------------------------------------------------------------------------
# scan
# ---------------------------------------------------------------------------------------

def test_scan_json(b):
    objs, _ = b.json_lines(0, "scan", "--timeout", "2")
    check(objs and objs[-1]["event"] == "summary", "the last line is the summary")
    summary = objs[-1]
    live = objs[:-1]
    check(all(o["event"] in ("new", "update") for o in live), "only new/update before the summary")
    new = [o["address"] for o in live if o["event"] == "new"]
    check(len(new) == len(set(new)), "a device is new only once")
    check(summary["devices"] == len(new), f"summary counts {summary['devices']}, {len(new)} new")
    check(sorted(summary["addresses"]) == sorted(new), "summary lists the devices seen")
    check(len(new) >= 2, f"the default world shows several devices, got {new}")
    check(summary["mode"] == "active" and summary["interrupted"] is False, "summary fields")
    for o in live:
        check(re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", o["address"]), f"address {o['address']}")
        check(isinstance(o["rssi"], int) and -127 <= o["rssi"] <= 20, f"rssi {o['rssi']}")
        check(o["address_type"] in ("public", "random"), "address_type")
        for key in ("name", "connectable", "tx_power", "appearance", "service_uuids", "services",
                    "manufacturer_data", "service_data", "description", "time_s"):
            check(key in o, f"scan line lacks {key}: {o}")
    hr = [o for o in live if HEART_RATE in o["service_uuids"]]
    check(hr, "a device advertises Heart Rate")
    check("Heart Rate" in hr[-1]["services"], "the service is named in words")
    check("Heart Rate" in hr[-1]["description"], "the description says Heart Rate")


def test_default_backend_without_bluetoothd_says_so_in_one_line(b):
    """No BLEC_BACKEND, a system bus (private) on which nobody owns org.bluez: the CLI says
    so in one line on stderr and scans the virtual world."""
    b.virtual_only("the default-backend rule of Linux")
    if b.emulator or not sys.platform.startswith("linux"):
        raise Skip("the default-backend rule of Linux (bluez when org.bluez answers)")
    here = os.path.dirname(os.path.abspath(__file__))
    private_bus = os.path.join(here, "..", "..", "scripts", "private-bus.sh")
    env = dict(b.env)
    env.pop("BLEC_BACKEND", None)
    env.pop("DBUS_SYSTEM_BUS_ADDRESS", None)  # private-bus.sh sets its own
    args = ["scan", "--timeout", "1"]
    p = subprocess.run(["bash", private_bus] + b.argv(args), capture_output=True, timeout=90, env=env)
    out = p.stdout.decode("utf-8", errors="replace")
    err = p.stderr.decode("utf-8", errors="replace")
    print(f"$ private-bus.sh blec {' '.join(args)}\n  -> exit {p.returncode}\n  stderr: {err.strip()}")
    check(p.returncode == 0, f"exit {p.returncode}; stderr: {err}")
    notes = [line for line in err.splitlines() if "virtual world" in line]
    check(len(notes) == 1, f"one line says the virtual world is used: {err!r}")
    check(notes[0].startswith("blec: ") and "org.bluez" in notes[0], f"it names org.bluez: {notes[0]!r}")
    check(re.search(r"^\[NEW\] ", out, re.M), f"the virtual world was scanned: {out!r}")


def test_scan_human(b):
    out, err = b.expect(0, "scan", "--timeout", "2")
    check("Scanning (active) for 2.0 s" in err, f"scan announces itself on stderr: {err!r}")
    news = re.findall(r"^\[NEW\] (([0-9A-F]{2}:){5}[0-9A-F]{2}) +-?\d+ dBm", out, re.M)
    check(len(news) >= 2, f"[NEW] lines: {out}")
    m = re.search(r"^Active scan finished after \d+\.\d s: (\d+) devices? \((\d+) connectable\)\.$",
                  out, re.M)
    check(m, f"summary line in {out}")
    check(int(m.group(1)) == len(news), "the summary counts the [NEW] lines")
    check("Heart Rate" in out, "Heart Rate appears in words")


def test_scan_filters(b):
    objs, _ = b.json_lines(0, "scan", "--timeout", "2", "--service", "180d")
    live = [o for o in objs if o["event"] != "summary"]
    check(live, "--service 180d finds the heart-rate sensor")
    check(all(HEART_RATE in o["service_uuids"] for o in live), "--service keeps only 180d")

    hr = b.heart_rate()
    name = b.scan()[hr]["name"]
    check(name, "the heart-rate sensor has a name")
    part = name[1:4].swapcase()
    objs, _ = b.json_lines(0, "scan", "--timeout", "2", "--name", part)
    live = [o for o in objs if o["event"] != "summary"]
    check(any(o["address"] == hr for o in live), f"--name {part!r} finds {name!r}")
    check(all(o["name"] and part.lower() in o["name"].lower() for o in live), "--name filters")

    objs, _ = b.json_lines(0, "scan", "--timeout", "1", "--rssi-min", "20")
    check(objs[-1]["devices"] == 0, "--rssi-min 20 leaves nothing")

    objs, _ = b.json_lines(0, "scan", "--timeout", "2", "--passive")
    check(objs[-1]["mode"] == "passive", "passive summary")
    check(objs[-1]["devices"] >= 1, "a passive scan sees devices")


HOSTILE = "C0:FF:EE:0B:AD:01"
HOSTILE_ESCAPED = "ok\\e]0;pwned\\x07\\rX\\u009b2J\\\\"


def check_no_controls(text, what):
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n") or 0x7f <= ord(c) <= 0x9f]
    check(not bad, f"{what} prints control characters raw: {bad!r} in {text!r}")


def test_info_shows_the_scan_response(b):
    bulb = None
    for addr, o in b.scan().items():
        if o["name"] == "Smart Bulb":
            bulb = addr
    check(bulb, "the default world's bulb is seen by an active scan")
    out, _ = b.expect(0, "info", bulb)
    check("Name:              Smart Bulb" in out, f"the name from the scan response: {out}")
    out, _ = b.expect(0, "info", b.heart_rate())
    check("TX power:" in out and "Appearance:" in out, f"TX power and appearance: {out}")


def test_missing_world_file_has_one_exit_code(b):
    b.virtual_only("world files loaded by blec")
    missing = os.path.join(tempfile.gettempdir(), "blec-no-such-dir", "none.world")
    objs, err = b.json_lines(10, "scan", "--world", missing, "--timeout", "1")
    check(error_line(objs)["action"] == "load world", f"{objs}")
    env = dict(b.env, BLEC_WORLD=missing)
    objs, err2 = b.json_lines(10, "scan", "--timeout", "1", env=env)
    e = error_line(objs)
    check(e["action"] == "load world" and e["exit_code"] == 10, f"{e}")
    check("cannot load world file" in err2, err2)


def test_names_are_printed_escaped(b):
    world = b.world("hostile-names.world")
    out, _ = b.expect(0, "scan", "--world", world, "--timeout", "1")
    check_no_controls(out, "scan")
    check(HOSTILE_ESCAPED in out, f"scan shows the escaped name {HOSTILE_ESCAPED!r}: {out!r}")
    out, _ = b.expect(0, "info", HOSTILE, "--world", world)
    check_no_controls(out, "info")
    check(out.count(HOSTILE_ESCAPED) >= 2, f"info shows both names escaped: {out!r}")
    out, _ = b.expect(0, "services", HOSTILE, "--world", world)
    check_no_controls(out, "services")
    check(HOSTILE_ESCAPED in out, f"services shows the escaped names: {out!r}")
    out, _ = b.expect(0, "read", HOSTILE, "2a00", "--world", world)
    check_no_controls(out, "read")
    # JSON keeps the name exact (escaped the JSON way, C1 included).
    objs, _ = b.json_lines(0, "scan", "--world", world, "--timeout", "1")
    check(objs[0]["name"] == "ok\x1b]0;pwned\x07\rX\u009b2J\\", f"JSON name {objs[0]['name']!r}")
    rc, out, err = b.run("scan", "--world", world, "--timeout", "1", "--json")
    check("\\u009b" in out, "JSON writes the C1 control as \\u009b")


def test_sub_millisecond_timeouts_end(b):
    """--timeout between 0 and 1 ms is a short limit, not 'for ever' (0 alone is)."""
    started = time.monotonic()
    objs, _ = b.json_lines(0, "scan", "--timeout", "0.0004", timeout=30)
    check(objs[-1]["event"] == "summary", f"the scan ends: {objs[-1:]}")
    hr = b.heart_rate()
    objs, _ = b.json_lines(0, "notify", hr, "2a37", "--timeout", "0.0001", timeout=30)
    check(objs[-1]["event"] == "end" and objs[-1]["reason"] == "timeout", f"{objs[-1:]}")
    check(time.monotonic() - started < 30, "both ended quickly")


def test_scan_interrupt(b):
    if os.name != "posix":
        raise Skip("sending SIGINT needs POSIX")
    p = subprocess.Popen(b.argv(["scan", "--timeout", "0", "--json"]), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=b.env)
    first = p.stdout.readline()
    check(json.loads(first)["event"] == "new", f"first line {first!r}")
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    lines = [json.loads(x) for x in out.decode().replace("\r\n", "\n").splitlines()]
    check(p.returncode == 130, f"exit {p.returncode} after SIGINT, expected 130; {err!r}")
    check(lines and lines[-1]["event"] == "summary" and lines[-1]["interrupted"] is True,
          "the summary says interrupted")


# ---------------------------------------------------------------------------------------
# info, services, read
# ---------------------------------------------------------------------------------------

def test_info(b):
    hr = b.heart_rate()
    objs, _ = b.json_lines(0, "info", hr)
    check(len(objs) == 1 and objs[0]["event"] == "info", f"info output {objs}")
    o = objs[0]
    check(o["address"] == hr and o["connected"] is True, "info connected")
    check(o["mtu"] >= 23, f"mtu {o['mtu']}")
    check(o["max_write_without_response"] == o["mtu"] - 3, "max write = mtu - 3")
    uuids = [s["uuid"] for s in o["gatt_services"]]
    check(HEART_RATE in uuids, f"gatt services {uuids}")
    out, _ = b.expect(0, "info", hr.lower())
    check(f"Device {hr}" in out and "MTU:" in out and "Heart Rate" in out, f"human info: {out}")


def test_services(b):
    hr = b.heart_rate()
    tree = b.services(hr)
    check(tree[0]["type"] == "device" and tree[0]["address"] == hr, "first line is the device")
    kinds = {o["type"] for o in tree}
    check(kinds == {"device", "service", "characteristic", "descriptor"}, f"types {kinds}")
    check(tree[0]["services"] == sum(o["type"] == "service" for o in tree), "service count")
    hrm = find_char(tree, "00002a37-0000-1000-8000-00805f9b34fb")
    check("notify" in hrm["properties"], f"HRM properties {hrm['properties']}")
    check(hrm["description"] == "Heart Rate Measurement", hrm["description"])
    cccd = [o for o in tree if o["type"] == "descriptor" and o["characteristic_handle"] == hrm["handle"]
            and o["uuid"].startswith("00002902")]
    check(cccd and cccd[0]["decoded"] == "notifications off, indications off", f"CCCD {cccd}")
    name = find_char(tree, "00002a00-0000-1000-8000-00805f9b34fb")
    check(name["decoded"] and name["decoded"].startswith('"'), f"device name decoded {name}")
    check(name["text"] == name["decoded"].strip('"'), "text and decoded agree")
    for o in tree:
        if o["type"] == "characteristic" and "read" in o["properties"]:
            check(o.get("value") is not None or "error" in o, f"readable value shown: {o}")
    out, _ = b.expect(0, "services", hr)
    check(out.startswith(f"Device {hr}"), "human header")
    check("[Service] Heart Rate (180d, handle " in out, "human service line")
    check("[Characteristic] Heart Rate Measurement (2a37, handle " in out, "human characteristic")
    check("[Descriptor] " in out, "human descriptor")


def test_read(b):
    hr = b.heart_rate()
    tree = b.services(hr)
    batt = None
    for o in tree:
        if o["type"] == "characteristic" and o["uuid"].startswith("00002a19") and "read" in o["properties"]:
            batt = o
    if batt is None:
        raise AssertionError("the heart-rate sensor of the default world has a battery level")
    objs, _ = b.json_lines(0, "read", hr, "2a19")
    o = objs[0]
    check(o["event"] == "read" and o["handle"] == batt["handle"], f"read {o}")
    check(re.fullmatch(r"\d+ %", o["decoded"]), f"battery decoded {o['decoded']}")
    check(int(o["value"], 16) == int(o["decoded"].split()[0]), "value and decoded agree")
    # the same characteristic by handle and by every UUID form
    for spec in (f"#{batt['handle']}", f"handle:{batt['handle']}", f"h{batt['handle']}",
                 f"#0x{batt['handle']:x}", "0x2A19", "00002a19", batt["uuid"],
                 "{" + batt["uuid"].upper() + "}"):
        objs2, _ = b.json_lines(0, "read", hr, spec)
        check(objs2[0]["handle"] == batt["handle"], f"{spec} names handle {batt['handle']}")
    out, _ = b.expect(0, "read", hr, "2a19")
    check(re.fullmatch(r"Battery Level \(2a19, handle \d+\): \d+ %  \[[0-9a-f]{2}\]\n", out), repr(out))


def test_read_characteristic_not_found(b):
    hr = b.heart_rate()
    rc, out, err = b.run("read", hr, "2a99")
    check(rc == 3, f"exit {rc}, expected 3 (not found)")
    check(f"blec services {hr}" in err, f"the message says what to try: {err!r}")
    rc, out, err = b.run("read", hr, "#65000")
    check(rc == 3, f"unknown handle: exit {rc}, expected 3")
    objs, _ = b.json_lines(3, "read", hr, "2a99")
    e = error_line(objs)
    check(e["status"] == "BLEC_ERR_CHARACTERISTIC_NOT_FOUND" and e["exit_code"] == 3, f"{e}")


def test_device_not_found(b):
    t0 = time.monotonic()
    rc, out, err = b.run("read", ABSENT, "2a19", "--connect-timeout", "1")
    check(rc == 3, f"exit {rc}, expected 3 (not found)")
    check("blec scan" in err, f"the message suggests a scan: {err!r}")
    check(time.monotonic() - t0 < 20, "--connect-timeout 1 is honoured")
    objs, _ = b.json_lines(3, "info", ABSENT, "--timeout", "1")
    check(error_line(objs)["status"] == "BLEC_ERR_DEVICE_NOT_FOUND", f"{objs}")


# ---------------------------------------------------------------------------------------
# notify, write
# ---------------------------------------------------------------------------------------

def test_notify_count_3(b):
    hr = b.heart_rate()
    objs, err = b.json_lines(0, "notify", hr, "2a37", "--count", "3")
    notes = [o for o in objs if o["event"] == "notification"]
    check(len(notes) == 3, f"3 notifications, got {len(notes)}: {objs}")
    check([o["index"] for o in notes] == [1, 2, 3], "indexes 1..3")
    for o in notes:
        check(re.match(r"\d+ bpm", o["decoded"] or ""), f"decoded bpm: {o}")
        check(o["uuid"] == "00002a37-0000-1000-8000-00805f9b34fb", o["uuid"])
    check(objs[-1] == {"event": "end", "received": 3, "reason": "count"}, f"end line {objs[-1]}")
    out, err = b.expect(0, "notify", hr, "2a37", "--count", "3")
    lines = out.splitlines()
    check(len(lines) == 3 and all(re.search(r"Heart Rate Measurement: \d+ bpm", x) for x in lines),
          f"human notifications: {out!r}")
    check("Subscribed to Heart Rate Measurement" in err and "Received 3 values (count)" in err, err)


def test_notify_timeout(b):
    hr = b.heart_rate()
    objs, _ = b.json_lines(4, "notify", hr, "2a37", "--count", "100000", "--timeout", "1")
    check(objs[-2]["event"] == "end" and objs[-2]["reason"] == "timeout", f"{objs[-2:]}")
    check(error_line(objs)["status"] == "BLEC_ERR_TIMEOUT", "timeout error line")
    # without --count, the time running out is the normal end
    objs, _ = b.json_lines(0, "notify", hr, "2a37", "--timeout", "1")
    check(objs[-1]["event"] == "end" and objs[-1]["reason"] == "timeout", f"{objs[-1]}")


def test_notify_not_supported(b):
    hr = b.heart_rate()
    name = find_char(b.services(hr), "00002a00-0000-1000-8000-00805f9b34fb")
    rc, out, err = b.run("notify", hr, f"#{name['handle']}")
    check(rc == 6, f"notify on the device name: exit {rc}, expected 6 (not supported)")
    check("neither notify nor indicate" in err, err)
    check(f"blec services {hr}" in err and "another backend" not in err,
          f"the hint is about the characteristic, not the backend: {err!r}")


def test_notify_interrupt(b):
    if os.name != "posix":
        raise Skip("sending SIGINT needs POSIX")
    hr = b.heart_rate()
    p = subprocess.Popen(b.argv(["notify", hr, "2a37", "--json"]), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=b.env)
    first = json.loads(p.stdout.readline())
    check(first["event"] == "notification", f"first line {first}")
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 130, f"exit {p.returncode} after SIGINT, expected 130; {err!r}")
    last = json.loads(out.decode().replace("\r\n", "\n").splitlines()[-1])
    check(last["event"] == "end" and last["reason"] == "interrupted", f"{last}")


def test_write_uart_echo(b):
    dev = b.uart()
    objs, _ = b.json_lines(0, "write", dev, NUS_RX, "--text", "hello\\n", "--listen", NUS_TX)
    check(objs[0]["event"] == "write" and objs[0]["value"] == "68656c6c6f0a", f"{objs[0]}")
    check(objs[0]["bytes"] == 6, "6 bytes")
    notes = [o for o in objs if o["event"] == "notification"]
    check(len(notes) == 1 and notes[0]["value"] == "68656c6c6f0a", f"echo {notes}")
    check(notes[0]["text"] == "hello\n", "echo text")
    check(objs[-1] == {"event": "end", "received": 1, "reason": "count"}, f"{objs[-1]}")
    out, _ = b.expect(0, "write", dev, NUS_RX, "01 02 ff", "--listen", NUS_TX, "--count", "1")
    check("Wrote 3 bytes to " in out and "01 02 ff" in out, f"human: {out!r}")


def test_write(b):
    dev = b.uart()
    objs, _ = b.json_lines(0, "write", dev, NUS_RX, "0x414243")
    check(objs[0]["event"] == "write" and objs[0]["value"] == "414243", f"{objs}")
    objs, _ = b.json_lines(0, "write", dev, NUS_RX, "41:42", "--no-response")
    check(objs[0]["with_response"] is False, f"{objs}")
    out, _ = b.expect(0, "write", dev, NUS_RX, "--text", "")
    check("Wrote 0 bytes" in out, out)


def test_write_refused_without_a_write_property(b):
    hr = b.heart_rate()
    objs, err = b.json_lines(6, "write", hr, "2a38", "02")
    e = error_line(objs)
    check(e["status"] == "BLEC_ERR_NOT_SUPPORTED", f"{e}")
    check("properties are read" in e["message"], f"the message names the properties: {e}")
    check(f"blec services {hr}" in e["hint"], f"the hint leads to what the device allows: {e}")
    objs, _ = b.json_lines(0, "read", hr, "2a38")
    check(objs[0]["value"] == "01", f"the value stays 01: {objs[0]}")


def test_write_without_response_too_long_says_the_limit(b):
    dev = b.uart()
    big = "aa" * 300
    objs, err = b.json_lines(2, "write", dev, NUS_RX, big, "--no-response")
    e = error_line(objs)
    check(e["status"] == "BLEC_ERR_INVALID_ARG", f"{e}")
    check(re.search(r"at most \d+ bytes", e["message"]) and "the value has 300" in e["message"],
          f"the message gives the limit and the size: {e}")
    check("the value has 300" in err, f"stderr says it too: {err!r}")


DESC_DEV = "C0:FF:EE:0D:E5:01"
DESC_CHR = "5d000002-0000-4000-8000-00805f9b34fb"
DESC_RW = "5d0000aa-0000-4000-8000-00805f9b34fb"


def test_descriptor_read_and_write(b):
    world = b.world("descriptors.world")
    objs, _ = b.json_lines(0, "read", DESC_DEV, DESC_CHR, "--descriptor", "2901", "--world", world)
    r = objs[0]
    check(r["attribute"] == "descriptor" and r["text"] == "Seven", f"{r}")
    objs, _ = b.json_lines(0, "write", DESC_DEV, DESC_CHR, "--descriptor", DESC_RW, "0a0b",
                           "--world", world)
    check(objs[0]["attribute"] == "descriptor" and objs[0]["with_response"] is True, f"{objs}")
    # Named by its handle alone (each command starts the world afresh: the value read is
    # the file's, not the one written above).
    tree = b.services_in(DESC_DEV, world)
    rw = [o for o in tree if o.get("type") == "descriptor" and o["uuid"] == DESC_RW][0]
    objs, _ = b.json_lines(0, "read", DESC_DEV, f"#{rw['handle']}", "--world", world)
    check(objs[0]["attribute"] == "descriptor" and objs[0]["uuid"] == DESC_RW, f"{objs}")
    out, _ = b.expect(0, "read", DESC_DEV, DESC_CHR, "--descriptor", "2901", "--world", world)
    check(out.startswith("Descriptor Characteristic User Description") and '"Seven"' in out, out)
    # The CCCD belongs to notify; a descriptor the characteristic lacks is not found.
    objs, err = b.json_lines(2, "write", DESC_DEV, DESC_CHR, "--descriptor", "2902", "0100",
                             "--world", world)
    check("start_notify" in error_line(objs)["message"], f"{objs}")
    objs, _ = b.json_lines(3, "read", DESC_DEV, DESC_CHR, "--descriptor", "2904", "--world", world)
    check(error_line(objs)["status"] == "BLEC_ERR_DESCRIPTOR_NOT_FOUND", f"{objs}")


def test_scan_all_prints_every_advertisement(b):
    objs, _ = b.json_lines(0, "scan", "--timeout", "2")
    plain = [o for o in objs if o["event"] != "summary"]
    objs, _ = b.json_lines(0, "scan", "--timeout", "2", "--all")
    every = [o for o in objs if o["event"] != "summary"]
    check(any(o["event"] == "adv" for o in every), "--all prints unchanged advertisements")
    check(len(every) > 2 * len(plain), f"--all: {len(every)} lines, without: {len(plain)}")
    hr = b.heart_rate()
    packets = {o["packet"] for o in every if o["address"] == hr}
    check({"ADV_IND", "SCAN_RSP"} <= packets, f"both packets of the sensor: {packets}")
    out, _ = b.expect(0, "scan", "--timeout", "1", "--all")
    check("[ADV] " in out, out)


def test_json_keys_are_stable(b):
    """Every line of a kind has the same keys, present with null when absent."""
    def same_keys(lines, what):
        keys = {tuple(sorted(o)) for o in lines}
        check(len(keys) == 1, f"{what}: lines of one kind with different keys: {keys}")
        return set(keys.pop())
    objs, _ = b.json_lines(0, "scan", "--timeout", "2")
    live = [o for o in objs if o["event"] != "summary"]
    keys = same_keys(live, "scan")
    check({"tx_power", "appearance", "appearance_name", "name", "packet"} <= keys, f"{keys}")
    lock = device_named(b, "Smart Lock")
    tree = b.services(lock)
    for kind in ("service", "characteristic", "descriptor"):
        keys = same_keys([o for o in tree if o.get("type") == kind], kind)
        if kind != "service":
            check({"value", "decoded", "text", "error"} <= keys, f"{kind}: {keys}")
    failed = [o for o in tree if o.get("type") == "characteristic" and o["error"]]
    check(failed and set(failed[0]["error"]) == {"status", "att_error", "att_error_name", "message"},
          f"the error object: {failed}")
    errors = []
    for args, code in ((["read", lock, LOCK_STATE], 5), (["read", ABSENT, "2a19", "--timeout", "1"], 3),
                       (["scan", "--world", "/nonexistent/x.world"], 10)):
        objs, _ = b.json_lines(code, *args)
        errors.append(error_line(objs))
    same_keys(errors, "error lines")
    check(all(e["message"] and e["hint"] is not None for e in errors), f"{errors}")
    objs, _ = b.json_lines(0, "info", "C0:FF:EE:00:00:07", "--no-scan")
    objs2, _ = b.json_lines(0, "info", b.heart_rate())
    check(set(objs[0]) == set(objs2[0]), f"info keys: {set(objs[0]) ^ set(objs2[0])}")


ADV_KEYS = ("address", "address_type", "name", "connectable", "tx_power", "appearance",
            "service_uuids", "manufacturer_data", "service_data", "adv_data",
            "scan_response_data")


def test_record_replays_every_device_of_the_default_world(b):
    """`blec record` each device; the replay advertises, offers and answers the same."""
    devices = sorted(b.scan())
    check(len(devices) == 6, f"the six advertising devices: {devices}")
    devices.append("C0:FF:EE:00:00:07")  # connected elsewhere: recorded without a scan
    for addr in devices:
        path = os.path.join(b.tmp, addr.replace(":", "") + ".world")
        hidden = addr == "C0:FF:EE:00:00:07"
        extra = ["--no-scan"] if hidden else []
        objs, _ = b.json_lines(0, "record", addr, "-o", path, *extra)
        rec = objs[-1]
        check(rec["event"] == "recorded" and rec["file"] == path, f"{rec}")
        check(rec["advertisement"] is not hidden, f"{rec}")
        if not hidden:
            orig, _ = b.json_lines(0, "info", addr)
            replay, _ = b.json_lines(0, "info", addr, "--world", path)
            for key in ADV_KEYS:
                check(orig[0][key] == replay[0][key],
                      f"{addr} {key}: original {orig[0][key]!r}, replay {replay[0][key]!r}")
        if hidden or orig[0]["connectable"]:
            tree = b.json_lines(0, "services", addr, *extra)[0]
            again = b.json_lines(0, "services", addr, "--world", path, *extra)[0]
            check(tree == again, f"{addr}: the replayed tree differs:\n{tree}\n{again}")
    # A protected value: recorded with its security (the replay asks for pairing too),
    # or with its value when recorded paired.
    lock = device_named(b, "Smart Lock")
    path = os.path.join(b.tmp, "lock.world")
    out, _ = b.expect(0, "record", lock, "-o", path)
    check("add --pair authentication" in out, out)
    b.expect(5, "read", lock, LOCK_STATE, "--world", path)
    objs, _ = b.json_lines(0, "read", lock, LOCK_STATE, "--world", path, "--pair", "authentication")
    check(objs[0]["value"] == "", f"recorded without its value: {objs}")
    b.expect(0, "record", lock, "-o", path, "--pair", "authentication")
    objs, _ = b.json_lines(0, "read", lock, LOCK_STATE, "--world", path)
    check(objs[0]["value"] == "01", f"recorded paired, with its value: {objs}")


def test_record_keeps_the_handles_of_a_database_with_gaps(b):
    """A device whose handles have gaps is replayed at the same handles, not renumbered."""
    world = b.world("gaps.world")
    addr = "C0:FF:EE:6A:95:01"
    path = os.path.join(b.tmp, "gaps-recorded.world")
    b.expect(0, "record", addr, "-o", path, "--world", world)
    tree = b.services_in(addr, world)
    again = b.services_in(addr, path)
    check(tree == again, f"the replayed tree differs:\n{tree}\n{again}")
    handles = sorted(o["handle"] for o in again if o.get("type") in ("service", "characteristic", "descriptor"))
    for h in (0x10, 0x12, 0x28, 0x30, 0x34, 0x36):
        check(h in handles, f"handle {h:#06x} kept: {handles}")
    with open(path) as f:
        text = f.read()
    check("service 180f handle:16" in text, text)
    check("handle:54" not in text, f"an implicit handle written explicitly: {text}")
    # Read by a handle the original had: the replay answers at the same one.
    objs, _ = b.json_lines(0, "read", addr, "#0x30", "--world", path)
    check(objs[0]["value"] == "0102", f"{objs}")


def test_record_reports_what_fails(b):
    objs, _ = b.json_lines(3, "record", ABSENT, "-o", os.path.join(b.tmp, "x.world"),
                           "--timeout", "1")
    check(error_line(objs)["status"] == "BLEC_ERR_DEVICE_NOT_FOUND", f"{objs}")
    rc, out, err = b.run("record", b.heart_rate())
    check(rc == 2 and "missing -o FILE" in err, err)
    objs, _ = b.json_lines(1 if os.name == "posix" else 1, "record", b.heart_rate(), "-o",
                           "/nonexistent-dir/x.world")
    check(error_line(objs)["status"] == "BLEC_ERR_IO", f"{objs}")


def test_uuid_names_file_names_vendor_uuids_everywhere(b):
    names = os.path.join(b.tmp, "names.txt")
    with open(names, "w") as f:
        f.write("# the smart lock's vendor UUIDs\n"
                "8d5b0001-2f3e-4c6a-9b1d-7e0f1a2b3c4d Lock Service\n"
                f"{LOCK_STATE} Lock State\n")
    lock = device_named(b, "Smart Lock")
    out, _ = b.expect(0, "services", lock, "--uuid-names", names)
    check("[Service] Lock Service (8d5b0001" in out and "Lock State (8d5b0002" in out, out)
    objs, _ = b.json_lines(0, "services", lock, "--uuid-names", names)
    check(any(o.get("description") == "Lock State" for o in objs), f"{objs}")
    out, _ = b.expect(0, "services", lock)
    check("Lock Service" not in out and "Unknown (8d5b0001" in out, "without the file: no name")
    with open(names, "w") as f:
        f.write("fff1 Fine\nnot-a-uuid Bad\n")
    objs, err = b.json_lines(2, "services", lock, "--uuid-names", names)
    check("line 2" in error_line(objs)["message"], f"{objs}")
    objs, _ = b.json_lines(1, "services", lock, "--uuid-names", os.path.join(b.tmp, "none.txt"))
    check(error_line(objs)["status"] == "BLEC_ERR_IO", f"{objs}")


# ---------------------------------------------------------------------------------------
# shell
# ---------------------------------------------------------------------------------------

PIN_DEV = "C0:FF:EE:00:0F:01"


def shell_pipe(b, script, *args, code=0, env=None):
    p = subprocess.run(b.argv(["shell", *args]), input=script.encode(), capture_output=True,
                       timeout=90, env=env or b.env)
    out = p.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n")
    err = p.stderr.decode("utf-8", errors="replace").replace("\r\n", "\n")
    print(f"$ blec shell {' '.join(args)} <<< {script!r}\n  -> exit {p.returncode}\n{out}{err}")
    check(p.returncode == code, f"shell exit {p.returncode}, expected {code}; {err}")
    return out, err


def test_shell_scripted_from_a_pipe(b):
    hr = b.heart_rate()
    out, err = shell_pipe(b, f"scan 1\nconnect {hr}\nread 2a19\nread 2a38\nwrite 2a38 02\n"
                             "notify 2a37\nservices\nnotify 2a37 off\ninfo\ndisconnect\n")
    check("[blec]#" not in out, "no prompts from a pipe")
    check(f"Device {hr}" in out and f"Connected to {hr}" in out, out)
    check("Battery Level (2a19, handle" in out and "Body Sensor Location" in out, out)
    check("neither write nor write-without-response" in err, f"the write is refused: {err}")
    check("[Service] Heart Rate" in out and "Notifications off." in out, out)
    check(out.count(f"Connected to {hr}") == 1, "one connection for the whole session")
    # The exit status is the last command's; a command needing a connection says so.
    out, err = shell_pipe(b, "read 2a19\n", code=8)
    check("'connect ADDR' first" in err, err)
    out, err = shell_pipe(b, "bogus\n", code=2)
    check("no command 'bogus'" in err, err)
    # JSON Lines, and connecting at start with ADDR.
    out, _ = shell_pipe(b, "read 2a19\nconnect " + hr + "\n", hr, "--json")
    objs = [json.loads(x) for x in out.splitlines()]
    check([o["event"] for o in objs] == ["connected", "read", "connected"], f"{objs}")
    # A device that shows a PIN: `pair LEVEL PIN` answers it from a script.
    world = b.world("pin.world")
    out, err = shell_pipe(b, "pair authentication 246810\nread 8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d\n",
                          PIN_DEV, "--world", world)
    check("Paired with" in out and "(8d5b0002" in out, out + err)
    out, err = shell_pipe(b, "pair authentication\n", PIN_DEV, "--world", world, code=9)
    check("ProvidePin" in err and "from a terminal" in err, err)


class Terminal:
    """`blec` on a pseudo-terminal: what a user types and sees."""

    def __init__(self, b, *args, env=None):
        if os.name != "posix" or b.emulator:
            raise Skip("a pseudo-terminal needs POSIX and a native binary")
        import pty
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(b.path, [b.path, *args], env or b.env)
        self.buf = b""

    def expect(self, pattern, timeout=30):
        """Waits for the regular expression on the screen; returns what came with it."""
        import select
        end = time.monotonic() + timeout
        while not re.search(pattern.encode(), self.buf, re.S):
            left = end - time.monotonic()
            r, _, _ = select.select([self.fd], [], [], max(0.0, left))
            if not r:
                raise AssertionError(f"no {pattern!r} on the terminal; it shows:\n"
                                     f"{self.buf.decode(errors='replace')}")
            try:
                self.buf += os.read(self.fd, 4096)
            except OSError:
                break
        text, self.buf = self.buf.decode(errors="replace"), b""
        return text

    def send(self, keys):
        os.write(self.fd, keys.encode())

    def finish(self):
        """After 'quit': the exit status."""
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        os.close(self.fd)
        return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1

    def kill(self):
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.fd)
            self.pid = 0


def test_shell_on_a_terminal_edits_completes_and_recalls(b):
    t = Terminal(b, "shell")
    try:
        t.expect(r"\[blec\]# ")
        # Tab completes the command: "sca" + Tab + "1" runs "scan 1" (not "sca1").
        t.send("sca\t")
        t.send("1\n")
        t.expect(r"devices\.")
        t.send("connect C0:FF:EE:00:00:0\t")  # several addresses: nothing added
        t.send("1\n")
        t.expect(r"\[Heart Rate Sensor\]# ")
        t.send("read 2a1\t")                  # the device's characteristics complete: 2a19
        t.send("\n")
        t.expect(r"Battery Level .*\[Heart Rate Sensor\]# ")
        t.send("\x1b[A\n")                    # Up recalls the last line
        text = t.expect(r"Battery Level .*\[Heart Rate Sensor\]# ")
        check("read 2a19" in text, f"the line recalled: {text!r}")
        t.send("disconnect\n")
        t.expect(r"\[blec\]# ")
        t.send("quit\n")
        check(t.finish() == 0, "exit status 0")
    finally:
        t.kill()


def shell_session(b, lines, *args, env=None, recall=0):
    """One `blec shell` on a terminal: first Up `recall` times and Enter (what that brings
    back runs; the screen is returned), then the lines typed, then quit."""
    t = Terminal(b, "shell", *args, env=env)
    try:
        seen = t.expect(r"\[blec\]# ")
        if recall:
            t.send("\x1b[A" * recall + "\n")
            seen = t.expect(r"\[blec\]# ")
        for line in lines:
            t.send(line + "\n")
            seen += t.expect(r"\[blec\]# ")
        t.send("quit\n")
        check(t.finish() == 0, "exit status 0")
        return seen
    finally:
        t.kill()


def test_shell_keeps_its_history_between_sessions(b):
    """Like bash or bluetoothctl: Up in a new session recalls the last session's lines,
    kept in shell_history in the user's state directory (a private one here)."""
    state = os.path.join(b.tmp, "state")
    path = os.path.join(state, "blec", "shell_history")
    shell_session(b, ["pair authentication 246810", "scan 1"])
    check(os.path.exists(path), f"no history file at {path}")
    with open(path) as f:  # libedit's file writes a space as \040
        text = f.read().replace("\\040", " ")
        check("scan 1" in text, f"the line typed is in the file: {text!r}")
        check("246810" not in text, f"a PIN is never kept: {text!r}")
    seen = shell_session(b, [], recall=2)  # the last line is "quit", the one before it "scan 1"
    check("scan 1" in seen and "devices." in seen, f"Up recalled and ran the line: {seen!r}")
    # Bounded: a long history file comes back at most 500 lines long.
    with open(path, "w") as f:  # in libedit's format
        f.write("_HiStOrY_V2_\n")
        f.writelines(f"help\\040{i}\n" for i in range(700))
    seen = shell_session(b, [], recall=1)
    check("help 699" in seen, f"the newest line recalled: {seen!r}")
    with open(path) as f:
        kept = [line for line in f.read().splitlines() if not line.startswith("_HiStOrY_")]
    check(0 < len(kept) <= 500, f"{len(kept)} lines kept")
    # BLEC_SHELL_HISTORY names another file.
    other = os.path.join(b.tmp, "other_history")
    shell_session(b, ["scan 1"], env=dict(b.env, BLEC_SHELL_HISTORY=other))
    check(os.path.exists(other), "BLEC_SHELL_HISTORY names the file")


def test_shell_history_switched_off_writes_no_file(b):
    for name, args, extra in (("off", (), {"BLEC_SHELL_HISTORY": "off"}), ("option", ("--no-history",), {})):
        state = os.path.join(b.tmp, "state-" + name)
        env = dict(b.env, XDG_STATE_HOME=state, **extra)
        shell_session(b, ["scan 1"], *args, env=env)
        check(not os.path.exists(state), f"{name}: something was written: {list(os.walk(state))}")
        seen = shell_session(b, [], *args, env=env, recall=2)
        check("devices." not in seen, f"{name}: a line came back: {seen!r}")
    # A state directory that cannot be made is not fatal; -v says why.
    blocker = os.path.join(b.tmp, "a-file")
    open(blocker, "w").close()
    env = dict(b.env, XDG_STATE_HOME=os.path.join(blocker, "state"))
    seen = shell_session(b, ["scan 1"], "-v", env=env)
    check("history for this session only" in seen and "devices." in seen, seen)


def test_shell_asks_for_a_pin_on_a_terminal(b):
    t = Terminal(b, "shell", PIN_DEV, "--world", b.world("pin.world"))
    try:
        t.expect(r"\[PIN Lock\]# ")
        t.send("pair authentication\n")
        t.expect(r"the PIN the device shows: ")
        t.send("246810\n")
        t.expect(r"Paired with")
        t.send("read 8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d\n")
        t.expect(r"\(8d5b0002")
        t.send("quit\n")
        check(t.finish() == 0, "exit status 0")
    finally:
        t.kill()


# ---------------------------------------------------------------------------------------
# pair, unpair
# ---------------------------------------------------------------------------------------

def test_pair_unpair(b):
    hr = b.heart_rate()
    objs, _ = b.json_lines(0, "pair", hr, "--protection", "encryption")
    check(objs == [{"event": "paired", "address": hr, "protection": "encryption"}], f"{objs}")
    out, _ = b.expect(0, "pair", hr)
    check(out.startswith(f"Paired with {hr}"), out)
    objs, _ = b.json_lines(0, "unpair", hr)
    check(objs == [{"event": "unpaired", "address": hr}], f"{objs}")


# ---------------------------------------------------------------------------------------
# failures: backends, world files, faults
# ---------------------------------------------------------------------------------------

def test_backend_unavailable(b):
    # bluez is in Linux builds, but the tests' system bus does not exist; in no Windows build.
    name = "bluez"
    rc, out, err = b.run("scan", "--backend", name, "--timeout", "1")
    check(rc == 7, f"--backend {name}: exit {rc}, expected 7 (unavailable)")
    check("--backend virtual" in err, f"suggests the virtual backend: {err!r}")


def test_adapter_option(b):
    # A name, never a path: a bad one is a usage error; other backends ignore a good one.
    rc, out, err = b.run("scan", "--adapter", "../hci0", "--timeout", "1")
    check(rc == 2, f"--adapter ../hci0: exit {rc}, expected 2")
    check("--adapter" in err and "hci0" in err, err)
    out, _ = b.expect(0, "scan", "--adapter", "hci1", "--timeout", "1")
    check("C0:FF:EE:00:00:01" in out, out)


def test_world_file_errors(b):
    b.virtual_only("world files loaded by blec")
    rc, out, err = b.run("scan", "--world", b.world("does-not-exist.world"), "--timeout", "1")
    check(rc == 10, f"missing world file: exit {rc}, expected 10")
    check("does-not-exist.world" in err, err)
    with tempfile.NamedTemporaryFile("w", suffix=".world", delete=False) as f:
        f.write("this is not a world file\n")
        bad = f.name
    try:
        rc, out, err = b.run("scan", "--world", bad, "--timeout", "1")
        check(rc == 10, f"malformed world file: exit {rc}, expected 10")
        check(f"{bad}:1" in err, f"the message names the file and line: {err!r}")
        objs, _ = b.json_lines(10, "scan", "--world", bad, "--timeout", "1")
        check(error_line(objs)["exit_code"] == 10, f"{objs}")
    finally:
        os.unlink(bad)


FAULTS = "faults.world"
LOCK_STATE = "8d5b0002-2f3e-4c6a-9b1d-7e0f1a2b3c4d"


def device_named(b, name):
    for addr, o in b.scan().items():
        if o["name"] == name:
            return addr
    raise AssertionError(f"no device named {name!r} in the default world; seen {sorted(b.scan())}")


def test_att_error_insufficient_authentication(b):
    # The default world's smart lock protects its state: read it, get 0x05, pair, read it.
    lock = device_named(b, "Smart Lock")
    rc, out, err = b.run("read", lock, LOCK_STATE)
    check(rc == 5, f"exit {rc}, expected 5 (ATT error)")
    check("0x05" in err and "Insufficient Authentication" in err, f"names the ATT error: {err!r}")
    hint = f"'blec pair {lock} --protection authentication'"
    check(hint in err and "add --pair authentication" in err, f"says what to try: {err!r}")
    objs, _ = b.json_lines(5, "read", lock, LOCK_STATE)
    e = error_line(objs)
    check(e["status"] == "BLEC_ERR_ATT" and e["att_error"] == 5, f"{e}")
    check(e["att_error_name"] == "Insufficient Authentication" and e["exit_code"] == 5, f"{e}")
    # Both hints work when followed: --pair LEVEL on the command...
    objs, _ = b.json_lines(0, "read", lock, LOCK_STATE, "--pair", "authentication")
    check(objs[0]["event"] == "read" and objs[0]["value"] == "01", f"{objs}")
    objs, _ = b.json_lines(0, "read", lock, LOCK_STATE, "--pair", "--protection", "authentication")
    check(objs[0]["event"] == "read" and objs[0]["value"] == "01", f"{objs}")


def test_pair_then_read_uses_the_kept_bond(b):
    b.virtual_only("its bond store file (the simulated Windows stack keeps bonds for its own process only)")
    # ...and `blec pair` first: the virtual backend keeps the bond, as an OS does.
    lock = device_named(b, "Smart Lock")
    b.expect(5, "read", lock, LOCK_STATE)
    b.expect(0, "pair", lock, "--protection", "authentication")
    objs, _ = b.json_lines(0, "read", lock, LOCK_STATE)
    check(objs[0]["value"] == "01", f"read after pair: {objs}")
    b.expect(0, "unpair", lock)
    b.expect(5, "read", lock, LOCK_STATE)
    # Turned off, the store keeps nothing between commands.
    env = dict(b.env, BLEC_BOND_STORE="off")
    b.expect(0, "pair", lock, "--protection", "authentication", env=env)
    b.expect(5, "read", lock, LOCK_STATE, env=env)


def test_bond_store_defaults_to_the_user_state_directory(b):
    b.virtual_only("its bond store file")
    if os.name != "posix" or b.emulator:
        raise Skip("the POSIX state directory ($XDG_STATE_HOME)")
    lock = device_named(b, "Smart Lock")
    state = os.path.join(b.tmp, "state")
    env = dict(b.env, XDG_STATE_HOME=state)
    env.pop("BLEC_BOND_STORE")
    b.expect(0, "pair", lock, "--protection", "authentication", env=env)
    path = os.path.join(state, "blec", "virtual-bonds")
    with open(path) as f:
        text = f.read()
    check(f"{lock} authentication" in text, f"the store holds the bond: {text!r}")
    b.expect(0, "read", lock, LOCK_STATE, env=env)


def test_fault_att_error(b):
    rc, out, err = b.run("read", "FA:00:00:00:00:01", "2a19", "--world", b.world(FAULTS))
    check(rc == 5, f"exit {rc}, expected 5 (ATT error)")
    check(re.search(r"0x0e", err, re.I) and "Unlikely Error" in err, err)


def test_fault_link_loss(b):
    objs, _ = b.json_lines(8, "notify", "FA:00:00:00:00:02", "2a37", "--world", b.world(FAULTS))
    notes = [o for o in objs if o["event"] == "notification"]
    check(notes, "values arrive before the link drops")
    end = [o for o in objs if o["event"] == "end"]
    check(end and end[0]["reason"] == "disconnected", f"{end}")
    check(error_line(objs)["status"] == "BLEC_ERR_DISCONNECTED", f"{objs[-1]}")


def test_fault_slow_response_timeout(b):
    t0 = time.monotonic()
    objs, _ = b.json_lines(4, "read", "FA:00:00:00:00:03", "2a19", "--world", b.world(FAULTS),
                           "--timeout", "1", "--connect-timeout", "10")
    e = error_line(objs)
    check(e["status"] == "BLEC_ERR_TIMEOUT" and e["action"].startswith("read 2a19"), f"{e}")
    check(time.monotonic() - t0 < 30, "the timeout is honoured")


def test_fault_pairing_refused(b):
    rc, out, err = b.run("pair", "FA:00:00:00:00:04", "--protection", "authentication",
                         "--world", b.world(FAULTS))
    check(rc == 9, f"exit {rc}, expected 9 (pairing)")
    check("--protection encryption" in err, f"says what to try: {err!r}")
    b.expect(0, "pair", "FA:00:00:00:00:04", "--protection", "encryption", "--world", b.world(FAULTS))


def test_fault_radio_off(b):
    world = b.world("radio-off.world")
    rc, out, err = b.run("scan", "--world", world, "--timeout", "1")
    check(rc == 7, f"scan: exit {rc}, expected 7 (Bluetooth unavailable)")
    check("powered off" in err, err)
    objs, _ = b.json_lines(7, "read", "FA:00:00:00:00:09", "2a19", "--world", world)
    e = error_line(objs)
    check(e["status"] == "BLEC_ERR_BLUETOOTH_UNAVAILABLE" and e["reason"], f"{e}")


def test_connected_elsewhere_no_scan(b):
    # The default world's fitness band does not advertise; --no-scan connects anyway.
    band = "C0:FF:EE:00:00:07"
    check(band not in b.scan(), "the fitness band does not advertise")
    objs, _ = b.json_lines(0, "read", band, "2a19", "--no-scan")
    check(objs[0]["decoded"].endswith("%"), f"{objs}")
    objs, _ = b.json_lines(0, "info", band, "--no-scan")
    check(objs[0]["name"] == "Fitness Band" and objs[0]["connected"], f"{objs}")


def test_beacon_in_words(b):
    beacons = [o for o in b.scan().values() if not o["connectable"]]
    check(beacons, "the default world has a beacon")
    d = beacons[0]["description"]
    check("iBeacon" in d and "major 1 minor 2" in d, f"iBeacon in words: {d!r}")
    check("Eddystone-URL https://example.com" in d, f"Eddystone in words: {d!r}")
    out, _ = b.expect(0, "info", beacons[0]["address"])
    check("Connection: none" in out and "iBeacon" in out, out)


def test_environment_values(b):
    env = device_named(b, "Environment Sensor")
    objs, _ = b.json_lines(0, "read", env, "2a6e")
    check(re.fullmatch(r"-?\d+\.\d\d °C", objs[0]["decoded"]), f"temperature {objs[0]}")
    objs, _ = b.json_lines(0, "read", env, "2a6f")
    check(re.fullmatch(r"\d+\.\d\d %", objs[0]["decoded"]), f"humidity {objs[0]}")
    objs, _ = b.json_lines(0, "notify", env, "2a6e", "--indicate", "--count", "1", "--timeout", "10")
    check(objs[0]["event"] == "notification" and "°C" in objs[0]["decoded"], f"{objs}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--blec", required=True)
    ap.add_argument("--emulator", action="append", default=[])
    ap.add_argument("--man")
    ap.add_argument("--worlds", required=True)
    ap.add_argument("--backend", default="virtual")
    ap.add_argument("name")
    args = ap.parse_args()
    fn = globals().get("test_" + args.name)
    if fn is None:
        print(f"no test {args.name}")
        return 1
    b = Blec(args.blec, args.emulator, args.man, args.worlds, args.backend)
    try:
        backend_pass.before(args.backend, args.name)
        fn(b)
    except (Skip, backend_pass.Skip) as e:
        print(f"SKIP: {e}")
        return 77
    except AssertionError as e:
        return backend_pass.failed(args.backend, args.name, f"FAIL: {e}")
    except subprocess.TimeoutExpired as e:
        return backend_pass.failed(args.backend, args.name, f"FAIL: blec did not finish: {e}")
    return backend_pass.passed(args.backend, args.name)


if __name__ == "__main__":
    sys.exit(main())
