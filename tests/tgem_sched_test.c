// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_sched: contexts and real jobs through the device's
 * drm_sched scheduler and engine, on real BOs in system memory and in
 * VRAM (the VRAM cases skip without the ivshmem BAR). The suite plays
 * execbuf: it creates the job, fills its maps with BO references, arms it,
 * adds the fence to each BO's dma_resv and pushes it.
 *
 * There is no DRM file on the unregistered test device; each test makes a
 * bare &struct drm_file and runs the driver's open/postclose hooks on it.
 */

#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/jiffies.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "engine/tgem_cmd.h"
#include "engine/tgem_context.h"
#include "engine/tgem_job.h"
#include "engine/tgem_sched.h"
#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_file.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_kmap.h"

#define BO_SIZE		(4 * PAGE_SIZE)
/* GPU address of map i. */
#define MAP_ADDR(i)	(0x100000ull * ((i) + 1))

static void tgem_sched_file_close(void *file)
{
	struct drm_file *f = file;

	if (f->driver_priv)
		tgem_file_postclose(NULL, f);
}

static struct drm_file *tgem_sched_file(struct kunit *test,
					struct tgem_device *tdev)
{
	struct drm_file *file;

	file = kunit_kzalloc(test, sizeof(*file), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, file);
	KUNIT_ASSERT_EQ(test, tgem_file_open(&tdev->drm, file), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_sched_file_close,
							file), 0);
	return file;
}

static u32 tgem_sched_ctx_create(struct kunit *test, struct tgem_device *tdev,
				 struct drm_file *file)
{
	struct drm_tgem_context_create args = {};

	KUNIT_ASSERT_EQ(test, tgem_context_create_ioctl(&tdev->drm, &args, file), 0);
	KUNIT_ASSERT_NE(test, args.ctx_id, 0);
	return args.ctx_id;
}

static int tgem_sched_ctx_destroy(struct tgem_device *tdev,
				  struct drm_file *file, u32 id)
{
	struct drm_tgem_context_destroy args = { .ctx_id = id };

	return tgem_context_destroy_ioctl(&tdev->drm, &args, file);
}

static struct tgem_bo *tgem_sched_bo(struct kunit *test,
				     struct tgem_device *tdev, bool vram)
{
	struct tgem_bo *bo;

	bo = tgem_kunit_bo_create(test, tdev, BO_SIZE,
				  vram ? DRM_TGEM_PLACEMENT_VRAM :
					 DRM_TGEM_PLACEMENT_SYSTEM, 0);
	if (!vram)
		tgem_kunit_bo_populate(test, bo);
	return bo;
}

static void tgem_sched_bo_rw(struct kunit *test, struct tgem_bo *bo,
			     u64 offset, void *buf, size_t len, bool write)
{
	int ret;

	ret = dma_resv_lock(bo->ttm.base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = tgem_bo_access_locked(bo, offset, buf, len, write);
	dma_resv_unlock(bo->ttm.base.resv);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

static u32 tgem_sched_bo_get(struct kunit *test, struct tgem_bo *bo, u64 offset)
{
	__le32 v;

	tgem_sched_bo_rw(test, bo, offset, &v, sizeof(v), false);
	return le32_to_cpu(v);
}

static void tgem_sched_bo_put32(struct kunit *test, struct tgem_bo *bo,
				u64 offset, u32 value)
{
	__le32 v = cpu_to_le32(value);

	tgem_sched_bo_rw(test, bo, offset, &v, sizeof(v), true);
}

static void tgem_sched_batch(struct kunit *test, struct tgem_bo *bo,
			     const u32 *dw, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		tgem_sched_bo_put32(test, bo, 4 * i, dw[i]);
}

static void tgem_sched_fence_put(void *fence)
{
	dma_fence_put(fence);
}

/*
 * Submit a batch at the start of bos[0] (read-only) that may write
 * bos[1..n-1]. Return the finished fence, with a reference the test owns.
 */
static struct dma_fence *tgem_sched_submit(struct kunit *test,
					   struct tgem_file *tfile, u32 ctx_id,
					   struct tgem_bo **bos, unsigned int n,
					   int *create_err)
{
	struct tgem_context *ctx;
	struct dma_fence *fence;
	struct tgem_job *job;
	unsigned int i;
	int ret;

	ctx = tgem_context_lookup(tfile, ctx_id);
	KUNIT_ASSERT_NOT_NULL(test, ctx);

	job = tgem_job_create(ctx, n);
	tgem_context_put(ctx);
	if (create_err) {
		*create_err = PTR_ERR_OR_ZERO(job);
		if (IS_ERR(job))
			return NULL;
	}
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, job);

	/* Filled in reverse, so arming must sort them. */
	for (i = 0; i < n; i++) {
		struct tgem_job_map *map = &job->maps[n - 1 - i];

		drm_gem_object_get(&bos[i]->ttm.base);
		map->bo = bos[i];
		map->gpu_addr = MAP_ADDR(i);
		map->size = BO_SIZE;
		map->writable = i > 0;
	}
	job->batch_addr = MAP_ADDR(0);
	job->batch_len = BO_SIZE;

	fence = dma_fence_get(tgem_job_arm(job));
	for (i = 0; i < n; i++) {
		struct dma_resv *resv = bos[i]->ttm.base.resv;

		dma_resv_lock(resv, NULL);
		ret = dma_resv_reserve_fences(resv, 1);
		if (!ret)
			dma_resv_add_fence(resv, fence, i ? DMA_RESV_USAGE_WRITE :
						       DMA_RESV_USAGE_READ);
		dma_resv_unlock(resv);
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
	tgem_job_push(job);

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_sched_fence_put,
							fence), 0);
	return fence;
}

/* Wait for @fence; return its error, or -ETIME if it did not signal. */
static int tgem_sched_wait(struct dma_fence *fence, unsigned int ms)
{
	long ret = dma_fence_wait_timeout(fence, false, msecs_to_jiffies(ms));

	if (ret <= 0)
		return -ETIME;
	return fence->error;
}

#define LO(a)		lower_32_bits(a)
#define HI(a)		upper_32_bits(a)
#define BBE		TGEM_MI_BATCH_BUFFER_END

static void tgem_sched_contexts(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	struct drm_tgem_context_create c = {};
	struct tgem_context *ctx;
	u32 a, b;

	a = tgem_sched_ctx_create(test, tdev, file);
	b = tgem_sched_ctx_create(test, tdev, file);
	KUNIT_EXPECT_EQ(test, a, 1);
	KUNIT_EXPECT_EQ(test, b, 2);

	c.flags = 1;
	KUNIT_EXPECT_EQ(test, tgem_context_create_ioctl(&tdev->drm, &c, file), -EINVAL);
	c.flags = 0;
	c.extensions = 1;
	KUNIT_EXPECT_EQ(test, tgem_context_create_ioctl(&tdev->drm, &c, file), -EINVAL);
	c.extensions = 0;
	c.reserved[1] = 1;
	KUNIT_EXPECT_EQ(test, tgem_context_create_ioctl(&tdev->drm, &c, file), -EINVAL);
	KUNIT_EXPECT_EQ(test, c.ctx_id, 0);

	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_destroy(tdev, file, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_destroy(tdev, file, 3), -ENOENT);
	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_destroy(tdev, file, U32_MAX), -ENOENT);

	ctx = tgem_context_lookup(to_tgem_file(file), a);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_EXPECT_FALSE(test, tgem_context_is_banned(ctx));
	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_destroy(tdev, file, a), 0);
	/* Gone for userspace, still alive for the reference we hold. */
	KUNIT_EXPECT_NULL(test, tgem_context_lookup(to_tgem_file(file), a));
	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_destroy(tdev, file, a), -ENOENT);
	/* A job on a destroyed context is refused. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(tgem_job_create(ctx, 1)), -ENOENT);
	tgem_context_put(ctx);

	/* The freed id is reused; b stays. */
	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_create(test, tdev, file), a);
	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_destroy(tdev, file, b), 0);
}

static void tgem_sched_contexts_limit(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	struct drm_tgem_context_create c = {};
	unsigned int i;

	for (i = 1; i <= TGEM_MAX_CONTEXTS; i++) {
		c.ctx_id = 0;
		KUNIT_ASSERT_EQ(test, tgem_context_create_ioctl(&tdev->drm, &c, file), 0);
		KUNIT_ASSERT_EQ(test, c.ctx_id, i);
	}
	c.ctx_id = 0;
	KUNIT_EXPECT_EQ(test, tgem_context_create_ioctl(&tdev->drm, &c, file), -ENOSPC);
	KUNIT_EXPECT_EQ(test, c.ctx_id, 0);
	/* Closing the file (the test's action) destroys all of them. */
}

static void tgem_sched_every_op(struct kunit *test, struct tgem_device *tdev,
				bool vram)
{
	struct drm_file *file = tgem_sched_file(test, tdev);
	u32 ctx = tgem_sched_ctx_create(test, tdev, file);
	struct tgem_bo *bos[3];
	struct dma_fence *fence;
	const u64 d = MAP_ADDR(1), s = MAP_ADDR(2);
	const u32 batch[] = {
		TGEM_MI_NOOP, TGEM_MI_ARB_CHECK,
		TGEM_MI_STORE_DATA_IMM, LO(d), HI(d), 0xcafef00d,
		TGEM_MI_STORE_QWORD_IMM, LO(d + 8), HI(d + 8), 0x89abcdef, 0x01234567,
		TGEM_MI_COPY_MEM_MEM, LO(d + 16), HI(d + 16), LO(s), HI(s),
		TGEM_MI_SEMAPHORE_WAIT | TGEM_MI_SEMAPHORE_POLL |
			(TGEM_SAD_EQ_SDD << TGEM_MI_SEMAPHORE_SAD_SHIFT),
			0x5eed, LO(s), HI(s),
		/* call the second-level batch at +256 of the batch BO */
		TGEM_MI_BATCH_BUFFER_START | TGEM_MI_BATCH_SECOND_LEVEL,
			LO(MAP_ADDR(0) + 256), HI(MAP_ADDR(0)),
		/* 32 bpp, 1024 x 2 pixels from s + 4096 to d + 4096, crossing pages */
		TGEM_XY_FAST_COPY_BLT, (3 << TGEM_FAST_COPY_DEPTH_SHIFT) | 4096,
			0, (2 << 16) | 1024, LO(d + 4096), HI(d),
			0, 4096, LO(s + 4096), HI(s),
		/* chain to +512 */
		TGEM_MI_BATCH_BUFFER_START | TGEM_MI_BATCH_PPGTT,
			LO(MAP_ADDR(0) + 512), HI(MAP_ADDR(0)),
	};
	const u32 second[] = { TGEM_MI_STORE_DATA_IMM, LO(d + 24), HI(d + 24), 2, BBE };
	const u32 chained[] = { TGEM_MI_STORE_DATA_IMM, LO(d + 28), HI(d + 28), 3, BBE };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bos); i++)
		bos[i] = tgem_sched_bo(test, tdev, vram);

	tgem_sched_batch(test, bos[0], batch, ARRAY_SIZE(batch));
	for (i = 0; i < ARRAY_SIZE(second); i++)
		tgem_sched_bo_put32(test, bos[0], 256 + 4 * i, second[i]);
	for (i = 0; i < ARRAY_SIZE(chained); i++)
		tgem_sched_bo_put32(test, bos[0], 512 + 4 * i, chained[i]);
	tgem_sched_bo_put32(test, bos[2], 0, 0x5eed);
	for (i = 0; i < 2048; i++)
		tgem_sched_bo_put32(test, bos[2], 4096 + 4 * i, i * 0x01010101u);

	fence = tgem_sched_submit(test, to_tgem_file(file), ctx, bos, 3, NULL);
	KUNIT_ASSERT_EQ(test, tgem_sched_wait(fence, 10000), 0);

	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[1], 0), 0xcafef00d);
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[1], 8), 0x89abcdef);
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[1], 12), 0x01234567);
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[1], 16), 0x5eed);
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[1], 24), 2);
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[1], 28), 3);
	for (i = 0; i < 2048; i++)
		KUNIT_ASSERT_EQ(test, tgem_sched_bo_get(test, bos[1], 4096 + 4 * i),
				i * 0x01010101u);
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[1], 3 * 4096), 0);
}

static void tgem_sched_system(struct kunit *test)
{
	tgem_sched_every_op(test, tgem_kunit_device_create(test), false);
}

static void tgem_sched_vram(struct kunit *test)
{
	tgem_sched_every_op(test, tgem_kunit_vram_device_create(test), true);
}

static void tgem_sched_fault(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	u32 id = tgem_sched_ctx_create(test, tdev, file);
	struct tgem_bo *bos[2];
	struct dma_fence *fence;
	struct tgem_context *ctx;
	const u32 ro[] = { TGEM_MI_STORE_DATA_IMM, LO(MAP_ADDR(0) + 64),
		HI(MAP_ADDR(0) + 64), 1, BBE };
	const u32 out[] = { TGEM_MI_STORE_DATA_IMM, LO(MAP_ADDR(1) + BO_SIZE),
		HI(MAP_ADDR(1) + BO_SIZE), 1, BBE };
	const u32 bad[] = { TGEM_MI_INSTR(0x22, 1), 0, 0, BBE };

	bos[0] = tgem_sched_bo(test, tdev, false);
	bos[1] = tgem_sched_bo(test, tdev, false);

	tgem_sched_batch(test, bos[0], ro, ARRAY_SIZE(ro));
	fence = tgem_sched_submit(test, to_tgem_file(file), id, bos, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fence, 10000), -EFAULT);
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[0], 64), 0);

	tgem_sched_batch(test, bos[0], out, ARRAY_SIZE(out));
	fence = tgem_sched_submit(test, to_tgem_file(file), id, bos, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fence, 10000), -EFAULT);

	tgem_sched_batch(test, bos[0], bad, ARRAY_SIZE(bad));
	fence = tgem_sched_submit(test, to_tgem_file(file), id, bos, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fence, 10000), -EINVAL);

	/* A fault does not ban the context. */
	ctx = tgem_context_lookup(to_tgem_file(file), id);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_EXPECT_FALSE(test, tgem_context_is_banned(ctx));
	tgem_context_put(ctx);
}

/* A batch in bos[0] that waits until the dword at MAP_ADDR(1) is @v. */
static void tgem_sched_wait_batch(struct kunit *test, struct tgem_bo *bo, u32 v)
{
	const u32 dw[] = {
		TGEM_MI_SEMAPHORE_WAIT | TGEM_MI_SEMAPHORE_POLL |
			(TGEM_SAD_EQ_SDD << TGEM_MI_SEMAPHORE_SAD_SHIFT),
		v, LO(MAP_ADDR(1)), HI(MAP_ADDR(1)),
		TGEM_MI_STORE_DATA_IMM, LO(MAP_ADDR(1) + 4), HI(MAP_ADDR(1) + 4), v, BBE,
	};

	tgem_sched_batch(test, bo, dw, ARRAY_SIZE(dw));
}

static void tgem_sched_cross_context(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	struct tgem_file *tfile = to_tgem_file(file);
	u32 a = tgem_sched_ctx_create(test, tdev, file);
	u32 b = tgem_sched_ctx_create(test, tdev, file);
	struct tgem_bo *wait[2], *sig[2];
	struct dma_fence *fa, *fb;
	const u32 store[] = { TGEM_MI_STORE_DATA_IMM, LO(MAP_ADDR(1)), HI(MAP_ADDR(1)), 7, BBE };

	wait[0] = tgem_sched_bo(test, tdev, false);
	sig[0] = tgem_sched_bo(test, tdev, false);
	wait[1] = tgem_sched_bo(test, tdev, false);
	sig[1] = wait[1];

	/* Context a waits for context b: they must run concurrently. */
	tgem_sched_wait_batch(test, wait[0], 7);
	tgem_sched_batch(test, sig[0], store, ARRAY_SIZE(store));

	fa = tgem_sched_submit(test, tfile, a, wait, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fa, 200), -ETIME);
	fb = tgem_sched_submit(test, tfile, b, sig, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fb, 10000), 0);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fa, 10000), 0);
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, wait[1], 4), 7);
}

static void tgem_sched_in_order(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	struct tgem_file *tfile = to_tgem_file(file);
	u32 id = tgem_sched_ctx_create(test, tdev, file);
	struct tgem_bo *data = tgem_sched_bo(test, tdev, false);
	struct dma_fence *fences[16];
	unsigned int i;

	/* Job i copies dword i to dword i + 1, after storing nothing else. */
	tgem_sched_bo_put32(test, data, 0, 0xabc);
	for (i = 0; i < ARRAY_SIZE(fences); i++) {
		struct tgem_bo *bos[2] = { tgem_sched_bo(test, tdev, false), data };
		const u32 dw[] = { TGEM_MI_COPY_MEM_MEM,
				   LO(MAP_ADDR(1) + 4 * (i + 1)), HI(MAP_ADDR(1)),
				   LO(MAP_ADDR(1) + 4 * i), HI(MAP_ADDR(1)), BBE };

		tgem_sched_batch(test, bos[0], dw, ARRAY_SIZE(dw));
		fences[i] = tgem_sched_submit(test, tfile, id, bos, 2, NULL);
	}
	KUNIT_ASSERT_EQ(test, tgem_sched_wait(fences[15], 10000), 0);
	for (i = 0; i <= ARRAY_SIZE(fences); i++)
		KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, data, 4 * i), 0xabc);
}

static void tgem_sched_hang_banned(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	struct tgem_file *tfile = to_tgem_file(file);
	u32 a = tgem_sched_ctx_create(test, tdev, file);
	u32 b = tgem_sched_ctx_create(test, tdev, file);
	unsigned int timeout = tgem_sched_timeout_ms();
	struct tgem_bo *hang[2], *ok[2];
	struct dma_fence *fa, *fa2, *fb;
	struct tgem_context *ctx;
	const u32 loop[] = { TGEM_MI_ARB_CHECK, TGEM_MI_BATCH_BUFFER_START |
			     TGEM_MI_BATCH_PPGTT, LO(MAP_ADDR(0)), HI(MAP_ADDR(0)) };
	const u32 store[] = { TGEM_MI_STORE_DATA_IMM, LO(MAP_ADDR(1)), HI(MAP_ADDR(1)), 9, BBE };
	int err;

	hang[0] = tgem_sched_bo(test, tdev, false);
	hang[1] = tgem_sched_bo(test, tdev, false);
	ok[0] = tgem_sched_bo(test, tdev, false);
	ok[1] = tgem_sched_bo(test, tdev, false);
	tgem_sched_batch(test, hang[0], loop, ARRAY_SIZE(loop));
	tgem_sched_batch(test, ok[0], store, ARRAY_SIZE(store));

	fa = tgem_sched_submit(test, tfile, a, hang, 2, NULL);
	/* Queued behind the hang on the same context. */
	fa2 = tgem_sched_submit(test, tfile, a, ok, 2, NULL);
	fb = tgem_sched_submit(test, tfile, b, ok, 2, NULL);

	/* The other context finishes while the hang runs. */
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fb, timeout / 2), 0);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fa));
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, ok[1], 0), 9);

	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fa, 3 * timeout + 10000), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fa2, 10000), -EIO);

	ctx = tgem_context_lookup(tfile, a);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_EXPECT_TRUE(test, tgem_context_is_banned(ctx));
	tgem_context_put(ctx);
	ctx = tgem_context_lookup(tfile, b);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_EXPECT_FALSE(test, tgem_context_is_banned(ctx));
	tgem_context_put(ctx);

	/* No new job on a banned context. */
	KUNIT_EXPECT_NULL(test, tgem_sched_submit(test, tfile, a, ok, 2, &err));
	KUNIT_EXPECT_EQ(test, err, -EIO);
	/* b still works. */
	fb = tgem_sched_submit(test, tfile, b, ok, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fb, 10000), 0);
}

static void tgem_sched_destroy_in_flight(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	struct drm_file *file2 = tgem_sched_file(test, tdev);
	u32 a = tgem_sched_ctx_create(test, tdev, file);
	u32 c = tgem_sched_ctx_create(test, tdev, file2);
	u32 s = tgem_sched_ctx_create(test, tdev, file);
	struct tgem_bo *wait[2], *sig[2];
	struct dma_fence *fa, *fc, *fs;
	const u32 store[] = { TGEM_MI_STORE_DATA_IMM, LO(MAP_ADDR(1)), HI(MAP_ADDR(1)), 5, BBE };

	wait[0] = tgem_sched_bo(test, tdev, false);
	sig[0] = tgem_sched_bo(test, tdev, false);
	wait[1] = tgem_sched_bo(test, tdev, false);
	sig[1] = wait[1];
	tgem_sched_wait_batch(test, wait[0], 5);
	tgem_sched_batch(test, sig[0], store, ARRAY_SIZE(store));

	/* Two jobs blocked on a semaphore: one on a, one on file2's c. */
	fa = tgem_sched_submit(test, to_tgem_file(file), a, wait, 2, NULL);
	fc = tgem_sched_submit(test, to_tgem_file(file2), c, wait, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fa, 100), -ETIME);

	/* Destroy a, close file2: their jobs keep running. */
	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_destroy(tdev, file, a), 0);
	tgem_file_postclose(NULL, file2);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fa));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fc));

	fs = tgem_sched_submit(test, to_tgem_file(file), s, sig, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fs, 10000), 0);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fa, 10000), 0);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(fc, 10000), 0);
}

/*
 * Unplug with one job running (a semaphore nobody releases) and one queued
 * behind it: both end with -ENODEV, and a new one cannot start either.
 */
static void tgem_sched_unplug(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	struct tgem_file *tfile = to_tgem_file(file);
	u32 id = tgem_sched_ctx_create(test, tdev, file);
	struct dma_fence *running, *queued;
	struct tgem_bo *bos[2];

	bos[0] = tgem_sched_bo(test, tdev, false);
	bos[1] = tgem_sched_bo(test, tdev, false);
	tgem_sched_wait_batch(test, bos[0], 1);

	running = tgem_sched_submit(test, tfile, id, bos, 2, NULL);
	queued = tgem_sched_submit(test, tfile, id, bos, 2, NULL);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(running, 100), -ETIME);

	drm_dev_unplug(&tdev->drm);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(running, 10000), -ENODEV);
	KUNIT_EXPECT_EQ(test, tgem_sched_wait(queued, 10000), -ENODEV);
	/* The semaphore was never released, nothing was stored. */
	KUNIT_EXPECT_EQ(test, tgem_sched_bo_get(test, bos[1], 4), 0);
}

static void tgem_sched_abort(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct drm_file *file = tgem_sched_file(test, tdev);
	u32 id = tgem_sched_ctx_create(test, tdev, file);
	struct tgem_bo *bo = tgem_sched_bo(test, tdev, false);
	struct tgem_context *ctx;
	struct tgem_job *job;

	ctx = tgem_context_lookup(to_tgem_file(file), id);
	KUNIT_ASSERT_NOT_NULL(test, ctx);

	KUNIT_EXPECT_EQ(test, PTR_ERR(tgem_job_create(ctx, TGEM_JOB_MAX_MAPS + 1)),
			-EINVAL);

	/* Abort drops the BO references the job took over. */
	job = tgem_job_create(ctx, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, job);
	drm_gem_object_get(&bo->ttm.base);
	job->maps[0].bo = bo;
	KUNIT_EXPECT_EQ(test, kref_read(&bo->ttm.base.refcount), 2);
	tgem_job_abort(job);
	KUNIT_EXPECT_EQ(test, kref_read(&bo->ttm.base.refcount), 1);

	/* The submit lock was released: destroy does not block. */
	tgem_context_put(ctx);
	KUNIT_EXPECT_EQ(test, tgem_sched_ctx_destroy(tdev, file, id), 0);
}

static struct kunit_case tgem_sched_cases[] = {
	KUNIT_CASE(tgem_sched_contexts),
	KUNIT_CASE_SLOW(tgem_sched_contexts_limit),
	KUNIT_CASE(tgem_sched_abort),
	KUNIT_CASE(tgem_sched_system),
	KUNIT_CASE(tgem_sched_vram),
	KUNIT_CASE(tgem_sched_fault),
	KUNIT_CASE(tgem_sched_cross_context),
	KUNIT_CASE(tgem_sched_in_order),
	KUNIT_CASE_SLOW(tgem_sched_hang_banned),
	KUNIT_CASE(tgem_sched_destroy_in_flight),
	KUNIT_CASE(tgem_sched_unplug),
	{}
};

static struct kunit_suite tgem_sched_suite = {
	.name = "tgem_sched",
	.test_cases = tgem_sched_cases,
};

kunit_test_suite(tgem_sched_suite);
