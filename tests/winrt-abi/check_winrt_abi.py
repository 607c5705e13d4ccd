#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_winrt_abi.py — checks blec's widl-generated WinRT declarations against the ABI
reference taken from Windows' own metadata (shared/winrt-abi/winrt-bluetooth-abi.json).

What is compared, for every COM interface whose vtable our generated headers define:
  * the IID (DEFINE_GUID) and the base (IUnknown or IInspectable);
  * the methods after the base, in vtable order (the member order of the C `...Vtbl`
    struct is the ABI);
  * a non-generic interface must exist in the reference; a parameterized instantiation
    (IAsyncOperation<...>, TypedEventHandler<...>, IVectorView<...>, IReference<...>) must
    have the IID its WinRT signature gives (recomputed from the reference's facts with the
    reference's own algorithm, pinterface_iid.py), that IID must equal the reference's
    `parameterized` entry when there is one, and its slots must be the generic's.
Also: every enum we declare has exactly the reference's names and values; every runtime
class we declare exists with the same default interface, lists only interfaces, statics and
factories the reference gives it, and has a RuntimeClass_ name string; each interface's
exclusiveto and contract attributes match. Interfaces that our headers use but take from
the base headers (the compiler's windows.foundation.h, asyncinfo.h, ...) are checked the
same way in each --base-include directory. Exit status 0 when everything matches, 1 on any
mismatch (each one printed), 2 on bad usage or missing input.
"""
import argparse
import json
import os
import re
import sys

BASE_HEADER_NAMES = ("inspectable.h", "asyncinfo.h", "eventtoken.h", "windows.foundation.h",
                     "windows.foundation.collections.h")
IUNKNOWN = ["QueryInterface", "AddRef", "Release"]
IINSPECTABLE = IUNKNOWN + ["GetIids", "GetRuntimeClassName", "GetTrustLevel"]

# COM / WinRT interfaces declared outside any namespace in IDL, under their C names.
GLOBAL_NAMES = {
    "IAsyncInfo": "Windows.Foundation.IAsyncInfo",
    "AsyncStatus": "Windows.Foundation.AsyncStatus",
    "EventRegistrationToken": "Windows.Foundation.EventRegistrationToken",
    "IBufferByteAccess": "Windows.Storage.Streams.IBufferByteAccess",
}
# C/IDL spellings of WinRT primitive types -> metadata spelling.
PRIMITIVES = {
    "boolean": "Boolean", "BOOLEAN": "Boolean", "INT8": "Int8", "BYTE": "UInt8", "UINT8": "UInt8",
    "INT16": "Int16", "UINT16": "UInt16", "INT32": "Int32", "UINT32": "UInt32",
    "INT64": "Int64", "UINT64": "UInt64", "FLOAT": "Single", "DOUBLE": "Double",
    "WCHAR": "Char16", "HSTRING": "String", "GUID": "Guid", "IInspectable": "Object",
}
# Base items the backend relies on even where no generated declaration names them.
ALWAYS_USED = ("IAsyncInfo", "AsyncStatus", "EventRegistrationToken",
               "__x_ABI_CWindows_CFoundation_CIClosable")
# C field types of structs -> signature primitives.
FIELD_SIGS = {"INT64": "i8", "UINT64": "u8", "INT32": "i4", "UINT32": "u4", "FLOAT": "f4",
              "DOUBLE": "f8", "INT16": "i2", "UINT16": "u2", "BYTE": "u1", "boolean": "b1"}
# Interfaces we reference by pointer only; they need no vtable, only a place in the reference.
OPAQUE_OK = "referenced by pointer only"


class Failures:
    def __init__(self):
        self.items = []

    def add(self, where, what):
        self.items.append("%s: %s" % (where, what))


def fmt_guid(parts):
    """DEFINE_GUID arguments (11 numbers) -> canonical lower-case text."""
    v = [int(p, 0) for p in parts]
    return "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x" % tuple(v)


# ----------------------------------------------------------------------------- headers
class Header:
    """What one widl-generated C header defines."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        self.text = text
        self.vtbls = {}  # C name -> [member names]
        for m in re.finditer(r"typedef struct (\w+)Vtbl \{(.*?)\} \1Vtbl;", text, re.S):
            self.vtbls[m.group(1)] = re.findall(r"\(STDMETHODCALLTYPE \*(\w+)\)", m.group(2))
        self.iids = {}
        for m in re.finditer(r"DEFINE_GUID\(IID_(\w+),\s*([^)]*)\)", text):
            self.iids[m.group(1)] = fmt_guid([p.strip() for p in m.group(2).split(",")])
        self.cxx = {}  # C name -> C++ spelling (ABI::...)
        for m in re.finditer(r"^#define (\w+) (ABI::\S.*?)\s*$", text, re.M):
            self.cxx.setdefault(m.group(1), m.group(2))
        self.enums = {}  # C enum name -> {member: value}
        for m in re.finditer(r"^(?:typedef )?enum (__x_ABI_\w+|AsyncStatus) \{(.*?)\}", text, re.S | re.M):
            vals, nxt = {}, 0
            for item in m.group(2).split(","):
                item = item.strip()
                if not item:
                    continue
                k, _, v = item.partition("=")
                nxt = int(v.strip(), 0) if v.strip() else nxt
                vals[k.strip()] = nxt
                nxt += 1
            self.enums[m.group(1)] = vals
        self.structs = {}  # C struct name -> [(type, field)]
        for m in re.finditer(r"^struct (__x_ABI_\w+|EventRegistrationToken) \{(.*?)\};", text, re.S | re.M):
            self.structs[m.group(1)] = re.findall(r"^\s*(\w+)\s+(\w+);", m.group(2), re.M)
        self.runtime_class_names = set(
            re.findall(r'RuntimeClass_\w+\[\] = L"([\w.]+)"', text))
        self.referenced = set(re.findall(r"\b(__x_ABI_C\w+|__F\w+|IAsyncInfo|IBufferByteAccess)\b", text))


def split_top(s, sep=","):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


class Namer:
    """Turns the C and C++ spellings widl emits into WinRT metadata names."""

    def __init__(self, ref):
        self.ref = ref

    def generic_name(self, dotted, arity):
        g = self.ref["generics"]
        for cand in (dotted, re.sub(r"\.I(\w+)$", r".\1", dotted)):
            key = "%s`%d" % (cand, arity)
            if key in g:
                return key
        raise KeyError("unknown generic %s`%d" % (dotted, arity))

    def from_cxx(self, t):
        """'ABI::Windows::Foundation::IAsyncOperation<ABI::...::BluetoothLEDevice* >' -> WinRT name."""
        t = t.strip().rstrip("*").strip()
        if "<" in t:
            head, rest = t.split("<", 1)
            assert rest.rstrip().endswith(">"), t
            args = split_top(rest.rstrip()[:-1])
            head = head.strip().replace("ABI::", "").replace("::", ".")
            if head == "Windows.Foundation.Internal.AggregateType":
                return self.from_cxx(args[0])
            gen = self.generic_name(head, len(args))
            return "%s<%s>" % (gen, ", ".join(self.from_cxx(a) for a in args))
        if t in PRIMITIVES:
            return PRIMITIVES[t]
        return t.replace("ABI::", "").replace("::", ".")

    def from_idl(self, t):
        """IDL spelling ('Windows.Foundation.IAsyncOperation<UINT32>') -> WinRT name."""
        t = t.strip().rstrip("*").strip()
        if "<" in t:
            head, rest = t.split("<", 1)
            args = split_top(rest.strip()[:-1])
            gen = self.generic_name(head.strip(), len(args))
            return "%s<%s>" % (gen, ", ".join(self.from_idl(a) for a in args))
        return PRIMITIVES.get(t, t)

    def demangle_c(self, cname):
        """Fallback for names widl gives no C++ spelling: __FIVector_1_GUID and the like
        (hand-made instantiations of primitive arguments) and the ns_prefix C names."""
        if cname in GLOBAL_NAMES:
            return GLOBAL_NAMES[cname]
        m = re.match(r"^__x_ABI_C(\w+)$", cname)
        if m:
            return m.group(1).replace("_C", ".")
        m = re.match(r"^__F(\w+?)_(\d+)_(\w+)$", cname)
        if m:
            base, arity, args = m.group(1), int(m.group(2)), m.group(3).split("_")
            if len(args) != arity or any(a not in PRIMITIVES for a in args):
                raise KeyError("cannot read instantiation name %s" % cname)
            for ns in ("Windows.Foundation.", "Windows.Foundation.Collections."):
                try:
                    gen = self.generic_name(ns + base, arity)
                except KeyError:
                    continue
                return "%s<%s>" % (gen, ", ".join(PRIMITIVES[a] for a in args))
        raise KeyError("cannot name %s" % cname)

    def name_of(self, cname, headers):
        name = None
        for h in headers:
            if cname in h.cxx:
                name = self.from_cxx(h.cxx[cname])
                break
        if name is None:
            name = self.demangle_c(cname)
        return self.undelegate(name)

    def undelegate(self, name):
        """widl names the interface of delegate D 'ID'; the metadata name is D."""
        if "<" in name or name in self.ref["interfaces"]:
            return name
        ns, _, short = name.rpartition(".")
        alt = "%s.%s" % (ns, short[1:])
        if short.startswith("I") and self.ref["interfaces"].get(alt, {}).get("kind") == "delegate":
            return alt
        return name


# ----------------------------------------------------------------------------- IDL text
def strip_comments(s):
    s = re.sub(r"/\*.*?\*/", " ", s, flags=re.S)
    return re.sub(r"//[^\n]*", " ", s)


def parse_idl(path):
    """Interfaces (attributes) and runtime classes of one of our IDL files."""
    text = strip_comments(open(path, encoding="utf-8").read())
    ifaces, classes = {}, {}
    ns_stack, depth_stack, depth = [], [], 0
    pos = 0
    token = re.compile(r"namespace\s+([\w.]+)\s*\{|\{|\}|"
                       r"(\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\])\s*(interface|runtimeclass|delegate)\s+"
                       r"(?:HRESULT\s+)?(\w+)", re.S)
    while True:
        m = token.search(text, pos)
        if not m:
            break
        pos = m.end()
        if m.group(1):
            ns_stack.append(m.group(1))
            depth += 1
            depth_stack.append(depth)
        elif m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            if depth_stack and depth_stack[-1] == depth:
                depth_stack.pop()
                ns_stack.pop()
            depth -= 1
        else:
            attrs, kind, name = m.group(2), m.group(3), m.group(4)
            full = ".".join(ns_stack + [name]) if ns_stack else name
            if kind == "runtimeclass":
                body_start = text.index("{", pos)
                body_end = text.index("}", body_start)
                body = text[body_start + 1:body_end]
                members = re.findall(r"(\[default\]\s*)?interface\s+([^;]+);", body)
                classes[full] = {"attrs": attrs, "interfaces": members}
                pos = body_end + 1
            else:
                ifaces[full] = {"attrs": attrs}
    return ifaces, classes


def attr_values(attrs, name):
    return [a.strip() for a in re.findall(r"\b%s\(([^()]*)\)" % name, attrs)]


# ----------------------------------------------------------------------------- checks
def check_vtable(where, members, want_base, want_methods, fails):
    base = "IInspectable" if members[:6] == IINSPECTABLE else (
        "IUnknown" if members[:3] == IUNKNOWN else "?")
    if base != want_base:
        fails.add(where, "base is %s, the reference says %s" % (base, want_base))
        return
    got = members[len(IINSPECTABLE if base == "IInspectable" else IUNKNOWN):]
    if got == want_methods:
        return
    for i in range(max(len(got), len(want_methods))):
        g = got[i] if i < len(got) else "(none)"
        w = want_methods[i] if i < len(want_methods) else "(none)"
        if g != w:
            fails.add(where, "vtable slot %d (method %d after %s) is %s, the reference has %s"
                      % (i + (6 if base == "IInspectable" else 3), i, base, g, w))
            break
    if len(got) != len(want_methods):
        fails.add(where, "%d methods after %s, the reference has %d" % (len(got), base, len(want_methods)))


def check_interface(cname, hdr, all_headers, ref, namer, pin, fails, seen_params):
    try:
        name = namer.name_of(cname, all_headers)
    except KeyError as e:
        fails.add(cname, str(e))
        return None
    iid = hdr.iids.get(cname)
    members = hdr.vtbls[cname]
    where = "%s (%s, %s)" % (name, cname, os.path.basename(hdr.path))
    if iid is None:
        fails.add(where, "no IID defined")
        return name
    if "<" in name:
        gen = name.split("<", 1)[0]
        g = ref["generics"][gen]
        try:
            sig = pin.signature_of(name, ref)
        except KeyError as e:
            fails.add(where, "cannot build its WinRT signature: unknown type %s" % e)
            return name
        want = pin.iid_from_signature(sig)
        if iid != want:
            fails.add(where, "IID %s, but signature %s gives %s" % (iid, sig, want))
        p = ref["parameterized"].get(name)
        if p is not None:
            seen_params.add(name)
            if p["iid"].lower() != iid:
                fails.add(where, "IID %s, the reference's parameterized entry has %s" % (iid, p["iid"]))
            if p["signature"] != sig:
                fails.add(where, "signature %s, the reference has %s" % (sig, p["signature"]))
        check_vtable(where, members, g["base"], g["methods"], fails)
        return name
    d = ref["interfaces"].get(name)
    if d is None:
        fails.add(where, "declared, but the reference has no such interface")
        return name
    if d["iid"].lower() != iid:
        fails.add(where, "IID %s, the reference has %s" % (iid, d["iid"]))
    check_vtable(where, members, d["base"], d["methods"], fails)
    return name


def load_pinterface(ref_dir):
    sys.path.insert(0, ref_dir)
    try:
        import pinterface_iid  # noqa: E402  (the reference's own algorithm)
    finally:
        sys.path.pop(0)
    return pinterface_iid


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", required=True, help="directory of winrt-bluetooth-abi.json")
    ap.add_argument("--header", action="append", default=[], help="a generated header of ours")
    ap.add_argument("--idl", action="append", default=[], help="an IDL file of ours")
    ap.add_argument("--base-include", action="append", default=[],
                    help="a directory holding the base headers (windows.foundation.h, ...)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv[1:])

    json_path = os.path.join(a.reference, "winrt-bluetooth-abi.json")
    if not os.path.isfile(json_path) or not os.path.isfile(os.path.join(a.reference, "pinterface_iid.py")):
        print("check_winrt_abi: the ABI reference is missing: %s (and pinterface_iid.py beside it)\n"
              "  It lives in shared/winrt-abi/ next to the blec clone; set BLEC_WINRT_ABI_REFERENCE "
              "to its directory." % json_path, file=sys.stderr)
        return 2
    if not a.header or not a.idl:
        print("check_winrt_abi: give at least one --header and one --idl", file=sys.stderr)
        return 2
    for p in a.header + a.idl:
        if not os.path.isfile(p):
            print("check_winrt_abi: missing input %s" % p, file=sys.stderr)
            return 2
    with open(json_path) as fh:
        ref = json.load(fh)
    pin = load_pinterface(a.reference)
    namer = Namer(ref)
    fails = Failures()
    seen_params = set()

    headers = [Header(p) for p in a.header]
    ours = {}  # C name -> header defining its vtable
    for h in headers:
        for cname in h.vtbls:
            ours.setdefault(cname, h)
    checked = {}
    for cname, h in sorted(ours.items()):
        n = check_interface(cname, h, headers, ref, namer, pin, fails, seen_params)
        if n:
            checked[n] = cname

    # Enums.
    n_enums = 0
    for h in headers:
        for cenum, vals in h.enums.items():
            name = namer.demangle_c(cenum)
            n_enums += 1
            e = ref["enums"].get(name)
            if e is None:
                fails.add(name, "enum declared, but the reference has no such enum")
                continue
            short = name.rsplit(".", 1)[1]
            got = {k[len(short) + 1:] if k.startswith(short + "_") else k: v for k, v in vals.items()}
            want = e["values"]
            for k in sorted(set(got) | set(want)):
                if k not in want:
                    fails.add(name, "value %s = %d is not in the reference" % (k, got[k]))
                elif k not in got:
                    fails.add(name, "value %s = %d is missing" % (k, want[k]))
                elif got[k] != want[k]:
                    fails.add(name, "value %s is %d, the reference has %d" % (k, got[k], want[k]))

    # IDL attributes and runtime classes.
    class_names = set()
    for h in headers:
        class_names |= h.runtime_class_names
    n_classes = 0
    for path in a.idl:
        ifaces, classes = parse_idl(path)
        for name, info in ifaces.items():
            d = ref["interfaces"].get(GLOBAL_NAMES.get(name, name))
            if d is None:
                continue  # reported above through its vtable (or a hand-made instantiation)
            ex = attr_values(info["attrs"], "exclusiveto")
            if (ex[0] if ex else None) != d.get("exclusiveto"):
                fails.add(name, "exclusiveto(%s), the reference says %s" % (ex[0] if ex else "none", d.get("exclusiveto")))
            con = attr_values(info["attrs"], "contract")
            con = " ".join(x.strip() for x in con[0].split(",")) if con else None
            if con != d.get("contract"):
                fails.add(name, "contract %s, the reference says %s" % (con, d.get("contract")))
        for name, info in classes.items():
            n_classes += 1
            c = ref["classes"].get(name)
            if c is None:
                fails.add(name, "runtime class declared, but the reference has no such class")
                continue
            if name not in class_names:
                fails.add(name, "no RuntimeClass_ name string in the generated headers")
            defaults = [namer.from_idl(t) for d_, t in info["interfaces"] if d_]
            listed = [namer.from_idl(t) for _, t in info["interfaces"]]
            if defaults != ([c["default_interface"]] if c["default_interface"] else []):
                fails.add(name, "default interface %s, the reference has %s" % (defaults, c["default_interface"]))
            for i in listed:
                if i not in c["interfaces"]:
                    fails.add(name, "implements %s, which the reference does not list" % i)
            attrs = info["attrs"]
            for s in attr_values(attrs, "static"):
                if s.split(",")[0].strip() not in c["statics"]:
                    fails.add(name, "static(%s) is not in the reference" % s.split(",")[0])
            for act in attr_values(attrs, "activatable"):
                first = act.split(",")[0].strip()
                if first.endswith("Contract"):
                    if not c["activatable_default_ctor"]:
                        fails.add(name, "activatable() without factory, the reference has no default constructor")
                elif first not in c["factories"]:
                    fails.add(name, "activatable(%s) is not in the reference" % first)
            con = attr_values(attrs, "contract")
            con = " ".join(x.strip() for x in con[0].split(",")) if con else None
            if con != c.get("contract"):
                fails.add(name, "contract %s, the reference says %s" % (con, c.get("contract")))

    # What our headers use but do not define: check it where the compiler finds it.
    our_classes = set()
    for path in a.idl:
        our_classes |= set(parse_idl(path)[1])
    used = set(ALWAYS_USED)
    for h in headers:
        used |= {r for r in h.referenced if not r.endswith(("_FWD_DEFINED__", "_INTERFACE_DEFINED__"))}
    foreign = set()
    for r in used:
        if r in ours:
            continue
        # Method wrappers (NAME_Method) and Vtbl names are not types.
        if any(r.startswith(o + "_") or r == o + "Vtbl" for o in ours):
            continue
        if any(r in h.enums or r in h.structs for h in headers):
            continue
        try:
            if namer.demangle_c(r) in our_classes:
                continue  # a runtime class of ours: C knows it as its default interface
        except KeyError:
            pass
        foreign.add(r)
    base_sets = []
    for d in a.base_include:
        hs = [Header(os.path.join(d, n)) for n in BASE_HEADER_NAMES if os.path.isfile(os.path.join(d, n))]
        if not hs:
            fails.add(d, "no base header (%s) in this --base-include directory" % ", ".join(BASE_HEADER_NAMES))
        base_sets.append((d, hs))
    foreign_types = set()
    for r in foreign:
        # keep type names only: drop wrapper macros of base interfaces (X_Method) later
        foreign_types.add(r)
    n_base = 0
    for d, hs in base_sets:
        vt = {}
        for h in hs:
            for cname in h.vtbls:
                vt.setdefault(cname, h)
        enums, structs = {}, {}
        for h in hs:
            enums.update(h.enums)
            structs.update(h.structs)
        for r in sorted(foreign_types):
            if r in vt:
                n_base += 1
                check_interface(r, vt[r], hs, ref, namer, pin, fails, seen_params)
                continue
            if any(r.startswith(o + "_") or r == o + "Vtbl" for o in vt) or r in enums:
                continue
            if r in structs:
                name = namer.demangle_c(r)
                st = ref["structs"].get(name)
                if st is None:
                    fails.add("%s (%s)" % (name, d), "struct used, but the reference has no such struct")
                    continue
                got = [(f.lower(), FIELD_SIGS.get(t, t)) for t, f in structs[r]]
                want = [(f.lower(), t) for f, t in st["fields"]]
                if got != want:
                    fails.add("%s (%s)" % (name, d), "fields %s, the reference has %s" % (got, want))
                n_base += 1
                continue
            # A type used only by pointer (IInputStream, IMemoryBuffer): it must at least exist.
            try:
                name = namer.name_of(r, hs + headers)
            except KeyError as e:
                fails.add(r, "used by our headers, defined nowhere we can check (%s)" % e)
                continue
            if name not in ref["interfaces"] and name not in ref["classes"]:
                fails.add(r, "used by our headers as %s, which the reference lacks" % name)
            elif a.verbose:
                print("  %s: %s (%s)" % (name, OPAQUE_OK, d))
        # The enums our headers use from the base headers (AsyncStatus, ...).
        for cenum, vals in enums.items():
            if cenum not in used:
                continue
            name = namer.demangle_c(cenum)
            e = ref["enums"].get(name)
            if e is None:
                continue
            short = name.rsplit(".", 1)[1]
            got = {k[len(short) + 1:] if k.startswith(short + "_") else k: v for k, v in vals.items()}
            for k, v in e["values"].items():
                if got.get(k) != v:
                    fails.add("%s (%s)" % (name, d), "value %s is %s, the reference has %d" % (k, got.get(k), v))

    if a.verbose:
        for n in sorted(set(ref["parameterized"]) - seen_params):
            print("  reference instantiation not used by blec: %s" % n)
        for n in sorted(checked):
            print("  checked %s" % n)
    print("check_winrt_abi: %d interfaces/instantiations of ours, %d enums, %d runtime classes, "
          "%d base interfaces (in %d base directories), %d reference parameterized IIDs matched"
          % (len(ours), n_enums, n_classes, n_base, len(base_sets), len(seen_params)))
    if fails.items:
        for f in fails.items:
            print("MISMATCH %s" % f)
        print("check_winrt_abi: %d mismatches" % len(fails.items))
        return 1
    print("check_winrt_abi: everything matches the reference")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
