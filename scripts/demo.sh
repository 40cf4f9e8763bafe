#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: install, build, boot the VM, load tgem and run tgem_demo,
# which prints the device info and times a BO round trip.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TGEM_TOP/scripts/setup.sh"
"$TGEM_TOP/scripts/build-kernel.sh"
mkdir -p "$TGEM_OUT"
make -s -C "$TGEM_TOP/tests/uapi" OUT="$TGEM_OUT/uapi" KSRC="$KSRC" KHDR="$KBUILD/usr/include"
"$TGEM_TOP/scripts/mkinitramfs.sh" "$TGEM_OUT/initramfs.cpio.gz"
console=$TGEM_OUT/console-demo.log
"$TGEM_TOP/scripts/vm-run.sh" demo "$TGEM_OUT/initramfs.cpio.gz" "$console" 900
sed -n '/^TGEM-GUEST-BEGIN/p;/^TGEM-DEMO-BEGIN/,/^TGEM-DEMO-END/p' "$console" |
	grep -v '^TGEM-DEMO-BEGIN' | tr -d '\r'
grep -q '^TGEM-DEMO-END rc=0' "$console"
