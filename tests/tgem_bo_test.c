// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_bo: creating and destroying BOs, the pages behind them,
 * their fake mmap offsets, argument checks and waiting for idle. Each test
 * gets a fresh tgem device from tgem_kunit_device_create().
 */

#include <linux/bits.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include <drm/drm_gem.h>
#include <drm/drm_mm.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_ttm.h"

struct tgem_bo_size_case {
	const char *desc;
	unsigned long num_pages;
};

static const struct tgem_bo_size_case tgem_bo_size_cases[] = {
	{ .desc = "1 page", .num_pages = 1 },
	{ .desc = "16 pages", .num_pages = 16 },
	{ .desc = "513 pages", .num_pages = 513 },
};

KUNIT_ARRAY_PARAM_DESC(tgem_bo_size, tgem_bo_size_cases, desc);

static s64 tgem_bo_test_sys_pages(struct tgem_device *tdev)
{
	return atomic64_read(&tdev->mem.sys_pages);
}

/*
 * A new system BO has the size asked for, is a tgem BO, sits in system
 * memory with the placement it was created with, is unlocked, holds one
 * reference and has no pages yet. Putting it removes it.
 */
static void tgem_bo_create_system(struct kunit *test)
{
	const struct tgem_bo_size_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	u64 size = (u64)c->num_pages << PAGE_SHIFT;
	struct tgem_bo *bo;
	s64 baseline;

	baseline = tgem_bo_test_sys_pages(tdev);

	bo = tgem_kunit_bo_create(test, tdev, size, DRM_TGEM_PLACEMENT_SYSTEM, 0);

	KUNIT_EXPECT_EQ(test, bo->ttm.base.size, size);
	KUNIT_EXPECT_TRUE(test, tgem_bo_is_tgem(&bo->ttm.base));
	KUNIT_EXPECT_EQ(test, kref_read(&bo->ttm.base.refcount), 1);
	KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(bo->ttm.base.resv));

	KUNIT_ASSERT_NOT_NULL(test, bo->ttm.resource);
	KUNIT_EXPECT_EQ(test, bo->ttm.resource->mem_type, TTM_PL_SYSTEM);

	KUNIT_EXPECT_EQ(test, bo->uapi_placement, DRM_TGEM_PLACEMENT_SYSTEM);
	KUNIT_EXPECT_EQ(test, bo->uapi_flags, 0);
	KUNIT_ASSERT_EQ(test, bo->placement.num_placement, 1);
	KUNIT_EXPECT_PTR_EQ(test, bo->placement.placement,
			    (const struct ttm_place *)bo->places);
	KUNIT_EXPECT_EQ(test, bo->places[0].mem_type, TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, bo->places[0].flags, 0);

	KUNIT_ASSERT_NOT_NULL(test, bo->ttm.ttm);
	KUNIT_EXPECT_EQ(test, bo->ttm.ttm->num_pages, c->num_pages);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(bo->ttm.ttm));
	KUNIT_EXPECT_EQ(test, tgem_bo_test_sys_pages(tdev), baseline);

	tgem_kunit_bo_put(test, bo);
	KUNIT_EXPECT_FALSE(test, tgem_kunit_has_mmap_offsets(tdev));
	KUNIT_EXPECT_EQ(test, tgem_bo_test_sys_pages(tdev), baseline);
}

/*
 * Populating a BO adds exactly its page count to the device's system page
 * count, and destroying it gives every page back.
 */
static void tgem_bo_populate_accounting(struct kunit *test)
{
	const struct tgem_bo_size_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct tgem_bo *bo;
	s64 baseline;

	baseline = tgem_bo_test_sys_pages(tdev);

	bo = tgem_kunit_bo_create(test, tdev, (u64)c->num_pages << PAGE_SHIFT,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	KUNIT_EXPECT_EQ(test, tgem_bo_test_sys_pages(tdev), baseline);

	tgem_kunit_bo_populate(test, bo);
	KUNIT_EXPECT_EQ(test, tgem_bo_test_sys_pages(tdev),
			baseline + c->num_pages);

	tgem_kunit_bo_put(test, bo);
	KUNIT_EXPECT_EQ(test, tgem_bo_test_sys_pages(tdev), baseline);
}

/* The pages of a new BO never show what their previous user left. */
static void tgem_bo_populate_zeroed(struct kunit *test)
{
	const struct tgem_bo_size_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	unsigned long i, dirty = 0;
	struct ttm_tt *tt;
	struct tgem_bo *bo;

	bo = tgem_kunit_bo_create(test, tdev, (u64)c->num_pages << PAGE_SHIFT,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	tgem_kunit_bo_populate(test, bo);

	tt = bo->ttm.ttm;
	KUNIT_ASSERT_EQ(test, tt->num_pages, c->num_pages);

	for (i = 0; i < tt->num_pages; i++) {
		void *vaddr;

		KUNIT_ASSERT_NOT_NULL(test, tt->pages[i]);
		vaddr = kmap_local_page(tt->pages[i]);
		if (memchr_inv(vaddr, 0, PAGE_SIZE))
			dirty++;
		kunmap_local(vaddr);
	}

	KUNIT_EXPECT_EQ_MSG(test, dirty, 0, "%lu of %u pages not zeroed",
			    dirty, tt->num_pages);
}

/*
 * A BO's pages are runs: one allocation of 2^order pages each, its order
 * in the first page's page_private() and 0 in every other, physically
 * contiguous and aligned to its size, no larger than 2 MiB, the runs
 * covering the BO exactly. A fresh test VM has free 2 MiB blocks, so a
 * BO of 4 MiB and three pages gets at least one run of 2 MiB.
 */
static void tgem_bo_populate_runs(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	unsigned long i, j, runs = 0, big = 0;
	struct tgem_bo *bo;
	struct ttm_tt *tt;

	bo = tgem_kunit_bo_create(test, tdev, SZ_4M + 3 * PAGE_SIZE,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	tgem_kunit_bo_populate(test, bo);
	tt = bo->ttm.ttm;

	for (i = 0; i < tt->num_pages; i += 1ul << page_private(tt->pages[i])) {
		unsigned long order = page_private(tt->pages[i]);
		unsigned long pfn = page_to_pfn(tt->pages[i]);

		KUNIT_ASSERT_LE_MSG(test, order, 9, "page %lu", i);
		KUNIT_ASSERT_LE_MSG(test, i + (1ul << order), tt->num_pages,
				    "run at page %lu of order %lu", i, order);
		KUNIT_EXPECT_EQ_MSG(test, pfn & ((1ul << order) - 1), 0,
				    "run at page %lu of order %lu", i, order);
		for (j = 1; j < (1ul << order); j++) {
			KUNIT_ASSERT_EQ_MSG(test, page_to_pfn(tt->pages[i + j]),
					    pfn + j, "page %lu of run at %lu",
					    j, i);
			KUNIT_ASSERT_EQ_MSG(test, page_private(tt->pages[i + j]),
					    0, "page %lu of run at %lu", j, i);
		}
		runs++;
		if (order == 9)
			big++;
	}
	KUNIT_EXPECT_EQ(test, i, tt->num_pages);
	KUNIT_EXPECT_GE(test, big, 1);
	kunit_info(test, "%lu runs, %lu of 2 MiB", runs, big);
}

/*
 * A BO costs no page array until it has pages: the array is allocated with
 * the pages and freed with them, and the tt leaves its pages to tgem
 * (TTM_TT_FLAG_EXTERNAL), so TTM neither counts them against its global
 * limit nor swaps them out.
 */
static void tgem_bo_page_array_lazy(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	struct tgem_bo *bo;
	struct ttm_tt *tt;
	unsigned long i;

	bo = tgem_kunit_bo_create(test, tdev, SZ_4M, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	tt = bo->ttm.ttm;
	KUNIT_ASSERT_NOT_NULL(test, tt);
	KUNIT_EXPECT_NULL(test, tt->pages);
	KUNIT_EXPECT_TRUE(test, tt->page_flags & TTM_TT_FLAG_EXTERNAL);
	KUNIT_EXPECT_TRUE(test, tt->page_flags & TTM_TT_FLAG_EXTERNAL_MAPPABLE);
	KUNIT_EXPECT_TRUE(test, tt->page_flags & TTM_TT_FLAG_ZERO_ALLOC);

	tgem_kunit_bo_populate(test, bo);
	KUNIT_ASSERT_NOT_NULL(test, tt->pages);
	for (i = 0; i < tt->num_pages; i++)
		KUNIT_ASSERT_NOT_NULL(test, tt->pages[i]);
}

/*
 * tgem caps its own pages at TTM's page limit. Reaching the cap is not the
 * machine running out of memory: populate says -ENOSPC, which a CPU fault
 * turns into SIGBUS instead of a VM_FAULT_OOM the OOM killer cannot
 * resolve, and leaves nothing counted or allocated.
 */
static void tgem_bo_page_limit(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	struct ttm_operation_ctx ctx = { .interruptible = true };
	s64 full = ttm_tt_pages_limit() - 1;
	struct tgem_bo *bo;
	int ret;

	bo = tgem_kunit_bo_create(test, tdev, SZ_64K, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	KUNIT_ASSERT_NOT_NULL(test, bo->ttm.ttm);

	/* Room for one page of this test device's own count, not sixteen. */
	atomic64_set(&tdev->mem.sys_pages, full);
	ret = ttm_bo_reserve(&bo->ttm, true, false, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = ttm_tt_populate(bo->ttm.bdev, bo->ttm.ttm, &ctx);
	ttm_bo_unreserve(&bo->ttm);
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(bo->ttm.ttm));
	KUNIT_EXPECT_NULL(test, bo->ttm.ttm->pages);
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->mem.sys_pages), full);
	atomic64_set(&tdev->mem.sys_pages, 0);

	/* Below the cap the same BO populates. */
	ret = ttm_bo_reserve(&bo->ttm, true, false, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = ttm_tt_populate(bo->ttm.bdev, bo->ttm.ttm, &ctx);
	ttm_bo_unreserve(&bo->ttm);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->mem.sys_pages), SZ_64K >> PAGE_SHIFT);
}

/*
 * The bus offset TTM would use as one linear address is published only for
 * VRAM that is one run; TTM's linear helpers refuse scattered VRAM instead
 * of mapping from where its first block starts.
 */
static void tgem_bo_io_mem_linear_only(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);
	struct tgem_bo **bos, *contig, *scattered;
	struct ttm_bo_kmap_obj map;
	struct ttm_resource *res;
	int ret;

	/* One run: the bus offset is where it starts in the BAR. */
	contig = tgem_kunit_bo_create(test, tdev, 2 * PAGE_SIZE,
				      DRM_TGEM_PLACEMENT_VRAM,
				      DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_vram_runs(test, contig, NULL), 1);
	res = contig->ttm.resource;
	KUNIT_ASSERT_EQ(test, tgem_ttm_io_mem_reserve_linear(&tdev->ttm, res), 0);
	KUNIT_EXPECT_TRUE(test, res->bus.is_iomem);
	KUNIT_EXPECT_EQ(test, res->bus.offset,
			(u64)tdev->vram.base + ((u64)res->start << PAGE_SHIFT));
	tgem_kunit_bo_put(test, contig);

	/* Two single-page holes apart from each other, then a 2-page BO. */
	bos = tgem_kunit_vram_fill(test, tdev, 1, 4, DRM_TGEM_PLACEMENT_VRAM, NULL);
	tgem_kunit_vram_sort(test, bos, 4);
	KUNIT_ASSERT_EQ(test, tgem_kunit_vram_punch(test, bos, 0, 4, 0), 2);
	scattered = tgem_kunit_bo_create(test, tdev, 2 * PAGE_SIZE,
					 DRM_TGEM_PLACEMENT_VRAM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_vram_runs(test, scattered, NULL), 2);

	res = scattered->ttm.resource;
	res->bus.offset = ~0ull;
	KUNIT_EXPECT_EQ(test, tgem_ttm_io_mem_reserve(&tdev->ttm, res), 0);
	KUNIT_EXPECT_TRUE(test, res->bus.is_iomem);
	KUNIT_EXPECT_EQ(test, res->bus.offset, 0);
	KUNIT_EXPECT_EQ(test, tgem_ttm_io_mem_reserve_linear(&tdev->ttm, res),
			-EINVAL);

	/* And through TTM itself. */
	KUNIT_ASSERT_EQ(test, ttm_bo_reserve(&scattered->ttm, false, false, NULL), 0);
	ret = ttm_bo_kmap(&scattered->ttm, 0, 2, &map);
	if (!ret)
		ttm_bo_kunmap(&map);
	ttm_bo_unreserve(&scattered->ttm);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
}

static struct drm_vma_offset_node *
tgem_bo_test_lookup_offset(struct tgem_device *tdev, unsigned long start,
			   unsigned long num_pages)
{
	struct drm_vma_offset_manager *mgr = tdev->drm.vma_offset_manager;
	struct drm_vma_offset_node *node;

	drm_vma_offset_lock_lookup(mgr);
	node = drm_vma_offset_exact_lookup_locked(mgr, start, num_pages);
	drm_vma_offset_unlock_lookup(mgr);

	return node;
}

/*
 * A BO has its fake mmap offset from creation on, covering its whole size,
 * and the offset is gone once the last reference is put, so nothing can
 * map the freed BO through it.
 */
static void tgem_bo_mmap_offset_lifetime(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	const unsigned long num_pages = 4;
	struct drm_vma_offset_node *node;
	unsigned long start;
	struct tgem_bo *bo;

	bo = tgem_kunit_bo_create(test, tdev, num_pages << PAGE_SHIFT,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	node = &bo->ttm.base.vma_node;

	KUNIT_ASSERT_TRUE(test, drm_mm_node_allocated(&node->vm_node));
	KUNIT_EXPECT_NE(test, drm_vma_node_offset_addr(node), 0);
	KUNIT_EXPECT_EQ(test, drm_vma_node_size(node), num_pages);

	start = drm_vma_node_start(node);
	KUNIT_EXPECT_PTR_EQ(test,
			    tgem_bo_test_lookup_offset(tdev, start, num_pages),
			    node);

	tgem_kunit_bo_put(test, bo);
	KUNIT_EXPECT_NULL(test,
			  tgem_bo_test_lookup_offset(tdev, start, num_pages));
	KUNIT_EXPECT_FALSE(test, tgem_kunit_has_mmap_offsets(tdev));
}

/* Two live BOs never share any page of the fake offset space. */
static void tgem_bo_mmap_offsets_disjoint(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	unsigned long start_a, end_a, start_b, end_b;
	struct tgem_bo *a, *b;

	a = tgem_kunit_bo_create(test, tdev, 3 * PAGE_SIZE,
				 DRM_TGEM_PLACEMENT_SYSTEM, 0);
	b = tgem_kunit_bo_create(test, tdev, 5 * PAGE_SIZE,
				 DRM_TGEM_PLACEMENT_SYSTEM, 0);

	start_a = drm_vma_node_start(&a->ttm.base.vma_node);
	end_a = start_a + drm_vma_node_size(&a->ttm.base.vma_node);
	start_b = drm_vma_node_start(&b->ttm.base.vma_node);
	end_b = start_b + drm_vma_node_size(&b->ttm.base.vma_node);

	KUNIT_EXPECT_NE(test, start_a, 0);
	KUNIT_EXPECT_NE(test, start_b, 0);
	KUNIT_EXPECT_EQ(test, end_a - start_a, 3);
	KUNIT_EXPECT_EQ(test, end_b - start_b, 5);
	KUNIT_EXPECT_TRUE_MSG(test, end_a <= start_b || end_b <= start_a,
			      "[%#lx, %#lx) overlaps [%#lx, %#lx)",
			      start_a, end_a, start_b, end_b);
}

/* The limit tgem_bo_max_size() reports is itself a valid size. */
static void tgem_bo_create_max_size(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	u64 max = tgem_bo_max_size(tdev);
	struct tgem_bo *bo;

	KUNIT_ASSERT_NE(test, max, 0);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(max));
	KUNIT_EXPECT_LE(test, max >> PAGE_SHIFT, (u64)U32_MAX);

	bo = tgem_kunit_bo_create(test, tdev, max, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	KUNIT_EXPECT_EQ(test, bo->ttm.base.size, max);
	KUNIT_EXPECT_EQ(test, tgem_bo_test_sys_pages(tdev), 0);
}

struct tgem_bo_invalid_case {
	const char *desc;
	u64 size;
	/* Use tgem_bo_max_size() + PAGE_SIZE instead of @size. */
	bool over_max;
	u32 placement;
	u32 flags;
};

static const struct tgem_bo_invalid_case tgem_bo_invalid_cases[] = {
	{
		.desc = "size 0",
		.size = 0,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
	},
	{
		.desc = "size half a page",
		.size = PAGE_SIZE / 2,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
	},
	{
		.desc = "size one byte over a page",
		.size = PAGE_SIZE + 1,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
	},
	{
		.desc = "size one page over the maximum",
		.over_max = true,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
	},
	{
		.desc = "size largest aligned u64",
		.size = U64_MAX & PAGE_MASK,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
	},
	{
		.desc = "placement 0",
		.size = PAGE_SIZE,
		.placement = 0,
	},
	{
		.desc = "placement unknown bit",
		.size = PAGE_SIZE,
		.placement = BIT(2),
	},
	{
		.desc = "placement system plus unknown bit",
		.size = PAGE_SIZE,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM | BIT(31),
	},
	{
		.desc = "placement vram without vram",
		.size = PAGE_SIZE,
		.placement = DRM_TGEM_PLACEMENT_VRAM,
	},
	{
		.desc = "placement vram|system without vram",
		.size = PAGE_SIZE,
		.placement = DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM,
	},
	{
		.desc = "contiguous with system",
		.size = PAGE_SIZE,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
		.flags = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS,
	},
	{
		.desc = "unknown flag",
		.size = PAGE_SIZE,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
		.flags = BIT(1),
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_bo_invalid, tgem_bo_invalid_cases, desc);

/* A bad size, placement or flag gives -EINVAL and leaves no BO behind. */
static void tgem_bo_create_invalid(struct kunit *test)
{
	const struct tgem_bo_invalid_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct tgem_bo *bo;
	u64 size;

	size = c->over_max ? tgem_bo_max_size(tdev) + PAGE_SIZE : c->size;

	bo = tgem_bo_create(tdev, size, c->placement, c->flags);
	if (!IS_ERR_OR_NULL(bo))
		tgem_bo_put(bo);

	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(bo), -EINVAL);
	KUNIT_EXPECT_FALSE(test, tgem_kunit_has_mmap_offsets(tdev));
	KUNIT_EXPECT_EQ(test, tgem_bo_test_sys_pages(tdev), 0);
}

/* tgem_bo_is_tgem() tells tgem's GEM objects from everyone else's. */
static void tgem_bo_is_tgem_foreign(struct kunit *test)
{
	static const struct drm_gem_object_funcs foreign_funcs = {};
	struct drm_gem_object *obj;

	obj = kunit_kzalloc(test, sizeof(*obj), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);

	obj->funcs = &foreign_funcs;
	KUNIT_EXPECT_FALSE(test, tgem_bo_is_tgem(obj));
}

/* A fence of our own that only the test signals. */
struct tgem_test_fence {
	/* Must stay first: dma_fence_free() frees through it. */
	struct dma_fence base;
	/* Guards the fence's state for the dma_fence core. */
	spinlock_t lock;
};

static const char *tgem_test_fence_name(struct dma_fence *fence)
{
	return "tgem-kunit";
}

static const struct dma_fence_ops tgem_test_fence_ops = {
	.get_driver_name = tgem_test_fence_name,
	.get_timeline_name = tgem_test_fence_name,
};

static void tgem_test_fence_release(void *fence)
{
	/*
	 * Signal first: TTM only destroys a BO once every fence in its
	 * dma_resv has signalled, and the BO is put after this runs.
	 */
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

/*
 * Create an unsignalled fence. It is signalled and put when the test ends,
 * before any BO created earlier in the test is put.
 */
static struct dma_fence *tgem_test_fence_create(struct kunit *test)
{
	struct tgem_test_fence *f;
	int ret;

	BUILD_BUG_ON(offsetof(struct tgem_test_fence, base));

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);

	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &tgem_test_fence_ops, &f->lock,
		       dma_fence_context_alloc(1), 1);

	ret = kunit_add_action_or_reset(test, tgem_test_fence_release, &f->base);
	KUNIT_ASSERT_EQ(test, ret, 0);

	return &f->base;
}

static void tgem_test_bo_add_fence(struct kunit *test, struct tgem_bo *bo,
				   struct dma_fence *fence,
				   enum dma_resv_usage usage)
{
	struct dma_resv *resv = bo->ttm.base.resv;
	int ret;

	ret = dma_resv_lock(resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);

	ret = dma_resv_reserve_fences(resv, 1);
	if (!ret)
		dma_resv_add_fence(resv, fence, usage);
	dma_resv_unlock(resv);

	KUNIT_ASSERT_EQ(test, ret, 0);
}

/*
 * An idle BO is idle for every deadline: 0 (poll), one in the past and one
 * far in the future, which must not be waited for.
 */
static void tgem_bo_wait_idle(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	struct tgem_bo *bo;
	u64 start, elapsed;

	bo = tgem_kunit_bo_create(test, tdev, PAGE_SIZE,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);

	KUNIT_EXPECT_EQ(test, tgem_bo_wait(bo, 0), 0);
	KUNIT_EXPECT_EQ(test, tgem_bo_wait(bo, ktime_get_ns() - NSEC_PER_MSEC), 0);

	start = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, tgem_bo_wait(bo, start + 10 * NSEC_PER_SEC), 0);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_LT(test, elapsed, 5 * NSEC_PER_SEC);
}

struct tgem_bo_usage_case {
	const char *desc;
	enum dma_resv_usage usage;
};

static const struct tgem_bo_usage_case tgem_bo_usage_cases[] = {
	{ .desc = "kernel", .usage = DMA_RESV_USAGE_KERNEL },
	{ .desc = "write", .usage = DMA_RESV_USAGE_WRITE },
	{ .desc = "read", .usage = DMA_RESV_USAGE_READ },
	{ .desc = "bookkeep", .usage = DMA_RESV_USAGE_BOOKKEEP },
};

KUNIT_ARRAY_PARAM_DESC(tgem_bo_usage, tgem_bo_usage_cases, desc);

/*
 * A BO with an unsignalled fence of any usage is busy: polling and a 20 ms
 * deadline both give -ETIME, and the deadline is really waited for. Once
 * the fence signals, the BO is idle.
 */
static void tgem_bo_wait_busy(struct kunit *test)
{
	const struct tgem_bo_usage_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct dma_fence *fence;
	struct tgem_bo *bo;
	u64 start, elapsed;
	int ret;

	bo = tgem_kunit_bo_create(test, tdev, PAGE_SIZE,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	/* Created after the BO, so its release action runs first. */
	fence = tgem_test_fence_create(test);
	tgem_test_bo_add_fence(test, bo, fence, c->usage);

	KUNIT_EXPECT_EQ(test, tgem_bo_wait(bo, 0), -ETIME);
	KUNIT_EXPECT_EQ(test, tgem_bo_wait(bo, ktime_get_ns() - NSEC_PER_MSEC),
			-ETIME);

	start = ktime_get_ns();
	ret = tgem_bo_wait(bo, start + 20 * NSEC_PER_MSEC);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, ret, -ETIME);
	/* Jiffy rounding may end the wait up to one tick (<= 10 ms) early. */
	KUNIT_EXPECT_GE(test, elapsed, 10 * NSEC_PER_MSEC);

	KUNIT_ASSERT_EQ(test, dma_fence_signal(fence), 0);

	KUNIT_EXPECT_EQ(test, tgem_bo_wait(bo, ktime_get_ns() - NSEC_PER_MSEC), 0);
	KUNIT_EXPECT_EQ(test, tgem_bo_wait(bo, ktime_get_ns() + NSEC_PER_SEC), 0);
}

static int tgem_bo_test_init(struct kunit *test)
{
	test->priv = tgem_kunit_device_create(test);
	return 0;
}

static struct kunit_case tgem_bo_tests[] = {
	KUNIT_CASE_PARAM(tgem_bo_create_system, tgem_bo_size_gen_params),
	KUNIT_CASE_PARAM(tgem_bo_populate_accounting, tgem_bo_size_gen_params),
	KUNIT_CASE_PARAM(tgem_bo_populate_zeroed, tgem_bo_size_gen_params),
	KUNIT_CASE(tgem_bo_populate_runs),
	KUNIT_CASE(tgem_bo_page_array_lazy),
	KUNIT_CASE(tgem_bo_page_limit),
	KUNIT_CASE(tgem_bo_io_mem_linear_only),
	KUNIT_CASE(tgem_bo_mmap_offset_lifetime),
	KUNIT_CASE(tgem_bo_mmap_offsets_disjoint),
	KUNIT_CASE(tgem_bo_create_max_size),
	KUNIT_CASE_PARAM(tgem_bo_create_invalid, tgem_bo_invalid_gen_params),
	KUNIT_CASE(tgem_bo_is_tgem_foreign),
	KUNIT_CASE(tgem_bo_wait_idle),
	KUNIT_CASE_PARAM(tgem_bo_wait_busy, tgem_bo_usage_gen_params),
	{}
};

static struct kunit_suite tgem_bo_suite = {
	.name = "tgem_bo",
	.init = tgem_bo_test_init,
	.test_cases = tgem_bo_tests,
};

kunit_test_suite(tgem_bo_suite);
