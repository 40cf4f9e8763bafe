// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: TTM device
 *
 * tgem's BOs are TTM buffer objects, and the device owns one
 * &struct ttm_device. System memory is TTM's %TTM_PL_SYSTEM placement:
 * the pages of a BO are a &struct ttm_tt filled from the device's
 * &struct ttm_pool, cached, allocated on first use (a CPU fault or a pin)
 * and zeroed by the pool before userspace can see them.
 *
 * tgem has no GART and no DMA engine, so there is no %TTM_PL_TT: what a
 * GPU would reach through a GART, tgem's software engine reaches through
 * the CPU. Moves between system placements are bookkeeping only
 * (ttm_bo_move_null()).
 *
 * The device counts the system pages its BOs hold, so the query ioctl can
 * report how much of the region is in use.
 */

#include <linux/mm.h>
#include <linux/slab.h>

#include <drm/drm_managed.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_pool.h>
#include <drm/ttm/ttm_tt.h>

#include "gem/tgem_device.h"
#include "ttm/tgem_ttm.h"

static struct ttm_tt *tgem_ttm_tt_create(struct ttm_buffer_object *bo,
					 u32 page_flags)
{
	struct ttm_tt *tt;

	tt = kzalloc(sizeof(*tt), GFP_KERNEL);
	if (!tt)
		return NULL;

	if (ttm_tt_init(tt, bo, page_flags, ttm_cached, 0)) {
		kfree(tt);
		return NULL;
	}

	return tt;
}

static int tgem_ttm_tt_populate(struct ttm_device *bdev, struct ttm_tt *tt,
				struct ttm_operation_ctx *ctx)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bdev);
	int ret;

	ret = ttm_pool_alloc(&bdev->pool, tt, ctx);
	if (ret)
		return ret;

	atomic64_add(tt->num_pages, &tdev->mem.sys_pages);
	return 0;
}

static void tgem_ttm_tt_unpopulate(struct ttm_device *bdev, struct ttm_tt *tt)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bdev);

	ttm_pool_free(&bdev->pool, tt);
	atomic64_sub(tt->num_pages, &tdev->mem.sys_pages);
}

static void tgem_ttm_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt)
{
	ttm_tt_fini(tt);
	kfree(tt);
}

static void tgem_ttm_evict_flags(struct ttm_buffer_object *bo,
				 struct ttm_placement *placement)
{
	/* System memory is never evicted anywhere; TTM may only swap it. */
	placement->num_placement = 0;
}

static int tgem_ttm_move(struct ttm_buffer_object *bo, bool evict,
			 struct ttm_operation_ctx *ctx,
			 struct ttm_resource *new_mem, struct ttm_place *hop)
{
	struct ttm_resource *old_mem = bo->resource;

	if (WARN_ON_ONCE(new_mem->mem_type != TTM_PL_SYSTEM ||
			 (old_mem && old_mem->mem_type != TTM_PL_SYSTEM)))
		return -EINVAL;

	ttm_bo_move_null(bo, new_mem);
	return 0;
}

static int tgem_ttm_io_mem_reserve(struct ttm_device *bdev,
				   struct ttm_resource *mem)
{
	return mem->mem_type == TTM_PL_SYSTEM ? 0 : -EINVAL;
}

static const struct ttm_device_funcs tgem_ttm_funcs = {
	.ttm_tt_create = tgem_ttm_tt_create,
	.ttm_tt_populate = tgem_ttm_tt_populate,
	.ttm_tt_unpopulate = tgem_ttm_tt_unpopulate,
	.ttm_tt_destroy = tgem_ttm_tt_destroy,
	.eviction_valuable = ttm_bo_eviction_valuable,
	.evict_flags = tgem_ttm_evict_flags,
	.move = tgem_ttm_move,
	.io_mem_reserve = tgem_ttm_io_mem_reserve,
};

static void tgem_ttm_fini(struct drm_device *drm, void *arg)
{
	struct tgem_device *tdev = to_tgem_device(drm);

	ttm_device_fini(&tdev->ttm);
	drm_WARN_ON(drm, atomic64_read(&tdev->mem.sys_pages));
}

/**
 * tgem_ttm_init() - Set up the TTM device of a tgem device
 * @tdev: the device, whose &tgem_device.drm is initialised
 *
 * The TTM device is torn down by a drmm action when @tdev->drm is
 * released, after every BO is gone.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success or a negative errno; on failure nothing is left to
 * undo.
 */
int tgem_ttm_init(struct tgem_device *tdev)
{
	struct drm_device *drm = &tdev->drm;
	int ret;

	atomic64_set(&tdev->mem.sys_pages, 0);
	ret = ttm_device_init(&tdev->ttm, &tgem_ttm_funcs, drm->dev,
			      drm->anon_inode->i_mapping,
			      drm->vma_offset_manager, false, false);
	if (ret)
		return ret;

	return drmm_add_action_or_reset(drm, tgem_ttm_fini, NULL);
}

/**
 * tgem_ttm_sys_total() - Size of the system memory region
 * @tdev: the device
 *
 * Context: Any context.
 * Return: the bytes of RAM the kernel manages; BOs share it with
 * everything else.
 */
u64 tgem_ttm_sys_total(struct tgem_device *tdev)
{
	return (u64)totalram_pages() << PAGE_SHIFT;
}

/**
 * tgem_ttm_sys_used() - System memory held by tgem BOs
 * @tdev: the device
 *
 * Context: Any context. Lockless; the value may be stale by the time the
 * caller reads it.
 * Return: bytes of populated system pages over all of @tdev's BOs.
 */
u64 tgem_ttm_sys_used(struct tgem_device *tdev)
{
	return (u64)atomic64_read(&tdev->mem.sys_pages) << PAGE_SHIFT;
}
