#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn the test VM's console log into one TAP-style line per test.

Reads the console log written by scripts/vm-run.sh (mode check) and
prints, for each result found:

  ok - <name>        or        not ok - <name>

followed by the counts on the last line: "tgem-vm: N passed, N failed".
Sources, in order: the guest's own checks, the userspace uAPI suite
(kselftest TAP), the KUnit suites (parsed by the kernel's kunit.py), the
kmemleak report, and a scan of the whole log for kernel splats.

With --splats <console> it only scans for splats (for the other VM modes,
such as make bench): prints them and exits 1 if there is any.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

SPLAT = re.compile(
    r"(BUG:|WARNING:|kernel BUG at|KASAN:|UBSAN:|Oops:|general protection fault|"
    r"Kernel panic|INFO: task .* blocked for more than|rcu: INFO:|"
    r"detected stall|soft lockup|hard LOCKUP|unreferenced object|"
    r"possible recursive locking|inconsistent lock state|"
    r"circular locking dependency|ODEBUG:|Call Trace:|"
    r"bad (pgd|p4d|pud|pmd|pte)\b)")


def block(lines, begin, end):
    """Lines strictly between the first line starting with begin and end."""
    out, inside = [], False
    for line in lines:
        if line.startswith(begin):
            inside = True
            continue
        if inside and line.startswith(end):
            return out, line
        if inside:
            out.append(line)
    return (out, None) if inside else (None, None)


def read_suites():
    """The userspace suites, from tests/uapi/SUITES."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "tests", "uapi", "SUITES")
    with open(path) as f:
        suites = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    # The developer shortcut TGEM_UAPI_ONLY ran only these suites in the
    # VM (Documentation/testing.rst); the others are not failures then.
    only = os.environ.get("TGEM_UAPI_ONLY")
    if only:
        suites = [s for s in suites if s in only.split(",")]
    return suites


SUITES = read_suites()


def uapi_results(lines):
    """The userspace kselftest suites; yield (ok, name) per test."""
    for suite in SUITES:
        short = suite.replace("tgem_", "").replace("_test", "")
        body, end = block(lines, f"TGEM-UAPI-BEGIN {suite}",
                          f"TGEM-UAPI-END {suite}")
        if body is None or end is None:
            yield False, f"{short}: suite did not run to the end"
            continue
        n = 0
        for line in body:
            m = re.match(r"^(ok|not ok) \d+ (.*?)(\s+#\s*SKIP.*)?$", line)
            if m:
                n += 1
                if not m.group(3):
                    yield m.group(1) == "ok", f"{short}: {m.group(2)}"
        if not n:
            yield False, f"{short}: no test ran"
        if not end.endswith("rc=0"):
            yield False, f"{short}: suite exit status ({end})"


def pud_results(lines):
    """The pud boot: tgem_fault_test's vram_1g_* tests, none may skip."""
    body, end = block(lines, "TGEM-UAPI-BEGIN tgem_fault_test",
                      "TGEM-UAPI-END tgem_fault_test")
    if body is None or end is None:
        yield False, "fault: suite did not run to the end"
        return
    n = 0
    for line in body:
        m = re.match(r"^(ok|not ok) \d+ (.*?)(\s+#\s*SKIP.*)?$", line)
        if m:
            n += 1
            yield m.group(1) == "ok" and not m.group(3), \
                f"fault: {m.group(2)}" + (" (skipped)" if m.group(3) else "")
    yield n >= 4, f"fault: the 1 GiB tests ran ({n} of at least 4)"
    yield end.endswith("rc=0"), f"fault: suite exit status ({end})"


def kunit_results(ksrc, lines):
    """Run kunit.py parse over the kernel log; yield (ok, name)."""
    dmesg, _ = block(lines, "TGEM-DMESG-BEGIN", "TGEM-DMESG-END")
    if dmesg is None:
        yield False, "kunit: kernel log not captured"
        return
    # Only what the KUnit module printed: the guest marks where it starts.
    starts = [i for i, l in enumerate(dmesg) if "TGEM-KUNIT-START" in l]
    if not starts:
        yield False, "kunit: the KUnit module was never loaded"
        return
    dmesg = dmesg[starts[-1] + 1:]
    with tempfile.NamedTemporaryFile("w", suffix=".log") as log, \
            tempfile.NamedTemporaryFile("r", suffix=".json") as js:
        log.write("\n".join(dmesg) + "\n")
        log.flush()
        proc = subprocess.run(
            [sys.executable, f"{ksrc}/tools/testing/kunit/kunit.py", "parse",
             f"--json={js.name}", log.name],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sys.stderr.write(proc.stdout)
        try:
            data = json.load(open(js.name))
        except (ValueError, OSError):
            yield False, "kunit: kunit.py produced no results"
            return

    def walk(group, prefix):
        for case in group.get("test_cases", []):
            yield case["status"], f"{prefix}{case['name']}"
        for sub in group.get("sub_groups", []):
            yield from walk(sub, f"{prefix}{sub['name']}.")

    found = 0
    for status, name in walk(data, "kunit: "):
        found += 1
        if status == "SKIP":
            continue
        yield status == "PASS", name
    if not found:
        yield False, "kunit: no KUnit test ran"


def read_lines(console):
    text = open(console, errors="replace").read().replace("\r", "")
    return text.split("\n")


def splats_only(console):
    splats = [l for l in read_lines(console) if SPLAT.search(l)]
    for l in splats[:40]:
        print(f"# splat: {l}")
    return 1 if splats else 0


def main():
    if sys.argv[1] == "--splats":
        return splats_only(sys.argv[2])
    # --novram: the second, shorter boot without a VRAM device: guest
    # checks, the uAPI suite and the splat scan, names prefixed "novram".
    # --pud: the third, with 2 GiB of VRAM: guest checks, the 1 GiB PUD
    # tests (each must run, not skip) and the splat scan, prefixed "pud".
    novram = sys.argv[1] == "--novram"
    pud = sys.argv[1] == "--pud"
    if novram or pud:
        sys.argv.pop(1)
    console, ksrc = sys.argv[1], sys.argv[2]
    lines = read_lines(console)
    results = []

    for line in lines:
        m = re.match(r"^(ok|not ok) - (guest: .*)$", line)
        if m:
            results.append((m.group(1) == "ok", m.group(2)))

    if novram:
        body, end = block(lines, "TGEM-UAPI-BEGIN tgem_uapi_test",
                          "TGEM-UAPI-END tgem_uapi_test")
        results.append((end is not None and end.endswith("rc=0"),
                        "uapi suite passes on a device without VRAM"))
    elif pud:
        results.extend(pud_results(lines))
    else:
        results.extend(uapi_results(lines))
        results.extend(kunit_results(ksrc, lines))

    leaks, _ = block(lines, "TGEM-KMEMLEAK-BEGIN", "TGEM-KMEMLEAK-END")
    if novram or pud:
        pass
    elif leaks is None:
        results.append((False, "kmemleak: report not captured"))
    else:
        leaked = [l for l in leaks if l.strip()]
        results.append((not leaked, "kmemleak: no leak after the tests"))
        for l in leaked[:20]:
            sys.stderr.write(f"# {l}\n")

    splats = [l for l in lines if SPLAT.search(l)]
    results.append((not splats, "kernel log: no splat (BUG/WARNING/KASAN/lockdep/"
                    "kmemleak/RCU stall/hung task)"))
    for l in splats[:40]:
        sys.stderr.write(f"# splat: {l}\n")

    if novram or pud:
        prefix = "novram: " if novram else "pud: "
        results = [(ok, prefix + name) for ok, name in results]
    passed = sum(1 for ok, _ in results if ok)
    failed = len(results) - passed
    for ok, name in results:
        print(f"{'ok' if ok else 'not ok'} - {name}")
    print(f"tgem-vm: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
