#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Configure and build the one test kernel: bzImage, the in-tree tgem and
# vgem modules, the KUnit module, and the uAPI headers. Incremental: a run
# after a one-file change rebuilds only what depends on it.
#
# Usage: scripts/build-kernel.sh [bzImage]   (bzImage: skip modules)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

frag=$TGEM_TOP/scripts/kernel.config
mkdir -p "$KBUILD"
# One kernel build at a time, and never while a VM boots from it.
exec 9>"$TGEM_CACHE/vm.lock"
flock 9
hash=$(cat "$frag" "$TGEM_TOP/Kconfig" | sha256sum | cut -c1-16)
if [ ! -f "$KBUILD/.config" ] || [ "$(cat "$KBUILD/.tgem-config" 2>/dev/null)" != "$hash" ]; then
	tgem_log "configuring the kernel (allnoconfig + scripts/kernel.config)"
	make -s -C "$KSRC" O="$KBUILD" KCONFIG_ALLCONFIG="$frag" allnoconfig
	# Every line of the fragment must have survived Kconfig's dependencies.
	bad=0
	while IFS= read -r line; do
		case "$line" in ''|'#'*) continue ;; esac
		sym=${line%%=*} val=${line#*=}
		if [ "$val" = n ]; then
			grep -qx "$sym=.*" "$KBUILD/.config" && { tgem_log "config: $sym should be off"; bad=1; }
		else
			grep -qxF "$line" "$KBUILD/.config" || { tgem_log "config: $line did not stick"; bad=1; }
		fi
	done < "$frag"
	[ $bad = 0 ] || tgem_die "kernel config does not match scripts/kernel.config"
	echo "$hash" > "$KBUILD/.tgem-config"
fi

targets=(bzImage)
[ "${1:-}" = bzImage ] || targets+=(modules)
tgem_log "building ${targets[*]} with -j$JOBS"
make -s -C "$KSRC" O="$KBUILD" -j"$JOBS" "${targets[@]}"
[ "${1:-}" = bzImage ] && exit 0

rm -rf "$KSTAGE"
make -s -C "$KSRC" O="$KBUILD" INSTALL_MOD_PATH="$KSTAGE" INSTALL_MOD_STRIP=1 \
	modules_install >/dev/null
make -s -C "$KSRC" O="$KBUILD" headers_install >/dev/null
tgem_log "kernel $(tgem_krelease) ready"
