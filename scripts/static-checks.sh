#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The checks a DRM maintainer runs before sending: checkpatch --strict,
# a W=1 out-of-tree build, sparse (C=2), kernel-doc -Wall, and the uAPI
# header compiled on its own in userspace (C90 and C++). One TAP-style
# line per check; details of a failure follow it as "# " lines.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

cd "$TGEM_TOP"
mapfile -t kfiles < <(find engine execbuf gem include tests ttm userptr -path tests/uapi -prune -o \
	\( -name '*.c' -o -name '*.h' \) -print | sort)
oot=$TGEM_OUT/oot
log=$TGEM_OUT/static
mkdir -p "$log"

report() { # name status(0=ok) logfile
	if [ "$2" = 0 ]; then
		echo "ok - static: $1"
	else
		echo "not ok - static: $1"
		sed 's/^/# /' "$3" | head -40
	fi
}

perl "$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	-f "${kfiles[@]}" > "$log/checkpatch" 2>&1
grep -E ': (ERROR|WARNING|CHECK):' "$log/checkpatch" > "$log/checkpatch.bad"
report "checkpatch --strict (${#kfiles[@]} files)" "$([ -s "$log/checkpatch.bad" ]; echo $((!$?)))" "$log/checkpatch.bad"

# Out of tree, in a copy so the checkout stays clean: make -C <build> M=<dir>.
"$TGEM_TOP/scripts/build-oot.sh" W=1 > "$log/w1" 2>&1
w1=$?
grep -E 'warning:|error:|Error' "$log/w1" > "$log/w1.bad"
[ $w1 = 0 ] && [ -f "$oot/tgem.ko" ] && [ ! -s "$log/w1.bad" ]
report "out-of-tree W=1 build of tgem.ko and tgem_test.ko, no warnings" $? "$log/w1"

make -C "$KBUILD" M="$oot" C=2 -j"$JOBS" modules > "$log/sparse" 2>&1
sp=$?
grep -E 'warning:|error:' "$log/sparse" > "$log/sparse.bad"
[ $sp = 0 ] && [ ! -s "$log/sparse.bad" ]
report "sparse (C=2), no warnings" $? "$log/sparse.bad"

perl "$KSRC/scripts/kernel-doc" -none -Wall "${kfiles[@]}" > "$log/kdoc" 2>&1
[ ! -s "$log/kdoc" ]
report "kernel-doc -Wall (${#kfiles[@]} files)" $? "$log/kdoc"

hdr=include/uapi/drm/tgem_drm.h
khdr=$KBUILD/usr/include
{ gcc -std=c90 -Wall -Werror -fsyntax-only -I"$khdr" -I"$khdr/drm" -x c "$hdr" &&
  g++ -Wall -Werror -fsyntax-only -I"$khdr" -I"$khdr/drm" -x c++ "$hdr"; } > "$log/uapi" 2>&1
report "uAPI header compiles alone in userspace (C90, C++)" $? "$log/uapi"

[ -f "$KSTAGE/lib/modules/$(tgem_krelease)/kernel/drivers/gpu/drm/tgem/tgem.ko" ]
echo "built in tree" > "$log/intree"
report "in-tree build of drivers/gpu/drm/tgem (tgem.ko installed)" $? "$log/intree"
