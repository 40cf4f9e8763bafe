#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot the test kernel with the initramfs in QEMU and wait for it to power
# off. The serial console goes to <log>. TCG unless a cached probe showed
# that KVM really boots a guest on this machine (TGEM_KVM=0 skips KVM).
# The guest gets an ivshmem-plain PCI device whose BAR is tgem's VRAM
# (TGEM_VRAM_MB, default 256; 0 for none). make check's pud boot and make
# bench give it 2048: the firmware places that 64-bit BAR above 4 GiB,
# aligned to its size like every BAR, so its GiBs are 1 GiB aligned for
# tgem's PUD mappings. Its host memory is allocated up front
# (prealloc=on), as VRAM would be: left lazy, the first guest access to
# each page costs a host page fault, which made VRAM moves vary tenfold in
# make bench. TGEM_MEM_MB sets the guest's RAM (default 2048; the pud
# boot takes 3072 to move a 1 GiB BO to system memory and back).
# TGEM_MEM_PREALLOC=1 preallocates the guest's RAM the same way (make
# bench sets it; the other modes do not need to wait).
# TGEM_KERNEL (scripts/lib.sh) picks the kernel to boot: debug or release.
# TGEM_CPU_FEATURES is appended to the CPU model (-cpu max under TCG,
# -cpu host under KVM): make bench sets ",-erms,-fsrm" (see README.md,
# "Benchmarks"); make check leaves the model alone.
#
# Usage: scripts/vm-run.sh <mode> <initramfs> <log> [timeout seconds]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:?usage: vm-run.sh <mode> <initramfs> <log> [timeout]}
initrd=${2:?}
log=${3:?}
limit=${4:-1500}
kernel=$KBUILD/arch/x86/boot/bzImage

vram_mb=${TGEM_VRAM_MB:-256}
mem_mb=${TGEM_MEM_MB:-2048}
# Developer shortcuts (never set by make check): run only some suites.
extra=
[ -n "${TGEM_UAPI_ONLY:-}" ] && extra+=" tgemonly=$TGEM_UAPI_ONLY"
[ -n "${TGEM_KUNIT_FILTER:-}" ] && extra+=" kunit.filter_glob=$TGEM_KUNIT_FILTER"
[ -n "${TGEM_BENCH_ONLY:-}" ] && extra+=" tgembench=$TGEM_BENCH_ONLY"
vram=()
[ "$vram_mb" -gt 0 ] && vram=(-object "memory-backend-ram,id=tgemvram,size=${vram_mb}M,prealloc=on"
			      -device ivshmem-plain,memdev=tgemvram)

prealloc=()
[ "${TGEM_MEM_PREALLOC:-0}" = 1 ] && prealloc=(-mem-prealloc)

run_qemu() { # accel-args... ; uses $mode $initrd $log $limit
	timeout -k 10 "$limit" qemu-system-x86_64 "$@" "${vram[@]}" "${prealloc[@]}" \
		-smp 2 -m "$mem_mb" -display none -monitor none -no-reboot \
		-serial "file:$log" -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=5 log_buf_len=4M panic=-1 tgemvm=$mode tgemvram=$vram_mb$extra" \
		</dev/null
}

cpu_features=${TGEM_CPU_FEATURES:-}
accel=(-accel tcg -cpu "max$cpu_features")
if [ "${TGEM_KVM:-auto}" != 0 ] && [ -w /dev/kvm ]; then
	probe=$TGEM_CACHE/kvm-probe.$(qemu-system-x86_64 --version | head -1 | md5sum | cut -c1-8)
	if [ ! -f "$probe" ]; then
		tgem_log "probing whether KVM boots a guest here (60 s at most)"
		if (mode=probe limit=60 log=$probe.log run_qemu -accel kvm -cpu host) &&
		   grep -q TGEM-PROBE-OK "$probe.log"; then
			echo yes > "$probe"
		else
			echo no > "$probe"
		fi
	fi
	[ "$(cat "$probe")" = yes ] && accel=(-accel kvm -cpu "host$cpu_features")
fi

# One VM at a time on this machine, whichever checkout asks (two TCG
# guests on two cores only thrash, and time out).
exec 9>"$TGEM_CACHE/vm.lock"
flock 9

tgem_log "booting the $TGEM_KERNEL kernel (mode $mode, ${accel[1]}, -cpu ${accel[3]}), console in $log"
rm -f "$log"
rc=0
run_qemu "${accel[@]}" || rc=$?
[ $rc = 124 ] && tgem_log "VM timed out after $limit s"
grep -q TGEM-GUEST-END "$log" 2>/dev/null || { tgem_log "VM did not finish (rc $rc)"; exit 1; }
exit 0
