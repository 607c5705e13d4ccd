#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates src/core/assigned_numbers.c and src/core/assigned_numbers.h.

Source of the UUID and company tables: the Debian package `python3-bleak` (bleak is
MIT-licensed; the tables are Bluetooth SIG assigned numbers). Install it only to
regenerate -- it is not a dependency of blec:

    apt-get install -y python3-bleak
    scripts/gen-assigned-numbers.py            # writes into src/core/

Files read (as text, with the `ast` module: bleak itself is never imported, so no
Python dependency of bleak is needed):
    bleak/uuids.py                     uuid16_dict, uuid128_dict
    bleak/backends/_manufacturers.py   MANUFACTURERS

The package does not carry appearance values, so the APPEARANCE table below is written
by hand from the Bluetooth SIG Assigned Numbers document (section "Appearance Values");
UUID16_CORRECTIONS replaces the few packaged names that differ from the SIG's own.

Output tables are sorted; the C lookups are binary searches (and a direct index for the
dense run of company identifiers starting at 0).
"""

import argparse
import ast
import os
import re
import subprocess
import sys

DEFAULT_BLEAK_DIR = "/usr/lib/python3/dist-packages/bleak"
DEBIAN_PACKAGE = "python3-bleak"

# ---------------------------------------------------------------------------------------
# HAND-WRITTEN TABLE (not from python3-bleak): appearance values, from the Bluetooth SIG
# Assigned Numbers document. An appearance is a 16-bit value: category = value >> 6,
# sub-category = value & 0x3F. Sub-category 0 is the generic member of its category and
# takes the category's name. Only the well-known values are listed; the C lookup falls
# back to the category name for a sub-category missing here.
# ---------------------------------------------------------------------------------------
APPEARANCE_CATEGORIES = {
    0x000: "Unknown",
    0x001: "Phone",
    0x002: "Computer",
    0x003: "Watch",
    0x004: "Clock",
    0x005: "Display",
    0x006: "Remote Control",
    0x007: "Eye-glasses",
    0x008: "Tag",
    0x009: "Keyring",
    0x00A: "Media Player",
    0x00B: "Barcode Scanner",
    0x00C: "Thermometer",
    0x00D: "Heart Rate Sensor",
    0x00E: "Blood Pressure",
    0x00F: "Human Interface Device",
    0x010: "Glucose Meter",
    0x011: "Running Walking Sensor",
    0x012: "Cycling",
    0x013: "Control Device",
    0x014: "Network Device",
    0x015: "Sensor",
    0x016: "Light Fixtures",
    0x017: "Fan",
    0x018: "HVAC",
    0x019: "Air Conditioning",
    0x01A: "Humidifier",
    0x01B: "Heating",
    0x01C: "Access Control",
    0x01D: "Motorized Device",
    0x01E: "Power Device",
    0x01F: "Light Source",
    0x020: "Window Covering",
    0x021: "Audio Sink",
    0x022: "Audio Source",
    0x023: "Motorized Vehicle",
    0x024: "Domestic Appliance",
    0x025: "Wearable Audio Device",
    0x026: "Aircraft",
    0x027: "AV Equipment",
    0x028: "Display Equipment",
    0x029: "Hearing aid",
    0x02A: "Gaming",
    0x02B: "Signage",
    0x031: "Pulse Oximeter",
    0x032: "Weight Scale",
    0x033: "Personal Mobility Device",
    0x034: "Continuous Glucose Monitor",
    0x035: "Insulin Pump",
    0x036: "Medication Delivery",
    0x037: "Spirometer",
    0x051: "Outdoor Sports Activity",
}

# (category, sub-category) -> name
APPEARANCE_SUBCATEGORIES = {
    (0x002, 0x01): "Desktop Workstation",
    (0x002, 0x02): "Server-class Computer",
    (0x002, 0x03): "Laptop",
    (0x002, 0x04): "Handheld PC/PDA (clamshell)",
    (0x002, 0x05): "Palm-size PC/PDA",
    (0x002, 0x06): "Wearable computer (watch size)",
    (0x002, 0x07): "Tablet",
    (0x003, 0x01): "Sports Watch",
    (0x003, 0x02): "Smartwatch",
    (0x00C, 0x01): "Ear Thermometer",
    (0x00D, 0x01): "Heart Rate Belt",
    (0x00E, 0x01): "Arm Blood Pressure",
    (0x00E, 0x02): "Wrist Blood Pressure",
    (0x00F, 0x01): "Keyboard",
    (0x00F, 0x02): "Mouse",
    (0x00F, 0x03): "Joystick",
    (0x00F, 0x04): "Gamepad",
    (0x00F, 0x05): "Digitizer Tablet",
    (0x00F, 0x06): "Card Reader",
    (0x00F, 0x07): "Digital Pen",
    (0x00F, 0x08): "Barcode Scanner",
    (0x011, 0x01): "In-Shoe Running Walking Sensor",
    (0x011, 0x02): "On-Shoe Running Walking Sensor",
    (0x011, 0x03): "On-Hip Running Walking Sensor",
    (0x012, 0x01): "Cycling Computer",
    (0x012, 0x02): "Speed Sensor",
    (0x012, 0x03): "Cadence Sensor",
    (0x012, 0x04): "Power Sensor",
    (0x012, 0x05): "Speed and Cadence Sensor",
    (0x025, 0x01): "Earbud",
    (0x025, 0x02): "Headset",
    (0x025, 0x03): "Headphones",
    (0x025, 0x04): "Neck Band",
    (0x031, 0x01): "Fingertip Pulse Oximeter",
    (0x031, 0x02): "Wrist Worn Pulse Oximeter",
    (0x033, 0x01): "Powered Wheelchair",
    (0x033, 0x02): "Mobility Scooter",
    (0x051, 0x01): "Location Display",
    (0x051, 0x02): "Location and Navigation Display",
    (0x051, 0x03): "Location Pod",
    (0x051, 0x04): "Location and Navigation Pod",
}
# --------------------------- end of the hand-written table ------------------------------

# ---------------------------------------------------------------------------------------
# HAND-WRITTEN CORRECTIONS (not from python3-bleak): 16-bit UUID names where the packaged
# bleak differs from the current Bluetooth SIG Assigned Numbers name.
# ---------------------------------------------------------------------------------------
UUID16_CORRECTIONS = {
    0x180F: "Battery",  # bleak 0.20 says "Battery Service"; the SIG service name is "Battery"
}

BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"
UUID128_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def die(msg):
    sys.stderr.write("gen-assigned-numbers: %s\n" % msg)
    sys.exit(1)


def read_dict(path, name):
    """The (key, value) pairs of the module-level dict literal `name` in `path`, in source
    order; a repeated key keeps its last value, as Python would."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename=path)
    except OSError as e:
        die("cannot read %s: %s (install %s)" % (path, e.strerror, DEBIAN_PACKAGE))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if not isinstance(node.value, ast.Dict):
                die("%s in %s is not a dict literal" % (name, path))
            result = {}
            for k, v in zip(node.value.keys, node.value.values):
                key, value = ast.literal_eval(k), ast.literal_eval(v)
                if key in result and result[key] != value:
                    sys.stderr.write("gen-assigned-numbers: note: %s repeats %r (%r -> %r), last kept\n"
                                     % (name, key, result[key], value))
                result[key] = value
            return result
    die("no dict %s in %s" % (name, path))


def package_version(bleak_dir):
    """'python3-bleak 0.20.2-1' from dpkg, else the upstream version of the dist-info."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", DEBIAN_PACKAGE],
                             capture_output=True, text=True, check=True).stdout.strip()
        if out:
            return "%s %s" % (DEBIAN_PACKAGE, out)
    except (OSError, subprocess.CalledProcessError):
        pass
    parent = os.path.dirname(os.path.abspath(bleak_dir))
    for entry in sorted(os.listdir(parent)):
        m = re.match(r"^bleak-([0-9][^/]*)\.(dist|egg)-info$", entry)
        if m:
            return "%s (bleak %s)" % (DEBIAN_PACKAGE, m.group(1))
    return "%s (version unknown)" % DEBIAN_PACKAGE


def c_string(s):
    """A C string literal of the UTF-8 bytes of s. Non-ASCII and special bytes become
    octal escapes (which, unlike \\x, cannot swallow a following hex digit); every '?' is
    escaped so that no trigraph can form under -std=c11."""
    out = ['"']
    for b in s.encode("utf-8"):
        c = chr(b)
        if c in '"\\?':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def uuid_bytes(text):
    return bytes.fromhex(text.replace("-", ""))


def check_names(table, what):
    for k, v in table.items():
        if not isinstance(v, str) or not v.strip():
            die("%s %r has an empty or non-string name %r" % (what, k, v))


REQUIRED_16 = {0x180D: "Heart Rate", 0x2A37: "Heart Rate Measurement", 0x2A19: "Battery Level",
               0x2A38: "Body Sensor Location", 0x181A: "Environmental Sensing",
               0x2A6E: "Temperature", 0x2A6F: "Humidity",
               0x2902: "Client Characteristic Configuration"}
REQUIRED_128 = ["6e400001-b5a3-f393-e0a9-e50e24dcca9e", "6e400002-b5a3-f393-e0a9-e50e24dcca9e",
                "6e400003-b5a3-f393-e0a9-e50e24dcca9e"]
REQUIRED_COMPANIES = [0x004C, 0x0059]


def generate(bleak_dir):
    uuids_py = os.path.join(bleak_dir, "uuids.py")
    manuf_py = os.path.join(bleak_dir, "backends", "_manufacturers.py")
    u16 = read_dict(uuids_py, "uuid16_dict")
    u128 = read_dict(uuids_py, "uuid128_dict")
    companies = read_dict(manuf_py, "MANUFACTURERS")
    check_names(u16, "uuid16")
    check_names(u128, "uuid128")
    check_names(companies, "company")

    for k in u16:
        if not isinstance(k, int) or not 0 <= k <= 0xFFFF:
            die("bad 16-bit UUID key %r" % (k,))
    for k in companies:
        if not isinstance(k, int) or not 0 <= k <= 0xFFFF:
            die("bad company key %r" % (k,))
    norm128 = {}
    for k, v in u128.items():
        lk = k.lower()
        if not UUID128_RE.match(lk):
            die("bad 128-bit UUID key %r" % (k,))
        if lk.endswith(BASE_SUFFIX) and lk.startswith("0000"):
            # A 16-bit UUID written in full: the C lookup finds those in the 16-bit
            # table only, so move it there (an entry already there wins).
            u16.setdefault(int(lk[4:8], 16), v)
            continue
        norm128[lk] = v
    u16.update(UUID16_CORRECTIONS)
    # 0xFFFF's "name" in the source is a paragraph about its use; a name is wanted.
    companies[0xFFFF] = "Reserved (test ID)"

    for k, v in REQUIRED_16.items():
        if u16.get(k) != v:
            die("0x%04X should be %r, source has %r" % (k, v, u16.get(k)))
    for k in REQUIRED_128:
        if k not in norm128:
            die("source lacks %s" % k)
    for k in REQUIRED_COMPANIES:
        if k not in companies:
            die("source lacks company 0x%04X" % k)

    appearance = {}
    for cat, name in APPEARANCE_CATEGORIES.items():
        appearance[cat << 6] = name
    for (cat, sub), name in APPEARANCE_SUBCATEGORIES.items():
        if cat not in APPEARANCE_CATEGORIES or not 0 < sub < 0x40:
            die("bad appearance entry %r" % ((cat, sub),))
        appearance[(cat << 6) | sub] = name

    # Companies: a directly indexed array for the dense run 0..n-1, binary search beyond.
    dense = 0
    while dense in companies:
        dense += 1
    sparse = sorted(k for k in companies if k >= dense)

    source = package_version(bleak_dir)
    provenance = (" * Source: Debian package %s, files bleak/uuids.py (uuid16_dict,\n"
                  " * uuid128_dict) and bleak/backends/_manufacturers.py (MANUFACTURERS); bleak is\n"
                  " * MIT-licensed. Appearance values and a few 16-bit name corrections: the\n"
                  " * hand-written tables of scripts/gen-assigned-numbers.py (Bluetooth SIG\n"
                  " * Assigned Numbers).\n" % source)

    h = []
    h.append("/* SPDX-License-Identifier: MIT */\n")
    h.append("/*\n * assigned_numbers.h — GENERATED by scripts/gen-assigned-numbers.py; do not edit.\n")
    h.append(provenance)
    h.append(" *\n * Lookups of Bluetooth SIG assigned numbers. Each returns static text or NULL.\n */\n")
    h.append("#ifndef BLEC_CORE_ASSIGNED_NUMBERS_H\n#define BLEC_CORE_ASSIGNED_NUMBERS_H\n\n")
    h.append("#include <stdint.h>\n\n")
    h.append("/** Name of a 16-bit UUID (service, characteristic, descriptor, member, protocol). */\n")
    h.append("const char *blec__uuid16_name(uint16_t value);\n")
    h.append("/** Name of a 128-bit UUID given in written order (vendor UUIDs). */\n")
    h.append("const char *blec__uuid128_name(const uint8_t uuid[16]);\n")
    h.append("/** Name of a company identifier. */\n")
    h.append("const char *blec__company_name(uint16_t id);\n")
    h.append("/** Name of an appearance value listed exactly (no category fallback). */\n")
    h.append("const char *blec__appearance_name(uint16_t value);\n\n")
    h.append("#endif /* BLEC_CORE_ASSIGNED_NUMBERS_H */\n")

    c = []
    c.append("/* SPDX-License-Identifier: MIT */\n")
    c.append("/*\n * assigned_numbers.c — GENERATED by scripts/gen-assigned-numbers.py; do not edit.\n")
    c.append(provenance)
    c.append(" *\n * %d 16-bit UUIDs, %d 128-bit UUIDs, %d companies, %d appearance values.\n */\n"
             % (len(u16), len(norm128), len(companies), len(appearance)))
    c.append('#include "core/assigned_numbers.h"\n\n#include <stddef.h>\n#include <string.h>\n\n')
    c.append("typedef struct entry16 {\n  uint16_t key;\n  const char *name;\n} entry16;\n\n")
    c.append("typedef struct entry128 {\n  uint8_t key[16]; /* written order */\n  const char *name;\n} entry128;\n\n")

    def emit16(name, table):
        c.append("static const entry16 %s[] = {\n" % name)
        for k in sorted(table):
            c.append("    {0x%04X, %s},\n" % (k, c_string(table[k])))
        c.append("};\n\n")

    emit16("uuid16_table", u16)
    c.append("static const entry128 uuid128_table[] = {\n")
    for k in sorted(norm128, key=uuid_bytes):
        b = uuid_bytes(k)
        c.append("    {{%s}, %s}, /* %s */\n" % (", ".join("0x%02x" % x for x in b), c_string(norm128[k]), k))
    c.append("};\n\n")
    c.append("/* Companies 0x0000..0x%04X, indexed directly. */\n" % (dense - 1))
    c.append("static const char *const company_dense[] = {\n")
    for k in range(dense):
        c.append("    %s, /* 0x%04X */\n" % (c_string(companies[k]), k))
    c.append("};\n\n")
    if sparse:
        emit16("company_sparse", {k: companies[k] for k in sparse})
    emit16("appearance_table", appearance)

    c.append("#define COUNT(a) (sizeof(a) / sizeof((a)[0]))\n\n")
    c.append("static const char *find16(const entry16 *t, size_t n, uint16_t key) {\n"
             "  size_t lo = 0, hi = n;\n"
             "  while (lo < hi) {\n"
             "    size_t mid = lo + (hi - lo) / 2;\n"
             "    if (t[mid].key == key) return t[mid].name;\n"
             "    if (t[mid].key < key) lo = mid + 1; else hi = mid;\n"
             "  }\n"
             "  return NULL;\n"
             "}\n\n")
    c.append("const char *blec__uuid16_name(uint16_t value) {\n"
             "  return find16(uuid16_table, COUNT(uuid16_table), value);\n}\n\n")
    c.append("const char *blec__uuid128_name(const uint8_t uuid[16]) {\n"
             "  size_t lo = 0, hi = COUNT(uuid128_table);\n"
             "  while (lo < hi) {\n"
             "    size_t mid = lo + (hi - lo) / 2;\n"
             "    int cmp = memcmp(uuid128_table[mid].key, uuid, 16);\n"
             "    if (cmp == 0) return uuid128_table[mid].name;\n"
             "    if (cmp < 0) lo = mid + 1; else hi = mid;\n"
             "  }\n"
             "  return NULL;\n"
             "}\n\n")
    if sparse:
        sparse_lookup = "find16(company_sparse, COUNT(company_sparse), id)"
    else:
        sparse_lookup = "NULL"
    c.append("const char *blec__company_name(uint16_t id) {\n"
             "  if (id < COUNT(company_dense)) return company_dense[id];\n"
             "  return %s;\n}\n\n" % sparse_lookup)
    c.append("const char *blec__appearance_name(uint16_t value) {\n"
             "  return find16(appearance_table, COUNT(appearance_table), value);\n}\n")
    return "".join(h), "".join(c)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bleak-dir", default=DEFAULT_BLEAK_DIR,
                    help="directory of the installed bleak package (default: %(default)s)")
    ap.add_argument("--out-dir", default=os.path.join(here, "..", "src", "core"),
                    help="where to write assigned_numbers.[ch] (default: src/core)")
    args = ap.parse_args()
    header, source = generate(args.bleak_dir)
    for name, text in (("assigned_numbers.h", header), ("assigned_numbers.c", source)):
        path = os.path.join(args.out_dir, name)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        print("wrote %s" % os.path.normpath(path))


if __name__ == "__main__":
    main()
