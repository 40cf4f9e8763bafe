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
 * report how much of the region is in use. An imported BO's pages are the
 * exporter's: its tt (one with &ttm_tt.sg set) only gets a page array,
 * filled from the attachment's sg_table, and is not counted (see
 * "PRIME").
 *
 * System memory and memory cgroups. tgem allocates its BOs' system pages
 * itself rather than through TTM's pool, whose gfp mask (in 6.12) cannot
 * carry %__GFP_ACCOUNT. Everything a client makes the kernel allocate for
 * a BO is charged to the memory cgroup of the task that allocates it: the
 * BO and &struct ttm_tt, the page array, and the pages, allocated with
 * %__GFP_ACCOUNT in runs of up to 2 MiB where the allocator has them,
 * and freed straight back to the page allocator (TTM's pool keeps no
 * cached pages anyway). One order-0 allocation per page cost a move of
 * 64 MiB out of VRAM 9 ms of its 84 (make bench); runs of 2 MiB cost a
 * fraction of that.
 *
 * A run stays one higher-order allocation, as in TTM's pool: its first
 * page records the order in page_private(), and the run goes back with
 * one __free_pages(). Freeing 64 MiB is then 32 calls rather than 16,384
 * pages one by one, which had cost a tenth of a whole move into VRAM.
 * The other pages of a run have no reference count of their own, so
 * nothing may get_page() or put_page() them: tgem maps them as
 * %VM_PFNMAP (see "CPU faults"), and an importer reaches them only
 * through the dma-buf. Single pages, where the allocator had no run, go
 * back in batches with release_pages().
 *
 * The page array is allocated only when the pages are, and freed with
 * them, so a BO nobody touched costs a few hundred bytes however large
 * it is. An ioctl that populates (MIGRATE, creation, an eviction it
 * causes) fails with ``ENOMEM`` at the cgroup's limit; a CPU fault
 * behaves like a fault on anonymous memory.
 *
 * The &struct ttm_tt is marked %TTM_TT_FLAG_EXTERNAL (and _MAPPABLE, since
 * its pages are ordinary pages that may be mapped): TTM then leaves the
 * pages to tgem and does not count them against its global page limit.
 * Counting them there would make a tgem client that populates past that
 * limit swap out the BOs of every TTM device in the machine. tgem applies
 * the same limit, ttm_tt_pages_limit(), to its own pages instead; its BOs
 * are therefore never swapped out by TTM. Reaching that limit is not the
 * machine running out of memory, so populate says -ENOSPC for it, not
 * -ENOMEM: a CPU fault then gets SIGBUS rather than %VM_FAULT_OOM (which
 * the OOM killer cannot resolve, so the fault would be retried forever),
 * and the ioctls report it as ``ENOMEM`` like any other lack of memory.
 */

#include <linux/gfp.h>
#include <linux/io-mapping.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
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
#include "gem/tgem_prime.h"
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

	tt = kzalloc(sizeof(*tt), GFP_KERNEL_ACCOUNT);
	if (!tt)
		return NULL;

	/*
	 * What ttm_tt_init() sets up, without the page array, which
	 * tgem_ttm_tt_populate() allocates with the pages. See "TTM
	 * device" for the flags.
	 */
	tt->num_pages = PFN_UP(bo->base.size);
	tt->page_flags = page_flags | TTM_TT_FLAG_EXTERNAL |
			 TTM_TT_FLAG_EXTERNAL_MAPPABLE;
	tt->caching = ttm_cached;
	tt->sg = bo->sg;
	return tt;
}

/* The largest run of pages populate asks for: 2 MiB. */
#define TGEM_TT_MAX_ORDER	9

/*
 * Free the first @n pages of @tt and its page array. @n ends on a run's
 * end. A run of 2^order pages is one allocation, whose first page holds
 * the order (see "TTM device"); consecutive single pages go back in
 * batches with release_pages(): one memcg uncharge and one per-CPU list
 * lock per batch rather than per page.
 */
static void tgem_ttm_tt_free_pages(struct ttm_tt *tt, pgoff_t n)
{
	pgoff_t i = 0, j;

	while (i < n) {
		unsigned int order = page_private(tt->pages[i]);

		if (order) {
			set_page_private(tt->pages[i], 0);
			__free_pages(tt->pages[i], order);
			i += 1u << order;
		} else {
			/* release_pages() counts in int: 2 MiB at most. */
			for (j = i + 1; j < n && j - i < (SZ_2M >> PAGE_SHIFT) &&
			     !page_private(tt->pages[j]); j++)
				;
			release_pages(tt->pages + i, j - i);
			i = j;
		}
		cond_resched();
	}
	kvfree(tt->pages);
	tt->pages = NULL;
}

/**
 * tgem_ttm_tt_populate() - Give a &struct ttm_tt its pages
 * @bdev: the TTM device
 * @tt: the unpopulated tt
 * @ctx: TTM's operation context; %ttm_operation_ctx.gfp_retry_mayfail
 *       makes a lack of memory fail with -ENOMEM instead of invoking the
 *       OOM killer
 *
 * Allocates the page array and the pages, charged to the current task's
 * memory cgroup, zeroed when %TTM_TT_FLAG_ZERO_ALLOC asks for it.
 *
 * Context: Process context; sleeps. Called by ttm_tt_populate() with the
 * BO's dma_resv held.
 * Return: 0, -ENOMEM when memory or the memory cgroup runs out, -ENOSPC
 * when tgem's share of TTM's page limit does, or -EINTR for a fatal
 * signal. On failure @tt is left unpopulated, without a page array.
 */
static int tgem_ttm_tt_populate(struct ttm_device *bdev, struct ttm_tt *tt,
				struct ttm_operation_ctx *ctx)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bdev);
	gfp_t array_gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
	gfp_t gfp = GFP_HIGHUSER | __GFP_ACCOUNT | __GFP_NOWARN;
	pgoff_t i;
	int ret;

	/* A userptr's pages are the user's; see "Userptr". */
	if (tgem_userptr_is_tt(tt))
		return tgem_userptr_tt_populate(tt);
	/* An import's are the exporter's; see "PRIME". */
	if (tt->sg)
		return tgem_prime_tt_populate(tt, ctx->gfp_retry_mayfail);

	if (tt->page_flags & TTM_TT_FLAG_ZERO_ALLOC)
		gfp |= __GFP_ZERO;
	if (ctx->gfp_retry_mayfail) {
		gfp |= __GFP_RETRY_MAYFAIL;
		array_gfp |= __GFP_RETRY_MAYFAIL;
	}

	if (atomic64_add_return(tt->num_pages, &tdev->mem.sys_pages) >
	    ttm_tt_pages_limit()) {
		ret = -ENOSPC;
		goto out_uncount;
	}

	tt->pages = kvcalloc(tt->num_pages, sizeof(*tt->pages), array_gfp);
	if (!tt->pages) {
		ret = -ENOMEM;
		goto out_uncount;
	}

	for (i = 0; i < tt->num_pages; ) {
		unsigned int order = min_t(unsigned int, TGEM_TT_MAX_ORDER,
					   ilog2(tt->num_pages - i));
		struct page *p;
		pgoff_t j;

		cond_resched();
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out_free_pages;
		}
		/* A run if one is free right now; else smaller, down to a page. */
		for (;; order--) {
			p = alloc_pages(order ? (gfp | __GFP_NORETRY) &
					~(__GFP_RECLAIM | __GFP_RETRY_MAYFAIL) :
					gfp, order);
			if (p || !order)
				break;
		}
		if (!p) {
			ret = -ENOMEM;
			goto out_free_pages;
		}
		/* A run stays whole; its first page records its order. */
		set_page_private(p, order);
		for (j = 0; j < (1u << order); j++)
			tt->pages[i + j] = p + j;
		i += 1u << order;
	}
	return 0;

out_free_pages:
	tgem_ttm_tt_free_pages(tt, i);
out_uncount:
	atomic64_sub(tt->num_pages, &tdev->mem.sys_pages);
	return ret;
}

/**
 * tgem_ttm_tt_run_order() - The order of the page run that starts at a page
 * @tt: a populated tt
 * @pgoff: the page
 *
 * A tgem BO's system pages are runs of up to 2 MiB, each one allocation
 * (see "TTM device"); the CPU fault path maps a whole run with a huge PMD.
 *
 * Context: Any context; the BO's dma_resv held, so the pages stay.
 * Return: the order of the run that starts at @pgoff, 0 for a single
 * page, for a page inside a run, and for pages that are not tgem's own
 * (a userptr's, an import's).
 */
unsigned int tgem_ttm_tt_run_order(struct ttm_tt *tt, pgoff_t pgoff)
{
	if (!tt->pages || tt->sg || tgem_userptr_is_tt(tt) ||
	    pgoff >= tt->num_pages)
		return 0;
	return page_private(tt->pages[pgoff]);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_ttm_tt_run_order);

static void tgem_ttm_tt_unpopulate(struct ttm_device *bdev, struct ttm_tt *tt)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bdev);

	if (tt->sg) {
		tgem_prime_tt_unpopulate(tt);
		return;
	}
	tgem_ttm_tt_free_pages(tt, tt->num_pages);
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
 * &ttm_bus_placement.offset is a linear bus address, so it is only set
 * for VRAM that is one contiguous run; for scattered VRAM it is 0, and
 * tgem maps such a resource block by block (CPU faults, short-term
 * mappings), never through the bus offset.
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
		mem->bus.offset = 0;
		if (to_tgem_vram_resource(mem)->contiguous)
			mem->bus.offset = tdev->vram.base +
					  ((u64)mem->start << PAGE_SHIFT);
		return 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(tgem_ttm_io_mem_reserve);

/**
 * tgem_ttm_io_mem_reserve_linear() - &ttm_device_funcs.io_mem_reserve
 * @bdev: the TTM device
 * @mem: the resource; fills in &ttm_resource.bus
 *
 * TTM calls this only where it wants one linear range for the whole
 * resource: ttm_bo_kmap(), ttm_bo_vmap(), its own fault handler and the
 * linear memcpy iterator. Scattered VRAM has none, so it is refused there
 * instead of handing TTM an address that only the first block starts at.
 *
 * Context: Any context; @mem's BO reserved.
 * Return: 0; -EINVAL for VRAM that is not one contiguous run, or for a
 * placement tgem does not have.
 */
int tgem_ttm_io_mem_reserve_linear(struct ttm_device *bdev,
				   struct ttm_resource *mem)
{
	if (mem->mem_type == TTM_PL_VRAM &&
	    !to_tgem_vram_resource(mem)->contiguous)
		return -EINVAL;
	return tgem_ttm_io_mem_reserve(bdev, mem);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_ttm_io_mem_reserve_linear);

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
	.io_mem_reserve = tgem_ttm_io_mem_reserve_linear,
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

	/* Removal waits for short-term VRAM mappings before the BAR goes. */
	ret = tgem_kmap_init(tdev);
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
