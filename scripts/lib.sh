# SPDX-License-Identifier: GPL-2.0-only
# Shared settings for the tgem scripts. Source it; do not run it.
# Everything big lives in TGEM_CACHE, outside the repository.

TGEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TGEM_CACHE=${TGEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tgem}
TGEM_KVER_PKG=linux-source-6.12
KSRC=$TGEM_CACHE/$TGEM_KVER_PKG
KBUILD=$TGEM_CACHE/build
KSTAGE=$TGEM_CACHE/stage
TGEM_OUT=${TGEM_OUT:-$TGEM_CACHE/out}
JOBS=${JOBS:-$(nproc)}
export TGEM_TOP TGEM_CACHE KSRC KBUILD KSTAGE TGEM_OUT JOBS

tgem_log() { printf '[tgem %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
tgem_die() { tgem_log "error: $*"; exit 1; }

# Kernel release string of the cached build, e.g. 6.12.117-tgem.
tgem_krelease() { cat "$KBUILD/include/config/kernel.release" 2>/dev/null; }
