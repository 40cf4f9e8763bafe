// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_move_guard: what must stop or delay a move, or a
 * short-term mapping of VRAM, before it touches memory (see "Moves" and
 * "Short-term kernel mappings"):
 *
 *  - an unsignalled fence in the BO's dma_resv: the move waits for it, so
 *    it copies what the fence's job wrote, not what was there before;
 *  - a fatal signal: the move fails with -EINTR, the BO stays where it was
 *    with its data, and nothing is left allocated;
 *  - an unplugged device: moves, clears, mappings and accesses of VRAM
 *    fail with -ENODEV, and the BAR is left exactly as it was.
 *
 * All run on a device whose VRAM is the ivshmem BAR
 * (tgem_kunit_vram_device_create()), and read the BAR directly to see what
 * tgem did or did not write.
 */

#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/io-mapping.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <drm/drm_drv.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_kmap.h"

#define TGEM_GUARD_SIZE		SZ_64K
#define TGEM_GUARD_SEED		0x6a01
#define TGEM_GUARD_JOB_SEED	0x6a02
#define TGEM_GUARD_SYS_SEED	0x6a03
#define TGEM_GUARD_STALE_SEED	0x6a04
#define TGEM_GUARD_BOTH		(DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM)

/* VRAM byte offset of a contiguous BO in VRAM. */
static u64 tgem_guard_vram_offset(struct kunit *test, struct tgem_bo *bo)
{
	u64 offset;

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	offset = (u64)bo->ttm.resource->start << PAGE_SHIFT;
	dma_resv_unlock(bo->ttm.base.resv);
	return offset;
}

/* Write pattern @seed straight into VRAM, as a device would. */
static void tgem_guard_raw_fill(struct tgem_device *tdev, u64 offset, u64 size,
				u32 seed)
{
	void __iomem *p = io_mapping_map_wc(&tdev->vram.iomap, offset, size);
	u64 i;

	for (i = 0; i < size; i += sizeof(u32))
		iowrite32(tgem_kunit_pattern(seed, i), p + i);
	io_mapping_unmap(p);
}

/* How many words of VRAM at @offset differ from pattern @seed. */
static u64 tgem_guard_raw_diff(struct tgem_device *tdev, u64 offset, u64 size,
			       u32 seed)
{
	void __iomem *p = io_mapping_map_wc(&tdev->vram.iomap, offset, size);
	u64 i, bad = 0;

	for (i = 0; i < size; i += sizeof(u32))
		bad += ioread32(p + i) != tgem_kunit_pattern(seed, i);
	io_mapping_unmap(p);
	return bad;
}

/* Freed by the fence's default release, so @base must stay first. */
struct tgem_guard_job {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's */
	struct delayed_work work;
	struct tgem_device *tdev;
	u64 offset;
};

static const char *tgem_guard_fence_name(struct dma_fence *fence)
{
	return "tgem_move_guard";
}

static const struct dma_fence_ops tgem_guard_fence_ops = {
	.get_driver_name = tgem_guard_fence_name,
	.get_timeline_name = tgem_guard_fence_name,
};

/* The "job": writes the BO's VRAM behind TTM's back, then signals. */
static void tgem_guard_job_run(struct work_struct *work)
{
	struct tgem_guard_job *job = container_of(work, typeof(*job), work.work);

	tgem_guard_raw_fill(job->tdev, job->offset, TGEM_GUARD_SIZE,
			    TGEM_GUARD_JOB_SEED);
	dma_fence_signal(&job->base);
}

static void tgem_guard_job_fini(void *data)
{
	struct tgem_guard_job *job = data;

	/* Never leave the fence unsignalled, whatever the test did. */
	cancel_delayed_work_sync(&job->work);
	if (!dma_fence_is_signaled(&job->base))
		dma_fence_signal(&job->base);
	/* The BO's dma_resv may hold the last reference. */
	dma_fence_put(&job->base);
}

/*
 * A BO in VRAM carries the fence of a job that is still writing it. A move
 * out of VRAM must wait for the fence: the BO then holds what the job
 * wrote. A move that copied at once would keep the old contents.
 */
static void tgem_guard_move_waits_for_fences(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);
	struct dma_resv *resv;
	struct tgem_guard_job *job;
	struct tgem_bo *bo;
	int ret;

	bo = tgem_kunit_bo_create(test, tdev, TGEM_GUARD_SIZE, TGEM_GUARD_BOTH,
				  DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_kunit_bo_fill(test, bo, TGEM_GUARD_SEED);
	resv = bo->ttm.base.resv;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, job);
	spin_lock_init(&job->lock);
	dma_fence_init(&job->base, &tgem_guard_fence_ops, &job->lock,
		       dma_fence_context_alloc(1), 1);
	INIT_DELAYED_WORK(&job->work, tgem_guard_job_run);
	job->tdev = tdev;
	job->offset = tgem_guard_vram_offset(test, bo);
	/* The fini signals and drops the fence, also on a failed assert. */
	ret = kunit_add_action_or_reset(test, tgem_guard_job_fini, job);
	KUNIT_ASSERT_EQ(test, ret, 0);

	KUNIT_ASSERT_EQ(test, dma_resv_lock(resv, NULL), 0);
	ret = dma_resv_reserve_fences(resv, 1);
	if (!ret)
		dma_resv_add_fence(resv, &job->base, DMA_RESV_USAGE_WRITE);
	dma_resv_unlock(resv);
	KUNIT_ASSERT_EQ(test, ret, 0);

	schedule_delayed_work(&job->work, msecs_to_jiffies(200));
	ret = tgem_bo_migrate(bo, 0);

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(&job->base));
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_SYSTEM);
	tgem_kunit_bo_expect(test, bo, TGEM_GUARD_JOB_SEED);
}

static void tgem_guard_flush_signals(void *data)
{
	flush_signals(current);
	disallow_signal(SIGKILL);
}

/*
 * With SIGKILL pending, a move into VRAM and the clear of a new VRAM BO
 * fail with -EINTR before they copy anything: the BO stays in system
 * memory with its data, the new BO is not created, and VRAM is as free as
 * before. Once the signal is gone, the same move works.
 */
static void tgem_guard_fatal_signal_stops_move(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);
	struct tgem_bo *bo, *fresh;
	bool pending;
	u64 avail;
	int ret;

	bo = tgem_kunit_bo_create(test, tdev, TGEM_GUARD_SIZE, TGEM_GUARD_BOTH, 0);
	KUNIT_ASSERT_EQ(test, tgem_bo_migrate(bo, 0), 0);
	tgem_kunit_bo_fill(test, bo, TGEM_GUARD_SEED);
	avail = tgem_kunit_vram_avail(tdev);

	/* A KUnit test runs in a kthread, which takes signals only if let. */
	ret = kunit_add_action_or_reset(test, tgem_guard_flush_signals, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	allow_signal(SIGKILL);
	force_sig(SIGKILL);
	pending = fatal_signal_pending(current);

	ret = tgem_bo_migrate(bo, 1);
	fresh = tgem_bo_create(tdev, TGEM_GUARD_SIZE, DRM_TGEM_PLACEMENT_VRAM, 0);
	kunit_release_action(test, tgem_guard_flush_signals, NULL);

	KUNIT_ASSERT_TRUE(test, pending);
	KUNIT_EXPECT_EQ(test, ret, -EINTR);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fresh), -EINTR);
	if (!IS_ERR(fresh))
		tgem_bo_put(fresh);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_SYSTEM);
	tgem_kunit_bo_expect(test, bo, TGEM_GUARD_SEED);
	KUNIT_EXPECT_EQ(test, tgem_kunit_vram_avail(tdev), avail);

	KUNIT_EXPECT_EQ(test, tgem_bo_migrate(bo, 1), 0);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_kunit_bo_expect(test, bo, TGEM_GUARD_SEED);
}

/*
 * After drm_dev_unplug(), nothing of the device may touch its BAR: a
 * mapping or an access of a VRAM page fails with -ENODEV (a system page
 * still maps), a move out of VRAM fails and leaves the BO there, and a new
 * VRAM BO is not created, so stale data in free VRAM is not cleared. The
 * BAR still holds exactly what it held at the unplug.
 */
static void tgem_guard_unplug_stops_vram_access(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);
	int kmap_vram, kmap_sys, access, migrate;
	struct tgem_bo *bo, *sys, *stale, *fresh;
	u64 bo_offset, stale_offset;
	struct iosys_map map;
	u32 word;

	bo = tgem_kunit_bo_create(test, tdev, TGEM_GUARD_SIZE, TGEM_GUARD_BOTH,
				  DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_kunit_bo_fill(test, bo, TGEM_GUARD_SEED);
	bo_offset = tgem_guard_vram_offset(test, bo);

	sys = tgem_kunit_bo_create(test, tdev, TGEM_GUARD_SIZE,
				   DRM_TGEM_PLACEMENT_SYSTEM, 0);
	tgem_kunit_bo_fill(test, sys, TGEM_GUARD_SYS_SEED);

	/* Free VRAM that holds stale data: a clear would wipe it. */
	stale = tgem_kunit_bo_create(test, tdev, TGEM_GUARD_SIZE,
				     DRM_TGEM_PLACEMENT_VRAM,
				     DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	tgem_kunit_bo_fill(test, stale, TGEM_GUARD_STALE_SEED);
	stale_offset = tgem_guard_vram_offset(test, stale);
	tgem_kunit_bo_put(test, stale);

	drm_dev_unplug(&tdev->drm);

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	kmap_vram = tgem_bo_kmap_local_page_locked(bo, 0, &map);
	if (!kmap_vram)
		tgem_bo_kunmap_local(bo, &map);
	access = tgem_bo_access_locked(bo, 0, &word, sizeof(word), false);
	dma_resv_unlock(bo->ttm.base.resv);

	KUNIT_ASSERT_EQ(test, dma_resv_lock(sys->ttm.base.resv, NULL), 0);
	kmap_sys = tgem_bo_kmap_local_page_locked(sys, 0, &map);
	if (!kmap_sys) {
		word = iosys_map_rd(&map, 0, u32);
		tgem_bo_kunmap_local(sys, &map);
	}
	dma_resv_unlock(sys->ttm.base.resv);

	migrate = tgem_bo_migrate(bo, 0);
	fresh = tgem_bo_create(tdev, TGEM_GUARD_SIZE, DRM_TGEM_PLACEMENT_VRAM,
			       DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	if (!IS_ERR(fresh))
		tgem_bo_put(fresh);

	KUNIT_EXPECT_EQ(test, kmap_vram, -ENODEV);
	KUNIT_EXPECT_EQ(test, access, -ENODEV);
	KUNIT_EXPECT_EQ(test, kmap_sys, 0);
	KUNIT_EXPECT_EQ(test, word, tgem_kunit_pattern(TGEM_GUARD_SYS_SEED, 0));
	KUNIT_EXPECT_EQ(test, migrate, -ENODEV);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(fresh), -ENODEV);

	/* The test still owns the BAR: nothing in it changed. */
	KUNIT_EXPECT_EQ(test, tgem_guard_raw_diff(tdev, bo_offset, TGEM_GUARD_SIZE,
						  TGEM_GUARD_SEED), 0);
	KUNIT_EXPECT_EQ(test, tgem_guard_raw_diff(tdev, stale_offset, TGEM_GUARD_SIZE,
						  TGEM_GUARD_STALE_SEED), 0);
}

static struct kunit_case tgem_move_guard_tests[] = {
	KUNIT_CASE_SLOW(tgem_guard_move_waits_for_fences),
	KUNIT_CASE(tgem_guard_fatal_signal_stops_move),
	KUNIT_CASE(tgem_guard_unplug_stops_vram_access),
	{}
};

static struct kunit_suite tgem_move_guard_suite = {
	.name = "tgem_move_guard",
	.test_cases = tgem_move_guard_tests,
};

kunit_test_suite(tgem_move_guard_suite);
