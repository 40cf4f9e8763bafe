#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: install, build, static checks, then the VM run with the
# userspace uAPI suite and the KUnit suites. Ends with the line
# "check: N passed, N failed"; exits non-zero if anything failed.
#
# TGEM_DEV_OOT=1 is for working on several changes at once: it leaves the
# shared kernel build alone (no setup, no kernel build) and tests the
# out-of-tree tgem.ko and tgem_test.ko built from this checkout instead;
# give each checkout its own TGEM_OUT.
set -euo pipefail
# make check always tests the debug kernel (KASAN, lockdep, KUnit).
export TGEM_KERNEL=debug
. "$(dirname "$0")/lib.sh"
start=$SECONDS

if [ -z "${TGEM_DEV_OOT:-}" ]; then
	"$TGEM_TOP/scripts/setup.sh"
	"$TGEM_TOP/scripts/build-kernel.sh"
fi
mkdir -p "$TGEM_OUT"
echo "# kernel: $(make -s -C "$KSRC" kernelversion) from $(dpkg-query -W -f='${Package} ${Version}' linux-source-6.12), running as $(tgem_krelease)"

results=$TGEM_OUT/results
: > "$results"
# TGEM_QUICK=1, a developer shortcut: no static checks, only the main boot.
if [ -z "${TGEM_QUICK:-}" ]; then
	tgem_log "static checks"
	"$TGEM_TOP/scripts/static-checks.sh" | tee -a "$results"
elif [ -n "${TGEM_DEV_OOT:-}" ]; then
	# The static checks are what builds the out-of-tree modules.
	"$TGEM_TOP/scripts/build-oot.sh" W=1 > "$TGEM_OUT/oot-build.log" 2>&1 ||
		{ tail -30 "$TGEM_OUT/oot-build.log"; tgem_die "out-of-tree build failed"; }
fi

tgem_log "building the userspace programs"
make -s -C "$TGEM_TOP/tests/uapi" OUT="$TGEM_OUT/uapi" KSRC="$KSRC" KHDR="$KBUILD/usr/include"
"$TGEM_TOP/scripts/mkinitramfs.sh" "$TGEM_OUT/initramfs.cpio.gz"

# TGEM_BOOTS, a developer shortcut: which boots to run, of "check novram
# pud" (all three by default; TGEM_QUICK=1 makes the default "check").
boots=${TGEM_BOOTS:-check novram pud}
[ -n "${TGEM_QUICK:-}" ] && boots=${TGEM_BOOTS:-check}
boot_on() { case " $boots " in *" $1 "*) return 0 ;; esac; return 1; }

if boot_on check; then
	console=$TGEM_OUT/console-check.log
	if "$TGEM_TOP/scripts/vm-run.sh" check "$TGEM_OUT/initramfs.cpio.gz" "$console"; then
		echo "ok - vm: guest ran to the end" | tee -a "$results"
	else
		echo "not ok - vm: guest ran to the end (see $console)" | tee -a "$results"
	fi
	python3 "$TGEM_TOP/scripts/parse-results.py" "$console" "$KSRC" 2> "$TGEM_OUT/parse.log" |
		grep -v '^tgem-vm:' | tee -a "$results" || true
	grep '^# ' "$TGEM_OUT/parse.log" || true
fi

# A second, short boot with no VRAM device: the system-memory-only device.
if boot_on novram; then
	console=$TGEM_OUT/console-novram.log
	if TGEM_VRAM_MB=0 "$TGEM_TOP/scripts/vm-run.sh" novram "$TGEM_OUT/initramfs.cpio.gz" "$console"; then
		echo "ok - novram: guest ran to the end" | tee -a "$results"
	else
		echo "not ok - novram: guest ran to the end (see $console)" | tee -a "$results"
	fi
	python3 "$TGEM_TOP/scripts/parse-results.py" --novram "$console" "$KSRC" 2> "$TGEM_OUT/parse-novram.log" |
		grep -v '^tgem-vm:' | tee -a "$results" || true
	grep '^# ' "$TGEM_OUT/parse-novram.log" || true
fi

# A third, short boot with 2 GiB of VRAM, for the 1 GiB PUD tests only:
# the main boot's tests fill VRAM, and 2 GiB there would make them slower
# than this boot costs (Documentation/testing.rst).
if boot_on pud; then
	console=$TGEM_OUT/console-pud.log
	if TGEM_VRAM_MB=2048 TGEM_MEM_MB=3072 "$TGEM_TOP/scripts/vm-run.sh" pud "$TGEM_OUT/initramfs.cpio.gz" "$console"; then
		echo "ok - pud: guest ran to the end" | tee -a "$results"
	else
		echo "not ok - pud: guest ran to the end (see $console)" | tee -a "$results"
	fi
	python3 "$TGEM_TOP/scripts/parse-results.py" --pud "$console" "$KSRC" 2> "$TGEM_OUT/parse-pud.log" |
		grep -v '^tgem-vm:' | tee -a "$results" || true
	grep '^# ' "$TGEM_OUT/parse-pud.log" || true
fi

passed=$(grep -c '^ok ' "$results" || true)
failed=$(grep -c '^not ok ' "$results" || true)
echo "# took $((SECONDS - start)) s; console logs in $TGEM_OUT"
echo "check: $passed passed, $failed failed${TGEM_QUICK:+ (quick)}"
# A quick run's filters leave suites out on purpose: it reports, never fails.
[ -n "${TGEM_QUICK:-}" ] && exit 0
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
