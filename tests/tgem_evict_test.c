// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_evict: which BOs TTM evicts from a full VRAM to make
 * room, on a device whose VRAM is the ivshmem BAR. VRAM is filled with
 * one VRAM-only filler and a few 1 MiB BOs (tgem_kunit_vram_fill()), each
 * holding its own pattern, so the tests can tell which BOs moved and that
 * their data moved with them.
 *
 * The LRU order is set through the BOs' dma_resv only: tgem_bo_region()
 * and ttm_bo_unreserve() move a BO to the LRU tail, so the tests read
 * where a BO is with tgem_kunit_bo_mem_type() until the order no longer
 * matters.
 */

#include <linux/atomic.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/gpu_buddy.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_ttm.h"

#define TGEM_EVICT_BOS		8
#define TGEM_EVICT_UNIT_PAGES	(SZ_1M >> PAGE_SHIFT)
#define TGEM_EVICT_UNIT		((u64)TGEM_EVICT_UNIT_PAGES << PAGE_SHIFT)
/* BO i holds pattern TGEM_EVICT_SEED + i. */
#define TGEM_EVICT_SEED		0xe000

#define TGEM_EVICT_VRAM_SYSTEM	(DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM)

static s64 tgem_evict_sys_pages(struct tgem_device *tdev)
{
	return atomic64_read(&tdev->mem.sys_pages);
}

/* Make @bo the most recently used BO of its LRU list. */
static void tgem_evict_touch(struct kunit *test, struct tgem_bo *bo,
			     bool by_migrate)
{
	struct ttm_device *bdev = bo->ttm.bdev;
	int ret;

	if (by_migrate) {
		/* Already in VRAM: validating there moves nothing. */
		ret = tgem_bo_migrate(bo, 1);
		KUNIT_ASSERT_EQ(test, ret, 0);
		return;
	}

	ret = dma_resv_lock(bo->ttm.base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	spin_lock(&bdev->lru_lock);
	ttm_bo_move_to_lru_tail(&bo->ttm);
	spin_unlock(&bdev->lru_lock);
	dma_resv_unlock(bo->ttm.base.resv);
}

struct tgem_evict_lru_case {
	const char *desc;
	/* BOs made most recently used, in this order, after all exist. */
	unsigned int touch[TGEM_EVICT_BOS];
	unsigned int ntouch;
	/* Touch by migrating the BO to VRAM, where it already is. */
	bool by_migrate;
	/* 1 MiB units the new BO needs. */
	unsigned int need;
};

static const struct tgem_evict_lru_case tgem_evict_lru_cases[] = {
	{
		.desc = "untouched: the oldest goes",
		.need = 1,
	},
	{
		.desc = "touched oldest is spared",
		.touch = { 0 },
		.ntouch = 1,
		.need = 1,
	},
	{
		.desc = "every other touched, three needed",
		.touch = { 0, 2, 4, 6 },
		.ntouch = 4,
		.need = 3,
	},
	{
		.desc = "touched newest first by migrating, two needed",
		.touch = { 7, 6, 5, 4, 3, 2, 1, 0 },
		.ntouch = 8,
		.by_migrate = true,
		.need = 2,
	},
	{
		.desc = "all but the last touched needed",
		.touch = { 3, 1 },
		.ntouch = 2,
		.need = 7,
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_evict_lru, tgem_evict_lru_cases, desc);

/*
 * A VRAM BO that needs room evicts the least recently used evictable BOs,
 * exactly as many as it needs, to system memory, with their data. The
 * VRAM-only filler at the head of the LRU list stays, and the new BO
 * reads as zeros although its VRAM held the evicted BOs' data.
 */
static void tgem_evict_lru_order(struct kunit *test)
{
	const struct tgem_evict_lru_case *c = test->param_value;
	unsigned int lru[TGEM_EVICT_BOS], i, j, k;
	bool evicted[TGEM_EVICT_BOS] = {};
	struct tgem_device *tdev = test->priv;
	struct tgem_bo **bos, *filler, *bo;
	s64 sys_pages;

	bos = tgem_kunit_vram_fill(test, tdev, TGEM_EVICT_UNIT_PAGES,
				   TGEM_EVICT_BOS, TGEM_EVICT_VRAM_SYSTEM, &filler);
	KUNIT_ASSERT_NOT_NULL(test, filler);
	for (i = 0; i < TGEM_EVICT_BOS; i++)
		tgem_kunit_bo_fill(test, bos[i], TGEM_EVICT_SEED + i);

	/* The model: creation order, then each touched BO to the tail. */
	for (i = 0; i < TGEM_EVICT_BOS; i++)
		lru[i] = i;
	for (i = 0; i < c->ntouch; i++) {
		tgem_evict_touch(test, bos[c->touch[i]], c->by_migrate);
		for (j = 0; lru[j] != c->touch[i]; j++)
			;
		for (k = j; k + 1 < TGEM_EVICT_BOS; k++)
			lru[k] = lru[k + 1];
		lru[TGEM_EVICT_BOS - 1] = c->touch[i];
	}
	for (i = 0; i < c->need; i++)
		evicted[lru[i]] = true;
	sys_pages = tgem_evict_sys_pages(tdev);

	bo = tgem_kunit_bo_create(test, tdev, c->need * TGEM_EVICT_UNIT,
				  DRM_TGEM_PLACEMENT_VRAM, 0);

	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, filler), TTM_PL_VRAM);
	for (i = 0; i < TGEM_EVICT_BOS; i++)
		KUNIT_EXPECT_EQ_MSG(test, tgem_kunit_bo_mem_type(test, bos[i]),
				    evicted[i] ? TTM_PL_SYSTEM : TTM_PL_VRAM,
				    "BO %u should %s", i,
				    evicted[i] ? "be evicted" : "stay in VRAM");
	KUNIT_EXPECT_EQ(test, tgem_evict_sys_pages(tdev),
			sys_pages + c->need * TGEM_EVICT_UNIT_PAGES);
	KUNIT_EXPECT_EQ(test, tgem_kunit_vram_avail(tdev), 0);

	for (i = 0; i < TGEM_EVICT_BOS; i++)
		tgem_kunit_bo_expect(test, bos[i], TGEM_EVICT_SEED + i);
	tgem_kunit_bo_expect(test, bo, 0);

	/* The driver's own answer agrees, now that the order is spent. */
	for (i = 0; i < TGEM_EVICT_BOS; i++)
		KUNIT_EXPECT_EQ(test, tgem_bo_region(bos[i]), evicted[i] ? 0 : 1);
}

/* tgem_ttm_eviction_valuable() of @bo for a VRAM place [@fpfn, @lpfn). */
static bool tgem_evict_valuable_for(struct kunit *test, struct tgem_bo *bo,
				    u32 fpfn, u32 lpfn)
{
	struct ttm_place place = {
		.mem_type = TTM_PL_VRAM,
		.fpfn = fpfn,
		.lpfn = lpfn,
	};
	bool valuable;
	int ret;

	ret = dma_resv_lock(bo->ttm.base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	valuable = tgem_ttm_eviction_valuable(&bo->ttm, &place);
	dma_resv_unlock(bo->ttm.base.resv);
	return valuable;
}

/*
 * tgem_ttm_eviction_valuable() refuses VRAM-only BOs, and otherwise gives
 * TTM's answer: a BO is worth evicting only for a place its VRAM overlaps.
 * The BO is first moved to the middle of VRAM, so that there is room on
 * both sides of it: at offset 0, "before" would be an empty range, and at
 * the end "after" would be.
 */
static void tgem_evict_valuable(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	struct ttm_operation_ctx ctx = { .interruptible = false };
	u32 mid = (tdev->vram.size >> PAGE_SHIFT) / 2;
	struct ttm_place at = { .mem_type = TTM_PL_VRAM, .fpfn = mid, .lpfn = mid + 1 };
	struct ttm_placement placement = { .num_placement = 1, .placement = &at };
	struct tgem_bo *mixed, *only;
	u64 start;
	int ret;

	mixed = tgem_kunit_bo_create(test, tdev, PAGE_SIZE, TGEM_EVICT_VRAM_SYSTEM, 0);
	only = tgem_kunit_bo_create(test, tdev, PAGE_SIZE, DRM_TGEM_PLACEMENT_VRAM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, mixed), TTM_PL_VRAM);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, only), TTM_PL_VRAM);
	KUNIT_ASSERT_GE(test, mid, 2);

	KUNIT_EXPECT_FALSE(test, tgem_evict_valuable_for(test, only, 0, 0));

	ret = dma_resv_lock(mixed->ttm.base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = ttm_bo_validate(&mixed->ttm, &placement, &ctx);
	start = mixed->ttm.resource->start;
	dma_resv_unlock(mixed->ttm.base.resv);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, start, (u64)mid);

	/* Any VRAM, and ranges that hold the BO's page. */
	KUNIT_EXPECT_TRUE(test, tgem_evict_valuable_for(test, mixed, 0, 0));
	KUNIT_EXPECT_TRUE(test, tgem_evict_valuable_for(test, mixed, mid, mid + 1));
	KUNIT_EXPECT_TRUE(test, tgem_evict_valuable_for(test, mixed, mid - 1, mid + 1));
	KUNIT_EXPECT_TRUE(test, tgem_evict_valuable_for(test, mixed, mid, 0));
	KUNIT_EXPECT_TRUE(test, tgem_evict_valuable_for(test, mixed, 0, mid + 1));
	/* Ranges that end right before it or start right after it. */
	KUNIT_EXPECT_FALSE(test, tgem_evict_valuable_for(test, mixed, 0, mid));
	KUNIT_EXPECT_FALSE(test, tgem_evict_valuable_for(test, mixed, mid - 1, mid));
	KUNIT_EXPECT_FALSE(test, tgem_evict_valuable_for(test, mixed, mid + 1, 0));
	KUNIT_EXPECT_FALSE(test, tgem_evict_valuable_for(test, mixed, mid + 1, mid + 2));
}

/*
 * With VRAM full of VRAM-only BOs, nothing can be evicted: a VRAM-only BO
 * fails with -ENOMEM (TTM's -ENOSPC, converted) and leaves everything as
 * it was, while a BO that may also use system memory goes there.
 */
static void tgem_evict_vram_only_stays(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	struct tgem_bo **bos, *bo;
	s64 sys_pages;
	unsigned int i;

	bos = tgem_kunit_vram_fill(test, tdev, TGEM_EVICT_UNIT_PAGES, 4,
				   DRM_TGEM_PLACEMENT_VRAM, NULL);
	for (i = 0; i < 4; i++)
		tgem_kunit_bo_fill(test, bos[i], TGEM_EVICT_SEED + i);
	sys_pages = tgem_evict_sys_pages(tdev);

	bo = tgem_bo_create(tdev, PAGE_SIZE, DRM_TGEM_PLACEMENT_VRAM, 0);
	if (!IS_ERR_OR_NULL(bo))
		tgem_bo_put(bo);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(bo), -ENOMEM);

	KUNIT_EXPECT_EQ(test, tgem_kunit_vram_avail(tdev), 0);
	KUNIT_EXPECT_EQ(test, tgem_evict_sys_pages(tdev), sys_pages);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[i]), TTM_PL_VRAM);
		tgem_kunit_bo_expect(test, bos[i], TGEM_EVICT_SEED + i);
	}

	bo = tgem_kunit_bo_create(test, tdev, PAGE_SIZE, TGEM_EVICT_VRAM_SYSTEM, 0);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_SYSTEM);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[i]), TTM_PL_VRAM);
}

static void tgem_evict_unpin(void *arg)
{
	struct tgem_bo *bo = arg;

	dma_resv_lock(bo->ttm.base.resv, NULL);
	ttm_bo_unpin(&bo->ttm);
	dma_resv_unlock(bo->ttm.base.resv);
}

/*
 * A pinned BO is not evicted even at the head of the LRU list: the next
 * one goes instead. The pinned BO cannot be migrated either, and once the
 * evictable BOs are gone a VRAM-only BO that needs room fails.
 */
static void tgem_evict_pinned(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	struct tgem_bo **bos, *bo;
	unsigned int i;
	int ret;

	bos = tgem_kunit_vram_fill(test, tdev, TGEM_EVICT_UNIT_PAGES, 4,
				   TGEM_EVICT_VRAM_SYSTEM, NULL);
	for (i = 0; i < 4; i++)
		tgem_kunit_bo_fill(test, bos[i], TGEM_EVICT_SEED + i);

	ret = dma_resv_lock(bos[0]->ttm.base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ttm_bo_pin(&bos[0]->ttm);
	dma_resv_unlock(bos[0]->ttm.base.resv);
	/* Registered after the BO, so it is unpinned before it is put. */
	ret = kunit_add_action_or_reset(test, tgem_evict_unpin, bos[0]);
	KUNIT_ASSERT_EQ(test, ret, 0);

	bo = tgem_kunit_bo_create(test, tdev, TGEM_EVICT_UNIT,
				  DRM_TGEM_PLACEMENT_VRAM, 0);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[0]), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, bos[0]->ttm.pin_count, 1);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[1]), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[2]), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[3]), TTM_PL_VRAM);
	for (i = 0; i < 4; i++)
		tgem_kunit_bo_expect(test, bos[i], TGEM_EVICT_SEED + i);

	KUNIT_EXPECT_EQ(test, tgem_bo_migrate(bos[0], 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[0]), TTM_PL_VRAM);

	/* Room for two more units only by evicting bos[2] and bos[3]. */
	bo = tgem_kunit_bo_create(test, tdev, 2 * TGEM_EVICT_UNIT,
				  DRM_TGEM_PLACEMENT_VRAM, 0);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[2]), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[3]), TTM_PL_SYSTEM);

	bo = tgem_bo_create(tdev, TGEM_EVICT_UNIT, DRM_TGEM_PLACEMENT_VRAM, 0);
	if (!IS_ERR_OR_NULL(bo))
		tgem_bo_put(bo);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(bo), -ENOMEM);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bos[0]), TTM_PL_VRAM);
	tgem_kunit_bo_expect(test, bos[0], TGEM_EVICT_SEED);
}

static int tgem_evict_test_init(struct kunit *test)
{
	test->priv = tgem_kunit_vram_device_create(test);
	return 0;
}

static struct kunit_case tgem_evict_tests[] = {
	KUNIT_CASE_PARAM(tgem_evict_lru_order, tgem_evict_lru_gen_params),
	KUNIT_CASE(tgem_evict_valuable),
	KUNIT_CASE(tgem_evict_vram_only_stays),
	KUNIT_CASE(tgem_evict_pinned),
	{}
};

static struct kunit_suite tgem_evict_suite = {
	.name = "tgem_evict",
	.init = tgem_evict_test_init,
	.test_cases = tgem_evict_tests,
};

kunit_test_suite(tgem_evict_suite);
