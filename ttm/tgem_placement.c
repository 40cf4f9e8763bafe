// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Placement rules
 *
 * Userspace names the memory regions a BO may live in with a mask
 * (&drm_tgem_gem_create.placement) and adds flags. tgem turns that into an
 * ordered list of TTM places, most preferred first:
 *
 * =========================  =====================================
 * mask                       TTM places
 * =========================  =====================================
 * SYSTEM                     SYSTEM
 * VRAM                       VRAM
 * VRAM | SYSTEM              VRAM, then SYSTEM as a fallback
 * =========================  =====================================
 *
 * SYSTEM is marked %TTM_PL_FLAG_FALLBACK when VRAM is in the mask. TTM
 * first tries every place without evicting anything, skipping fallback
 * places; only then does it evict for the other places and consider the
 * fallbacks. So a VRAM-preferred BO evicts the least recently used
 * evictable BOs from VRAM before it settles for system memory, instead of
 * landing in system memory as soon as VRAM is full.
 *
 * tgem_bo_create() then leaves out a place whose region is smaller than
 * the BO, so a VRAM|SYSTEM BO larger than VRAM simply lives in system
 * memory; only when no place is left does creation fail with ``E2BIG``.
 *
 * %DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS sets %TTM_PL_FLAG_CONTIGUOUS on the
 * VRAM place; it is invalid without VRAM in the mask. A mask naming a
 * region the device does not have is invalid, as are unknown bits.
 *
 * The rule is pure logic with no device behind it, so the KUnit suite
 * tgem_placement checks it table by table.
 */

#include <linux/errno.h>
#include <linux/string.h>

#include <drm/ttm/ttm_placement.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "ttm/tgem_placement.h"

#define TGEM_PLACEMENT_ALL (DRM_TGEM_PLACEMENT_SYSTEM | DRM_TGEM_PLACEMENT_VRAM)
#define TGEM_CREATE_FLAGS_ALL DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS

/*
 * System memory alone: where VRAM BOs are evicted to and where a BO goes
 * before another device attaches it.
 */
const struct ttm_place tgem_sys_place = {
	.mem_type = TTM_PL_SYSTEM,
};

/**
 * tgem_placement_from_uapi() - Turn a uAPI placement into TTM places
 * @mask: mask of %DRM_TGEM_PLACEMENT_* bits
 * @flags: mask of %DRM_TGEM_GEM_CREATE_FLAG_* bits
 * @has_vram: whether the device has a VRAM region
 * @places: out, filled with the places in order of preference
 *
 * Context: Any context. Pure function of its arguments.
 * Return: the number of places written (1 or 2), or -EINVAL if @mask or
 * @flags is invalid for this device; then @places is left untouched.
 */
int tgem_placement_from_uapi(u32 mask, u32 flags, bool has_vram,
			     struct ttm_place places[TGEM_MAX_PLACES])
{
	int n = 0;

	if (!mask || (mask & ~TGEM_PLACEMENT_ALL))
		return -EINVAL;
	if (flags & ~TGEM_CREATE_FLAGS_ALL)
		return -EINVAL;
	if ((mask & DRM_TGEM_PLACEMENT_VRAM) && !has_vram)
		return -EINVAL;
	if ((flags & DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS) &&
	    !(mask & DRM_TGEM_PLACEMENT_VRAM))
		return -EINVAL;

	if (mask & DRM_TGEM_PLACEMENT_VRAM) {
		memset(&places[n], 0, sizeof(places[n]));
		places[n].mem_type = TTM_PL_VRAM;
		if (flags & DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS)
			places[n].flags |= TTM_PL_FLAG_CONTIGUOUS;
		n++;
	}
	if (mask & DRM_TGEM_PLACEMENT_SYSTEM) {
		memset(&places[n], 0, sizeof(places[n]));
		places[n].mem_type = TTM_PL_SYSTEM;
		if (mask & DRM_TGEM_PLACEMENT_VRAM)
			places[n].flags |= TTM_PL_FLAG_FALLBACK;
		n++;
	}

	return n;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_placement_from_uapi);
