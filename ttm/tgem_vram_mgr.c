// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: VRAM manager
 *
 * VRAM is handed out by a buddy allocator (&struct gpu_buddy) behind a TTM
 * resource manager, as xe and amdgpu do. An allocation is a list of
 * power-of-two blocks, so a BO's VRAM is *not* contiguous unless the
 * placement asks for %TTM_PL_FLAG_CONTIGUOUS; then it is one block run.
 *
 * **Block order.** The order of the blocks is the order of the BO's pages,
 * and it decides which 1 GiB and 2 MiB ranges of the BO the CPU fault path
 * can map with one huge PUD or PMD: those whose BO offset and VRAM address
 * are both aligned to the range's size and whose pages follow each other
 * in VRAM. The buddy
 * allocator returns the blocks of an allocation that is not contiguous
 * largest first, and each block is aligned to its size in VRAM; kept in
 * that order (largest first, then by offset), every block also starts at
 * a BO offset that is a multiple of its size, so every 2 MiB of every
 * block of 2 MiB or more is PMD mappable, and every GiB of a block of
 * 1 GiB or more PUD mappable. Sorting by VRAM offset instead
 * would put small blocks before large ones and shift the large ones off
 * their alignment. Offset order is used only when it makes the blocks one
 * contiguous run and maps as many PMDs (tgem_vram_blocks_order()), and
 * always for %TTM_PL_FLAG_CONTIGUOUS, whose run must be linear.
 *
 * A resource whose blocks form one run is marked
 * %TTM_PL_FLAG_CONTIGUOUS whether or not the placement asked for it, so
 * TTM sees that it already satisfies a contiguous placement and does not
 * copy it to other VRAM to get one.
 *
 * Each resource also gets an index of its blocks (&struct
 * tgem_vram_index), so the fault path and short-term mappings find the
 * block of any page by binary search.
 *
 * **A GiB at once.** The buddy allocator serves a request from its largest
 * fitting order down, so a 1 GiB BO gets one 1 GiB block, aligned to
 * 1 GiB in VRAM, whenever a free one exists: a PUD mapping needs nothing
 * more, since the BAR itself is aligned to its (power-of-two) size. If
 * none is free, the BO takes smaller blocks and maps with PMDs; tgem does
 * not evict to make a GiB whole.
 *
 * When the buddy allocator has no room it returns ``-ENOSPC``, which tells
 * TTM to evict the least recently used evictable BOs of the region and try
 * again. A BO whose placement is VRAM only is never chosen for eviction
 * (see tgem_ttm_eviction_valuable()), so a VRAM full of such BOs makes the
 * next VRAM-only allocation fail.
 */

#include <linux/dma-resv.h>
#include <linux/list_sort.h>
#include <linux/math64.h>
#include <linux/pgtable.h>
#include <linux/slab.h>

#include <drm/drm_buddy.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <kunit/visibility.h>

#include "gem/tgem_device.h"
#include "ttm/tgem_vram_mgr.h"

static struct tgem_vram_mgr *to_vram_mgr(struct ttm_resource_manager *man)
{
	return container_of(man, struct tgem_vram_mgr, manager);
}

static int tgem_vram_block_cmp_offset(void *priv, const struct list_head *a,
				      const struct list_head *b)
{
	u64 oa = gpu_buddy_block_offset(list_entry(a, struct gpu_buddy_block, link));
	u64 ob = gpu_buddy_block_offset(list_entry(b, struct gpu_buddy_block, link));

	return oa < ob ? -1 : oa > ob;
}

/* Largest first; blocks of one size by offset. */
static int tgem_vram_block_cmp_size(void *priv, const struct list_head *a,
				    const struct list_head *b)
{
	struct gpu_buddy_block *ba = list_entry(a, struct gpu_buddy_block, link);
	struct gpu_buddy_block *bb = list_entry(b, struct gpu_buddy_block, link);
	unsigned int oa = gpu_buddy_block_order(ba), ob = gpu_buddy_block_order(bb);

	if (oa != ob)
		return oa > ob ? -1 : 1;
	return tgem_vram_block_cmp_offset(priv, a, b);
}

static bool tgem_vram_blocks_contiguous(struct gpu_buddy *mm,
					struct list_head *blocks)
{
	struct gpu_buddy_block *block;
	u64 next = 0;
	bool first = true;

	list_for_each_entry(block, blocks, link) {
		if (!first && gpu_buddy_block_offset(block) != next)
			return false;
		next = gpu_buddy_block_offset(block) + gpu_buddy_block_size(mm, block);
		first = false;
	}
	return true;
}

/* Aligned @size ranges in a run of @len bytes at BO offset @bo, VRAM offset @vram. */
static unsigned int tgem_vram_run_huge(u64 bo, u64 vram, u64 len, u64 size)
{
	u64 first = round_up(bo, size);

	/* Both sides must be aligned: the run must be shifted by a multiple. */
	if ((bo ^ vram) & (size - 1) || first + size > bo + len)
		return 0;
	return div64_u64(bo + len - first, size);
}

/**
 * tgem_vram_blocks_huge() - Huge entries of one size a block order gives
 * @mm: the buddy allocator of @blocks
 * @blocks: the blocks of an allocation, in the order of the BO's pages
 * @size: the entry's size, a power of two: %PMD_SIZE or %PUD_SIZE
 *
 * Counts the @size-sized, @size-aligned ranges of the BO whose pages lie
 * in one @size-aligned run of VRAM, which is what the huge fault path can
 * map (given a mapping aligned the same way, see
 * tgem_mmap_get_unmapped_area()).
 *
 * Context: Any context. Pure function of the list.
 * Return: the number of such ranges.
 */
unsigned int tgem_vram_blocks_huge(struct gpu_buddy *mm, struct list_head *blocks,
				   u64 size)
{
	struct gpu_buddy_block *block;
	u64 bo = 0, run_bo = 0, run_vram = 0, run_len = 0;
	unsigned int n = 0;

	list_for_each_entry(block, blocks, link) {
		u64 vram = gpu_buddy_block_offset(block);
		u64 len = gpu_buddy_block_size(mm, block);

		if (run_len && run_vram + run_len == vram) {
			run_len += len;
		} else {
			n += tgem_vram_run_huge(run_bo, run_vram, run_len, size);
			run_bo = bo;
			run_vram = vram;
			run_len = len;
		}
		bo += len;
	}
	return n + tgem_vram_run_huge(run_bo, run_vram, run_len, size);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_blocks_huge);

/**
 * tgem_vram_blocks_pmds() - Huge PMDs a block order gives
 * @mm: the buddy allocator of @blocks
 * @blocks: the blocks of an allocation, in the order of the BO's pages
 *
 * tgem_vram_blocks_huge() for %PMD_SIZE.
 *
 * Context: Any context. Pure function of the list.
 * Return: the number of PMD-mappable ranges.
 */
unsigned int tgem_vram_blocks_pmds(struct gpu_buddy *mm, struct list_head *blocks)
{
	return tgem_vram_blocks_huge(mm, blocks, PMD_SIZE);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_blocks_pmds);

/* Whether order @a maps better than order @b: more PUDs, then more PMDs. */
static bool tgem_vram_maps_no_worse(unsigned int a_puds, unsigned int a_pmds,
				    unsigned int b_puds, unsigned int b_pmds)
{
	return a_puds != b_puds ? a_puds > b_puds : a_pmds >= b_pmds;
}

/**
 * tgem_vram_blocks_order() - Put the blocks of a new allocation in page order
 * @mm: the buddy allocator of @blocks
 * @blocks: the blocks, in any order; reordered in place
 * @contiguous: the placement asked for one contiguous run
 *
 * See "Block order" in the VRAM manager's documentation: offset order
 * for a contiguous placement; otherwise largest block first, unless
 * offset order makes one contiguous run that maps as many huge PUDs and,
 * with as many PUDs, as many huge PMDs.
 *
 * Context: Any context. Pure function of the list.
 * Return: whether the blocks, in their new order, are one contiguous run.
 */
bool tgem_vram_blocks_order(struct gpu_buddy *mm, struct list_head *blocks,
			    bool contiguous)
{
	unsigned int pmds, puds;

	list_sort(NULL, blocks, tgem_vram_block_cmp_offset);
	if (contiguous)
		return tgem_vram_blocks_contiguous(mm, blocks);

	if (tgem_vram_blocks_contiguous(mm, blocks)) {
		pmds = tgem_vram_blocks_pmds(mm, blocks);
		puds = tgem_vram_blocks_huge(mm, blocks, PUD_SIZE);
		list_sort(NULL, blocks, tgem_vram_block_cmp_size);
		if (tgem_vram_maps_no_worse(puds, pmds,
					    tgem_vram_blocks_huge(mm, blocks, PUD_SIZE),
					    tgem_vram_blocks_pmds(mm, blocks))) {
			list_sort(NULL, blocks, tgem_vram_block_cmp_offset);
			return true;
		}
		return false;
	}

	list_sort(NULL, blocks, tgem_vram_block_cmp_size);
	return tgem_vram_blocks_contiguous(mm, blocks);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_blocks_order);

static int tgem_vram_mgr_alloc(struct ttm_resource_manager *man,
			       struct ttm_buffer_object *bo,
			       const struct ttm_place *place,
			       struct ttm_resource **res)
{
	struct tgem_vram_mgr *mgr = to_vram_mgr(man);
	u64 lpfn = place->lpfn ?: man->size >> PAGE_SHIFT;
	struct tgem_vram_resource *vres;
	struct gpu_buddy_block *block;
	unsigned long flags = 0;
	int ret;

	if (place->fpfn >= lpfn)
		return -EINVAL;

	vres = kzalloc(sizeof(*vres), GFP_KERNEL);
	if (!vres)
		return -ENOMEM;

	ttm_resource_init(bo, place, &vres->base);
	INIT_LIST_HEAD(&vres->blocks);

	if (place->flags & TTM_PL_FLAG_CONTIGUOUS)
		flags |= GPU_BUDDY_CONTIGUOUS_ALLOCATION;
	if (place->flags & TTM_PL_FLAG_TOPDOWN)
		flags |= GPU_BUDDY_TOPDOWN_ALLOCATION;
	if (place->fpfn || lpfn != man->size >> PAGE_SHIFT)
		flags |= GPU_BUDDY_RANGE_ALLOCATION;

	mutex_lock(&mgr->lock);
	ret = gpu_buddy_alloc_blocks(&mgr->mm, (u64)place->fpfn << PAGE_SHIFT,
				     lpfn << PAGE_SHIFT, vres->base.size,
				     PAGE_SIZE, &vres->blocks, flags);
	mutex_unlock(&mgr->lock);
	if (ret)
		goto out_fini;

	vres->contiguous = tgem_vram_blocks_order(&mgr->mm, &vres->blocks,
						  place->flags & TTM_PL_FLAG_CONTIGUOUS);
	if (vres->contiguous)
		vres->base.placement |= TTM_PL_FLAG_CONTIGUOUS;
	block = list_first_entry(&vres->blocks, struct gpu_buddy_block, link);
	vres->base.start = gpu_buddy_block_offset(block) >> PAGE_SHIFT;

	ret = tgem_vram_index_build(&vres->index, &mgr->mm, &vres->blocks,
				    GFP_KERNEL);
	if (ret)
		goto out_free_blocks;

	*res = &vres->base;
	return 0;

out_free_blocks:
	mutex_lock(&mgr->lock);
	gpu_buddy_free_list(&mgr->mm, &vres->blocks, 0);
	mutex_unlock(&mgr->lock);
out_fini:
	ttm_resource_fini(man, &vres->base);
	kfree(vres);
	/* Anything but a lack of memory is not a reason to evict. */
	return ret == -ENOSPC ? -ENOSPC : ret;
}

static void tgem_vram_mgr_free(struct ttm_resource_manager *man,
			       struct ttm_resource *res)
{
	struct tgem_vram_resource *vres = to_tgem_vram_resource(res);
	struct tgem_vram_mgr *mgr = to_vram_mgr(man);

	tgem_vram_index_fini(&vres->index);
	mutex_lock(&mgr->lock);
	gpu_buddy_free_list(&mgr->mm, &vres->blocks, 0);
	mutex_unlock(&mgr->lock);

	ttm_resource_fini(man, res);
	kfree(vres);
}

/* Whether any block of @res overlaps [fpfn, lpfn) of @place. */
static bool tgem_vram_mgr_intersects(struct ttm_resource_manager *man,
				     struct ttm_resource *res,
				     const struct ttm_place *place, size_t size)
{
	struct tgem_vram_resource *vres = to_tgem_vram_resource(res);
	struct tgem_vram_mgr *mgr = to_vram_mgr(man);
	struct gpu_buddy_block *block;

	if (!place->fpfn && !place->lpfn)
		return true;

	list_for_each_entry(block, &vres->blocks, link) {
		u64 fpfn = gpu_buddy_block_offset(block) >> PAGE_SHIFT;
		u64 lpfn = fpfn + (gpu_buddy_block_size(&mgr->mm, block) >> PAGE_SHIFT);

		if (place->fpfn < lpfn && (!place->lpfn || place->lpfn > fpfn))
			return true;
	}
	return false;
}

/* Whether @res already satisfies @place: inside its range, contiguous if asked. */
static bool tgem_vram_mgr_compatible(struct ttm_resource_manager *man,
				     struct ttm_resource *res,
				     const struct ttm_place *place, size_t size)
{
	struct tgem_vram_resource *vres = to_tgem_vram_resource(res);
	struct tgem_vram_mgr *mgr = to_vram_mgr(man);
	struct gpu_buddy_block *block;

	if ((place->flags & TTM_PL_FLAG_CONTIGUOUS) && !vres->contiguous)
		return false;
	if (!place->fpfn && !place->lpfn)
		return true;

	list_for_each_entry(block, &vres->blocks, link) {
		u64 fpfn = gpu_buddy_block_offset(block) >> PAGE_SHIFT;
		u64 lpfn = fpfn + (gpu_buddy_block_size(&mgr->mm, block) >> PAGE_SHIFT);

		if (fpfn < place->fpfn || (place->lpfn && lpfn > place->lpfn))
			return false;
	}
	return true;
}

static void tgem_vram_mgr_debug(struct ttm_resource_manager *man,
				struct drm_printer *printer)
{
	struct tgem_vram_mgr *mgr = to_vram_mgr(man);

	mutex_lock(&mgr->lock);
	drm_printf(printer, "usage: %llu bytes\n", ttm_resource_manager_usage(man));
	drm_buddy_print(&mgr->mm, printer);
	mutex_unlock(&mgr->lock);
}

static const struct ttm_resource_manager_func tgem_vram_mgr_func = {
	.alloc = tgem_vram_mgr_alloc,
	.free = tgem_vram_mgr_free,
	.intersects = tgem_vram_mgr_intersects,
	.compatible = tgem_vram_mgr_compatible,
	.debug = tgem_vram_mgr_debug,
};

static void tgem_vram_mgr_fini(struct drm_device *drm, void *arg)
{
	struct tgem_device *tdev = to_tgem_device(drm);
	struct tgem_vram_mgr *mgr = &tdev->vram.mgr;
	struct ttm_resource_manager *man = &mgr->manager;

	/* Every BO is gone by now; anything left is a leak worth a splat. */
	ttm_resource_manager_set_used(man, false);
	drm_WARN_ON(drm, ttm_resource_manager_evict_all(&tdev->ttm, man));
	ttm_resource_manager_cleanup(man);
	ttm_set_driver_manager(&tdev->ttm, TTM_PL_VRAM, NULL);

	mutex_lock(&mgr->lock);
	gpu_buddy_fini(&mgr->mm);
	mutex_unlock(&mgr->lock);
	mutex_destroy(&mgr->lock);
}

/*
 * Teach lockdep at once that the manager's lock nests inside a BO's
 * dma_resv, so an inversion is reported even if the order it breaks has
 * not happened yet in this boot.
 */
static void tgem_vram_mgr_prime_lockdep(struct tgem_vram_mgr *mgr)
{
	struct dma_resv resv;

	if (!IS_ENABLED(CONFIG_LOCKDEP))
		return;

	dma_resv_init(&resv);
	dma_resv_lock(&resv, NULL);
	mutex_lock(&mgr->lock);
	mutex_unlock(&mgr->lock);
	dma_resv_unlock(&resv);
	dma_resv_fini(&resv);
}

/**
 * tgem_vram_mgr_init() - Create the VRAM manager of a device
 * @tdev: the device, whose TTM device is initialised
 * @size: bytes of VRAM, a multiple of PAGE_SIZE
 *
 * The manager is torn down by a drmm action, before the TTM device.
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno; on failure nothing is left to undo.
 */
int tgem_vram_mgr_init(struct tgem_device *tdev, u64 size)
{
	struct tgem_vram_mgr *mgr = &tdev->vram.mgr;
	int ret;

	ret = gpu_buddy_init(&mgr->mm, size, PAGE_SIZE);
	if (ret)
		return ret;
	mutex_init(&mgr->lock);
	tgem_vram_mgr_prime_lockdep(mgr);

	mgr->manager.func = &tgem_vram_mgr_func;
	ttm_resource_manager_init(&mgr->manager, &tdev->ttm, size);
	ttm_set_driver_manager(&tdev->ttm, TTM_PL_VRAM, &mgr->manager);
	ttm_resource_manager_set_used(&mgr->manager, true);

	return drmm_add_action_or_reset(&tdev->drm, tgem_vram_mgr_fini, NULL);
}
