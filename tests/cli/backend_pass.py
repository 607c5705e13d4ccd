# SPDX-License-Identifier: MIT
"""The CLI scenarios of test_cli.py on a backend other than virtual.

ctest runs each scenario a second time as cli-winrt.NAME in the Windows build: blec.exe
under Wine with BLEC_BACKEND=winrt, the world served by the simulated Windows stack
(sim/winrt), which reads $BLEC_WORLD on first use (the default world without it).

What differs from the virtual pass, each with its reason:
  - a world file given with --world goes to the simulated stack as $BLEC_WORLD (--world
    itself means the virtual backend); a file that does not exist stays --world, so that
    the tool reports it before any backend starts, as it does on every backend;
  - NOT_APPLICABLE: scenarios that never reach a backend (the cli.NAME pass runs them),
    or that test what only the virtual backend has; skipped with the reason;
  - a command that fails with "not supported" because the backend does not claim the
    capability (exit 6 and the hint "another backend (--backend) may") skips its scenario,
    naming the capability: it runs by itself once the backend claims it;
  - KNOWN_FAILURES: scenarios that fail because of a defect of the backend, or of the
    simulated stack where it plays Windows otherwise than the world (and so the virtual
    backend) does; the reason says which. They run; a failure is reported loudly and counts
    as skipped; a pass fails the test, so that the entry is removed once the defect is fixed.
"""
import os
import sys

NO_BACKEND = "no backend involved: the cli.{name} pass runs it"

NOT_APPLICABLE = {
    "winrt": {
        "version": NO_BACKEND,
        "help_general": NO_BACKEND,
        "help_every_command": NO_BACKEND,
        "man_page": NO_BACKEND,
        "bad_arguments": NO_BACKEND,
        "bad_arguments_binary_junk": NO_BACKEND,
        "backend_unavailable": NO_BACKEND + " (it names another backend)",
        "world_file_errors": "world files are read by the tool for the virtual backend (--world); on winrt the "
                             "world is the simulated stack's own ($BLEC_WORLD), which a real PC does not have",
        "missing_world_file_has_one_exit_code": "world files are read by the tool for the virtual backend; on winrt "
                                                "the world is the simulated stack's own ($BLEC_WORLD)",
        "bond_store_defaults_to_the_user_state_directory": "the bond store file is the virtual backend's (Windows "
                                                           "keeps bonds itself)",
        "pair_then_read_uses_the_kept_bond": "bonds kept between programs: Windows keeps them, the simulated stack "
                                             "keeps them only inside one process (each blec.exe is a new one)",
    },
}

# name -> why it fails: "[backend]" or "[sim/winrt]", then the defect (to be fixed there).
KNOWN_FAILURES = {
    "winrt": {
    },
}


class Skip(Exception):
    pass


def _winpath(path):
    """A Unix path as the Windows program under Wine reads it (drive Z: is the root)."""
    return "Z:" + path.replace("/", "\\") if path.startswith("/") else path


def command(backend, args, env):
    """The command line and environment of one blec run on this backend."""
    if backend == "virtual" or "--world" not in args:
        return args, env
    i = args.index("--world")
    if i + 1 < len(args) and os.path.exists(args[i + 1]):
        env["BLEC_WORLD"] = _winpath(args[i + 1])
        args = args[:i] + args[i + 2:]
    return args, env


def _capability(args):
    """The BLEC_CAP_* a command needs beyond scanning, connecting and plain GATT."""
    if "unpair" in args:
        return "BLEC_CAP_UNPAIR"
    if "pair" in args or "--pair" in args:
        return "BLEC_CAP_PAIRING"
    if "--indicate" in args:
        return "BLEC_CAP_INDICATIONS"
    if "--no-scan" in args:
        return "BLEC_CAP_CONNECT_WITHOUT_SCAN"
    return "a capability"


def check_claimed(backend, args, rc, text):
    """A scenario whose command the backend refuses for want of a capability is skipped."""
    if backend != "virtual" and rc == 6 and "another backend (--backend) may" in text:
        line = next((x for x in text.splitlines() if x.startswith("blec: ")), text.strip()[:200])
        raise Skip(f"the {backend} backend does not claim {_capability(args)}, which "
                   f"'blec {' '.join(args)}' needs ({line})")


def _banner(text):
    bar = "*" * 78
    print(f"{bar}\n{text}\n{bar}")
    sys.stdout.flush()


def before(backend, name):
    """Skips a scenario that does not apply; announces a known failure."""
    if backend == "virtual":
        return
    reason = NOT_APPLICABLE.get(backend, {}).get(name)
    if reason:
        raise Skip(f"not applicable to {backend}: " + reason.format(name=name))
    known = KNOWN_FAILURES.get(backend, {}).get(name)
    if known:
        print(f"known failure on {backend} (tests/cli/backend_pass.py): {known}")


def failed(backend, name, message):
    print(message)
    known = KNOWN_FAILURES.get(backend, {}).get(name)
    if known:
        _banner(f"KNOWN FAILURE on {backend}: {known}\n"
                f"(listed in tests/cli/backend_pass.py; counted as skipped)")
        return 77
    return 1


def passed(backend, name):
    if KNOWN_FAILURES.get(backend, {}).get(name):
        _banner(f"cli-{backend}.{name} is listed as a known failure but PASSES: remove it from "
                f"KNOWN_FAILURES in tests/cli/backend_pass.py")
        return 1
    print("PASS")
    return 0
