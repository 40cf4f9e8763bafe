/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_VRAM_MGR_H_
#define _TGEM_VRAM_MGR_H_

#include <linux/container_of.h>
#include <linux/types.h>

#include "ttm/tgem_iter.h"
#include "ttm/tgem_vram_mgr_types.h"

struct tgem_device;

static inline struct tgem_vram_resource *
to_tgem_vram_resource(struct ttm_resource *res)
{
	return container_of(res, struct tgem_vram_resource, base);
}

int tgem_vram_mgr_init(struct tgem_device *tdev, u64 size);
unsigned int tgem_vram_blocks_huge(struct gpu_buddy *mm, struct list_head *blocks,
				   u64 size);
unsigned int tgem_vram_blocks_pmds(struct gpu_buddy *mm, struct list_head *blocks);
bool tgem_vram_blocks_order(struct gpu_buddy *mm, struct list_head *blocks,
			    bool contiguous);

/**
 * tgem_vram_cursor_init_res() - Start an indexed cursor on a VRAM resource
 * @cur: the cursor
 * @mm: the device's buddy allocator
 * @res: a %TTM_PL_VRAM resource of the VRAM manager
 *
 * Context: Any context. The caller holds the BO that owns @res (its
 * dma_resv, or a pin), which keeps the resource unchanged.
 */
static inline void tgem_vram_cursor_init_res(struct tgem_vram_cursor *cur,
					     struct gpu_buddy *mm,
					     struct ttm_resource *res)
{
	struct tgem_vram_resource *vres = to_tgem_vram_resource(res);

	tgem_vram_cursor_init_indexed(cur, mm, &vres->blocks, &vres->index);
}

#endif
