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
 * so no step maps more than one page of each side at a time, or one run
 * of pages that both sides map linearly anyway (see "Runs").
 *
 * Moves are synchronous. tgem has no copy engine: the CPU does the copy
 * whether it runs here or in a worker, so a fenced, asynchronous move
 * would only add a worker, a fence and the ghost-object dance of
 * ttm_bo_move_accel_cleanup() to the same work. The move copies under the
 * BO's dma_resv and finishes with ttm_bo_move_sync_cleanup(). No fence is
 * left behind, so the CPU fault path and the short-term mapping API never
 * wait for a move.
 *
 * **Fences.** A move never reads or writes a BO's memory while any fence
 * in its dma_resv is unsignalled, whatever its usage: a job of the
 * software engine (or of another device, through a shared dma_resv) may
 * still be reading or writing it. Before the first byte is touched,
 * ttm_bo_wait_ctx() waits for every fence, interruptibly if the
 * &ttm_operation_ctx says so, or fails with ``EBUSY`` when it says
 * ``no_wait_gpu``. Holding the dma_resv keeps new fences out until the
 * move is done. Only the bookkeeping move (system to system) skips the
 * wait, since it touches no memory.
 *
 * **Chunks.** The copy or clear runs in chunks of %TGEM_MOVE_CHUNK_PAGES
 * pages. Before each chunk the move checks:
 *
 *  - fatal_signal_pending(): a killed process stops clearing a huge new
 *    BO, or evicting other clients' BOs for its allocation, within one
 *    chunk, and fails with ``EINTR``. The system pages that a move out
 *    of VRAM needs are populated before the first chunk, in one go, by
 *    TTM's pool, which does not stop for signals: an eviction of many BOs
 *    stops at the next BO;
 *  - drm_dev_enter(): once the device is unplugged its BAR may already
 *    belong to someone else (a new instance of the device after a rebind,
 *    with its own allocator over the same memory), so the move fails with
 *    ``ENODEV`` and never touches VRAM again. The chunk runs inside the
 *    SRCU read section, so drm_dev_unplug() waits for a chunk in flight,
 *    at most one chunk, before remove() returns.
 *
 * A failed move leaves the BO where it was with its data intact: TTM frees
 * the new resource, and the system pages populated for a move out of
 * VRAM go with the &struct ttm_tt TTM destroys on that path. A new BO
 * whose clear fails is freed by ttm_bo_init_reserved(), so nothing leaks.
 */

#include <linux/minmax.h>
#include <linux/sched/signal.h>

#include <drm/drm_drv.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>

#include "gem/tgem_device.h"
#include "ttm/tgem_iter.h"
#include "ttm/tgem_move.h"
#include "ttm/tgem_vram_mgr.h"

/* 2 MiB: the latency of a kill or an unplug, and of nothing else. */
#define TGEM_MOVE_CHUNK_PAGES	512

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

/*
 * A window on an iterator: its page 0 is page @first of @it. The page
 * copy helpers start at page 0; a window lets them copy one chunk.
 */
struct tgem_move_window {
	struct tgem_page_iter base;
	struct tgem_page_iter *it;
	pgoff_t first;
};

static void tgem_move_window_map(struct tgem_page_iter *it, pgoff_t i,
				 struct iosys_map *map)
{
	struct tgem_move_window *w = container_of(it, typeof(*w), base);

	w->it->ops->map_local(w->it, w->first + i, map);
}

static void tgem_move_window_unmap(struct tgem_page_iter *it,
				   struct iosys_map *map)
{
	struct tgem_move_window *w = container_of(it, typeof(*w), base);

	w->it->ops->unmap_local(w->it, map);
}

static pgoff_t tgem_move_window_run(struct tgem_page_iter *it, pgoff_t i,
				    pgoff_t max)
{
	struct tgem_move_window *w = container_of(it, typeof(*w), base);

	return tgem_page_iter_run(w->it, w->first + i, max);
}

static const struct tgem_page_iter_ops tgem_move_window_ops = {
	.map_local = tgem_move_window_map,
	.unmap_local = tgem_move_window_unmap,
	.run = tgem_move_window_run,
};

static struct tgem_page_iter *tgem_move_window(struct tgem_move_window *w,
					       struct tgem_page_iter *it,
					       pgoff_t first)
{
	w->base.ops = &tgem_move_window_ops;
	w->it = it;
	w->first = first;
	return &w->base;
}

/*
 * Copy @num_pages from @src to @dst, or clear them if @src is NULL, a
 * chunk at a time; see "Chunks" above for what stops it.
 */
static int tgem_move_pages(struct tgem_device *tdev, struct tgem_page_iter *dst,
			   struct tgem_page_iter *src, pgoff_t num_pages)
{
	struct tgem_move_window dw, sw;
	pgoff_t i, n;
	int idx;

	for (i = 0; i < num_pages; i += n) {
		n = min_t(pgoff_t, num_pages - i, TGEM_MOVE_CHUNK_PAGES);

		if (fatal_signal_pending(current))
			return -EINTR;
		if (!drm_dev_enter(&tdev->drm, &idx))
			return -ENODEV;

		if (src)
			tgem_page_copy(tgem_move_window(&dw, dst, i),
				       tgem_move_window(&sw, src, i), n);
		else
			tgem_page_clear(tgem_move_window(&dw, dst, i), n);

		drm_dev_exit(idx);
	}
	return 0;
}

/**
 * tgem_move() - Move a BO's contents to a new resource
 * @bo: the BO, reserved by TTM
 * @evict: whether TTM is evicting it (no difference for tgem)
 * @ctx: TTM's operation context (interruptible, no_wait_gpu)
 * @new_mem: the new resource; on success the BO owns it
 * @hop: unused: tgem never needs a multi-hop move
 *
 * Waits for every fence of @bo first, then copies or clears in chunks
 * (see "Moves").
 *
 * Context: Process context, with @bo's dma_resv held; sleeps.
 * Return: 0 on success, with the old resource freed. A negative errno
 * leaves the BO where it was, its data intact, and @new_mem to TTM, which
 * frees it: -EBUSY (busy and ``no_wait_gpu``, or a fence that did not
 * signal in time), -ERESTARTSYS (a signal during the wait), -EINTR (a
 * fatal signal during the copy), -ENODEV (the device is unplugged) or
 * -ENOMEM.
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

	/* Nothing may still be using the memory: see "Fences" above. */
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
	ret = tgem_move_pages(tdev, dst,
			      clear ? NULL : tgem_move_iter(tdev, tt, old_mem, &s),
			      num_pages);
	if (ret)
		return ret;

	atomic64_inc(&tdev->mem.moves);
	ttm_bo_move_sync_cleanup(bo, new_mem);
	return 0;
}
