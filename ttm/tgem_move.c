// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Moves
 *
 * tgem_move() is the &ttm_device_funcs.move of tgem. It handles every pair
 * of placements:
 *
 * ==================  ==================================================
 * system -> system    bookkeeping only (ttm_bo_move_null())
 * (none)  -> VRAM     clear the new VRAM: a new BO must read as zeros
 * system -> VRAM      copy, or clear if the system side was never
 *                     populated (nothing to copy, and nothing to leak)
 * VRAM    -> system   populate the system pages, then copy
 * VRAM    -> VRAM     copy
 * ==================  ==================================================
 *
 * Each copy walks both sides with page iterators (see "Page iterators"),
 * so no step maps more than one page of each side at a time.
 *
 * Moves are synchronous. tgem has no copy engine: the CPU does the copy
 * whether it runs here or in a worker, so a fenced, asynchronous move
 * would only add a worker, a fence and the ghost-object dance of
 * ttm_bo_move_accel_cleanup() to the same work. The move therefore waits
 * for the BO to be idle (ttm_bo_wait_ctx(), honouring ``no_wait_gpu``),
 * copies under the BO's dma_resv, and finishes with
 * ttm_bo_move_sync_cleanup(). No fence is left behind, so the CPU fault
 * path and the short-term mapping API never wait for a move.
 */

#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>

#include "gem/tgem_device.h"
#include "ttm/tgem_iter.h"
#include "ttm/tgem_move.h"
#include "ttm/tgem_vram_mgr.h"

union tgem_move_iter {
	struct tgem_page_iter_tt tt;
	struct tgem_page_iter_vram vram;
};

static struct tgem_page_iter *tgem_move_iter(struct tgem_device *tdev,
					     struct ttm_tt *tt,
					     struct ttm_resource *res,
					     union tgem_move_iter *it)
{
	if (res->mem_type == TTM_PL_VRAM)
		return tgem_page_iter_vram_init(&it->vram, &tdev->vram.iomap,
						&tdev->vram.mgr.mm,
						&to_tgem_vram_resource(res)->blocks);

	return tgem_page_iter_tt_init(&it->tt, tt->pages);
}

/**
 * tgem_move() - Move a BO's contents to a new resource
 * @bo: the BO, reserved by TTM
 * @evict: whether TTM is evicting it (no difference for tgem)
 * @ctx: TTM's operation context (interruptible, no_wait_gpu)
 * @new_mem: the new resource; on success the BO owns it
 * @hop: unused: tgem never needs a multi-hop move
 *
 * Context: Process context, with @bo's dma_resv held; sleeps.
 * Return: 0 on success, with the old resource freed. A negative errno
 * (-EBUSY, -ERESTARTSYS, -ENOMEM) leaves the BO where it was and
 * @new_mem to TTM, which frees it.
 */
int tgem_move(struct ttm_buffer_object *bo, bool evict,
	      struct ttm_operation_ctx *ctx, struct ttm_resource *new_mem,
	      struct ttm_place *hop)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bo->bdev);
	struct ttm_resource *old_mem = bo->resource;
	bool old_sys = !old_mem || old_mem->mem_type == TTM_PL_SYSTEM;
	bool new_sys = new_mem->mem_type == TTM_PL_SYSTEM;
	pgoff_t num_pages = PFN_UP(new_mem->size);
	union tgem_move_iter s, d;
	struct tgem_page_iter *dst;
	struct ttm_tt *tt = bo->ttm;
	bool clear;
	int ret;

	dma_resv_assert_held(bo->base.resv);

	if (old_sys && new_sys) {
		ttm_bo_move_null(bo, new_mem);
		return 0;
	}

	ret = ttm_bo_wait_ctx(bo, ctx);
	if (ret)
		return ret;

	/* A system source that was never populated (nor swapped) is zeros. */
	clear = old_sys && (!tt || (!ttm_tt_is_populated(tt) &&
				    !(tt->page_flags & TTM_TT_FLAG_SWAPPED)));
	if (tt && (new_sys || !clear)) {
		ret = ttm_tt_populate(bo->bdev, tt, ctx);
		if (ret)
			return ret;
	}

	dst = tgem_move_iter(tdev, tt, new_mem, &d);
	if (clear)
		tgem_page_clear(dst, num_pages);
	else
		tgem_page_copy(dst, tgem_move_iter(tdev, tt, old_mem, &s),
			       num_pages);

	atomic64_inc(&tdev->mem.moves);
	ttm_bo_move_sync_cleanup(bo, new_mem);
	return 0;
}
