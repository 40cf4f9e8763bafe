#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the test VM (busybox). The host reads what it prints on the
# serial console: TAP lines, marked blocks, and the kernel log at the end.
# Mode comes from the kernel command line: tgemvm=check|novram|pud|demo|bench|probe.

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mode=check
vram_mb=0
only=
bench_only=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	tgemvm=*) mode=${arg#tgemvm=} ;;
	tgemvram=*) vram_mb=${arg#tgemvram=} ;;
	tgemonly=*) only=${arg#tgemonly=} ;;
	tgembench=*) bench_only=${arg#tgembench=} ;;
	esac
done

if [ "$mode" = probe ]; then
	echo "TGEM-PROBE-OK"
	poweroff -f
fi

echo "TGEM-GUEST-BEGIN kernel=$(uname -r) mode=$mode cpus=$(grep -c ^processor /proc/cpuinfo)"

# Forget kmemleak's boot-time suspects: only what the tests leak counts.
if [ -f /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
fi

# check DESCRIPTION COMMAND...: one TAP-style line per guest check.
check() {
	desc=$1
	shift
	if "$@"; then echo "ok - guest: $desc"; else echo "not ok - guest: $desc"; fi
}

# The PCI devices tgem is bound to, by name (0000:00:04.0), one a line.
tgem_pci_devs() {
	for d in /sys/bus/pci/drivers/tgem/0000:*; do
		[ -e "$d" ] && echo "${d##*/}"
	done
}

render_node_named() {
	for n in /sys/class/drm/renderD*; do
		[ -e "$n/device/driver" ] || continue
		drv=$(basename "$(readlink "$n/device/driver")")
		[ "$drv" = "$1" ] && return 0
	done
	return 1
}

case "$mode" in
demo)
	modprobe tgem || { echo "TGEM-DEMO-FAILED modprobe"; poweroff -f; }
	echo "TGEM-DEMO-BEGIN"
	/bin/tgem_demo
	echo "TGEM-DEMO-END rc=$?"
	rmmod tgem
	;;
bench)
	modprobe tgem || { echo "TGEM-BENCH-FAILED modprobe"; poweroff -f; }
	modprobe vgem
	echo "TGEM-BENCH-BEGIN"
	# What picks the copy and clear primitives of the kernel and of libc:
	# make bench refuses to quote ratios with erms or fsrm present.
	echo "bench-cpu: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //');" \
		"flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
			 grep -xE 'erms|fsrm|rep_good|sse4_1|avx2' | tr '\n' ' ')"
	# TGEM_BENCH_ONLY (tgembench=move,fault,exec,userptr,submit,engine)
	# runs only some.
	bench_on() { case ",${bench_only:-$1}," in *",$1,"*) return 0 ;; esac; return 1; }
	# The move benchmark (tgem_bench.ko) runs on a device of its own on
	# the ivshmem BAR: take tgem off it for the run, and give it back.
	rc=0
	if bench_on move; then
		devs=$(tgem_pci_devs)
		for dev in $devs; do
			echo -n "$dev" > /sys/bus/pci/drivers/tgem/unbind || rc=1
		done
		{ modprobe tgem_bench && /bin/tgem_bench 64 7; } || rc=1
		rmmod tgem_bench
		for dev in $devs; do
			echo -n "$dev" > /sys/bus/pci/drivers/tgem/bind || rc=1
		done
		echo
	fi
	if bench_on fault; then
		/bin/tgem_fault_bench 7 || rc=1
		echo
	fi
	for prog in exec userptr submit engine; do
		bench_on $prog || continue
		"/bin/tgem_${prog}_bench" 7 || rc=1
		echo
	done
	echo "TGEM-BENCH-END rc=$rc"
	rmmod vgem
	rmmod tgem
	;;
novram)
	# A VM with no ivshmem device: tgem must fall back to system memory.
	check "modprobe tgem" modprobe tgem
	check "tgem registers a render node" render_node_named tgem
	check "tgem fell back to its platform device" \
		sh -c 'ls -d /sys/bus/platform/drivers/tgem/tgem >/dev/null 2>&1'
	echo "TGEM-UAPI-BEGIN tgem_uapi_test"
	/bin/tgem_uapi_test
	echo "TGEM-UAPI-END tgem_uapi_test rc=$?"
	check "rmmod tgem" rmmod tgem
	;;
pud)
	# make check's third boot, with 2 GiB of VRAM: the 1 GiB PUD tests
	# of tgem_fault_test (vram_1g_*), which skip in the other boots.
	check "modprobe tgem" modprobe tgem
	check "tgem bound the ivshmem device as VRAM" \
		sh -c 'ls -d /sys/bus/pci/drivers/tgem/0000:* >/dev/null 2>&1'
	echo "TGEM-UAPI-BEGIN tgem_fault_test"
	/bin/tgem_fault_test $(/bin/tgem_fault_test -l 2>&1 |
			       grep -o 'vram_1g_[a-z0-9_]*' | sed 's/^/-t /')
	echo "TGEM-UAPI-END tgem_fault_test rc=$?"
	check "rmmod tgem" rmmod tgem
	;;
check)
	check "modprobe tgem" modprobe tgem
	check "tgem registers a render node" render_node_named tgem
	# With VRAM given to the VM, its tests must run, not skip.
	[ "$vram_mb" -gt 0 ] &&
		check "tgem bound the ivshmem device as VRAM" \
			sh -c 'ls -d /sys/bus/pci/drivers/tgem/0000:* >/dev/null 2>&1'
	check "modprobe vgem" modprobe vgem

	for suite in $(cat /etc/tgem-suites); do
		# TGEM_UAPI_ONLY (a comma-separated list) is a developer shortcut.
		case ",${only:-$suite}," in *",$suite,"*) ;; *) continue ;; esac
		echo "TGEM-UAPI-BEGIN $suite"
		"/bin/$suite"
		echo "TGEM-UAPI-END $suite rc=$?"
	done

	check "rmmod tgem once every fd is closed" rmmod tgem
	check "tgem is gone after rmmod" sh -c '! grep -q "^tgem " /proc/modules'
	check "modprobe tgem again" modprobe tgem
	rmmod vgem

	# The KUnit VRAM suites and the move benchmark drive the ivshmem BAR
	# themselves: free it.
	for dev in $(tgem_pci_devs); do
		check "unbind tgem from $dev for KUnit" \
			sh -c "echo -n $dev > /sys/bus/pci/drivers/tgem/unbind"
	done

	# Not a benchmark here: tgem_bench.ko runs once, small, under KASAN
	# and lockdep, on a tgem device of its own on the freed BAR.
	if [ "$vram_mb" -gt 0 ]; then
		check "modprobe tgem_bench" modprobe tgem_bench
		check "tgem_bench runs (tgem_bench.ko, 4 MiB)" /bin/tgem_bench 4 1
		check "rmmod tgem_bench" rmmod tgem_bench
	fi

	echo "TGEM-KUNIT-LOAD"
	echo "TGEM-KUNIT-START" > /dev/kmsg
	check "modprobe tgem_test (KUnit)" modprobe tgem_test
	check "rmmod tgem_test" rmmod tgem_test
	check "rmmod tgem after KUnit" rmmod tgem

	if [ -f /sys/kernel/debug/kmemleak ]; then
		sleep 6
		echo scan > /sys/kernel/debug/kmemleak
		echo scan > /sys/kernel/debug/kmemleak
		echo "TGEM-KMEMLEAK-BEGIN"
		cat /sys/kernel/debug/kmemleak
		echo "TGEM-KMEMLEAK-END"
	fi
	;;
esac

echo "TGEM-DMESG-BEGIN"
dmesg -s 4194304
echo "TGEM-DMESG-END"
echo "TGEM-GUEST-END"
poweroff -f
