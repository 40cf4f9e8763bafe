// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: PRIME
 *
 * tgem shares BOs with other devices, and with other tgem files, through
 * dma-bufs, using the DRM core's PRIME helpers for the file descriptors
 * and the handle bookkeeping.
 *
 * **Export.** A tgem dma-buf shares the BO's &dma_resv, so every fence a
 * tgem job adds is seen by the importer, and DMA_BUF_IOCTL_EXPORT_SYNC_FILE
 * and DMA_BUF_IOCTL_IMPORT_SYNC_FILE on it work on tgem's own fences (a job
 * waits for what is in the dma_resv, see "User command execution"). The
 * exporter is static: an importer's attachment pins the BO
 * (tgem_prime_pin()), which moves a VRAM BO to system memory (an importer
 * gets pages, never the BAR), populates it and keeps it there until the
 * importer detaches; a VRAM-only BO cannot be attached (``EINVAL``), nor
 * can one on an unplugged device (``ENODEV``). A userptr BO is not
 * exported (``EPERM``): its pages cannot be kept valid for another device.
 *
 * **Kernel vmap of an export** (dma_buf_vmap(), which the core calls with
 * the dma_resv held) maps the whole BO with ttm_bo_vmap(): system pages
 * through vmap(), VRAM through ioremap_wc() (the &iosys_map is then
 * iomem). The BO is pinned until vunmap, as drm_gem_vram does, so TTM can
 * neither evict nor move it while another driver reads it; a MIGRATE of it
 * meanwhile fails with ``EBUSY``. VRAM can only be mapped linearly when the
 * BO's VRAM is one contiguous run: a scattered BO is first moved, without
 * evicting anything (the caller holds a dma_resv without a ticket, see the
 * locking rules), to contiguous VRAM if there is room, else to system
 * memory if its placement allows it; otherwise vmap fails with ``ENOMEM``.
 * A vmap of VRAM counts as a VRAM mapping for the device's removal ("Short
 * term kernel mappings"), so the BAR is not released while another driver
 * holds one; once the device is unplugged vmap fails with ``ENODEV``.
 * (dma_buf_vmap() itself warns once on any error an exporter returns, so
 * these failures also leave a warning in the log when they come that way.)
 *
 * **Import** of another device's dma-buf (a tgem dma-buf of the same
 * device is not imported: the core hands back the same GEM object, so the
 * same handle) goes through drm_gem_prime_import(): a static attachment,
 * mapped once by the core under the dma-buf's dma_resv and unmapped when
 * the BO is destroyed. tgem_prime_import_sg_table() wraps it in a TTM BO
 * of type %ttm_bo_type_sg that shares the dma-buf's &dma_resv (so a tgem
 * job waits for the exporter's fences, and the exporter sees tgem's), and
 * whose &ttm_tt takes its pages from the sg_table instead of allocating
 * any. The software engine reaches them with kmap_local_page(), so tgem
 * imports only what is made of ordinary struct pages (shmem, other
 * tgem devices): an sg_table with an entry that has no struct page, that
 * is device memory (ZONE_DEVICE), or that does not cover the dma-buf in
 * whole pages is refused at import with ``EOPNOTSUPP`` (no pages) or
 * ``EINVAL`` (layout). An imported BO lives in system memory only:
 * MIGRATE to VRAM fails with ``EINVAL``, as for any BO whose placement
 * leaves VRAM out. Its CPU mapping is the exporter's: mmap of an imported
 * BO's offset is forwarded to the exporter with dma_buf_mmap(), as the DRM
 * documentation asks of drivers that allow it, and fails as the exporter's
 * mmap does.
 *
 * Lifetime of an import. The handle, the dma-buf fd, the exporter's handle
 * and file may go in any order: the attachment holds the exporter's
 * buffer, and the BO holds a dma-buf reference of its own. TTM always
 * destroys a %ttm_bo_type_sg BO from its delayed-delete worker, which
 * locks the shared dma_resv; that reference keeps the dma_resv alive until
 * tgem_bo_destroy() has unmapped the attachment, detached and dropped it,
 * also when an import fails halfway.
 *
 * Static or dynamic. tgem attaches statically. For a static exporter (any
 * driver on the DRM PRIME helpers, vgem among them) the attachment pins
 * the buffer at once. For a dynamic exporter the dma-buf core pins it and
 * caches one mapping for as long as tgem is attached, so it never moves
 * under tgem and &dma_buf_attach_ops.move_notify would never be called:
 * tgem implements none, and %CONFIG_DMABUF_MOVE_NOTIFY makes no
 * difference to it. The price is that such an exporter cannot evict a
 * buffer tgem imported until tgem drops it.
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/iosys-map.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_prime.h"
#include "ttm/tgem_kmap.h"
#include "ttm/tgem_placement.h"
#include "ttm/tgem_vram_mgr.h"
#include "userptr/tgem_userptr.h"

/**
 * tgem_prime_export() - &drm_gem_object_funcs.export of a tgem BO
 * @obj: the BO
 * @flags: the flags of the file the dma-buf gets
 *
 * Context: Process context.
 * Return: the dma-buf; ERR_PTR(-EPERM) for a userptr BO, or another
 * ERR_PTR() from drm_gem_prime_export().
 */
struct dma_buf *tgem_prime_export(struct drm_gem_object *obj, int flags)
{
	if (tgem_bo_is_userptr(gem_to_tgem_bo(obj)))
		return ERR_PTR(-EPERM);
	return drm_gem_prime_export(obj, flags);
}

/**
 * tgem_prime_pin() - &drm_gem_object_funcs.pin: keep a BO for an importer
 * @obj: the BO
 *
 * Moves the BO to system memory if it is in VRAM, populates it and pins
 * it there. Moving to system memory never evicts anything, so no ww
 * ticket is needed (see "Validation").
 *
 * Context: Process context, from drm_gem_pin() with the BO's dma_resv
 * held; sleeps.
 * Return: 0; -ENODEV once the device is unplugged; -EINVAL for a BO that
 * may not live in system memory; -ENOMEM (the allocator or tgem's page
 * limit) or -ERESTARTSYS.
 */
int tgem_prime_pin(struct drm_gem_object *obj)
{
	struct ttm_buffer_object *tbo = &gem_to_tgem_bo(obj)->ttm;
	struct ttm_operation_ctx ctx = {
		.interruptible = true,
		/* Fail with ENOMEM, rather than invoke the OOM killer. */
		.gfp_retry_mayfail = true,
	};
	int ret;

	dma_resv_assert_held(obj->resv);

	/* Unplugged: its VRAM is gone, so no importer gets its contents. */
	if (drm_dev_is_unplugged(obj->dev))
		return -ENODEV;

	/* An importer gets system pages: a VRAM-only BO has none to give. */
	if (!(gem_to_tgem_bo(obj)->uapi_placement & DRM_TGEM_PLACEMENT_SYSTEM))
		return -EINVAL;

	/* Move a VRAM BO out first. */
	if (tbo->resource && tbo->resource->mem_type != TTM_PL_SYSTEM) {
		struct ttm_placement sys = { 1, &tgem_sys_place };

		ret = ttm_bo_validate(tbo, &sys, &ctx);
		if (ret)
			return ret == -ENOSPC ? -ENOMEM : ret;
	}
	if (!tbo->resource || tbo->resource->mem_type != TTM_PL_SYSTEM || !tbo->ttm)
		return -EINVAL;

	ret = ttm_tt_populate(tbo->bdev, tbo->ttm, &ctx);
	if (ret)
		return ret == -ENOSPC ? -ENOMEM : ret;

	ttm_bo_pin(tbo);
	return 0;
}

/**
 * tgem_prime_unpin() - &drm_gem_object_funcs.unpin
 * @obj: a BO tgem_prime_pin() pinned
 *
 * Context: Process context, with the BO's dma_resv held.
 */
void tgem_prime_unpin(struct drm_gem_object *obj)
{
	dma_resv_assert_held(obj->resv);
	ttm_bo_unpin(&gem_to_tgem_bo(obj)->ttm);
}

/**
 * tgem_prime_get_sg_table() - &drm_gem_object_funcs.get_sg_table
 * @obj: a BO pinned by an attachment
 *
 * Context: Process context, from the dma-buf's map_dma_buf.
 * Return: a new sg_table of the BO's pages, which the caller frees; or
 * an ERR_PTR().
 */
struct sg_table *tgem_prime_get_sg_table(struct drm_gem_object *obj)
{
	struct ttm_buffer_object *tbo = &gem_to_tgem_bo(obj)->ttm;

	/* Only attachments call this, and attaching pinned the pages. */
	if (drm_WARN_ON(obj->dev, !tbo->pin_count || !tbo->ttm ||
			!ttm_tt_is_populated(tbo->ttm)))
		return ERR_PTR(-EINVAL);

	return drm_prime_pages_to_sg(obj->dev, tbo->ttm->pages,
				     tbo->ttm->num_pages);
}

/*
 * Make a BO linearly mappable: system memory, or VRAM in one run. A
 * scattered VRAM BO moves, evicting nothing (TTM_PL_FLAG_DESIRED keeps
 * TTM's eviction pass off the VRAM place), to contiguous VRAM or else to
 * system memory when its placement allows it.
 */
static int tgem_prime_make_linear_locked(struct tgem_bo *bo,
					 struct ttm_operation_ctx *ctx)
{
	struct ttm_buffer_object *tbo = &bo->ttm;
	struct tgem_device *tdev = ttm_to_tgem_device(tbo->bdev);
	struct ttm_resource *res = tbo->resource;
	struct ttm_place places[TGEM_MAX_PLACES];
	struct ttm_placement placement = { .placement = places };
	int ret;

	dma_resv_assert_held(tbo->base.resv);

	if (!res)
		return -EINVAL;
	if (res->mem_type == TTM_PL_SYSTEM ||
	    (res->mem_type == TTM_PL_VRAM && to_tgem_vram_resource(res)->contiguous))
		return 0;
	if (tbo->pin_count)
		return -EBUSY;

	ret = tgem_placement_from_uapi(DRM_TGEM_PLACEMENT_VRAM,
				       DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS,
				       tgem_device_has_vram(tdev), places);
	if (WARN_ON_ONCE(ret != 1))
		return -EINVAL;
	places[0].flags |= TTM_PL_FLAG_DESIRED;
	placement.num_placement = 1;
	if (bo->uapi_placement & DRM_TGEM_PLACEMENT_SYSTEM)
		places[placement.num_placement++] = tgem_sys_place;

	ret = ttm_bo_validate(tbo, &placement, ctx);
	return ret == -ENOSPC ? -ENOMEM : ret;
}

/**
 * tgem_prime_vmap() - &drm_gem_object_funcs.vmap: map a whole BO
 * @obj: the BO; its dma_resv is held
 * @map: out: the mapping, system memory or iomem
 *
 * See "PRIME" for where the BO is mapped and why it is pinned until
 * tgem_prime_vunmap().
 *
 * Context: Process context, from dma_buf_vmap() or drm_gem_vmap() with
 * the BO's dma_resv held; sleeps.
 * Return: 0 with @map set; -ENODEV once the device is unplugged; -EBUSY
 * for a BO pinned where it cannot be mapped; -ENOMEM when there is no
 * room to make it linear or no memory for the mapping; or another errno
 * from TTM. On failure the BO is not pinned.
 */
int tgem_prime_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct tgem_bo *bo = gem_to_tgem_bo(obj);
	struct ttm_buffer_object *tbo = &bo->ttm;
	struct tgem_device *tdev = ttm_to_tgem_device(tbo->bdev);
	/* Not interruptible: the caller may be another driver's kernel path. */
	struct ttm_operation_ctx ctx = { .gfp_retry_mayfail = true };
	bool vram;
	int idx, ret;

	dma_resv_assert_held(obj->resv);

	if (!drm_dev_enter(obj->dev, &idx))
		return -ENODEV;

	ret = tgem_prime_make_linear_locked(bo, &ctx);
	if (ret)
		goto out_exit;
	ttm_bo_pin(tbo);

	vram = tbo->resource->mem_type == TTM_PL_VRAM;
	if (vram && !tgem_kmap_vram_hold(tdev)) {
		ret = -ENODEV;
		goto out_unpin;
	}
	/* Populate here, where a lack of memory fails rather than OOM-kills. */
	if (!vram && tbo->ttm) {
		ret = ttm_tt_populate(tbo->bdev, tbo->ttm, &ctx);
		if (ret == -ENOSPC)
			ret = -ENOMEM;
		if (ret)
			goto out_unhold;
	}

	ret = ttm_bo_vmap(tbo, map);
	if (ret == -ENOSPC)
		ret = -ENOMEM;
	if (ret)
		goto out_unhold;

	drm_dev_exit(idx);
	return 0;

out_unhold:
	if (vram)
		tgem_kmap_vram_unhold(tdev);
out_unpin:
	ttm_bo_unpin(tbo);
out_exit:
	drm_dev_exit(idx);
	return ret;
}

/**
 * tgem_prime_vunmap() - &drm_gem_object_funcs.vunmap
 * @obj: the BO; its dma_resv is held
 * @map: the mapping tgem_prime_vmap() returned
 *
 * Works after the device is unplugged too, and then lets its removal go
 * on if this was the last VRAM mapping.
 *
 * Context: Process context, with the BO's dma_resv held.
 */
void tgem_prime_vunmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct ttm_buffer_object *tbo = &gem_to_tgem_bo(obj)->ttm;
	struct tgem_device *tdev = ttm_to_tgem_device(tbo->bdev);
	bool vram = map->is_iomem;

	dma_resv_assert_held(obj->resv);

	ttm_bo_vunmap(tbo, map);
	/* The caller's BO, and the importer's dma-buf, keep tdev alive. */
	if (vram)
		tgem_kmap_vram_unhold(tdev);
	ttm_bo_unpin(tbo);
}

/* Whether the engine can reach @page with kmap_local_page(). */
static bool tgem_prime_page_usable(struct page *page)
{
	return page && pfn_valid(page_to_pfn(page)) &&
	       !is_zone_device_page(page);
}

/**
 * tgem_prime_sg_to_pages() - The struct pages of an imported sg_table
 * @sgt: the sg_table an attachment mapped
 * @pages: out: @num_pages entries
 * @num_pages: the pages of the BO
 *
 * The CPU side of @sgt must cover exactly @num_pages whole pages, every
 * entry page-aligned, and every page must be an ordinary struct page
 * (not device memory).
 *
 * Context: Any context.
 * Return: 0 with @pages filled; -EINVAL when the entries do not cover
 * @num_pages whole pages; -EOPNOTSUPP when a page is missing or is
 * device memory. On failure @pages holds nothing the caller may use.
 */
int tgem_prime_sg_to_pages(struct sg_table *sgt, struct page **pages,
			   pgoff_t num_pages)
{
	struct scatterlist *sg;
	u64 bytes = 0;
	pgoff_t i;
	int n, ret;

	for_each_sgtable_sg(sgt, sg, n) {
		if (sg->offset || !PAGE_ALIGNED(sg->length))
			return -EINVAL;
		/* No struct page to step through (device memory). */
		if (!sg_page(sg))
			return -EOPNOTSUPP;
		bytes += sg->length;
	}
	if (bytes != (u64)num_pages << PAGE_SHIFT)
		return -EINVAL;

	/* Cannot overrun @pages now, so its WARN_ON() cannot fire. */
	ret = drm_prime_sg_to_page_array(sgt, pages, num_pages);
	if (ret)
		return -EINVAL;

	for (i = 0; i < num_pages; i++)
		if (!tgem_prime_page_usable(pages[i]))
			return -EOPNOTSUPP;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_prime_sg_to_pages);

/**
 * tgem_prime_tt_populate() - Populate the &struct ttm_tt of an import
 * @tt: the tt of a %ttm_bo_type_sg BO, with &ttm_tt.sg set
 * @retry_mayfail: fail the page array's allocation rather than invoke
 *                 the OOM killer
 *
 * Allocates the page array and fills it from the sg_table; the pages are
 * the exporter's, so nothing is allocated or counted for them.
 *
 * Context: Process context, the BO's dma_resv held; may sleep.
 * Return: 0; -ENOMEM; or what tgem_prime_sg_to_pages() returns. On
 * failure @tt has no page array.
 */
int tgem_prime_tt_populate(struct ttm_tt *tt, bool retry_mayfail)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
	int ret;

	if (retry_mayfail)
		gfp |= __GFP_RETRY_MAYFAIL;
	tt->pages = kvcalloc(tt->num_pages, sizeof(*tt->pages), gfp);
	if (!tt->pages)
		return -ENOMEM;

	ret = tgem_prime_sg_to_pages(tt->sg, tt->pages, tt->num_pages);
	if (ret) {
		kvfree(tt->pages);
		tt->pages = NULL;
	}
	return ret;
}

/**
 * tgem_prime_tt_unpopulate() - Undo tgem_prime_tt_populate()
 * @tt: the tt of an import
 *
 * Frees the page array only: the pages stay the exporter's, mapped by the
 * attachment until the BO is destroyed.
 *
 * Context: Process context, the BO's dma_resv held.
 */
void tgem_prime_tt_unpopulate(struct ttm_tt *tt)
{
	kvfree(tt->pages);
	tt->pages = NULL;
}

/**
 * tgem_prime_import_sg_table() - &drm_driver.gem_prime_import_sg_table
 * @drm: the tgem device
 * @attach: tgem's attachment to another device's dma-buf
 * @sgt: its mapping, made by the core; the new BO keeps it until it is
 *       destroyed
 *
 * Context: Process context, from drm_gem_prime_import(); sleeps. Takes
 * the dma-buf's dma_resv.
 * Return: the new BO's GEM object, holding one reference the caller
 * owns; ERR_PTR(-EINVAL) for a size tgem cannot have or an sg_table
 * that does not cover it in whole pages, ERR_PTR(-EOPNOTSUPP) for one
 * without struct pages, or another ERR_PTR(). On failure the caller
 * still owns @attach and @sgt.
 */
struct drm_gem_object *
tgem_prime_import_sg_table(struct drm_device *drm,
			   struct dma_buf_attachment *attach,
			   struct sg_table *sgt)
{
	struct tgem_device *tdev = to_tgem_device(drm);
	struct dma_buf *dmabuf = attach->dmabuf;
	struct tgem_bo *bo;

	if (!dmabuf->size || !PAGE_ALIGNED(dmabuf->size) ||
	    dmabuf->size > tgem_bo_max_size(tdev))
		return ERR_PTR(-EINVAL);

	bo = tgem_bo_create_sg(tdev, dmabuf->size, sgt, dmabuf);
	if (IS_ERR(bo))
		return ERR_CAST(bo);
	return &bo->ttm.base;
}

/**
 * tgem_prime_mmap_import() - CPU mapping of an imported BO
 * @obj: the imported BO
 * @vma: the mapping, set up by drm_gem_mmap_obj() on tgem's offset
 *
 * Hands the mapping to the exporter with dma_buf_mmap(). From then on the mapping belongs to the
 * dma-buf's file, so the GEM reference drm_gem_mmap_obj() took for it is
 * dropped.
 *
 * Context: Process context, from mmap() with mmap_lock held for writing.
 * Return: 0, or the exporter's errno.
 */
int tgem_prime_mmap_import(struct drm_gem_object *obj,
			   struct vm_area_struct *vma)
{
	int ret;

	/* Not tgem's: the exporter sets its own, or none. */
	vma->vm_private_data = NULL;
	vma->vm_ops = NULL;

	/* From page 0: drm_gem_mmap() maps a GEM offset only from its start. */
	ret = dma_buf_mmap(obj->import_attach->dmabuf, vma, 0);
	if (ret)
		return ret;

	/* What drm_gem_mmap_obj() checks of every GEM mapping. */
	vm_flags_set(vma, VM_DONTEXPAND);
	drm_gem_object_put(obj);
	return 0;
}
