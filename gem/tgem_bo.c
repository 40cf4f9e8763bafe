// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Buffer objects
 *
 * A tgem BO (&struct tgem_bo) is a TTM buffer object of type
 * %ttm_bo_type_device whose embedded GEM object is what userspace holds
 * handles to. Creating one allocates no pages: TTM gives it a system
 * resource with an empty &struct ttm_tt, and the pages arrive on the first
 * CPU fault or pin, zeroed.
 *
 * Lifetime. The GEM reference count owns one TTM reference; when the last
 * handle, dma-buf or lookup goes away, tgem drops it. A CPU mapping holds a
 * TTM reference of its own, so the memory outlives GEM_CLOSE until
 * munmap(). The fake mmap offset is registered when the BO is created and
 * removed when TTM releases the BO; after the GEM count reaches zero the
 * offset can no longer be mapped, because the DRM core's lookup only takes
 * GEM references that are not yet zero.
 *
 * Validation. Every path that may need room in VRAM (creation, MIGRATE)
 * validates its BO under a ww acquire ticket (see tgem_bo_validate()).
 * TTM's eviction takes the ticket from the evicting BO's dma_resv: without
 * one it only *trylocks* the victims, and a victim that is merely busy,
 * because a CPU fault is mapping it or GEM_INFO is reading its region,
 * would be skipped, failing a VRAM-only creation with a spurious
 * ``ENOMEM`` or sending a VRAM|SYSTEM BO to system memory. With a ticket,
 * TTM waits for such a victim. The PRIME pin path validates under the lock
 * drm_gem_pin() takes, without a ticket; that is enough, because it only
 * ever moves a BO to system memory, which never evicts anything.
 *
 * PRIME. Export, kernel vmap of an export and import of another device's
 * dma-buf are described in "PRIME". An imported BO is a TTM BO of type
 * %ttm_bo_type_sg that shares the dma-buf's dma_resv and whose pages are
 * the exporter's; it lives in system memory only.
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/ww_mutex.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem_ttm_helper.h>
#include <drm/drm_prime.h>
#include <drm/drm_utils.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "execbuf/tgem_gpuvm.h"
#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_mmap.h"
#include "gem/tgem_prime.h"
#include "ttm/tgem_placement.h"
#include "ttm/tgem_ttm.h"
#include "userptr/tgem_userptr.h"

static void tgem_bo_destroy(struct ttm_buffer_object *tbo)
{
	struct tgem_bo *bo = ttm_to_tgem_bo(tbo);

	/* An import: unmap the attachment, detach, drop the dma-buf. */
	if (tbo->base.import_attach)
		drm_prime_gem_destroy(&tbo->base, tbo->sg);
	drm_gem_object_release(&tbo->base);
	if (bo->import_dmabuf)
		dma_buf_put(bo->import_dmabuf);
	tgem_userptr_free(bo->userptr);
	kfree(bo);
}

/**
 * tgem_bo_is_tgem_ttm() - Whether a TTM BO is a tgem BO
 * @tbo: the TTM BO
 *
 * TTM also puts its own ghost objects on the LRU lists; they share the
 * GEM funcs of the BO they came from but are not tgem BOs.
 *
 * Context: Any context.
 * Return: true if @tbo is embedded in a &struct tgem_bo.
 */
bool tgem_bo_is_tgem_ttm(const struct ttm_buffer_object *tbo)
{
	return tbo->destroy == tgem_bo_destroy;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_is_tgem_ttm);

static void tgem_bo_gem_free(struct drm_gem_object *obj)
{
	struct tgem_bo *bo = gem_to_tgem_bo(obj);

	/* A userptr BO first loses its MMU notifier, on a worker. */
	if (tgem_bo_is_userptr(bo)) {
		tgem_userptr_gem_free(bo);
		return;
	}

	/* Drop the TTM reference the GEM count has owned since creation. */
	ttm_bo_put(&bo->ttm);
}

/* An imported BO is mapped by its exporter; see "PRIME". */
static int tgem_bo_gem_mmap(struct drm_gem_object *obj,
			    struct vm_area_struct *vma)
{
	if (obj->import_attach)
		return tgem_prime_mmap_import(obj, vma);
	return tgem_mmap_obj(obj, vma);
}

static const struct drm_gem_object_funcs tgem_bo_gem_funcs = {
	.free = tgem_bo_gem_free,
	.open = tgem_gpuvm_gem_open,
	.close = tgem_gpuvm_gem_close,
	.export = tgem_prime_export,
	.pin = tgem_prime_pin,
	.unpin = tgem_prime_unpin,
	.get_sg_table = tgem_prime_get_sg_table,
	.vmap = tgem_prime_vmap,
	.vunmap = tgem_prime_vunmap,
	.mmap = tgem_bo_gem_mmap,
	.print_info = drm_gem_ttm_print_info,
	.vm_ops = &tgem_mmap_ops,
};

/**
 * tgem_bo_is_tgem() - Whether a GEM object is a tgem BO
 * @obj: the GEM object
 *
 * Context: Any context.
 * Return: true if @obj was created by tgem_bo_create().
 */
bool tgem_bo_is_tgem(const struct drm_gem_object *obj)
{
	return obj->funcs == &tgem_bo_gem_funcs;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_is_tgem);

/* Bytes of the region a TTM place names. */
static u64 tgem_bo_region_size(struct tgem_device *tdev, u32 mem_type)
{
	return mem_type == TTM_PL_VRAM ? tdev->vram.size : tgem_ttm_sys_total(tdev);
}

/**
 * tgem_bo_max_size() - Largest BO size tgem accepts
 * @tdev: the device
 *
 * A BO's page count must fit TTM's 32-bit &ttm_tt.num_pages and the DRM
 * fake-offset space, and a BO can never be larger than the largest memory
 * region.
 *
 * Context: Any context.
 * Return: the limit in bytes, a multiple of PAGE_SIZE.
 */
u64 tgem_bo_max_size(struct tgem_device *tdev)
{
	u64 max = min_t(u64, (u64)U32_MAX << PAGE_SHIFT,
			(u64)DRM_FILE_PAGE_OFFSET_SIZE << PAGE_SHIFT);

	return min_t(u64, max, max_t(u64, tgem_ttm_sys_total(tdev), tdev->vram.size));
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_max_size);

/*
 * No place at all: ttm_bo_init_reserved() then leaves the new BO without a
 * resource (TTM's "remove the backing store" case), so that tgem_bo_create()
 * can give it its first resource under a ww ticket.
 */
static struct ttm_placement tgem_bo_no_placement;

/* Attempts of tgem_bo_validate() before an -ENOMEM is believed. */
#define TGEM_BO_VALIDATE_TRIES 3

/* Whether @res is of a memory type @placement names. */
static bool tgem_bo_placement_has(const struct ttm_placement *placement,
				  const struct ttm_resource *res)
{
	unsigned int i;

	for (i = 0; res && i < placement->num_placement; i++)
		if (placement->placement[i].mem_type == res->mem_type)
			return true;
	return false;
}

/**
 * tgem_bo_validate() - Move a BO into a placement, evicting under a ticket
 * @bo: the BO; the caller holds a reference, not its dma_resv
 * @placement: where it may go, in order of preference
 *
 * Takes @bo's dma_resv with a fresh ww acquire ticket and validates it, so
 * that TTM's eviction can *wait* for a victim whose dma_resv another
 * thread holds for a moment (a CPU fault, GEM_INFO) instead of skipping
 * it.
 *
 * TTM 6.12 reports a ww backoff during eviction (-EDEADLK, from a wound
 * by an older transaction or from the backoffs CONFIG_DEBUG_WW_MUTEX_SLOWPATH
 * injects) as -ENOMEM, and a victim that moved away while TTM waited for it
 * leaves TTM with nothing to evict although the room is now there. So an
 * -ENOMEM is retried, a few times, after every lock is dropped. Each try
 * takes a new ticket: after -EDEADLK the old one may only go on with the
 * lock it contended for, which TTM does not name. A real lack of memory
 * costs the extra tries.
 *
 * Context: Process context; sleeps. Must not hold any dma_resv. Takes and
 * releases @bo's dma_resv and, inside TTM, those of eviction victims.
 * Return: 0 on success; -EBUSY if @bo is pinned outside @placement;
 * -ENOMEM when no place has room; -ERESTARTSYS/-EINTR on a signal; or
 * another errno from TTM. On failure @bo stays where it was.
 */
static int tgem_bo_validate(struct tgem_bo *bo, struct ttm_placement *placement)
{
	struct ttm_operation_ctx ctx = {
		.interruptible = true,
		/* Fail with ENOMEM, rather than invoke the OOM killer. */
		.gfp_retry_mayfail = true,
	};
	struct ww_acquire_ctx ticket;
	int tries, ret;

	for (tries = 1; ; tries++) {
		ww_acquire_init(&ticket, &reservation_ww_class);
		ret = ttm_bo_reserve(&bo->ttm, true, false, &ticket);
		if (!ret) {
			if (bo->ttm.pin_count &&
			    !tgem_bo_placement_has(placement, bo->ttm.resource))
				ret = -EBUSY;
			else
				ret = ttm_bo_validate(&bo->ttm, placement, &ctx);
			ttm_bo_unreserve(&bo->ttm);
		}
		ww_acquire_fini(&ticket);

		if (ret != -ENOMEM || tries == TGEM_BO_VALIDATE_TRIES ||
		    fatal_signal_pending(current))
			break;
	}
	/* tgem's own page limit (see "TTM device"), to userspace ENOMEM. */
	return ret == -ENOSPC ? -ENOMEM : ret;
}

/**
 * tgem_bo_create() - Create a BO
 * @tdev: the device
 * @size: size in bytes; nonzero, page aligned, at most tgem_bo_max_size()
 * @placement: mask of %DRM_TGEM_PLACEMENT_* bits
 * @flags: mask of %DRM_TGEM_GEM_CREATE_FLAG_* bits
 *
 * The BO gets its fake mmap offset at once but no pages: they come on
 * first use.
 *
 * A BO that may live in VRAM gets its VRAM at once, cleared, evicting
 * other BOs if it must (see "Placement rules"), waiting for those that
 * are busy (see "Validation").
 *
 * Context: Process context; may sleep. Must not hold any dma_resv. Takes
 * and releases the new BO's dma_resv, under a ww acquire ticket.
 *
 * Return: the BO, holding one GEM reference the caller owns; or
 * ERR_PTR(-EINVAL) for a bad size, placement or flag, ERR_PTR(-E2BIG) when
 * @size is larger than every allowed region, ERR_PTR(-ENOMEM) when no
 * allowed region has room (TTM's errno for that) or the caller's memory
 * cgroup is at its limit, ERR_PTR(-ENOSPC) when the device's fake mmap
 * offset space is full, or another ERR_PTR(). On failure nothing is left
 * allocated.
 */
struct tgem_bo *tgem_bo_create(struct tgem_device *tdev, u64 size,
			       u32 placement, u32 flags)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	struct ttm_place places[TGEM_MAX_PLACES];
	struct tgem_bo *bo;
	int nplaces, i, n, ret;

	if (!size || !PAGE_ALIGNED(size) || size > tgem_bo_max_size(tdev))
		return ERR_PTR(-EINVAL);

	nplaces = tgem_placement_from_uapi(placement, flags,
					   tgem_device_has_vram(tdev), places);
	if (nplaces < 0)
		return ERR_PTR(nplaces);

	/*
	 * Leave out the places whose region is smaller than the BO. TTM
	 * would try them, and the VRAM manager's -EINVAL for an impossible
	 * size ends TTM's search instead of moving on to the next place.
	 */
	for (i = 0, n = 0; i < nplaces; i++)
		if (size <= tgem_bo_region_size(tdev, places[i].mem_type))
			places[n++] = places[i];
	if (!n)
		return ERR_PTR(-E2BIG);
	/* A lone place is what the BO wants, not a fallback. */
	if (n == 1)
		places[0].flags &= ~TTM_PL_FLAG_FALLBACK;
	nplaces = n;

	/* Charged to the caller's memory cgroup, as its pages will be. */
	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);

	memcpy(bo->places, places, sizeof(places));
	bo->placement.num_placement = nplaces;
	bo->placement.placement = bo->places;
	bo->uapi_placement = placement;
	bo->uapi_flags = flags;

	drm_gem_private_object_init(&tdev->drm, &bo->ttm.base, size);
	bo->ttm.base.funcs = &tgem_bo_gem_funcs;

	/*
	 * Two steps. ttm_bo_init_reserved() locks the BO without a ticket, so
	 * it only sets it up, with no resource; tgem_bo_validate() then gives
	 * it its first resource under a ticket (see "Validation"). Handing
	 * ttm_bo_init_reserved() a resv locked with a ticket would not do: on
	 * failure it puts the BO with that lock still held.
	 *
	 * On failure TTM calls tgem_bo_destroy(), which frees @bo.
	 */
	ret = ttm_bo_init_reserved(&tdev->ttm, &bo->ttm, ttm_bo_type_device,
				   &tgem_bo_no_placement, 0, &ctx, NULL, NULL,
				   tgem_bo_destroy);
	if (ret)
		return ERR_PTR(ret);
	ttm_bo_unreserve(&bo->ttm);

	ret = tgem_bo_validate(bo, &bo->placement);
	if (ret) {
		tgem_bo_put(bo);
		return ERR_PTR(ret);
	}
	return bo;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_create);

/**
 * tgem_bo_wait() - Wait until a BO is idle
 * @bo: the BO
 * @timeout_ns: absolute %CLOCK_MONOTONIC deadline in nanoseconds; a
 * deadline in the past polls
 *
 * Waits for every fence in the BO's dma_resv, of every usage.
 *
 * Context: Process context; sleeps interruptibly. Takes no lock, so the
 * BO may become busy again as soon as this returns.
 * Return: 0 when the BO is idle, -ETIME when the deadline passed first,
 * -ERESTARTSYS when a signal arrived.
 */
int tgem_bo_wait(struct tgem_bo *bo, s64 timeout_ns)
{
	struct dma_resv *resv = bo->ttm.base.resv;
	signed long timeout = drm_timeout_abs_to_jiffies(timeout_ns);
	long ret;

	if (!timeout)
		return dma_resv_test_signaled(resv, DMA_RESV_USAGE_BOOKKEEP) ?
		       0 : -ETIME;

	ret = dma_resv_wait_timeout(resv, DMA_RESV_USAGE_BOOKKEEP, true, timeout);
	if (ret < 0)
		return ret;
	return ret ? 0 : -ETIME;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_wait);

/**
 * tgem_bo_migrate() - Move a BO to one of its allowed regions
 * @bo: the BO; the caller holds a reference, not its dma_resv
 * @region: region instance (0 system memory, 1 VRAM)
 *
 * Evicts other BOs from VRAM if it must. The BO's data is kept, and its
 * CPU mappings are zapped so they fault in at the new place.
 *
 * Context: Process context; sleeps. Must not hold any dma_resv. Takes
 * @bo's dma_resv interruptibly, under a ww acquire ticket.
 * Return: 0 on success (also when the BO is already there); -EINVAL for a
 * region the BO may not live in; -EBUSY if the BO is pinned (another
 * device has attached it); -ENOMEM if the region has no room, also when
 * the BO is larger than the whole region; -ERESTARTSYS on a signal.
 */
int tgem_bo_migrate(struct tgem_bo *bo, u32 region)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bo->ttm.bdev);
	struct ttm_placement placement = { .num_placement = 1 };
	struct ttm_place place;
	int ret;

	if (region > 1 || !(bo->uapi_placement & BIT(region)))
		return -EINVAL;

	/* The creation rule, for this one region (CONTIGUOUS is VRAM's). */
	ret = tgem_placement_from_uapi(BIT(region), region ? bo->uapi_flags : 0,
				       tgem_device_has_vram(tdev), &place);
	if (WARN_ON_ONCE(ret != 1))
		return -EINVAL;
	/* No eviction can make room for it; see tgem_bo_create(). */
	if (bo->ttm.base.size > tgem_bo_region_size(tdev, place.mem_type))
		return -ENOMEM;
	placement.placement = &place;

	return tgem_bo_validate(bo, &placement);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_migrate);

/**
 * tgem_bo_region() - Which region a BO lives in now
 * @bo: the BO; the caller holds a reference, not its dma_resv
 *
 * The answer may be stale as soon as it is returned: eviction can move the
 * BO at any time. Asking does not count as using the BO: its place in the
 * eviction order is left alone.
 *
 * Context: Process context; takes @bo's dma_resv interruptibly.
 * Return: the region instance (0 system memory, 1 VRAM), or -ERESTARTSYS.
 */
int tgem_bo_region(struct tgem_bo *bo)
{
	struct dma_resv *resv = bo->ttm.base.resv;
	int ret;

	/* Not ttm_bo_reserve(): unreserving would bump the BO in the LRU. */
	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		return ret;
	ret = bo->ttm.resource && bo->ttm.resource->mem_type == TTM_PL_VRAM;
	dma_resv_unlock(resv);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_region);

/**
 * tgem_bo_create_userptr() - Create the BO of a userptr
 * @tdev: the device
 * @size: size in bytes; nonzero, page aligned, at most
 *        tgem_userptr_max_size()
 * @up: its mirror state, which the BO owns from now on
 *
 * A system-memory-only BO whose &struct ttm_tt is the userptr's (see
 * "Userptr"). It has no pages yet.
 *
 * Context: Process context; may sleep. Takes and releases the new BO's
 * dma_resv lock.
 * Return: the BO, holding one GEM reference the caller owns; or an
 * ERR_PTR(), and then @up has been freed too.
 */
struct tgem_bo *tgem_bo_create_userptr(struct tgem_device *tdev, u64 size,
				       struct tgem_userptr *up)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	struct tgem_bo *bo;
	int ret;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo) {
		tgem_userptr_free(up);
		return ERR_PTR(-ENOMEM);
	}

	bo->places[0] = tgem_sys_place;
	bo->placement.num_placement = 1;
	bo->placement.placement = bo->places;
	bo->uapi_placement = DRM_TGEM_PLACEMENT_SYSTEM;
	bo->userptr = up;

	drm_gem_private_object_init(&tdev->drm, &bo->ttm.base, size);
	bo->ttm.base.funcs = &tgem_bo_gem_funcs;

	/* On failure TTM calls tgem_bo_destroy(), which frees @bo and @up. */
	ret = ttm_bo_init_reserved(&tdev->ttm, &bo->ttm, ttm_bo_type_device,
				   &bo->placement, 0, &ctx, NULL, NULL,
				   tgem_bo_destroy);
	if (ret)
		return ERR_PTR(ret);

	ttm_bo_unreserve(&bo->ttm);
	return bo;
}

/**
 * tgem_bo_create_sg() - Create the BO of an imported dma-buf
 * @tdev: the device
 * @size: size in bytes; nonzero, page aligned, at most tgem_bo_max_size()
 * @sgt: the attachment's mapping; the BO uses it until it is destroyed,
 *       and then hands it back to the attachment (drm_prime_gem_destroy())
 * @dmabuf: the dma-buf; the BO shares its dma_resv and holds a reference
 *
 * A system-memory-only BO of type %ttm_bo_type_sg whose &struct ttm_tt
 * takes its pages from @sgt (see "PRIME"). It is populated at once, so an
 * sg_table the engine could not use is refused here rather than at the
 * first execbuf.
 *
 * Context: Process context; may sleep. Must not hold any dma_resv. Takes
 * and releases the dma-buf's dma_resv.
 * Return: the BO, holding one GEM reference the caller owns; or an
 * ERR_PTR(): -EOPNOTSUPP or -EINVAL from tgem_prime_sg_to_pages(),
 * -ENOMEM, -EINTR. On failure nothing is left allocated, and @sgt is
 * still the caller's.
 */
struct tgem_bo *tgem_bo_create_sg(struct tgem_device *tdev, u64 size,
				  struct sg_table *sgt, struct dma_buf *dmabuf)
{
	struct dma_resv *resv = dmabuf->resv;
	struct ttm_operation_ctx ctx = {
		.interruptible = true,
		.gfp_retry_mayfail = true,
	};
	struct tgem_bo *bo;
	int ret;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);

	bo->places[0] = tgem_sys_place;
	bo->placement.num_placement = 1;
	bo->placement.placement = bo->places;
	bo->uapi_placement = DRM_TGEM_PLACEMENT_SYSTEM;

	drm_gem_private_object_init(&tdev->drm, &bo->ttm.base, size);
	bo->ttm.base.funcs = &tgem_bo_gem_funcs;

	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret) {
		drm_gem_private_object_fini(&bo->ttm.base);
		kfree(bo);
		return ERR_PTR(ret);
	}
	bo->import_dmabuf = dmabuf;
	get_dma_buf(dmabuf);

	/*
	 * TTM leaves a resv it was given locked on failure too, and calls
	 * tgem_bo_destroy() (maybe later, from its delayed delete), which
	 * frees @bo and drops the dma-buf; import_attach is not set yet, so
	 * the attachment stays the caller's.
	 */
	ret = ttm_bo_init_reserved(&tdev->ttm, &bo->ttm, ttm_bo_type_sg,
				   &bo->placement, 0, &ctx, sgt, resv,
				   tgem_bo_destroy);
	if (ret) {
		dma_resv_unlock(resv);
		return ERR_PTR(ret);
	}

	ret = bo->ttm.ttm ? ttm_tt_populate(bo->ttm.bdev, bo->ttm.ttm, &ctx) :
			    -EINVAL;
	dma_resv_unlock(resv);
	if (ret) {
		tgem_bo_put(bo);
		return ERR_PTR(ret);
	}
	return bo;
}
