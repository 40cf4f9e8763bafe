// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Reloc cache
 *
 * Relocations come in runs that patch the same page of the same BO: a
 * batch holds its addresses close together. The reloc cache (&struct
 * tgem_reloc_cache) keeps that page mapped while consecutive relocations
 * hit it, and maps the next page only when a relocation leaves it. The
 * mapping is CPU-local, never an atomic kmap:
 *
 *  - a page of a BO in system memory with kmap_local_page();
 *  - a page of a BO in VRAM with io_mapping_map_local_wc() on the BAR,
 *    found through the buddy blocks of the BO's allocation with the page
 *    iterators of "Page iterators" (&struct tgem_page_iter_vram), so VRAM
 *    need not be contiguous. This is where tgem goes past i915, which
 *    refuses relocations into device memory.
 *
 * One page at most is mapped at any time, and it is unmapped before the
 * next is mapped, so the LIFO rule of local mappings holds whatever the
 * caller maps around the cache. Writes into VRAM go through
 * write-combining buffers; tgem_reloc_cache_fini() ends with a write
 * barrier so they are out before the job is queued.
 *
 * VRAM is only touched inside drm_dev_enter(): once the device is
 * unplugged, relocating into VRAM fails with -ENODEV instead of writing
 * to a BAR that is gone.
 *
 * Before the first write into a BO, the cache waits for all of the BO's
 * earlier work (every fence in its dma_resv): a previous batch may still
 * be reading the very words being patched. The BO's dma_resv is held the
 * whole time, so no new work or move can come in between.
 */

#include <linux/dma-resv.h>
#include <linux/io-mapping.h>
#include <linux/sched.h>

#include <drm/drm_drv.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/visibility.h>

#include "execbuf/tgem_reloc_cache.h"
#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "ttm/tgem_iter.h"
#include "ttm/tgem_vram_mgr.h"

/**
 * tgem_reloc_cache_init() - Start an empty cache
 * @cache: the cache
 *
 * Context: Any context.
 */
void tgem_reloc_cache_init(struct tgem_reloc_cache *cache)
{
	memset(cache, 0, sizeof(*cache));
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_cache_init);

static void tgem_reloc_cache_unmap(struct tgem_reloc_cache *cache)
{
	if (!cache->mapped)
		return;
	cache->it->ops->unmap_local(cache->it, &cache->map);
	cache->mapped = false;
}

/**
 * tgem_reloc_cache_set_bo() - Point the cache at the next BO to patch
 * @cache: the cache
 * @bo: the BO, or NULL; nothing is mapped or waited for until the first
 *	write
 *
 * Unmaps the page of the previous BO, if any.
 *
 * Context: The thread that uses the cache.
 */
void tgem_reloc_cache_set_bo(struct tgem_reloc_cache *cache, struct tgem_bo *bo)
{
	tgem_reloc_cache_unmap(cache);
	if (cache->dev_entered) {
		drm_dev_exit(cache->dev_idx);
		cache->dev_entered = false;
	}
	cache->bo = bo;
	cache->it = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_cache_set_bo);

/* First write into the BO: wait for its earlier work, pick the iterator. */
static int tgem_reloc_cache_prepare_locked(struct tgem_reloc_cache *cache)
{
	struct ttm_buffer_object *tbo = &cache->bo->ttm;
	struct tgem_device *tdev = ttm_to_tgem_device(tbo->bdev);
	long timeout;

	dma_resv_assert_held(tbo->base.resv);

	timeout = dma_resv_wait_timeout(tbo->base.resv, DMA_RESV_USAGE_BOOKKEEP,
					true, MAX_SCHEDULE_TIMEOUT);
	if (timeout < 0)
		return timeout;

	if (!tbo->resource)
		return -EINVAL;
	switch (tbo->resource->mem_type) {
	case TTM_PL_SYSTEM:
		/* The execbuf populated it; never populate under a mapping. */
		if (!tbo->ttm || !ttm_tt_is_populated(tbo->ttm))
			return -EINVAL;
		cache->it = tgem_page_iter_tt_init(&cache->iter.tt,
						   tbo->ttm->pages);
		return 0;
	case TTM_PL_VRAM:
		if (!drm_dev_enter(&tdev->drm, &cache->dev_idx))
			return -ENODEV;
		cache->dev_entered = true;
		cache->it = tgem_page_iter_vram_init(&cache->iter.vram,
						     &tdev->vram.iomap,
						     &tdev->vram.mgr.mm,
						     &to_tgem_vram_resource(tbo->resource)->blocks);
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * tgem_reloc_cache_write_locked() - Write one relocation value
 * @cache: the cache, pointed at a BO with tgem_reloc_cache_set_bo()
 * @offset: byte offset in the BO, 8-byte aligned, inside it (checked by
 *	    the caller with tgem_reloc_check())
 * @value: the 64-bit value
 *
 * Maps the page that holds @offset unless it is mapped already. The BO
 * must be populated (system memory) or in VRAM.
 *
 * Context: Process context with the BO's dma_resv held; may sleep in the
 * first write to a BO (see "Reloc cache").
 * Return: 0; -ERESTARTSYS if a signal interrupted the wait for the BO's
 * work; -EINVAL if the BO has no pages (the caller forgot to populate it);
 * -ENODEV if the BO is in VRAM and the device is unplugged.
 */
int tgem_reloc_cache_write_locked(struct tgem_reloc_cache *cache, u64 offset,
				  u64 value)
{
	pgoff_t page = offset >> PAGE_SHIFT;
	int ret;

	if (WARN_ON_ONCE(!cache->bo || !IS_ALIGNED(offset, sizeof(u64)) ||
			 offset > cache->bo->ttm.base.size - sizeof(u64)))
		return -EINVAL;
	dma_resv_assert_held(cache->bo->ttm.base.resv);

	if (!cache->it) {
		ret = tgem_reloc_cache_prepare_locked(cache);
		if (ret)
			return ret;
	}

	if (!cache->mapped || cache->page != page) {
		tgem_reloc_cache_unmap(cache);
		cache->it->ops->map_local(cache->it, page, &cache->map);
		cache->page = page;
		cache->mapped = true;
		cache->maps++;
	}

	iosys_map_wr(&cache->map, offset_in_page(offset), u64, value);
	if (cache->map.is_iomem)
		cache->wrote_iomem = true;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_cache_write_locked);

/**
 * tgem_reloc_cache_fini() - Unmap and flush
 * @cache: the cache
 *
 * Unmaps the page still mapped, and issues a write barrier if VRAM was
 * written, so the writes have left the write-combining buffers before the
 * caller queues the job that reads them.
 *
 * Context: The thread that uses the cache.
 */
void tgem_reloc_cache_fini(struct tgem_reloc_cache *cache)
{
	tgem_reloc_cache_set_bo(cache, NULL);
	if (cache->wrote_iomem)
		wmb(); /* drain WC buffers: the engine reads VRAM on another CPU */
	cache->wrote_iomem = false;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_cache_fini);
