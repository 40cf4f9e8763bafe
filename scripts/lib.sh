# SPDX-License-Identifier: GPL-2.0-only
# Shared settings for the tgem scripts. Source it; do not run it.
# Everything big lives in TGEM_CACHE, outside the repository.

TGEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TGEM_CACHE=${TGEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tgem}
TGEM_KVER_PKG=linux-source-6.12
KSRC=$TGEM_CACHE/$TGEM_KVER_PKG
# Which kernel: "debug" (make check: KASAN, lockdep, kmemleak, KUnit) or
# "release" (make bench: the same base and drivers, no debug options).
# Each has its own build and module stage directory in the cache.
TGEM_KERNEL=${TGEM_KERNEL:-debug}
case "$TGEM_KERNEL" in
debug)
	KBUILD=$TGEM_CACHE/build
	KSTAGE=$TGEM_CACHE/stage
	TGEM_KCONFIG_FRAGS="$TGEM_TOP/scripts/kernel.config" ;;
release)
	KBUILD=$TGEM_CACHE/build-release
	KSTAGE=$TGEM_CACHE/stage-release
	TGEM_KCONFIG_FRAGS="$TGEM_TOP/scripts/kernel.config $TGEM_TOP/scripts/kernel-release.config" ;;
*)
	echo "TGEM_KERNEL must be debug or release, not $TGEM_KERNEL" >&2
	exit 1 ;;
esac
TGEM_OUT=${TGEM_OUT:-$TGEM_CACHE/out}
JOBS=${JOBS:-$(nproc)}
export TGEM_TOP TGEM_CACHE TGEM_KERNEL KSRC KBUILD KSTAGE TGEM_OUT JOBS

tgem_log() { printf '[tgem %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
tgem_die() { tgem_log "error: $*"; exit 1; }

# Kernel release string of the cached build, e.g. 6.12.117-tgem.
tgem_krelease() { cat "$KBUILD/include/config/kernel.release" 2>/dev/null; }
