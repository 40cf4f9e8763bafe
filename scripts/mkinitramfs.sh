#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the test VM's initramfs: static busybox, scripts/guest-init.sh as
# /init, the kernel's modules (tgem, tgem_test, tgem_bench, vgem, TTM) and
# the static userspace test programs. TGEM_KERNEL (scripts/lib.sh) says
# whose modules: the debug or the release kernel's.
#
# Usage: scripts/mkinitramfs.sh <output.cpio.gz>
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?usage: mkinitramfs.sh <output>}
stage=$TGEM_OUT/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,etc,lib}

cp /bin/busybox "$stage/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"
done
install -m 0755 "$TGEM_TOP/scripts/guest-init.sh" "$stage/init"
cp -a "$KSTAGE/lib/modules" "$stage/lib/"
if [ -n "${TGEM_DEV_OOT:-}" ]; then
	# Swap in the out-of-tree modules that static-checks.sh built.
	kmod=$stage/lib/modules/$(tgem_krelease)/kernel/drivers/gpu/drm/tgem
	install -m 0644 "$TGEM_OUT/oot/tgem.ko" "$kmod/tgem.ko"
	mkdir -p "$kmod/tests"
	# The release kernel (TGEM_KERNEL=release) has no KUnit module.
	for ko in tgem_test tgem_bench; do
		if [ -f "$TGEM_OUT/oot/tests/$ko.ko" ]; then
			install -m 0644 "$TGEM_OUT/oot/tests/$ko.ko" "$kmod/tests/$ko.ko"
		fi
	done
	depmod -b "$stage" "$(tgem_krelease)"
fi
suites=$(grep -v '^#' "$TGEM_TOP/tests/uapi/SUITES")
echo "$suites" > "$stage/etc/tgem-suites"
for prog in $suites tgem_demo tgem_bench tgem_fault_bench tgem_exec_bench \
	    tgem_userptr_bench tgem_submit_bench tgem_engine_bench; do
	install -m 0755 "$TGEM_OUT/uapi/$prog" "$stage/bin/$prog"
done

(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
