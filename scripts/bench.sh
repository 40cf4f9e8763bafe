#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: install, build the release kernel, boot the VM, load tgem and
# run the benchmarks, then print one summary table and one machine-readable
# line per figure. Fails if a benchmark fails, the kernel log shows a
# splat, or the guest CPU advertises ERMS or FSRM.
#
# The benchmarks: tgem_bench, which drives the move benchmark module
# tgem_bench.ko (debugfs tgem_bench/move: tgem's whole move against the
# same copy primitives on a linear mapping, the copy loop alone, the parts
# of a move out of VRAM, and the eviction of 1,000 small BOs, on a tgem
# device of the module's own, with tgem unbound from the ivshmem BAR for
# the run), seven interleaved runs of 64 MiB; then tgem_fault_bench (first
# touch of 64 MiB through CPU faults, and of a 1 GiB BO in one PUD fault),
# seven runs, with tgem bound again. The VM has 2 GiB of VRAM.
#
# The kernel is the release configuration (TGEM_KERNEL=release:
# scripts/kernel.config with scripts/kernel-release.config on top, no
# KASAN, lockdep, kmemleak or other debug options), built once into its
# own directory of the cache; make check keeps the debug kernel. The guest
# CPU is -cpu max,-erms,-fsrm under TCG (-cpu host,-erms,-fsrm under KVM):
# with ERMS or FSRM the kernel and libc copy and clear with rep movsb/stosb,
# which TCG runs about ten times slower than the other forms, so a ratio
# would say which instruction each side happened to use (README.md,
# "Benchmarks"). The guest's RAM and VRAM are preallocated on the host, so
# that no measurement pays for the host's first touch of a page.
#
# Each program prints, for every figure, the lines
#   bench: <key> median=<v> min=<v> max=<v> goal=<op><v>
#   bench-info: <key>|<runs>|<what>|<tgem>|<baseline>|<note>
# (tests/uapi/tgem_bench_stats.h); this script collects them into the
# summary, so a new benchmark adds rows by printing them.
#
# TGEM_BENCH_ONLY=fault (or a comma-separated list of move, fault, exec,
# userptr, submit, engine) runs only those benchmarks, a shortcut while
# working on one of them; the summary then lacks the rest.
#
# TGEM_DEV_OOT=1 works as for make check: no setup and no kernel build;
# the out-of-tree modules of this checkout are built against the release
# kernel into $TGEM_OUT/oot and replace the in-tree ones. Give each
# checkout its own TGEM_OUT.
set -euo pipefail
export TGEM_KERNEL=${TGEM_KERNEL:-release}
. "$(dirname "$0")/lib.sh"
export TGEM_CPU_FEATURES=${TGEM_CPU_FEATURES-,-erms,-fsrm}
# 2 GiB of VRAM, so a free, aligned 1 GiB block exists for the PUD figure
# (fault_vram_1g_faults).
export TGEM_VRAM_MB=${TGEM_VRAM_MB:-2048}

mkdir -p "$TGEM_OUT"
if [ -z "${TGEM_DEV_OOT:-}" ]; then
	"$TGEM_TOP/scripts/setup.sh"
	"$TGEM_TOP/scripts/build-kernel.sh"
else
	tgem_log "building the out-of-tree modules against the $TGEM_KERNEL kernel"
	# The benchmark module even if the kernel's tgem Kconfig predates it.
	"$TGEM_TOP/scripts/build-oot.sh" CONFIG_DRM_TGEM_BENCH=m > "$TGEM_OUT/oot-build.log" 2>&1 ||
		{ tail -20 "$TGEM_OUT/oot-build.log" >&2; tgem_die "out-of-tree build failed"; }
fi
make -s -C "$TGEM_TOP/tests/uapi" OUT="$TGEM_OUT/uapi" KSRC="$KSRC" KHDR="$KBUILD/usr/include"
"$TGEM_TOP/scripts/mkinitramfs.sh" "$TGEM_OUT/initramfs.cpio.gz"

console=$TGEM_OUT/console-bench.log
TGEM_MEM_PREALLOC=1 "$TGEM_TOP/scripts/vm-run.sh" bench "$TGEM_OUT/initramfs.cpio.gz" "$console" 1800
out=$TGEM_OUT/bench.txt
sed -n '/^TGEM-GUEST-BEGIN/p;/^TGEM-BENCH-BEGIN/,/^TGEM-BENCH-END/p' "$console" |
	grep -v '^TGEM-BENCH-BEGIN' | tr -d '\r' > "$out"
grep -v -e '^bench: ' -e '^bench-info: ' "$out"
python3 "$TGEM_TOP/scripts/parse-results.py" --splats "$console" ||
	tgem_die "kernel splat during the benchmark; console log: $console"

# Both sides of every ratio must run the same instructions: no rep movsb
# or rep stosb variants chosen by ERMS/FSRM (the module reports the
# kernel's view, the guest's /proc/cpuinfo the rest).
if grep -qE '^cpu: erms=1|fsrm=1' "$out" ||
   grep '^bench-cpu:' "$out" | grep -qwE 'erms|fsrm'; then
	tgem_die "the guest CPU advertises ERMS or FSRM: ratios would compare rep movsb with other copies (TGEM_CPU_FEATURES=$TGEM_CPU_FEATURES)"
fi

echo
echo "summary: $TGEM_KERNEL kernel $(sed -n 's/^TGEM-GUEST-BEGIN kernel=\([^ ]*\).*/\1/p' "$out")," \
	"CPU features $TGEM_CPU_FEATURES; $(sed -n 's/^bench-cpu: //p' "$out")"
python3 - "$out" <<'EOF'
import re, sys
info, res = {}, []
for line in open(sys.argv[1]):
    line = line.rstrip('\n')
    if line.startswith('bench-info: '):
        k, *rest = line[12:].split('|')
        info[k] = rest
    m = re.match(r'bench: (\S+) median=(\S+) min=(\S+) max=(\S+) goal=(\S+)$', line)
    if m:
        res.append(m.groups())
rows = [("key", "measured", "tgem", "baseline", "min/median/max", "runs", "goal", "met")]
for k, med, lo, hi, goal in res:
    runs, what, tgem, base, note = (info.get(k) or ["?"] * 5)[:5]
    g = float(goal[2:])
    met = float(med) >= g if goal.startswith('>=') else float(med) <= g
    verdict = ("yes" if met else "NO") + ("*" if note else "")
    f = lambda v: f"{float(v):.0f}" if float(v) >= 10 else f"{float(v):.3f}"
    rows.append((k, what, tgem, base, f"{f(lo)}/{f(med)}/{f(hi)}",
                 runs, goal, verdict))
w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for n, r in enumerate(rows):
    print("| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |")
    if n == 0:
        print("|" + "|".join("-" * (x + 2) for x in w) + "|")
if any(r[7].endswith('*') for r in rows[1:]):
    print("*: the runs spread wider than the distance from the median to the goal")
print()
for k, med, lo, hi, goal in res:
    print(f"bench: {k} median={med} min={lo} max={hi} goal={goal}")
EOF
grep -q '^TGEM-BENCH-END rc=0' "$out"
