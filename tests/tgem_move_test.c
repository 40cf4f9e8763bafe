// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_move: tgem_move() between system memory and VRAM, on a
 * device whose VRAM is the ivshmem BAR (tgem_kunit_vram_device_create()).
 *
 * Each test first fills VRAM and then frees every other BO of a set of
 * small ones (tgem_kunit_vram_fill(), tgem_kunit_vram_punch()), so that
 * the only free VRAM is holes that cannot merge. The BO under test then
 * lands in several holes, and its VRAM is not contiguous: the copy loops
 * must follow the buddy blocks. The holes hold stale data, so a VRAM page
 * that a move forgot to write shows. The BO sizes run from one page,
 * through odd page counts, to 8 MiB.
 */

#include <linux/atomic.h>
#include <linux/dma-resv.h>
#include <linux/gpu_buddy.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/sizes.h>

#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_vram_mgr.h"

#define TGEM_MOVE_SEED		0x3001
#define TGEM_MOVE_DIRT		0xd1e7
#define TGEM_MOVE_DIRT2		0xd1e8

#define TGEM_MOVE_VRAM_SYSTEM	(DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM)

struct tgem_move_case {
	const char *desc;
	pgoff_t num_pages;
};

static const struct tgem_move_case tgem_move_cases[] = {
	{ .desc = "1 page", .num_pages = 1 },
	{ .desc = "3 pages", .num_pages = 3 },
	{ .desc = "17 pages", .num_pages = 17 },
	{ .desc = "257 pages", .num_pages = 257 },
	{ .desc = "8 MiB", .num_pages = SZ_8M >> PAGE_SHIFT },
};

KUNIT_ARRAY_PARAM_DESC(tgem_move, tgem_move_cases, desc);

/* Pages per hole: about a quarter of the BO, so it needs several holes. */
static unsigned int tgem_move_hole_pages(pgoff_t num_pages)
{
	return rounddown_pow_of_two(max_t(pgoff_t, num_pages / 4, 1));
}

/* Holes for one BO, with one to spare. */
static unsigned int tgem_move_holes(pgoff_t num_pages)
{
	return DIV_ROUND_UP(num_pages, tgem_move_hole_pages(num_pages)) + 1;
}

/*
 * Fill VRAM, leaving @sets runs of small VRAM-only BOs, two per hole that
 * a BO of @num_pages needs, sorted by VRAM offset.
 */
static struct tgem_bo **tgem_move_fill(struct kunit *test,
				       struct tgem_device *tdev,
				       pgoff_t num_pages, unsigned int sets,
				       struct tgem_bo **filler)
{
	unsigned int count = 2 * tgem_move_holes(num_pages) * sets;
	struct tgem_bo **bos;

	bos = tgem_kunit_vram_fill(test, tdev, tgem_move_hole_pages(num_pages),
				   count, DRM_TGEM_PLACEMENT_VRAM, filler);
	tgem_kunit_vram_sort(test, bos, count);
	return bos;
}

/* Free every other BO of set @set, after writing stale data into it. */
static void tgem_move_punch(struct kunit *test, struct tgem_device *tdev,
			    struct tgem_bo **bos, pgoff_t num_pages,
			    unsigned int set, u32 dirt)
{
	unsigned int per_set = 2 * tgem_move_holes(num_pages);
	unsigned int holes;

	holes = tgem_kunit_vram_punch(test, bos, set * per_set, per_set, dirt);
	KUNIT_ASSERT_EQ(test, holes, tgem_move_holes(num_pages));
}

/* The BO's VRAM is as scattered as the holes make it. */
static void tgem_move_expect_scattered(struct kunit *test, struct tgem_bo *bo)
{
	pgoff_t num_pages = PFN_UP(bo->ttm.base.size);
	unsigned int runs = tgem_kunit_bo_vram_runs(test, bo, NULL);

	if (num_pages > tgem_move_hole_pages(num_pages))
		KUNIT_EXPECT_GT_MSG(test, runs, 1, "VRAM of a %lu-page BO is contiguous",
				    num_pages);
	else
		KUNIT_EXPECT_EQ(test, runs, 1);
}

static s64 tgem_move_sys_pages(struct tgem_device *tdev)
{
	return atomic64_read(&tdev->mem.sys_pages);
}

static s64 tgem_move_count(struct tgem_device *tdev)
{
	return atomic64_read(&tdev->mem.moves);
}

/* Validate @bo to one place, as a driver would to move it there. */
static int tgem_move_validate(struct tgem_bo *bo, const struct ttm_place *place)
{
	struct ttm_placement placement = { .num_placement = 1, .placement = place };
	struct ttm_operation_ctx ctx = { .interruptible = false };
	int ret;

	ret = ttm_bo_reserve(&bo->ttm, false, false, NULL);
	if (ret)
		return ret;
	ret = ttm_bo_validate(&bo->ttm, &placement, &ctx);
	ttm_bo_unreserve(&bo->ttm);
	return ret;
}

/* The first and last page + 1 of @bo's VRAM, from its blocks. */
static void tgem_move_vram_extent(struct kunit *test, struct tgem_bo *bo,
				  u64 *first, u64 *end)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bo->ttm.bdev);
	struct gpu_buddy *mm = &tdev->vram.mgr.mm;
	struct gpu_buddy_block *block;
	struct tgem_vram_resource *vres;
	bool in_vram;

	*first = U64_MAX;
	*end = 0;
	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	in_vram = bo->ttm.resource->mem_type == TTM_PL_VRAM;
	if (in_vram) {
		vres = to_tgem_vram_resource(bo->ttm.resource);
		list_for_each_entry(block, &vres->blocks, link) {
			u64 start = gpu_buddy_block_offset(block) >> PAGE_SHIFT;
			u64 pages = gpu_buddy_block_size(mm, block) >> PAGE_SHIFT;

			*first = min(*first, start);
			*end = max(*end, start + pages);
		}
	}
	dma_resv_unlock(bo->ttm.base.resv);
	KUNIT_ASSERT_TRUE(test, in_vram);
}

/*
 * A system BO with data moves into scattered VRAM intact. Its system
 * pages are freed, and the move is counted once.
 */
static void tgem_move_sys_to_vram(struct kunit *test)
{
	const struct tgem_move_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct tgem_bo **bos, *bo;
	s64 sys_pages, moves;

	bos = tgem_move_fill(test, tdev, c->num_pages, 1, NULL);

	/* VRAM is full of VRAM-only BOs: the BO falls back to system memory. */
	bo = tgem_kunit_bo_create(test, tdev, (u64)c->num_pages << PAGE_SHIFT,
				  TGEM_MOVE_VRAM_SYSTEM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_SYSTEM);
	tgem_kunit_bo_fill(test, bo, TGEM_MOVE_SEED);

	tgem_move_punch(test, tdev, bos, c->num_pages, 0, TGEM_MOVE_DIRT);
	sys_pages = tgem_move_sys_pages(tdev);
	moves = tgem_move_count(tdev);

	KUNIT_ASSERT_EQ(test, tgem_bo_migrate(bo, 1), 0);

	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_move_expect_scattered(test, bo);
	KUNIT_EXPECT_EQ(test, tgem_move_count(tdev), moves + 1);
	KUNIT_EXPECT_EQ(test, tgem_move_sys_pages(tdev), sys_pages - c->num_pages);
	tgem_kunit_bo_expect(test, bo, TGEM_MOVE_SEED);
}

/*
 * A BO in scattered VRAM moves to system memory intact; it gets exactly
 * its size in system pages.
 */
static void tgem_move_vram_to_sys(struct kunit *test)
{
	const struct tgem_move_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct tgem_bo **bos, *bo;
	s64 sys_pages, moves;

	bos = tgem_move_fill(test, tdev, c->num_pages, 1, NULL);
	tgem_move_punch(test, tdev, bos, c->num_pages, 0, TGEM_MOVE_DIRT);

	bo = tgem_kunit_bo_create(test, tdev, (u64)c->num_pages << PAGE_SHIFT,
				  TGEM_MOVE_VRAM_SYSTEM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_move_expect_scattered(test, bo);
	tgem_kunit_bo_fill(test, bo, TGEM_MOVE_SEED);

	sys_pages = tgem_move_sys_pages(tdev);
	moves = tgem_move_count(tdev);

	KUNIT_ASSERT_EQ(test, tgem_bo_migrate(bo, 0), 0);

	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, tgem_move_count(tdev), moves + 1);
	KUNIT_EXPECT_EQ(test, tgem_move_sys_pages(tdev), sys_pages + c->num_pages);
	tgem_kunit_bo_expect(test, bo, TGEM_MOVE_SEED);
}

/*
 * A BO in scattered VRAM moves intact to contiguous VRAM elsewhere: the
 * source side of the copy follows the blocks.
 */
static void tgem_move_vram_to_vram_contiguous(struct kunit *test)
{
	const struct tgem_move_case *c = test->param_value;
	u64 need = roundup_pow_of_two(c->num_pages);
	struct tgem_device *tdev = test->priv;
	struct tgem_bo **bos, *bo, *filler;
	struct ttm_place place = {
		.mem_type = TTM_PL_VRAM,
		.flags = TTM_PL_FLAG_CONTIGUOUS,
	};
	u64 vram_pages = tdev->vram.size >> PAGE_SHIFT;
	unsigned int i, count;
	u64 first, end;
	s64 moves;

	bos = tgem_move_fill(test, tdev, c->num_pages, 1, &filler);
	count = 2 * tgem_move_holes(c->num_pages);
	tgem_move_punch(test, tdev, bos, c->num_pages, 0, TGEM_MOVE_DIRT);

	bo = tgem_kunit_bo_create(test, tdev, (u64)c->num_pages << PAGE_SHIFT,
				  DRM_TGEM_PLACEMENT_VRAM, 0);
	tgem_move_expect_scattered(test, bo);
	tgem_kunit_bo_fill(test, bo, TGEM_MOVE_SEED);

	/* Make room, on the side of the BO that has more of it. */
	for (i = 0; i < count; i++)
		if (bos[i])
			tgem_kunit_bo_put(test, bos[i]);
	if (filler)
		tgem_kunit_bo_put(test, filler);
	tgem_move_vram_extent(test, bo, &first, &end);
	if (vram_pages - end >= first) {
		place.fpfn = end;
		KUNIT_ASSERT_GE(test, vram_pages - end, 2 * need);
	} else {
		place.lpfn = first;
		KUNIT_ASSERT_GE(test, first, 2 * need);
	}
	moves = tgem_move_count(tdev);

	KUNIT_ASSERT_EQ(test, tgem_move_validate(bo, &place), 0);

	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_vram_runs(test, bo, NULL), 1);
	tgem_move_vram_extent(test, bo, &first, &end);
	KUNIT_EXPECT_GE(test, first, (u64)place.fpfn);
	KUNIT_EXPECT_LE(test, end, (u64)(place.lpfn ?: vram_pages));
	KUNIT_EXPECT_EQ(test, tgem_move_count(tdev), moves + 1);
	tgem_kunit_bo_expect(test, bo, TGEM_MOVE_SEED);
}

/*
 * A BO in one set of holes moves intact into another set, by validating
 * it to a VRAM range that holds only the second set: both sides of the
 * copy are scattered.
 */
static void tgem_move_vram_to_vram_scattered(struct kunit *test)
{
	const struct tgem_move_case *c = test->param_value;
	unsigned int per_set = 2 * tgem_move_holes(c->num_pages);
	struct tgem_device *tdev = test->priv;
	struct ttm_place place = { .mem_type = TTM_PL_VRAM };
	struct tgem_bo **bos, *bo, *last;
	u64 first, end;
	s64 moves;

	bos = tgem_move_fill(test, tdev, c->num_pages, 2, NULL);
	/* The second set, sorted after the first, is the target range. */
	last = bos[2 * per_set - 1];
	place.fpfn = bos[per_set]->ttm.resource->start;
	place.lpfn = last->ttm.resource->start + PFN_UP(last->ttm.base.size);

	tgem_move_punch(test, tdev, bos, c->num_pages, 0, TGEM_MOVE_DIRT);
	bo = tgem_kunit_bo_create(test, tdev, (u64)c->num_pages << PAGE_SHIFT,
				  TGEM_MOVE_VRAM_SYSTEM, 0);
	tgem_move_expect_scattered(test, bo);
	tgem_move_vram_extent(test, bo, &first, &end);
	KUNIT_ASSERT_LE(test, end, (u64)place.fpfn);
	tgem_kunit_bo_fill(test, bo, TGEM_MOVE_SEED);

	tgem_move_punch(test, tdev, bos, c->num_pages, 1, TGEM_MOVE_DIRT2);
	moves = tgem_move_count(tdev);

	KUNIT_ASSERT_EQ(test, tgem_move_validate(bo, &place), 0);

	tgem_move_expect_scattered(test, bo);
	tgem_move_vram_extent(test, bo, &first, &end);
	KUNIT_EXPECT_GE(test, first, (u64)place.fpfn);
	KUNIT_EXPECT_LE(test, end, (u64)place.lpfn);
	KUNIT_EXPECT_EQ(test, tgem_move_count(tdev), moves + 1);
	tgem_kunit_bo_expect(test, bo, TGEM_MOVE_SEED);
}

/* A new VRAM BO reads as zeros, even where VRAM held someone's data. */
static void tgem_move_new_vram_cleared(struct kunit *test)
{
	const struct tgem_move_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct tgem_bo **bos, *bo;

	bos = tgem_move_fill(test, tdev, c->num_pages, 1, NULL);
	tgem_move_punch(test, tdev, bos, c->num_pages, 0, TGEM_MOVE_DIRT);

	bo = tgem_kunit_bo_create(test, tdev, (u64)c->num_pages << PAGE_SHIFT,
				  DRM_TGEM_PLACEMENT_VRAM, 0);
	tgem_move_expect_scattered(test, bo);
	tgem_kunit_bo_expect(test, bo, 0);
}

/*
 * Moving a system BO that was never populated into VRAM clears the VRAM
 * it gets, which held stale data, and never gives the BO system pages on
 * the way: populating the source and copying its zeros would read the
 * same afterwards, since the move frees the system pages again, so the
 * test counts the populations TTM asks of tgem during the move.
 */
static void tgem_move_unpopulated_to_vram(struct kunit *test)
{
	const struct tgem_move_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct tgem_bo **bos, *bo;
	s64 sys_pages, moves;
	atomic_t *populates;

	bos = tgem_move_fill(test, tdev, c->num_pages, 1, NULL);
	bo = tgem_kunit_bo_create(test, tdev, (u64)c->num_pages << PAGE_SHIFT,
				  TGEM_MOVE_VRAM_SYSTEM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_SYSTEM);
	KUNIT_ASSERT_NOT_NULL(test, bo->ttm.ttm);
	KUNIT_ASSERT_FALSE(test, ttm_tt_is_populated(bo->ttm.ttm));

	tgem_move_punch(test, tdev, bos, c->num_pages, 0, TGEM_MOVE_DIRT);
	sys_pages = tgem_move_sys_pages(tdev);
	moves = tgem_move_count(tdev);
	populates = tgem_kunit_count_populates(test, tdev);

	KUNIT_ASSERT_EQ(test, tgem_bo_migrate(bo, 1), 0);

	KUNIT_EXPECT_EQ_MSG(test, atomic_read(populates), 0,
			    "the move populated the system side it should only clear for");
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_move_expect_scattered(test, bo);
	KUNIT_EXPECT_EQ(test, tgem_move_count(tdev), moves + 1);
	KUNIT_EXPECT_EQ(test, tgem_move_sys_pages(tdev), sys_pages);
	tgem_kunit_bo_expect(test, bo, 0);
}

/*
 * The counter of tgem_move_unpopulated_to_vram() sees populations: moving
 * a BO out of VRAM populates its system pages, exactly once.
 */
static void tgem_move_populates_out_of_vram(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	atomic_t *populates;
	struct tgem_bo *bo;

	bo = tgem_kunit_bo_create(test, tdev, 4 * PAGE_SIZE, TGEM_MOVE_VRAM_SYSTEM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_kunit_bo_fill(test, bo, TGEM_MOVE_SEED);
	populates = tgem_kunit_count_populates(test, tdev);

	KUNIT_ASSERT_EQ(test, tgem_bo_migrate(bo, 0), 0);

	KUNIT_EXPECT_EQ(test, atomic_read(populates), 1);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_SYSTEM);
	tgem_kunit_bo_expect(test, bo, TGEM_MOVE_SEED);
}

static int tgem_move_test_init(struct kunit *test)
{
	test->priv = tgem_kunit_vram_device_create(test);
	return 0;
}

static struct kunit_case tgem_move_tests[] = {
	KUNIT_CASE_PARAM(tgem_move_sys_to_vram, tgem_move_gen_params),
	KUNIT_CASE_PARAM(tgem_move_vram_to_sys, tgem_move_gen_params),
	KUNIT_CASE_PARAM(tgem_move_vram_to_vram_contiguous, tgem_move_gen_params),
	KUNIT_CASE_PARAM(tgem_move_vram_to_vram_scattered, tgem_move_gen_params),
	KUNIT_CASE_PARAM(tgem_move_new_vram_cleared, tgem_move_gen_params),
	KUNIT_CASE_PARAM(tgem_move_unpopulated_to_vram, tgem_move_gen_params),
	KUNIT_CASE(tgem_move_populates_out_of_vram),
	{}
};

static struct kunit_suite tgem_move_suite = {
	.name = "tgem_move",
	.init = tgem_move_test_init,
	.test_cases = tgem_move_tests,
};

kunit_test_suite(tgem_move_suite);
