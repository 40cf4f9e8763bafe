// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_prime: the pure sg_table check of imports
 * (tgem_prime_sg_to_pages()) on hand-built tables; an import from another
 * tgem device (shared dma_resv, the exporter's pages, system memory only)
 * next to a self-import (the same object); and dma_buf_vmap_unlocked() of
 * exports in system memory and in VRAM, read back against what was
 * written, pinned while mapped; scattered VRAM moved out of the way or
 * refused; and vmap refused after unplug.
 *
 * The VRAM cases run on the ivshmem BAR (tgem_kunit_vram_device_create())
 * and skip without it.
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/device.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_prime.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_kmap.h"

#define TGEM_PRIME_PAGES	4
#define TGEM_PRIME_SIZE		(TGEM_PRIME_PAGES * PAGE_SIZE)
#define TGEM_PRIME_SEED		0x9e1e

/* --- tgem_prime_sg_to_pages() on hand-built tables -------------------- */

struct tgem_prime_sg_case {
	const char *desc;
	/* Pages per entry; 0 ends the list. */
	unsigned int lens[4];
	/* Which entry has no struct page, or -1. */
	int hole;
	/* Which entry starts 512 bytes into its page, or -1. */
	int offset;
	pgoff_t num_pages;
	int ret;
};

static const struct tgem_prime_sg_case tgem_prime_sg_cases[] = {
	{ "one page per entry", { 1, 1, 1, 1 }, -1, -1, 4, 0 },
	{ "runs of pages", { 2, 1, 1 }, -1, -1, 4, 0 },
	{ "short of the BO", { 1, 1, 1 }, -1, -1, 4, -EINVAL },
	{ "longer than the BO", { 2, 2, 1 }, -1, -1, 4, -EINVAL },
	{ "entry not page aligned", { 1, 1, 1, 1 }, -1, 2, 4, -EINVAL },
	{ "entry without struct page", { 1, 1, 1, 1 }, 3, -1, 4, -EOPNOTSUPP },
	{ "first entry without struct page", { 2, 2 }, 0, -1, 4, -EOPNOTSUPP },
};

KUNIT_ARRAY_PARAM_DESC(tgem_prime_sg, tgem_prime_sg_cases, desc);

static void tgem_prime_free_pages(void *arg)
{
	struct page **pages = arg;
	int i;

	for (i = 0; i < 4; i++)
		if (pages[i])
			__free_pages(pages[i], 1);
}

static void tgem_prime_free_table(void *sgt)
{
	sg_free_table(sgt);
}

static void tgem_prime_sg_to_pages_cases(struct kunit *test)
{
	const struct tgem_prime_sg_case *c = test->param_value;
	struct page **runs, **pages, *want[8] = {};
	unsigned int n, i, j, k = 0;
	struct scatterlist *sg;
	struct sg_table *sgt;
	int ret;

	for (n = 0; n < 4 && c->lens[n]; n++)
		;
	runs = kunit_kcalloc(test, 4, sizeof(*runs), GFP_KERNEL);
	pages = kunit_kcalloc(test, 8, sizeof(*pages), GFP_KERNEL);
	sgt = kunit_kzalloc(test, sizeof(*sgt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, runs);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, sgt);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_prime_free_pages,
							runs), 0);

	KUNIT_ASSERT_EQ(test, sg_alloc_table(sgt, n, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_prime_free_table,
							sgt), 0);

	for_each_sgtable_sg(sgt, sg, i) {
		/* Order 1 for every entry: room for runs of up to 2 pages. */
		runs[i] = alloc_pages(GFP_KERNEL, 1);
		KUNIT_ASSERT_NOT_NULL(test, runs[i]);
		if ((int)i == c->hole) {
			sg_set_page(sg, NULL, c->lens[i] * PAGE_SIZE, 0);
		} else if ((int)i == c->offset) {
			sg_set_page(sg, runs[i], c->lens[i] * PAGE_SIZE - 512, 512);
		} else {
			sg_set_page(sg, runs[i], c->lens[i] * PAGE_SIZE, 0);
			for (j = 0; j < c->lens[i] && k < 8; j++)
				want[k++] = runs[i] + j;
		}
	}

	ret = tgem_prime_sg_to_pages(sgt, pages, c->num_pages);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (!ret && !c->ret)
		for (i = 0; i < c->num_pages; i++)
			KUNIT_EXPECT_PTR_EQ(test, pages[i], want[i]);
}

/* --- dma-bufs of tgem BOs --------------------------------------------- */

/* Drop a dma-buf and let its release run now, not on a later fput. */
static void tgem_prime_dmabuf_put(void *dmabuf)
{
	dma_buf_put(dmabuf);
	flush_delayed_fput();
}

/* Export @bo; the test end drops the dma-buf. */
static struct dma_buf *tgem_prime_export_bo(struct kunit *test,
					    struct tgem_bo *bo)
{
	struct drm_gem_object *obj = &bo->ttm.base;
	struct dma_buf *dmabuf;

	dmabuf = obj->funcs->export(obj, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_prime_dmabuf_put,
							dmabuf), 0);
	return dmabuf;
}

/* Put an imported GEM object and wait for TTM's delayed destruction. */
static void tgem_prime_import_put(void *arg)
{
	struct tgem_bo *bo = gem_to_tgem_bo(arg);
	struct ttm_device *bdev = bo->ttm.bdev;

	tgem_bo_put(bo);
	flush_workqueue(bdev->wq);
	flush_delayed_fput();
}

/*
 * Another tgem device imports a BO: a new sg BO sharing the dma-buf's
 * dma_resv, whose pages are the exporter's (so it reads what the
 * exporter wrote), in system memory only. The exporter's own device gets
 * its own object back.
 */
static void tgem_prime_import_other_device(struct kunit *test)
{
	struct tgem_device *a = tgem_kunit_device_create(test);
	struct drm_gem_object *self, *obj;
	struct tgem_device *b;
	struct device *parent;
	struct tgem_bo *bo, *imp;
	struct dma_buf *dmabuf;
	pgoff_t i;

	/* A second device: its KUnit device needs a name of its own. */
	parent = kunit_device_register(test, "tgem-kunit-importer");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);
	b = tgem_device_create(parent, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);

	bo = tgem_kunit_bo_create(test, a, TGEM_PRIME_SIZE,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	tgem_kunit_bo_fill(test, bo, TGEM_PRIME_SEED);
	dmabuf = tgem_prime_export_bo(test, bo);

	self = drm_gem_prime_import(&a->drm, dmabuf);
	KUNIT_ASSERT_PTR_EQ(test, self, &bo->ttm.base);
	drm_gem_object_put(self);

	obj = drm_gem_prime_import(&b->drm, dmabuf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_prime_import_put,
							obj), 0);
	imp = gem_to_tgem_bo(obj);

	KUNIT_EXPECT_TRUE(test, tgem_bo_is_tgem(obj));
	KUNIT_EXPECT_PTR_EQ(test, obj->dev, &b->drm);
	KUNIT_EXPECT_PTR_EQ(test, obj->resv, dmabuf->resv);
	KUNIT_EXPECT_PTR_EQ(test, imp->ttm.base.resv, bo->ttm.base.resv);
	KUNIT_EXPECT_EQ(test, imp->ttm.type, ttm_bo_type_sg);
	KUNIT_EXPECT_EQ(test, imp->uapi_placement, DRM_TGEM_PLACEMENT_SYSTEM);
	/* Attached: the exporter's BO is pinned. */
	KUNIT_EXPECT_EQ(test, bo->ttm.pin_count, 1u);

	KUNIT_ASSERT_NOT_NULL(test, imp->ttm.ttm);
	KUNIT_ASSERT_TRUE(test, ttm_tt_is_populated(imp->ttm.ttm));
	for (i = 0; i < TGEM_PRIME_PAGES; i++)
		KUNIT_EXPECT_PTR_EQ(test, imp->ttm.ttm->pages[i],
				    bo->ttm.ttm->pages[i]);
	/* Through tgem's own kernel access path, as the engine reads it. */
	tgem_kunit_bo_expect(test, imp, TGEM_PRIME_SEED);
	tgem_kunit_bo_fill(test, imp, TGEM_PRIME_SEED + 1);
	tgem_kunit_bo_expect(test, bo, TGEM_PRIME_SEED + 1);

	/* Imports stay in system memory; the device's own pages not counted. */
	KUNIT_EXPECT_EQ(test, tgem_bo_migrate(imp, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_bo_migrate(imp, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->mem.sys_pages), 0);

	/* Destroying the import detaches: the exporter's BO is unpinned. */
	kunit_release_action(test, tgem_prime_import_put, obj);
	KUNIT_EXPECT_EQ(test, bo->ttm.pin_count, 0u);
}

/* Compare a whole vmap of a BO with the pattern written into it. */
static void tgem_prime_expect_map(struct kunit *test, struct iosys_map *map,
				  u32 seed)
{
	u64 offset, bad = 0;
	u32 word;

	for (offset = 0; offset < TGEM_PRIME_SIZE; offset += sizeof(u32)) {
		iosys_map_memcpy_from(&word, map, offset, sizeof(word));
		if (word != tgem_kunit_pattern(seed, offset))
			bad++;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "words of the vmap differ from pattern %u",
			    seed);
}

struct tgem_prime_vmap_case {
	const char *desc;
	bool vram;
	u32 placement;
	u32 flags;
};

static const struct tgem_prime_vmap_case tgem_prime_vmap_cases[] = {
	{ "system", false, DRM_TGEM_PLACEMENT_SYSTEM, 0 },
	{ "vram contiguous", true, DRM_TGEM_PLACEMENT_VRAM,
	  DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS },
	{ "vram or system", true,
	  DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM, 0 },
};

KUNIT_ARRAY_PARAM_DESC(tgem_prime_vmap, tgem_prime_vmap_cases, desc);

/*
 * dma_buf_vmap_unlocked() of an export maps the bytes written into the
 * BO (system memory, or VRAM as iomem), pins the BO while mapped so it
 * cannot move, and two vmaps share one mapping.
 */
static void tgem_prime_vmap_export(struct kunit *test)
{
	const struct tgem_prime_vmap_case *c = test->param_value;
	struct iosys_map map, map2;
	struct tgem_device *tdev;
	struct dma_buf *dmabuf;
	struct tgem_bo *bo;
	u32 mem_type;
	int ret;

	tdev = c->vram ? tgem_kunit_vram_device_create(test) :
			 tgem_kunit_device_create(test);
	bo = tgem_kunit_bo_create(test, tdev, TGEM_PRIME_SIZE, c->placement,
				  c->flags);
	tgem_kunit_bo_fill(test, bo, TGEM_PRIME_SEED);
	mem_type = tgem_kunit_bo_mem_type(test, bo);
	KUNIT_ASSERT_EQ(test, mem_type, c->vram ? TTM_PL_VRAM : TTM_PL_SYSTEM);
	dmabuf = tgem_prime_export_bo(test, bo);

	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, map.is_iomem,
			tgem_kunit_bo_mem_type(test, bo) == TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, bo->ttm.pin_count, 1u);
	tgem_prime_expect_map(test, &map, TGEM_PRIME_SEED);

	ret = dma_buf_vmap_unlocked(dmabuf, &map2);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_equal(&map, &map2));
	if (!ret)
		dma_buf_vunmap_unlocked(dmabuf, &map2);

	/* Pinned: a move elsewhere is refused while the mapping lives. */
	if (c->placement == (DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM))
		KUNIT_EXPECT_EQ(test, tgem_bo_migrate(bo, map.is_iomem ? 0 : 1),
				-EBUSY);

	/* Written through the mapping, seen by tgem. */
	iosys_map_wr(&map, 0, u32, 0x0ddba11);
	dma_buf_vunmap_unlocked(dmabuf, &map);
	KUNIT_EXPECT_EQ(test, bo->ttm.pin_count, 0u);
	{
		u32 word = 0;

		KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
		ret = tgem_bo_access_locked(bo, 0, &word, sizeof(word), false);
		dma_resv_unlock(bo->ttm.base.resv);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, word, 0x0ddba11u);
	}
}

/*
 * Scattered VRAM has no linear mapping. With VRAM full but for four
 * single-page holes, a 4-page BO in them is moved, evicting nothing, to
 * system memory when its placement allows it (and mapped there, bytes
 * intact); a VRAM-only one cannot be mapped: -ENOMEM, nothing pinned or
 * moved. (The second through drm_gem_vmap_unlocked(): the dma-buf core
 * WARNs once on any exporter error.)
 */
static void tgem_prime_vmap_scattered(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);
	struct tgem_bo **bos, *bo;
	struct dma_buf *dmabuf;
	struct iosys_map map;
	int ret;

	bos = tgem_kunit_vram_fill(test, tdev, 1, 8, DRM_TGEM_PLACEMENT_VRAM, NULL);
	tgem_kunit_vram_sort(test, bos, 8);
	KUNIT_ASSERT_EQ(test, tgem_kunit_vram_punch(test, bos, 0, 8, 0), 4);

	bo = tgem_kunit_bo_create(test, tdev, TGEM_PRIME_SIZE,
				  DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	KUNIT_ASSERT_GT(test, tgem_kunit_bo_vram_runs(test, bo, NULL), 1);
	tgem_kunit_bo_fill(test, bo, TGEM_PRIME_SEED);
	dmabuf = tgem_prime_export_bo(test, bo);

	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_FALSE(test, map.is_iomem);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_SYSTEM);
	tgem_prime_expect_map(test, &map, TGEM_PRIME_SEED);
	dma_buf_vunmap_unlocked(dmabuf, &map);
	kunit_release_action(test, tgem_prime_dmabuf_put, dmabuf);
	tgem_kunit_bo_put(test, bo);

	/* The holes are free again: a VRAM-only BO takes them. */
	bo = tgem_kunit_bo_create(test, tdev, TGEM_PRIME_SIZE,
				  DRM_TGEM_PLACEMENT_VRAM, 0);
	KUNIT_ASSERT_GT(test, tgem_kunit_bo_vram_runs(test, bo, NULL), 1);
	ret = drm_gem_vmap_unlocked(&bo->ttm.base, &map);
	if (!ret)
		drm_gem_vunmap_unlocked(&bo->ttm.base, &map);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, bo->ttm.pin_count, 0u);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
}

/*
 * After unplug a vmap fails with -ENODEV and pins nothing. (Through
 * drm_gem_vmap_unlocked(), the function dma_buf_vmap() reaches: the
 * dma-buf core WARNs once on any exporter error.)
 */
static void tgem_prime_vmap_after_unplug(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct iosys_map map;
	struct tgem_bo *bo;
	int ret;

	bo = tgem_kunit_bo_create(test, tdev, TGEM_PRIME_SIZE,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	tgem_prime_export_bo(test, bo);

	drm_dev_unplug(&tdev->drm);
	ret = drm_gem_vmap_unlocked(&bo->ttm.base, &map);
	if (!ret)
		drm_gem_vunmap_unlocked(&bo->ttm.base, &map);
	KUNIT_EXPECT_EQ(test, ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, bo->ttm.pin_count, 0u);
}

static struct kunit_case tgem_prime_tests[] = {
	KUNIT_CASE_PARAM(tgem_prime_sg_to_pages_cases, tgem_prime_sg_gen_params),
	KUNIT_CASE(tgem_prime_import_other_device),
	KUNIT_CASE_PARAM(tgem_prime_vmap_export, tgem_prime_vmap_gen_params),
	KUNIT_CASE(tgem_prime_vmap_scattered),
	KUNIT_CASE(tgem_prime_vmap_after_unplug),
	{}
};

static struct kunit_suite tgem_prime_suite = {
	.name = "tgem_prime",
	.test_cases = tgem_prime_tests,
};

kunit_test_suite(tgem_prime_suite);

MODULE_IMPORT_NS(DMA_BUF);
