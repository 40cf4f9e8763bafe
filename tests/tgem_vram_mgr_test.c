// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_vram_mgr: the VRAM manager's block order, on layouts of
 * a private buddy allocator that each case spells out, and what it
 * records about a new resource, on the real BAR.
 */

#include <linux/gpu_buddy.h>
#include <linux/list.h>
#include <linux/sizes.h>

#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_vram_mgr.h"

#define TGEM_VRAM_MGR_TEST_MM	SZ_16M
#define TGEM_VRAM_MGR_TEST_MAX	4

/* A block of a layout: bytes [offset, offset + size) of the allocator. */
struct tgem_vram_mgr_extent {
	u32 offset;
	u32 size;
};

struct tgem_vram_mgr_order_case {
	const char *desc;
	/* The allocation, in the order the buddy allocator returned it. */
	struct tgem_vram_mgr_extent blocks[TGEM_VRAM_MGR_TEST_MAX];
	bool contiguous_place;
	/* What the order should be, and what it gives. */
	struct tgem_vram_mgr_extent want[TGEM_VRAM_MGR_TEST_MAX];
	bool contiguous;
	unsigned int pmds;
};

static const struct tgem_vram_mgr_order_case tgem_vram_mgr_order_cases[] = {
	{
		.desc = "a small block below a 2 MiB block goes after it",
		.blocks = { { SZ_2M, SZ_2M }, { 0, SZ_1M } },
		.want = { { SZ_2M, SZ_2M }, { 0, SZ_1M } },
		.pmds = 1,
	},
	{
		.desc = "largest first, whatever order the blocks came in",
		.blocks = { { 0, SZ_4K }, { SZ_8K, SZ_4K }, { SZ_4M, SZ_4M } },
		.want = { { SZ_4M, SZ_4M }, { 0, SZ_4K }, { SZ_8K, SZ_4K } },
		.pmds = 2,
	},
	{
		.desc = "contiguous in offset order and as many PMDs: offset order",
		.blocks = { { SZ_2M, SZ_1M }, { 0, SZ_2M } },
		.want = { { 0, SZ_2M }, { SZ_2M, SZ_1M } },
		.contiguous = true,
		.pmds = 1,
	},
	{
		.desc = "contiguous without small pages in front: offset order",
		.blocks = { { SZ_1M, SZ_512K }, { SZ_1M + SZ_512K, SZ_512K } },
		.want = { { SZ_1M, SZ_512K }, { SZ_1M + SZ_512K, SZ_512K } },
		.contiguous = true,
	},
	{
		.desc = "contiguous but fewer PMDs in offset order: largest first",
		.blocks = { { SZ_2M, SZ_2M }, { SZ_1M, SZ_1M } },
		.want = { { SZ_2M, SZ_2M }, { SZ_1M, SZ_1M } },
		.pmds = 1,
	},
	{
		.desc = "a contiguous placement keeps offset order",
		.blocks = { { SZ_2M, SZ_2M }, { SZ_1M, SZ_1M } },
		.contiguous_place = true,
		.want = { { SZ_1M, SZ_1M }, { SZ_2M, SZ_2M } },
		.contiguous = true,
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_vram_mgr_order, tgem_vram_mgr_order_cases, desc);

struct tgem_vram_mgr_alloc {
	struct gpu_buddy mm;
	struct list_head blocks;
};

static void tgem_vram_mgr_alloc_fini(void *arg)
{
	struct tgem_vram_mgr_alloc *a = arg;

	gpu_buddy_free_list(&a->mm, &a->blocks, 0);
	gpu_buddy_fini(&a->mm);
}

/* A private allocator of @mm_size bytes, freed at the end of the test. */
static struct tgem_vram_mgr_alloc *
tgem_vram_mgr_alloc_mm(struct kunit *test, u64 mm_size)
{
	struct tgem_vram_mgr_alloc *a;
	int ret;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	INIT_LIST_HEAD(&a->blocks);
	ret = gpu_buddy_init(&a->mm, mm_size, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, tgem_vram_mgr_alloc_fini, a);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return a;
}

/* The blocks of @c, each allocated exactly where it says, in its order. */
static struct tgem_vram_mgr_alloc *
tgem_vram_mgr_alloc_layout_in(struct kunit *test,
			      const struct tgem_vram_mgr_extent *blocks,
			      u64 mm_size)
{
	struct tgem_vram_mgr_alloc *a = tgem_vram_mgr_alloc_mm(test, mm_size);
	unsigned int i;
	int ret;

	for (i = 0; i < TGEM_VRAM_MGR_TEST_MAX && blocks[i].size; i++) {
		LIST_HEAD(one);

		ret = gpu_buddy_alloc_blocks(&a->mm, blocks[i].offset,
					     blocks[i].offset + blocks[i].size,
					     blocks[i].size, PAGE_SIZE, &one, 0);
		KUNIT_ASSERT_EQ(test, ret, 0);
		/* Each extent is one buddy block, so the order is the test's. */
		KUNIT_ASSERT_TRUE(test, list_is_singular(&one));
		list_splice_tail(&one, &a->blocks);
	}
	return a;
}

static struct tgem_vram_mgr_alloc *
tgem_vram_mgr_alloc_layout(struct kunit *test,
			   const struct tgem_vram_mgr_extent *blocks)
{
	return tgem_vram_mgr_alloc_layout_in(test, blocks, TGEM_VRAM_MGR_TEST_MM);
}

static void tgem_vram_mgr_order_test(struct kunit *test)
{
	const struct tgem_vram_mgr_order_case *c = test->param_value;
	struct tgem_vram_mgr_alloc *a = tgem_vram_mgr_alloc_layout(test, c->blocks);
	struct gpu_buddy_block *block;
	unsigned int i = 0;
	bool contiguous;

	contiguous = tgem_vram_blocks_order(&a->mm, &a->blocks, c->contiguous_place);
	KUNIT_EXPECT_EQ(test, contiguous, c->contiguous);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_pmds(&a->mm, &a->blocks), c->pmds);

	list_for_each_entry(block, &a->blocks, link) {
		KUNIT_ASSERT_LT(test, i, TGEM_VRAM_MGR_TEST_MAX);
		KUNIT_EXPECT_EQ_MSG(test, gpu_buddy_block_offset(block), (u64)c->want[i].offset,
				    "block %u", i);
		KUNIT_EXPECT_EQ_MSG(test, gpu_buddy_block_size(&a->mm, block),
				    (u64)c->want[i].size, "block %u", i);
		i++;
	}
	KUNIT_EXPECT_TRUE(test, i == TGEM_VRAM_MGR_TEST_MAX || !c->want[i].size);
}

/*
 * tgem_vram_blocks_pmds() on orders it is given as they are: a 2 MiB
 * aligned run needs the BO offset and the VRAM offset aligned alike.
 */
static void tgem_vram_mgr_pmds_test(struct kunit *test)
{
	static const struct tgem_vram_mgr_extent offset_order[] = {
		{ 0, SZ_1M }, { SZ_2M, SZ_2M }, {}
	};
	static const struct tgem_vram_mgr_extent size_order[] = {
		{ SZ_2M, SZ_2M }, { 0, SZ_1M }, {}
	};
	/* 6 MiB in one run from VRAM 2 MiB: BO 0..6 MiB, three PMDs. */
	static const struct tgem_vram_mgr_extent run[] = {
		{ SZ_2M, SZ_2M }, { SZ_4M, SZ_4M }, {}
	};
	/* One run shifted by 1 MiB: none. */
	static const struct tgem_vram_mgr_extent shifted[] = {
		{ SZ_1M, SZ_1M }, { SZ_2M, SZ_2M }, { SZ_4M, SZ_4M }, {}
	};
	struct tgem_vram_mgr_alloc *a;

	a = tgem_vram_mgr_alloc_layout(test, offset_order);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_pmds(&a->mm, &a->blocks), 0);
	a = tgem_vram_mgr_alloc_layout(test, size_order);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_pmds(&a->mm, &a->blocks), 1);
	a = tgem_vram_mgr_alloc_layout(test, run);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_pmds(&a->mm, &a->blocks), 3);
	a = tgem_vram_mgr_alloc_layout(test, shifted);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_pmds(&a->mm, &a->blocks), 0);
}

/*
 * PUDs come before PMDs: a 512 MiB block in front of a 1 GiB block makes
 * one run in offset order, with as many PMDs as largest first, but only
 * largest first puts the GiB at a 1 GiB aligned BO offset.
 */
static void tgem_vram_mgr_puds_order_test(struct kunit *test)
{
	static const struct tgem_vram_mgr_extent layout[] = {
		{ SZ_512M, SZ_512M }, { SZ_1G, SZ_1G }, {}
	};
	struct tgem_vram_mgr_alloc *a;
	struct gpu_buddy_block *first;

	a = tgem_vram_mgr_alloc_layout_in(test, layout, SZ_4G);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_huge(&a->mm, &a->blocks, PUD_SIZE), 0);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_pmds(&a->mm, &a->blocks), 768);

	KUNIT_EXPECT_FALSE(test, tgem_vram_blocks_order(&a->mm, &a->blocks, false));
	first = list_first_entry(&a->blocks, struct gpu_buddy_block, link);
	KUNIT_EXPECT_EQ(test, gpu_buddy_block_offset(first), (u64)SZ_1G);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_huge(&a->mm, &a->blocks, PUD_SIZE), 1);
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_pmds(&a->mm, &a->blocks), 768);

	/* The same run asked for as contiguous keeps offset order: no PUD. */
	KUNIT_EXPECT_TRUE(test, tgem_vram_blocks_order(&a->mm, &a->blocks, true));
	KUNIT_EXPECT_EQ(test, tgem_vram_blocks_huge(&a->mm, &a->blocks, PUD_SIZE), 0);
}

/*
 * What the VRAM manager asks the buddy allocator for hands a 1 GiB BO one
 * 1 GiB block aligned to 1 GiB, contiguous placement or not, as long as
 * a GiB is free: here behind a page taken at offset 0.
 */
static void tgem_vram_mgr_gib_block_test(struct kunit *test)
{
	static const struct tgem_vram_mgr_extent page[] = { { 0, SZ_4K }, {} };
	unsigned long flags[] = { 0, GPU_BUDDY_CONTIGUOUS_ALLOCATION };
	struct tgem_vram_mgr_alloc *a;
	struct gpu_buddy_block *block;
	unsigned int i;
	LIST_HEAD(gib);

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		a = tgem_vram_mgr_alloc_layout_in(test, page, SZ_2G);
		KUNIT_ASSERT_EQ(test, gpu_buddy_alloc_blocks(&a->mm, 0, SZ_2G, SZ_1G,
							     PAGE_SIZE, &gib, flags[i]), 0);
		KUNIT_EXPECT_TRUE(test, tgem_vram_blocks_order(&a->mm, &gib, flags[i]));
		KUNIT_ASSERT_TRUE(test, list_is_singular(&gib));
		block = list_first_entry(&gib, struct gpu_buddy_block, link);
		KUNIT_EXPECT_EQ(test, gpu_buddy_block_offset(block), (u64)SZ_1G);
		KUNIT_EXPECT_EQ(test, gpu_buddy_block_size(&a->mm, block), (u64)SZ_1G);
		KUNIT_EXPECT_EQ(test, tgem_vram_blocks_huge(&a->mm, &gib, PUD_SIZE), 1);
		/* Freed with the layout's blocks. */
		list_splice_tail_init(&gib, &a->blocks);
	}
}

/* Validate @bo into VRAM with a contiguous placement. */
static int tgem_vram_mgr_validate_contiguous(struct tgem_bo *bo)
{
	struct ttm_operation_ctx ctx = { .interruptible = false };
	struct ttm_place place = {
		.mem_type = TTM_PL_VRAM,
		.flags = TTM_PL_FLAG_CONTIGUOUS,
	};
	struct ttm_placement placement = { .num_placement = 1, .placement = &place };
	int ret;

	ret = ttm_bo_reserve(&bo->ttm, false, false, NULL);
	if (ret)
		return ret;
	ret = ttm_bo_validate(&bo->ttm, &placement, &ctx);
	ttm_bo_unreserve(&bo->ttm);
	return ret;
}

/*
 * A BO that did not ask to be contiguous but is (one buddy block, on a
 * fresh device) is marked so, and a contiguous validate leaves it where
 * it is instead of copying it to other VRAM.
 */
static void tgem_vram_mgr_contiguous_recorded(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);
	struct ttm_resource *res;
	struct tgem_bo *bo;
	s64 moves;

	KUNIT_ASSERT_GE(test, (u64)tdev->vram.size, (u64)SZ_8M);
	bo = tgem_kunit_bo_create(test, tdev, SZ_4M, DRM_TGEM_PLACEMENT_VRAM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_vram_runs(test, bo, NULL), 1);
	tgem_kunit_bo_fill(test, bo, 0x636f6e74);

	res = bo->ttm.resource;
	moves = atomic64_read(&tdev->mem.moves);
	KUNIT_ASSERT_EQ(test, tgem_vram_mgr_validate_contiguous(bo), 0);
	KUNIT_EXPECT_PTR_EQ(test, bo->ttm.resource, res);
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->mem.moves), moves);
	tgem_kunit_bo_expect(test, bo, 0x636f6e74);
}

static struct kunit_case tgem_vram_mgr_tests[] = {
	KUNIT_CASE_PARAM(tgem_vram_mgr_order_test, tgem_vram_mgr_order_gen_params),
	KUNIT_CASE(tgem_vram_mgr_pmds_test),
	KUNIT_CASE(tgem_vram_mgr_puds_order_test),
	KUNIT_CASE(tgem_vram_mgr_gib_block_test),
	KUNIT_CASE(tgem_vram_mgr_contiguous_recorded),
	{}
};

static struct kunit_suite tgem_vram_mgr_suite = {
	.name = "tgem_vram_mgr",
	.test_cases = tgem_vram_mgr_tests,
};

kunit_test_suite(tgem_vram_mgr_suite);
