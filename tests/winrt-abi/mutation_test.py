#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mutation_test.py — proves check_winrt_abi.py can fail: copies blec's IDL, breaks it in
one named way (swapped vtable slots, a wrong IID, a wrong enum value, ...), compiles it
with widl exactly as the build does, runs the check and expects it to reject the result
with the expected complaint. Exit 0 when the check rejected the broken IDL as expected.
"""
import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout

BT = "blec_winrt_bluetooth.idl"
BASE = "blec_winrt_base.idl"

# name -> (file, text to find, replacement, expected substring of the check's complaint)
MUTATIONS = {
    # Two getters of IGattSession trade places: same methods, wrong slots.
    "swapped_slots": (
        BT,
        "        [propget] HRESULT MaxPduSize([out, retval] UINT16 *value);\n"
        "        [propget] HRESULT SessionStatus(\n"
        "                [out, retval] Windows.Devices.Bluetooth.GenericAttributeProfile.GattSessionStatus *value);\n",
        "        [propget] HRESULT SessionStatus(\n"
        "                [out, retval] Windows.Devices.Bluetooth.GenericAttributeProfile.GattSessionStatus *value);\n"
        "        [propget] HRESULT MaxPduSize([out, retval] UINT16 *value);\n",
        "IGattSession (__x_ABI_CWindows_CDevices_CBluetooth_CGenericAttributeProfile_CIGattSession, "
        "blec_winrt_bluetooth.h): vtable slot 10 (method 4 after IInspectable) is get_SessionStatus, "
        "the reference has get_MaxPduSize"),
    # A method is left out: every later slot moves.
    "missing_slot": (
        BT,
        "        [propget] HRESULT MaxPduSize([out, retval] UINT16 *value);\n",
        "",
        "IGattSession (__x_ABI_CWindows_CDevices_CBluetooth_CGenericAttributeProfile_CIGattSession, "
        "blec_winrt_bluetooth.h): 9 methods after IInspectable, the reference has 10"),
    # One digit of an IID.
    "wrong_iid": (
        BT, "uuid(d23b5143-e04e-4c24-999c-9c256f9856b1)", "uuid(d23b5143-e04e-4c24-999c-9c256f9856b2)",
        "IID d23b5143-e04e-4c24-999c-9c256f9856b2, the reference has d23b5143-e04e-4c24-999c-9c256f9856b1"),
    # One enum value.
    "wrong_enum_value": (
        BT, "        Cached = 0,\n        Uncached = 1\n", "        Cached = 0,\n        Uncached = 2\n",
        "Windows.Devices.Bluetooth.BluetoothCacheMode: value Uncached is 2, the reference has 1"),
    # An interface Windows does not have.
    "unknown_interface": (
        BT, "namespace Windows.Devices.Bluetooth {\n    [contract(Windows.Foundation.UniversalApiContract, 1.0)]\n",
        "namespace Windows.Devices.Bluetooth {\n"
        "    [uuid(0badc0de-0000-4000-8000-000000000001)]\n"
        "    interface IBluetoothLEDevice99 : IInspectable\n"
        "    {\n        HRESULT Frobnicate();\n    }\n\n"
        "    [contract(Windows.Foundation.UniversalApiContract, 1.0)]\n",
        "Windows.Devices.Bluetooth.IBluetoothLEDevice99 (__x_ABI_CWindows_CDevices_CBluetooth_CIBluetoothLEDevice99, "
        "blec_winrt_bluetooth.h): declared, but the reference has no such interface"),
    # A wrong default interface changes the class signature, hence every parameterized IID
    # over BluetoothLEDevice that widl computes.
    "wrong_default_interface": (
        BT,
        "        [default] interface Windows.Devices.Bluetooth.IBluetoothLEDevice;\n"
        "        interface Windows.Devices.Bluetooth.IBluetoothLEDevice2;\n",
        "        interface Windows.Devices.Bluetooth.IBluetoothLEDevice;\n"
        "        [default] interface Windows.Devices.Bluetooth.IBluetoothLEDevice2;\n",
        "Windows.Foundation.IAsyncOperation`1<Windows.Devices.Bluetooth.BluetoothLEDevice> "
        "(__FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice, blec_winrt_bluetooth.h): IID "),
    # [flags] dropped: the enum's signature (u4 -> i4) and so IReference<Flags>'s IID change.
    "enum_lost_flags": (
        BT,
        "    [contract(Windows.Foundation.UniversalApiContract, 1.0), flags]\n    enum BluetoothLEAdvertisementFlags\n",
        "    [contract(Windows.Foundation.UniversalApiContract, 1.0)]\n    enum BluetoothLEAdvertisementFlags\n",
        "Windows.Foundation.IReference`1<Windows.Devices.Bluetooth.Advertisement.BluetoothLEAdvertisementFlags> "
        "(__FIReference_1_BluetoothLEAdvertisementFlags, "
        "blec_winrt_bluetooth.h): IID "),
    # A hand-made instantiation (widl cannot compute IReference<Int16>) with a wrong IID.
    "handmade_instantiation_iid": (
        BASE, "uuid(6ec9e41b-6709-5647-9918-a1270110fc4e)", "uuid(6ec9e41b-6709-5647-9918-a1270110fc4f)",
        "Windows.Foundation.IReference`1<Int16> (__FIReference_1_INT16, blec_winrt_base.h): IID "
        "6ec9e41b-6709-5647-9918-a1270110fc4f, but signature "
        "pinterface({61c17706-2d65-11e0-9ae8-d48564015472};i2) gives 6ec9e41b-6709-5647-9918-a1270110fc4e"),
}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mutation", choices=sorted(MUTATIONS))
    ap.add_argument("--widl", required=True)
    ap.add_argument("--idl-dir", required=True, help="blec's IDL directory")
    ap.add_argument("--wine-idl-dir", required=True, help="directory of the Wine base IDL")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--work", required=True, help="scratch directory (created)")
    a = ap.parse_args(argv[1:])

    fname, find, repl, expect = MUTATIONS[a.mutation]
    os.makedirs(a.work, exist_ok=True)
    work = tempfile.mkdtemp(prefix=a.mutation + ".", dir=a.work)
    try:
        idls = sorted(f for f in os.listdir(a.idl_dir) if f.endswith(".idl"))
        for f in idls:
            shutil.copy(os.path.join(a.idl_dir, f), work)
        path = os.path.join(work, fname)
        text = open(path, encoding="utf-8").read()
        if text.count(find) != 1:
            print("mutation_test: the %s mutation no longer applies to %s (its anchor text is found %d "
                  "times); update MUTATIONS" % (a.mutation, fname, text.count(find)))
            return 2
        open(path, "w", encoding="utf-8").write(text.replace(find, repl))
        headers = []
        for f in idls:
            h = os.path.join(work, f[:-4] + ".h")
            r = subprocess.run([a.widl, "--winrt", "-I", work, "-I", a.wine_idl_dir, "-h", "-o", h,
                                os.path.join(work, f)], capture_output=True, text=True)
            if r.returncode != 0:
                print("mutation_test: widl rejected the mutated IDL itself (the check was not reached):\n"
                      + r.stdout + r.stderr)
                return 1
            headers.append(h)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import check_winrt_abi
        args = ["check_winrt_abi", "--reference", a.reference]
        for f, h in zip(idls, headers):
            args += ["--idl", os.path.join(work, f), "--header", h]
        out = io.StringIO()
        with redirect_stdout(out):
            rc = check_winrt_abi.main(args)
        text = out.getvalue()
        if rc != 1:
            print(text)
            print("mutation_test: %s: the check returned %d, wanted 1 (mismatch)" % (a.mutation, rc))
            return 1
        if expect not in text:
            print(text)
            print("mutation_test: %s: the check failed, but without the expected complaint:\n  %s"
                  % (a.mutation, expect))
            return 1
        print("mutation_test: %s: rejected as expected:" % a.mutation)
        for line in text.splitlines():
            if line.startswith("MISMATCH"):
                print("  " + line)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
