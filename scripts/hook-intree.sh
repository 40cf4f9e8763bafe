#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Put tgem into a kernel tree as drivers/gpu/drm/tgem and add the two hook
# lines to drivers/gpu/drm/{Kconfig,Makefile}. The sources are copied with
# their mtimes, so an unchanged file is not rebuilt.
#
# Usage: scripts/hook-intree.sh <kernel source tree>
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=${1:?usage: hook-intree.sh <kernel source tree>}
drm=$ksrc/drivers/gpu/drm
[ -f "$drm/Kconfig" ] || { echo "hook-intree: $ksrc is not a kernel tree" >&2; exit 1; }

mkdir -p "$drm/tgem"
rsync -a --delete --prune-empty-dirs \
	--exclude=/.git --exclude=/scripts --exclude=/Documentation \
	--exclude=/tests/uapi --exclude='*.mod.c' \
	--include='*/' --include='*.c' --include='*.h' --include=Kconfig \
	--include=Makefile --include=.kunitconfig --exclude='*' \
	"$top/" "$drm/tgem/"

grep -q 'drivers/gpu/drm/tgem/Kconfig' "$drm/Kconfig" ||
	sed -i '/^source "drivers\/gpu\/drm\/xe\/Kconfig"/a source "drivers/gpu/drm/tgem/Kconfig"' "$drm/Kconfig"
grep -q 'CONFIG_DRM_TGEM' "$drm/Makefile" ||
	sed -i '/^obj-$(CONFIG_DRM_VGEM)/a obj-$(CONFIG_DRM_TGEM)\t+= tgem/' "$drm/Makefile"
grep -q 'drivers/gpu/drm/tgem/Kconfig' "$drm/Kconfig" &&
	grep -q 'CONFIG_DRM_TGEM' "$drm/Makefile" ||
	{ echo "hook-intree: could not add the hook lines" >&2; exit 1; }
