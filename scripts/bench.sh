#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: install, build, boot the VM, load tgem and run tgem_bench,
# which drives the move benchmark module tgem_bench.ko (debugfs
# tgem_bench/move: tgem's move path against plain memcpy_toio and
# memcpy_fromio, and the eviction of 1,000 small BOs, on a tgem device of
# the module's own, with tgem unbound from the ivshmem BAR for the run)
# seven times on 64 MiB and prints a table of the medians; then the fault
# benchmark, with tgem bound again. Fails if a benchmark fails or the
# kernel log shows a splat.
#
# The VM runs the debug test kernel (KASAN, lockdep), under TCG unless KVM
# works here: absolute MiB/s mean little, the tgem/memcpy ratios are the
# result. The guest's RAM and VRAM are preallocated on the host, so that no
# measurement pays for the host's first touch of a page.
#
# TGEM_DEV_OOT=1 works as for make check: no setup and no kernel build;
# the out-of-tree modules of this checkout are built into $TGEM_OUT/oot
# and replace the in-tree ones. Give each checkout its own TGEM_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$TGEM_OUT"
if [ -z "${TGEM_DEV_OOT:-}" ]; then
	"$TGEM_TOP/scripts/setup.sh"
	"$TGEM_TOP/scripts/build-kernel.sh"
else
	tgem_log "building the out-of-tree modules"
	"$TGEM_TOP/scripts/build-oot.sh" > "$TGEM_OUT/oot-build.log" 2>&1 ||
		{ tail -20 "$TGEM_OUT/oot-build.log" >&2; tgem_die "out-of-tree build failed"; }
fi
make -s -C "$TGEM_TOP/tests/uapi" OUT="$TGEM_OUT/uapi" KSRC="$KSRC" KHDR="$KBUILD/usr/include"
"$TGEM_TOP/scripts/mkinitramfs.sh" "$TGEM_OUT/initramfs.cpio.gz"

console=$TGEM_OUT/console-bench.log
TGEM_MEM_PREALLOC=1 "$TGEM_TOP/scripts/vm-run.sh" bench "$TGEM_OUT/initramfs.cpio.gz" "$console" 1800
sed -n '/^TGEM-GUEST-BEGIN/p;/^TGEM-BENCH-BEGIN/,/^TGEM-BENCH-END/p' "$console" |
	grep -v '^TGEM-BENCH-BEGIN' | tr -d '\r'
python3 "$TGEM_TOP/scripts/parse-results.py" --splats "$console" ||
	tgem_die "kernel splat during the benchmark; console log: $console"
grep -q '^TGEM-BENCH-END rc=0' "$console"
