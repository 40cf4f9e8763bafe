#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build tgem.ko and tests/tgem_test.ko out of tree against the cached
# kernel build, from a copy of this checkout in $TGEM_OUT/oot (so the
# checkout stays clean), from scratch every time. Extra arguments go to
# make, e.g. W=1. The build log goes to stdout.
#
# Usage: scripts/build-oot.sh [make arguments...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

oot=$TGEM_OUT/oot
mkdir -p "$oot"
rsync -a --delete --exclude=.git "$TGEM_TOP/" "$oot/"
make -C "$KBUILD" M="$oot" clean >/dev/null 2>&1 || true
make -C "$KBUILD" M="$oot" "$@" -j"$JOBS" modules
[ -f "$oot/tgem.ko" ]
