// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: TTM device
 *
 * tgem's BOs are TTM buffer objects, and the device owns one
 * &struct ttm_device with up to two placements:
 *
 *  - %TTM_PL_SYSTEM: system memory. A BO's pages are a &struct ttm_tt
 *    filled from the device's &struct ttm_pool, cached, allocated on first
 *    use (a CPU fault, a pin, a move out of VRAM) and zeroed by the pool.
 *  - %TTM_PL_VRAM: device memory on a PCI BAR, when the device has one,
 *    managed by the VRAM manager and mapped write-combined.
 *
 * tgem has no GART, so there is no %TTM_PL_TT: what a GPU would reach
 * through a GART, tgem's software engine reaches through the CPU.
 *
 * Eviction. A BO in VRAM is evicted to system memory. A BO whose placement
 * is VRAM only is never evicted: TTM asks tgem_ttm_eviction_valuable()
 * and gets no. TTM zaps every CPU mapping of a BO before it moves it, so
 * the next access faults in the new place.
 *
 * The device counts the system pages its BOs hold, so the query ioctl can
 * report how much of the region is in use.
 */

#include <linux/io-mapping.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_pool.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "ttm/tgem_kmap.h"
#include "ttm/tgem_move.h"
#include "ttm/tgem_placement.h"
#include "ttm/tgem_ttm.h"
#include "ttm/tgem_vram_mgr.h"
#include "userptr/tgem_userptr.h"

static struct ttm_tt *tgem_ttm_tt_create(struct ttm_buffer_object *bo,
					 u32 page_flags)
{
	struct ttm_tt *tt;

	if (tgem_bo_is_tgem_ttm(bo) && tgem_bo_is_userptr(ttm_to_tgem_bo(bo)))
		return tgem_userptr_tt_create(bo, page_flags);

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

	/* A userptr's pages are the user's; see "Userptr". */
	if (tgem_userptr_is_tt(tt))
		return tgem_userptr_tt_populate(tt);

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
	if (bo->resource->mem_type == TTM_PL_VRAM) {
		placement->num_placement = 1;
		placement->placement = &tgem_sys_place;
		return;
	}

	/* System memory is never evicted anywhere; TTM may only swap it. */
	placement->num_placement = 0;
}

/**
 * tgem_ttm_eviction_valuable() - Whether TTM may evict a BO for @place
 * @tbo: the candidate, reserved by TTM
 * @place: the place TTM wants room in
 *
 * Context: Called by TTM with @tbo's dma_resv held.
 * Return: false for a tgem BO whose placement does not allow system
 * memory (VRAM only); otherwise TTM's default answer.
 */
bool tgem_ttm_eviction_valuable(struct ttm_buffer_object *tbo,
				const struct ttm_place *place)
{
	dma_resv_assert_held(tbo->base.resv);

	if (tgem_bo_is_tgem_ttm(tbo) &&
	    !(ttm_to_tgem_bo(tbo)->uapi_placement & DRM_TGEM_PLACEMENT_SYSTEM))
		return false;

	return ttm_bo_eviction_valuable(tbo, place);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_ttm_eviction_valuable);

/**
 * tgem_ttm_io_mem_reserve() - Describe how the CPU reaches a resource
 * @bdev: the TTM device
 * @mem: the resource; fills in &ttm_resource.bus
 *
 * Idempotent, and needs no undo: the BAR is mapped once for the device's
 * lifetime. The fault path calls it too, since TTM does not export its
 * own wrapper.
 *
 * Context: Any context; @mem's BO reserved.
 * Return: 0, or -EINVAL for a placement tgem does not have.
 */
int tgem_ttm_io_mem_reserve(struct ttm_device *bdev, struct ttm_resource *mem)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bdev);

	switch (mem->mem_type) {
	case TTM_PL_SYSTEM:
		return 0;
	case TTM_PL_VRAM:
		mem->bus.is_iomem = true;
		mem->bus.caching = ttm_write_combined;
		/*
		 * Only meaningful when contiguous. tgem maps VRAM itself, page
		 * by page through the buddy blocks (CPU faults, short-term
		 * mappings), never through TTM's linear bus.offset helpers.
		 */
		mem->bus.offset = tdev->vram.base + ((u64)mem->start << PAGE_SHIFT);
		return 0;
	default:
		return -EINVAL;
	}
}

static int tgem_ttm_access_memory(struct ttm_buffer_object *bo,
				  unsigned long offset, void *buf, int len,
				  int write)
{
	int idx, ret;

	/* After an unplug the BAR may be gone: no more access through it. */
	if (!drm_dev_enter(bo->base.dev, &idx))
		return -ENODEV;
	ret = tgem_bo_access_locked(ttm_to_tgem_bo(bo), offset, buf, len, write);
	drm_dev_exit(idx);
	return ret ?: len;
}

static const struct ttm_device_funcs tgem_ttm_funcs = {
	.ttm_tt_create = tgem_ttm_tt_create,
	.ttm_tt_populate = tgem_ttm_tt_populate,
	.ttm_tt_unpopulate = tgem_ttm_tt_unpopulate,
	.ttm_tt_destroy = tgem_ttm_tt_destroy,
	.eviction_valuable = tgem_ttm_eviction_valuable,
	.evict_flags = tgem_ttm_evict_flags,
	.move = tgem_move,
	.io_mem_reserve = tgem_ttm_io_mem_reserve,
	.access_memory = tgem_ttm_access_memory,
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
	atomic64_set(&tdev->mem.moves, 0);
	ret = ttm_device_init(&tdev->ttm, &tgem_ttm_funcs, drm->dev,
			      drm->anon_inode->i_mapping,
			      drm->vma_offset_manager, false, false);
	if (ret)
		return ret;

	return drmm_add_action_or_reset(drm, tgem_ttm_fini, NULL);
}

static void tgem_ttm_vram_fini(struct drm_device *drm, void *arg)
{
	io_mapping_fini(&to_tgem_device(drm)->vram.iomap);
}

/**
 * tgem_ttm_vram_init() - Give a device its VRAM
 * @tdev: the device, after tgem_ttm_init()
 * @base: CPU physical address of the memory BAR; the caller owns the region
 * @size: its size in bytes; rounded down to whole pages
 *
 * Maps the BAR write-combined with an io_mapping and puts the VRAM
 * manager on it. Both are undone by drmm actions.
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno; on failure nothing is left to undo.
 */
int tgem_ttm_vram_init(struct tgem_device *tdev, resource_size_t base,
		       resource_size_t size)
{
	int ret;

	size = round_down(size, PAGE_SIZE);
	if (!size)
		return -EINVAL;

	if (!io_mapping_init_wc(&tdev->vram.iomap, base, size))
		return -ENOMEM;
	ret = drmm_add_action_or_reset(&tdev->drm, tgem_ttm_vram_fini, NULL);
	if (ret)
		return ret;

	ret = tgem_vram_mgr_init(tdev, size);
	if (ret)
		return ret;

	tdev->vram.base = base;
	tdev->vram.size = size;
	return 0;
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

/**
 * tgem_ttm_vram_used() - VRAM held by BOs
 * @tdev: the device
 *
 * Context: Any context; takes the TTM LRU lock.
 * Return: bytes of VRAM allocated, 0 when the device has none.
 */
u64 tgem_ttm_vram_used(struct tgem_device *tdev)
{
	if (!tgem_device_has_vram(tdev))
		return 0;
	return ttm_resource_manager_usage(&tdev->vram.mgr.manager);
}
