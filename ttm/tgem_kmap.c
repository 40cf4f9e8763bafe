// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Short-term kernel mappings
 *
 * Kernel code that needs to read or write a BO for a moment (the
 * relocation engine, the software engine, ptrace through
 * &vm_operations_struct.access) maps it one page at a time with
 * tgem_bo_kmap_local_page_locked() and unmaps it with
 * tgem_bo_kunmap_local(), or copies through tgem_bo_access_locked().
 *
 * The contract:
 *
 *  - The caller holds the BO's dma_resv lock from before the map until
 *    after the unmap. The functions assert it (tgem_bo_held()).
 *  - The BO is **not** pinned. Holding the dma_resv is enough: TTM moves,
 *    evicts and swaps a BO only with its dma_resv held, so the backing
 *    cannot change under the mapping. Nothing is left behind that could
 *    keep the BO from being evicted once the lock is dropped; this is the
 *    point of the "vmap_local" discussion around drm_gem_shmem.
 *  - A mapping is CPU-local (kmap_local_page() for system pages,
 *    io_mapping_map_local_wc() for VRAM). Several may be held at once, and
 *    they are undone in the reverse order they were made. The pointer is
 *    never handed to another thread.
 *  - Mapping may sleep (it populates an unpopulated system BO); using the
 *    mapping must not fault on user memory, since the dma_resv is held
 *    (see the locking order).
 *  - The data is only as stable as the caller makes it: a BO that work is
 *    still writing to should be waited for first.
 *  - Once the device is unplugged, mapping a page of VRAM fails with
 *    ``ENODEV``: the BAR may already belong to a new instance of the
 *    device. A VRAM mapping made before stays usable until it is undone,
 *    because the device's removal waits for it (see below). Pages of
 *    system memory can still be mapped.
 *
 * Unplug. A mapping does not stay inside drm_dev_enter(): the mapping
 * would have to carry the SRCU index, and the SRCU is shared by every DRM
 * device, so a long read section (a dma-buf vmap) would hold up every
 * drm_dev_unplug() in the system. Instead each device counts the mappings
 * of its VRAM (&tgem_device.vram.kmaps): tgem_bo_kmap_local_page_locked()
 * raises the count before its unplug check, and tgem_bo_kunmap_local(),
 * which is given the BO for that, drops it. After drm_dev_unplug(), the
 * devm action that tgem_kmap_init() registers waits for the device's
 * count to reach zero, before the BAR is released. drm_dev_unplug()
 * orders its store to &drm_device.unplugged before that wait
 * (synchronize_srcu() is a full barrier), and a mapping orders its
 * increment before its check, so a mapping either sees the unplug and
 * fails, or is waited for. Only the device's own mappings are waited for:
 * removing one device never waits for another's. A dma-buf vmap of a BO
 * in VRAM is counted too, on the BO's device (tgem_kmap_vram_hold()): it
 * is not short-term, and that device's removal waits until its importer
 * calls vunmap.
 */

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/highmem.h>
#include <linux/io-mapping.h>
#include <linux/lockdep.h>
#include <linux/wait_bit.h>

#include <drm/drm_cache.h>
#include <drm/drm_drv.h>
#include <drm/drm_print.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/visibility.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "ttm/tgem_iter.h"
#include "ttm/tgem_kmap.h"
#include "ttm/tgem_vram_mgr.h"

/*
 * Drop a VRAM mapping of @tdev. The caller keeps @tdev alive across the
 * call (it holds a BO of @tdev, whose file or dma-buf holds a reference
 * to the DRM device), so the removal that this may let go on cannot free
 * @tdev before wake_up_var() is called. atomic_dec_and_test() is fully
 * ordered, as wake_up_var() wants.
 */
static void tgem_kmap_vram_put(struct tgem_device *tdev)
{
	if (atomic_dec_and_test(&tdev->vram.kmaps))
		wake_up_var(&tdev->vram.kmaps);
}

/*
 * Count a VRAM mapping of @tdev, unless @tdev is unplugged. The increment
 * is ordered before the check; see "Unplug" above.
 */
static bool tgem_kmap_vram_get(struct tgem_device *tdev)
{
	atomic_inc(&tdev->vram.kmaps);
	/* Pairs with the full barrier of synchronize_srcu() in the unplug. */
	smp_mb__after_atomic();
	if (drm_dev_is_unplugged(&tdev->drm)) {
		tgem_kmap_vram_put(tdev);
		return false;
	}
	return true;
}

/*
 * The devm action of tgem_kmap_init(), run at unbind after remove() has
 * unplugged @data. @data, the tgem_device, is drmm memory, freed by the
 * last drm_dev_put(); this action cannot outlive it: devm_drm_dev_alloc()
 * registered its drm_dev_put() on the same parent before this action, and
 * devres runs the actions in reverse order, so that reference is still
 * held here, and the wait sees this device's count alone.
 */
static void tgem_kmap_unplug_wait(void *data)
{
	struct tgem_device *tdev = data;

	wait_var_event(&tdev->vram.kmaps, !atomic_read(&tdev->vram.kmaps));
}

/**
 * tgem_kmap_vram_hold() - Count a longer-lived VRAM mapping
 * @tdev: the device whose VRAM is mapped
 *
 * For kernel mappings of VRAM that are not short-term, a dma-buf vmap of
 * a BO in VRAM (see "PRIME"): the device's removal waits for them like for
 * the short-term mappings, so the BAR is never released under one.
 *
 * Context: Any context.
 * Return: true with the mapping counted; false, counting nothing, once
 * @tdev is unplugged.
 */
bool tgem_kmap_vram_hold(struct tgem_device *tdev)
{
	return tgem_kmap_vram_get(tdev);
}

/**
 * tgem_kmap_vram_unhold() - Undo tgem_kmap_vram_hold()
 * @tdev: the device tgem_kmap_vram_hold() was given
 *
 * May let @tdev's removal go on, so the caller must keep @tdev alive
 * across the call by other means: tgem_prime_vunmap() holds a BO of
 * @tdev, and its importer the dma-buf, which holds a reference to the DRM
 * device (drm_gem_dmabuf_export()).
 *
 * Context: Any context, after the mapping is gone.
 */
void tgem_kmap_vram_unhold(struct tgem_device *tdev)
{
	tgem_kmap_vram_put(tdev);
}

/**
 * tgem_kmap_init() - Make a device's removal wait for its VRAM mappings
 * @tdev: a device with VRAM, whose &drm_device.dev is its parent
 *
 * Registers a devm action on the parent device. It runs after the
 * driver's remove() has unplugged @tdev and before the BAR region, which
 * was requested earlier, is released: it waits until no VRAM mapping of
 * @tdev is left (&tgem_device.vram.kmaps), whatever other tgem devices
 * have mapped. Call it after devm_drm_dev_alloc(), which keeps @tdev
 * alive until the action has run.
 *
 * Context: Process context, while probing @tdev, before any BO of it
 * exists; may sleep.
 * Return: 0, or -ENOMEM (and nothing registered).
 */
int tgem_kmap_init(struct tgem_device *tdev)
{
	atomic_set(&tdev->vram.kmaps, 0);
	return devm_add_action(tdev->drm.dev, tgem_kmap_unplug_wait, tdev);
}

/**
 * tgem_bo_held() - Whether the current task holds a BO's dma_resv
 * @bo: the BO
 *
 * With lockdep this is exact: the lock must be held by this task. Without
 * lockdep it can only tell that someone holds it.
 *
 * Context: Any context.
 * Return: true if the lock is held (by this task, with lockdep).
 */
bool tgem_bo_held(struct tgem_bo *bo)
{
	struct dma_resv *resv = bo->ttm.base.resv;

	if (IS_ENABLED(CONFIG_LOCKDEP))
		return lockdep_is_held(&resv->lock.base);
	return dma_resv_is_locked(resv);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_held);

/**
 * tgem_bo_kmap_local_page_locked() - Map one page of a BO, briefly
 * @bo: the BO; the caller holds its dma_resv, and need not pin it
 * @pgoff: the page, in BO pages
 * @map: out: the mapping, system memory or iomem
 *
 * Populates an unpopulated system BO first, so its pages exist. See "Short
 * term kernel mappings" for the rules the caller follows until
 * tgem_bo_kunmap_local().
 *
 * Context: Process context, @bo's dma_resv held; may sleep before it maps.
 * Return: 0 with @map set; -EINVAL for a page past the end or a BO with no
 * backing; -EPERM (and a warning) if the caller does not hold the lock;
 * -ENODEV for a page of VRAM once the device is unplugged; -ENOMEM or
 * -ERESTARTSYS from populating.
 */
int tgem_bo_kmap_local_page_locked(struct tgem_bo *bo, pgoff_t pgoff,
				   struct iosys_map *map)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	struct ttm_buffer_object *tbo = &bo->ttm;
	struct tgem_device *tdev = ttm_to_tgem_device(tbo->bdev);
	struct tgem_vram_cursor cur;
	u64 offset;
	int ret;

	if (drm_WARN_ON_ONCE(&tdev->drm, !tgem_bo_held(bo)))
		return -EPERM;
	if (pgoff >= PFN_UP(tbo->base.size) || !tbo->resource)
		return -EINVAL;

	switch (tbo->resource->mem_type) {
	case TTM_PL_SYSTEM:
		if (!tbo->ttm)
			return -EINVAL;
		ret = ttm_tt_populate(tbo->bdev, tbo->ttm, &ctx);
		if (ret)
			return ret;
		iosys_map_set_vaddr(map, kmap_local_page(tbo->ttm->pages[pgoff]));
		return 0;
	case TTM_PL_VRAM:
		if (!tgem_kmap_vram_get(tdev))
			return -ENODEV;
		tgem_vram_cursor_init_res(&cur, &tdev->vram.mgr.mm, tbo->resource);
		offset = tgem_vram_cursor_offset(&cur, pgoff);
		iosys_map_set_vaddr_iomem(map, io_mapping_map_local_wc(&tdev->vram.iomap,
								       offset));
		return 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_kmap_local_page_locked);

/**
 * tgem_bo_kunmap_local() - Undo tgem_bo_kmap_local_page_locked()
 * @bo: the BO that was mapped; the caller still holds its dma_resv
 * @map: the mapping tgem_bo_kmap_local_page_locked() returned for @bo
 *
 * Unmapping a page of VRAM lets the removal of @bo's device go on, if it
 * waits and this was the last VRAM mapping of that device.
 *
 * Context: The context that made the mapping, in LIFO order with any
 * other local mapping it holds; still holding @bo's dma_resv.
 */
void tgem_bo_kunmap_local(struct tgem_bo *bo, struct iosys_map *map)
{
	if (map->is_iomem) {
		io_mapping_unmap_local(map->vaddr_iomem);
		tgem_kmap_vram_put(ttm_to_tgem_device(bo->ttm.bdev));
	} else {
		kunmap_local(map->vaddr);
	}
	iosys_map_clear(map);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_kunmap_local);

/**
 * tgem_bo_access_locked() - Copy bytes to or from a BO
 * @bo: the BO; the caller holds its dma_resv
 * @offset: byte offset in the BO
 * @buf: kernel buffer
 * @len: bytes to copy
 * @write: true to copy @buf into the BO, false to copy out of it
 *
 * Maps one page at a time. Reads from VRAM use drm_memcpy_from_wc().
 *
 * Context: Process context, @bo's dma_resv held; may sleep.
 * Return: 0, or a negative errno from tgem_bo_kmap_local_page_locked();
 * -EINVAL if the range is not inside the BO. On error part of the range
 * may have been copied.
 */
int tgem_bo_access_locked(struct tgem_bo *bo, u64 offset, void *buf,
			  size_t len, bool write)
{
	u64 size = bo->ttm.base.size;
	struct iosys_map map, src, kbuf;
	int ret;

	if (offset > size || len > size - offset)
		return -EINVAL;

	while (len) {
		size_t in_page = offset_in_page(offset);
		size_t n = min_t(size_t, len, PAGE_SIZE - in_page);

		ret = tgem_bo_kmap_local_page_locked(bo, offset >> PAGE_SHIFT, &map);
		if (ret)
			return ret;

		if (write) {
			iosys_map_memcpy_to(&map, in_page, buf, n);
		} else if (map.is_iomem) {
			iosys_map_set_vaddr(&kbuf, buf);
			src = map;
			iosys_map_incr(&src, in_page);
			drm_memcpy_from_wc(&kbuf, &src, n);
		} else {
			memcpy(buf, map.vaddr + in_page, n);
		}
		tgem_bo_kunmap_local(bo, &map);

		buf += n;
		offset += n;
		len -= n;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_bo_access_locked);
