#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install everything tgem needs on a fresh Debian 12 machine, unpack the
# Linux 6.12 source into the cache and hook tgem into it (in-tree build).
# Idempotent: a second run only re-syncs the tgem sources.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=(linux-source-6.12 qemu-system-x86 busybox-static sparse bison flex
      libelf-dev libssl-dev bc cpio xz-utils rsync kmod python3 gcc make perl
      libc6-dev)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	tgem_log "installing: ${missing[*]}"
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
		--no-install-recommends "${missing[@]}"
fi

mkdir -p "$TGEM_CACHE"
if [ ! -f "$KSRC/.tgem-unpacked" ]; then
	tgem_log "unpacking $TGEM_KVER_PKG into $TGEM_CACHE"
	rm -rf "$KSRC"
	tar -C "$TGEM_CACHE" -xf /usr/src/$TGEM_KVER_PKG.tar.xz
	touch "$KSRC/.tgem-unpacked"
fi

"$TGEM_TOP/scripts/hook-intree.sh" "$KSRC"
