/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_VRAM_MGR_TYPES_H_
#define _TGEM_VRAM_MGR_TYPES_H_

#include <linux/gpu_buddy.h>
#include <linux/list.h>
#include <linux/mutex.h>

#include <drm/ttm/ttm_resource.h>

#include "ttm/tgem_iter.h"

/**
 * struct tgem_vram_mgr - TTM resource manager for VRAM, on a buddy allocator
 */
struct tgem_vram_mgr {
	/** @manager: the TTM manager; TTM's locks guard its LRU and usage */
	struct ttm_resource_manager manager;
	/** @mm: the buddy allocator over VRAM offsets; protected by @lock */
	struct gpu_buddy mm;
	/** @lock: protects @mm */
	struct mutex lock;
};

/**
 * struct tgem_vram_resource - A VRAM allocation
 *
 * Written by the manager's alloc callback and read-only from then until
 * the free callback, so readers need no lock while they hold the BO that
 * owns the resource (its dma_resv, or a pin).
 */
struct tgem_vram_resource {
	/** @base: the TTM resource */
	struct ttm_resource base;
	/**
	 * @blocks: the &struct gpu_buddy_block list, in the order the BO's
	 * pages follow each other (see "VRAM manager")
	 */
	struct list_head blocks;
	/** @index: @blocks as an array, for cursors that seek */
	struct tgem_vram_index index;
	/**
	 * @contiguous: the blocks form one physically contiguous run, in
	 * list order; then &ttm_resource.placement has
	 * %TTM_PL_FLAG_CONTIGUOUS too
	 */
	bool contiguous;
};

#endif
