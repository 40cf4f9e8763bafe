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
 * When the buddy allocator has no room it returns ``-ENOSPC``, which tells
 * TTM to evict the least recently used evictable BOs of the region and try
 * again. A BO whose placement is VRAM only is never chosen for eviction
 * (see tgem_ttm_eviction_valuable()), so a VRAM full of such BOs makes the
 * next VRAM-only allocation fail.
 *
 * Each resource also gets an index of its blocks (&struct
 * tgem_vram_index), so the fault path and short-term mappings find the
 * block of any page by binary search.
 */

#include <linux/dma-resv.h>
#include <linux/list_sort.h>
#include <linux/slab.h>

#include <drm/drm_buddy.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>

#include "gem/tgem_device.h"
#include "ttm/tgem_vram_mgr.h"

static struct tgem_vram_mgr *to_vram_mgr(struct ttm_resource_manager *man)
{
	return container_of(man, struct tgem_vram_mgr, manager);
}

static int tgem_vram_block_cmp(void *priv, const struct list_head *a,
			       const struct list_head *b)
{
	u64 oa = gpu_buddy_block_offset(list_entry(a, struct gpu_buddy_block, link));
	u64 ob = gpu_buddy_block_offset(list_entry(b, struct gpu_buddy_block, link));

	return oa < ob ? -1 : oa > ob;
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

	list_sort(NULL, &vres->blocks, tgem_vram_block_cmp);
	vres->contiguous = tgem_vram_blocks_contiguous(&mgr->mm, &vres->blocks);
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
