#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Configure and build a kernel: bzImage, the in-tree tgem and vgem modules,
# the KUnit module, and the uAPI headers. Incremental: a run after a
# one-file change rebuilds only what depends on it. TGEM_KERNEL (see
# scripts/lib.sh) says which: "debug", the test kernel of make check
# (scripts/kernel.config), or "release", make bench's kernel
# (scripts/kernel.config with scripts/kernel-release.config on top), each
# in its own build directory.
#
# Usage: [TGEM_KERNEL=release] scripts/build-kernel.sh [bzImage]
#        (bzImage: skip modules)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$KBUILD"
# One kernel build at a time, and never while a VM boots from it.
exec 9>"$TGEM_CACHE/vm.lock"
flock 9
# One fragment for Kconfig: the first, with each later one on top (a later
# line replaces the earlier lines for its symbol and, if it turns the
# symbol off, for the symbol's sub-options, CONFIG_<SYMBOL>_*).
frag=$KBUILD/tgem.config
read -ra frags <<< "$TGEM_KCONFIG_FRAGS"
cat "${frags[0]}" > "$frag.new"
for over in "${frags[@]:1}"; do
	awk 'NR == FNR {
		if ($0 !~ /^CONFIG_/) next
		sym = $0; sub(/=.*/, "", sym); over[sym] = 1
		if ($0 ~ /=n$/) off[sym "_"] = 1
		next
	}
	/^CONFIG_/ {
		sym = $0; sub(/=.*/, "", sym)
		if (sym in over) next
		for (p in off) if (index(sym, p) == 1) next
	}
	{ print }' "$over" "$frag.new" > "$frag.tmp"
	grep '^CONFIG_' "$over" >> "$frag.tmp"
	mv "$frag.tmp" "$frag.new"
done
mv "$frag.new" "$frag"
hash=$(cat "$frag" "$TGEM_TOP/Kconfig" | sha256sum | cut -c1-16)
if [ ! -f "$KBUILD/.config" ] || [ "$(cat "$KBUILD/.tgem-config" 2>/dev/null)" != "$hash" ]; then
	tgem_log "configuring the $TGEM_KERNEL kernel (allnoconfig + $frag)"
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
	[ $bad = 0 ] || tgem_die "kernel config does not match $frag"
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
