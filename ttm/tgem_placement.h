/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_PLACEMENT_H_
#define _TGEM_PLACEMENT_H_

#include <linux/types.h>

struct ttm_place;

/** TGEM_MAX_PLACES - most TTM places one BO can list (VRAM, system) */
#define TGEM_MAX_PLACES 2

extern const struct ttm_place tgem_sys_place;

int tgem_placement_from_uapi(u32 mask, u32 flags, bool has_vram,
			     struct ttm_place places[TGEM_MAX_PLACES]);

#endif
