// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_userptr: userptr BOs over a real mm. The test thread
 * gets an mm of its own from kunit_vm_mmap() (lib/kunit/user_alloc.c), so
 * hmm_range_fault(), the MMU interval notifier, copy_to_user(), munmap()
 * (vm_munmap()) and a MADV_DONTNEED-like zap (zap_page_range_single(),
 * what madvise() calls) all run for real.
 *
 * What the suite asserts: the kernel sees the user's pages, not a copy;
 * validation faults exactly the stale pages (the debugfs counters, read
 * directly); an invalidation waits for the BO's fences and clears exactly
 * the pages it covers; a hole or read-only memory fails with -EFAULT; a
 * non-blockable invalidation is refused; TTM never treats the BO's pages
 * as its own; a released BO stops listening to the mm; and the ioctl's
 * argument checks, which end before the DRM file is used.
 */

#include <kunit/test.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <drm/drm_gem.h>
#include <drm/drm_mm.h>
#include <drm/ttm/ttm_tt.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_kmap.h"
#include "userptr/tgem_userptr.h"
#include "userptr/tgem_userptr_range.h"

static int tgem_userptr_test_init(struct kunit *test)
{
	test->priv = tgem_kunit_device_create(test);
	return 0;
}

static unsigned long tgem_userptr_test_mmap(struct kunit *test, unsigned long addr,
					    size_t len, unsigned long prot,
					    unsigned long flags)
{
	unsigned long uaddr;

	uaddr = kunit_vm_mmap(test, NULL, addr, len, prot,
			      MAP_ANONYMOUS | MAP_PRIVATE | flags, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0, "could not create a user mm");
	KUNIT_ASSERT_LT_MSG(test, uaddr, (unsigned long)TASK_SIZE,
			    "could not map user memory");
	return uaddr;
}

static void tgem_userptr_test_put(void *bo)
{
	tgem_bo_put(bo);
}

static struct tgem_bo *tgem_userptr_test_create(struct kunit *test,
						unsigned long addr, size_t size,
						bool read_only)
{
	struct tgem_bo *bo;
	int ret;

	bo = tgem_userptr_create(test->priv, addr, size, read_only);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bo);
	ret = kunit_add_action_or_reset(test, tgem_userptr_test_put, bo);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return bo;
}

static s64 tgem_userptr_test_faulted(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;

	return atomic64_read(&tdev->userptr.stats.pages_faulted);
}

static s64 tgem_userptr_test_invalidations(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;

	return atomic64_read(&tdev->userptr.stats.invalidations);
}

/* Write pattern @seed over pages [first, first + n) of the user range. */
static void tgem_userptr_test_fill(struct kunit *test, unsigned long addr,
				   pgoff_t first, pgoff_t n, u32 seed)
{
	u32 *buf;
	pgoff_t p;
	size_t i;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (p = first; p < first + n; p++) {
		for (i = 0; i < PAGE_SIZE / sizeof(u32); i++)
			buf[i] = tgem_kunit_pattern(seed, p * PAGE_SIZE + i * sizeof(u32));
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(addr + p * PAGE_SIZE),
						   buf, PAGE_SIZE), 0);
	}
	kunit_kfree(test, buf);
}

/*
 * Read pages [first, first + n) of the BO through its page directory, as
 * the engine would, under the notifier lock; compare with pattern @seed
 * (0: zeros).
 */
static void tgem_userptr_test_expect(struct kunit *test, struct tgem_bo *bo,
				     pgoff_t first, pgoff_t n, u32 seed)
{
	struct tgem_userptr *up = bo->userptr;
	pgoff_t p, bad = 0;
	u32 *vaddr;
	size_t i;

	KUNIT_ASSERT_EQ(test, tgem_userptr_lock(test->priv), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_check_locked(bo), 0);
	for (p = first; p < first + n; p++) {
		if (!up->pages[p]) {
			bad++;
			continue;
		}
		vaddr = kmap_local_page(up->pages[p]);
		for (i = 0; i < PAGE_SIZE / sizeof(u32); i++)
			if (vaddr[i] != tgem_kunit_pattern(seed, p * PAGE_SIZE +
							   i * sizeof(u32)))
				break;
		if (i < PAGE_SIZE / sizeof(u32))
			bad++;
		kunmap_local(vaddr);
	}
	tgem_userptr_unlock(test->priv);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "pages %lu..%lu: %lu differ from pattern %u",
			    first, first + n - 1, bad, seed);
}

/* What madvise(MADV_DONTNEED) does to a range: zap its PTEs. */
static void tgem_userptr_test_zap(struct kunit *test, unsigned long addr, size_t len)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma)
		zap_page_range_single(vma, addr, len, NULL);
	mmap_read_unlock(mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);
}

static int tgem_userptr_test_check(struct kunit *test, struct tgem_bo *bo)
{
	int ret;

	KUNIT_ASSERT_EQ(test, tgem_userptr_lock(test->priv), 0);
	ret = tgem_userptr_check_locked(bo);
	tgem_userptr_unlock(test->priv);
	return ret;
}

/* The kernel reaches the user's own pages, and only faults them once. */
static void tgem_userptr_validate_mirrors(struct kunit *test)
{
	const pgoff_t n = 16;
	unsigned long addr;
	struct tgem_bo *bo;
	s64 faulted;

	addr = tgem_userptr_test_mmap(test, 0, n * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, 0);
	tgem_userptr_test_fill(test, addr, 0, n, 1);
	bo = tgem_userptr_test_create(test, addr, n * PAGE_SIZE, false);

	/* Never validated: the check must say so. */
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), -EAGAIN);

	faulted = tgem_userptr_test_faulted(test);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, n);
	tgem_userptr_test_expect(test, bo, 0, n, 1);

	/* A CPU write lands in the same page: no copy anywhere. */
	tgem_userptr_test_fill(test, addr, 3, 1, 2);
	tgem_userptr_test_expect(test, bo, 3, 1, 2);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), 0);

	/* Nothing stale: nothing faulted. */
	faulted = tgem_userptr_test_faulted(test);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, 0);
}

/* A MADV_DONTNEED of one page makes that page, and only it, stale. */
static void tgem_userptr_zap_one_page(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	const pgoff_t n = 16;
	struct tgem_userptr *up;
	unsigned long addr;
	struct tgem_bo *bo;
	s64 faulted, inval;
	pgoff_t p;

	addr = tgem_userptr_test_mmap(test, 0, n * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, 0);
	tgem_userptr_test_fill(test, addr, 0, n, 3);
	bo = tgem_userptr_test_create(test, addr, n * PAGE_SIZE, false);
	up = bo->userptr;
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);

	inval = atomic64_read(&tdev->userptr.stats.pages_invalidated);
	tgem_userptr_test_zap(test, addr + 5 * PAGE_SIZE, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->userptr.stats.pages_invalidated) - inval, 1);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), -EAGAIN);

	KUNIT_ASSERT_EQ(test, tgem_userptr_lock(tdev), 0);
	KUNIT_EXPECT_EQ(test, up->stale.count, 1);
	KUNIT_EXPECT_EQ(test, tgem_userptr_ranges_pages(&up->stale), 1);
	KUNIT_EXPECT_TRUE(test, tgem_userptr_ranges_contains(&up->stale, 5));
	for (p = 0; p < n; p++)
		KUNIT_EXPECT_EQ_MSG(test, !up->pages[p], p == 5, "page %lu", p);
	tgem_userptr_unlock(tdev);

	faulted = tgem_userptr_test_faulted(test);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, 1);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), 0);

	/* The new page is a fresh zero page; the others kept their data. */
	tgem_userptr_test_expect(test, bo, 5, 1, 0);
	tgem_userptr_test_expect(test, bo, 0, 5, 3);
	tgem_userptr_test_expect(test, bo, 6, n - 6, 3);
}

/* munmap() of part of the range: first use fails until it is mapped again. */
static void tgem_userptr_munmap_hole(struct kunit *test)
{
	const pgoff_t n = 16;
	unsigned long addr, again;
	struct tgem_bo *bo;
	s64 faulted;

	addr = tgem_userptr_test_mmap(test, 0, n * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, 0);
	tgem_userptr_test_fill(test, addr, 0, n, 4);
	bo = tgem_userptr_test_create(test, addr, n * PAGE_SIZE, false);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 8 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), -EAGAIN);

	faulted = tgem_userptr_test_faulted(test);
	KUNIT_EXPECT_EQ(test, tgem_userptr_validate(bo), -EFAULT);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), -EAGAIN);
	KUNIT_EXPECT_EQ(test, tgem_userptr_ranges_pages(&bo->userptr->stale), 2);

	/* New memory in the hole: exactly the two pages are faulted. */
	again = tgem_userptr_test_mmap(test, addr + 8 * PAGE_SIZE, 2 * PAGE_SIZE,
				       PROT_READ | PROT_WRITE, MAP_FIXED);
	KUNIT_ASSERT_EQ(test, again, addr + 8 * PAGE_SIZE);
	tgem_userptr_test_fill(test, addr, 8, 2, 5);
	faulted = tgem_userptr_test_faulted(test);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, 2);
	tgem_userptr_test_expect(test, bo, 8, 2, 5);
	tgem_userptr_test_expect(test, bo, 0, 8, 4);
}

/* PROT_READ memory: only a read-only userptr can use it. */
static void tgem_userptr_read_only_memory(struct kunit *test)
{
	const pgoff_t n = 4;
	struct tgem_bo *rw, *ro;
	unsigned long addr;
	s64 faulted;

	addr = tgem_userptr_test_mmap(test, 0, n * PAGE_SIZE, PROT_READ, 0);
	rw = tgem_userptr_test_create(test, addr, n * PAGE_SIZE, false);
	ro = tgem_userptr_test_create(test, addr, n * PAGE_SIZE, true);
	KUNIT_EXPECT_TRUE(test, tgem_userptr_read_only(ro));
	KUNIT_EXPECT_FALSE(test, tgem_userptr_read_only(rw));

	faulted = tgem_userptr_test_faulted(test);
	KUNIT_EXPECT_EQ(test, tgem_userptr_validate(rw), -EFAULT);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, rw), -EAGAIN);

	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(ro), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, n);
	tgem_userptr_test_expect(test, ro, 0, n, 0);
}

#define TGEM_USERPTR_TEST_BIG	SZ_1G

/*
 * 1 GiB, read-only over populated PROT_READ memory (the zero page, so it
 * costs page tables only): after a one-page zap exactly one page is
 * faulted again; after three zaps far apart, three.
 */
static void tgem_userptr_big_sub_range(struct kunit *test)
{
	const pgoff_t n = TGEM_USERPTR_TEST_BIG >> PAGE_SHIFT;
	const pgoff_t zap[] = { 0, n / 2 + 17, n - 1 };
	unsigned long addr;
	struct tgem_bo *bo;
	s64 faulted;
	unsigned int i;

	if (tgem_userptr_max_size(test->priv) < TGEM_USERPTR_TEST_BIG)
		kunit_skip(test, "less than 1 GiB of RAM");

	addr = tgem_userptr_test_mmap(test, 0, TGEM_USERPTR_TEST_BIG, PROT_READ,
				      MAP_POPULATE | MAP_NORESERVE);
	bo = tgem_userptr_test_create(test, addr, TGEM_USERPTR_TEST_BIG, true);

	faulted = tgem_userptr_test_faulted(test);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, n);

	tgem_userptr_test_zap(test, addr + (n / 3) * PAGE_SIZE, PAGE_SIZE);
	faulted = tgem_userptr_test_faulted(test);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, 1);

	for (i = 0; i < ARRAY_SIZE(zap); i++)
		tgem_userptr_test_zap(test, addr + zap[i] * PAGE_SIZE, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, bo->userptr->stale.count, ARRAY_SIZE(zap));
	faulted = tgem_userptr_test_faulted(test);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test) - faulted, ARRAY_SIZE(zap));
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), 0);
}

struct tgem_userptr_test_fence {
	struct dma_fence base;	/* first: dma_fence_free() frees the struct */
	spinlock_t lock;	/* the fence's lock */
	struct delayed_work signal;
};

static const char *tgem_userptr_test_fence_name(struct dma_fence *fence)
{
	return "tgem_userptr_test";
}

static const struct dma_fence_ops tgem_userptr_test_fence_ops = {
	.get_driver_name = tgem_userptr_test_fence_name,
	.get_timeline_name = tgem_userptr_test_fence_name,
};

static void tgem_userptr_test_fence_signal(struct work_struct *work)
{
	struct tgem_userptr_test_fence *f =
		container_of(work, typeof(*f), signal.work);

	dma_fence_signal(&f->base);
}

static void tgem_userptr_test_fence_fini(void *data)
{
	struct tgem_userptr_test_fence *f = data;

	flush_delayed_work(&f->signal);
	dma_fence_put(&f->base);
}

#define TGEM_USERPTR_TEST_FENCE_MS	200

/* The notifier lets the mm take the pages only once the job is done. */
static void tgem_userptr_invalidate_waits(struct kunit *test)
{
	struct tgem_userptr_test_fence *f;
	struct dma_resv *resv;
	unsigned long addr;
	struct tgem_bo *bo;
	bool signalled;
	ktime_t t0;
	s64 ms;
	int ret;

	addr = tgem_userptr_test_mmap(test, 0, 4 * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, 0);
	tgem_userptr_test_fill(test, addr, 0, 4, 6);
	bo = tgem_userptr_test_create(test, addr, 4 * PAGE_SIZE, false);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &tgem_userptr_test_fence_ops, &f->lock,
		       dma_fence_context_alloc(1), 1);
	INIT_DELAYED_WORK(&f->signal, tgem_userptr_test_fence_signal);
	ret = kunit_add_action_or_reset(test, tgem_userptr_test_fence_fini, f);
	KUNIT_ASSERT_EQ(test, ret, 0);

	/* A "job" that still uses the BO: a bookkeeping fence, the weakest. */
	resv = bo->ttm.base.resv;
	KUNIT_ASSERT_EQ(test, dma_resv_lock(resv, NULL), 0);
	ret = dma_resv_reserve_fences(resv, 1);
	if (!ret)
		dma_resv_add_fence(resv, &f->base, DMA_RESV_USAGE_BOOKKEEP);
	dma_resv_unlock(resv);
	KUNIT_ASSERT_EQ(test, ret, 0);

	schedule_delayed_work(&f->signal, msecs_to_jiffies(TGEM_USERPTR_TEST_FENCE_MS));
	t0 = ktime_get();
	tgem_userptr_test_zap(test, addr, PAGE_SIZE);
	signalled = dma_fence_is_signaled(&f->base);
	ms = ktime_ms_delta(ktime_get(), t0);

	KUNIT_EXPECT_TRUE_MSG(test, signalled, "the zap returned before the fence signalled");
	KUNIT_EXPECT_GE(test, ms, TGEM_USERPTR_TEST_FENCE_MS / 2);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), -EAGAIN);
}

/* The OOM reaper's invalidations cannot block: the notifier says no. */
static void tgem_userptr_nonblockable(struct kunit *test)
{
	struct mmu_notifier_range range = {};
	unsigned long addr, seq;
	struct tgem_userptr *up;
	struct tgem_bo *bo;
	s64 inval;

	addr = tgem_userptr_test_mmap(test, 0, 4 * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, 0);
	bo = tgem_userptr_test_create(test, addr, 4 * PAGE_SIZE, false);
	up = bo->userptr;
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);

	range.mm = current->mm;
	range.start = addr;
	range.end = addr + PAGE_SIZE;
	range.event = MMU_NOTIFY_UNMAP;
	range.flags = 0;	/* not MMU_NOTIFIER_RANGE_BLOCKABLE */
	inval = tgem_userptr_test_invalidations(test);
	seq = up->notifier.invalidate_seq;

	KUNIT_EXPECT_FALSE(test, up->notifier.ops->invalidate(&up->notifier, &range,
							      seq + 2));
	KUNIT_EXPECT_EQ(test, up->notifier.invalidate_seq, seq);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_invalidations(test), inval);
	KUNIT_EXPECT_TRUE(test, tgem_userptr_ranges_empty(&up->stale));
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), 0);
}

/* TTM must never take the user's pages for its own, nor map them. */
static void tgem_userptr_ttm_keeps_out(struct kunit *test)
{
	struct drm_gem_object *obj;
	struct iosys_map map;
	unsigned long addr;
	struct tgem_bo *bo;
	struct dma_buf *buf;
	int ret;

	addr = tgem_userptr_test_mmap(test, 0, 4 * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, 0);
	bo = tgem_userptr_test_create(test, addr, 4 * PAGE_SIZE, false);
	obj = &bo->ttm.base;
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);

	KUNIT_EXPECT_TRUE(test, tgem_bo_is_userptr(bo));
	KUNIT_EXPECT_EQ(test, bo->ttm.type, ttm_bo_type_device);
	KUNIT_EXPECT_EQ(test, bo->uapi_placement, DRM_TGEM_PLACEMENT_SYSTEM);
	KUNIT_EXPECT_FALSE(test, drm_mm_node_allocated(&obj->vma_node.vm_node));
	KUNIT_ASSERT_NOT_NULL(test, bo->ttm.ttm);
	KUNIT_EXPECT_TRUE(test, bo->ttm.ttm->page_flags & TTM_TT_FLAG_EXTERNAL);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(bo->ttm.ttm));

	/* A kernel mapping through TTM: refused, the tt stays unpopulated. */
	KUNIT_ASSERT_EQ(test, dma_resv_lock(obj->resv, NULL), 0);
	ret = tgem_bo_kmap_local_page_locked(bo, 0, &map);
	if (!ret)
		tgem_bo_kunmap_local(bo, &map);
	dma_resv_unlock(obj->resv);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(bo->ttm.ttm));

	KUNIT_EXPECT_EQ(test, tgem_bo_migrate(bo, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_bo_migrate(bo, 0), 0);
	KUNIT_EXPECT_EQ(test, tgem_bo_region(bo), 0);

	buf = obj->funcs->export(obj, O_RDWR);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(buf), -EPERM);

	/* None of that invalidated anything. */
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_check(test, bo), 0);
}

/* Once released, the BO stops listening to the mm. */
static void tgem_userptr_release(struct kunit *test)
{
	unsigned long addr;
	struct tgem_bo *bo;
	s64 inval;

	addr = tgem_userptr_test_mmap(test, 0, 4 * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, 0);
	tgem_userptr_test_fill(test, addr, 0, 4, 7);
	bo = tgem_userptr_test_create(test, addr, 4 * PAGE_SIZE, false);
	KUNIT_ASSERT_EQ(test, tgem_userptr_validate(bo), 0);

	inval = tgem_userptr_test_invalidations(test);
	tgem_userptr_test_zap(test, addr, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_invalidations(test) - inval, 1);

	kunit_release_action(test, tgem_userptr_test_put, bo);
	tgem_userptr_flush(test->priv);

	/* KASAN would catch a notifier still using the freed BO. */
	inval = tgem_userptr_test_invalidations(test);
	tgem_userptr_test_zap(test, addr + PAGE_SIZE, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_invalidations(test), inval);
}

struct tgem_userptr_ioctl_case {
	const char *desc;
	struct drm_tgem_gem_userptr args;	/* user_ptr relative to the map */
	bool absolute;				/* user_ptr is not relative */
	int ret;
};

#define IOCTL_MAP_PAGES	8
#define IOCTL_RW	(2 * PAGE_SIZE)

static const struct tgem_userptr_ioctl_case tgem_userptr_ioctl_cases[] = {
	{ "extensions", { .extensions = 1, .user_size = IOCTL_RW }, false, -EINVAL },
	{ "unknown flag", { .flags = 1 << 2, .user_size = IOCTL_RW }, false, -EINVAL },
	{ "top flag bit", { .flags = 1u << 31, .user_size = IOCTL_RW }, false, -EINVAL },
	{ "reserved[0]", { .reserved = { 1, 0 }, .user_size = IOCTL_RW }, false, -EINVAL },
	{ "reserved[1]", { .reserved = { 0, 1 }, .user_size = IOCTL_RW }, false, -EINVAL },
	{ "zero size", { .user_size = 0 }, false, -EINVAL },
	{ "unaligned address", { .user_ptr = 8, .user_size = PAGE_SIZE }, false, -EINVAL },
	{ "unaligned size", { .user_size = PAGE_SIZE + 8 }, false, -EINVAL },
	{ "too large", { .user_size = U64_MAX & PAGE_MASK }, false, -EINVAL },
	{ "above the user address space", { .user_size = PAGE_SIZE }, true, -EFAULT },
	{ "wrapping around", { .user_ptr = -(u64)PAGE_SIZE, .user_size = 2 * PAGE_SIZE },
	  true, -EFAULT },
	{ "probe over a hole", { .user_ptr = IOCTL_RW, .user_size = IOCTL_RW,
	  .flags = DRM_TGEM_GEM_USERPTR_FLAG_PROBE }, false, -EFAULT },
	{ "probe writable over PROT_READ", { .user_ptr = 2 * IOCTL_RW,
	  .user_size = IOCTL_RW, .flags = DRM_TGEM_GEM_USERPTR_FLAG_PROBE }, false,
	  -EFAULT },
	{ "probe past the end of the map", { .user_ptr = 2 * IOCTL_RW,
	  .user_size = 3 * IOCTL_RW, .flags = DRM_TGEM_GEM_USERPTR_FLAG_PROBE |
	  DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY }, false, -EFAULT },
};

KUNIT_ARRAY_PARAM_DESC(tgem_userptr_ioctl, tgem_userptr_ioctl_cases, desc);

/*
 * Rejected arguments, checked before any handle exists (the handler gets
 * no DRM file, so a case that got that far would crash). The map: two
 * pages read-write, two unmapped, two read-only, then unmapped.
 */
static void tgem_userptr_ioctl_invalid(struct kunit *test)
{
	const struct tgem_userptr_ioctl_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_gem_userptr args = c->args, expected;
	unsigned long addr;
	s64 faulted;
	int ret;

	addr = tgem_userptr_test_mmap(test, 0, IOCTL_MAP_PAGES * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + IOCTL_RW, IOCTL_RW), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 3 * IOCTL_RW, IOCTL_RW), 0);
	KUNIT_ASSERT_EQ(test, tgem_userptr_test_mmap(test, addr + 2 * IOCTL_RW, IOCTL_RW,
						     PROT_READ, MAP_FIXED),
			addr + 2 * IOCTL_RW);

	if (!c->absolute)
		args.user_ptr += addr;
	else if (!args.user_ptr)
		args.user_ptr = TASK_SIZE_MAX & PAGE_MASK;
	args.handle = 0xdeadbeef;
	expected = args;

	faulted = tgem_userptr_test_faulted(test);
	ret = tgem_gem_userptr_ioctl(&tdev->drm, &args, NULL);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	KUNIT_EXPECT_MEMEQ(test, &args, &expected, sizeof(args));
	KUNIT_EXPECT_EQ(test, tgem_userptr_test_faulted(test), faulted);
}

static struct kunit_case tgem_userptr_cases[] = {
	KUNIT_CASE(tgem_userptr_validate_mirrors),
	KUNIT_CASE(tgem_userptr_zap_one_page),
	KUNIT_CASE(tgem_userptr_munmap_hole),
	KUNIT_CASE(tgem_userptr_read_only_memory),
	KUNIT_CASE_SLOW(tgem_userptr_big_sub_range),
	KUNIT_CASE(tgem_userptr_invalidate_waits),
	KUNIT_CASE(tgem_userptr_nonblockable),
	KUNIT_CASE(tgem_userptr_ttm_keeps_out),
	KUNIT_CASE(tgem_userptr_release),
	KUNIT_CASE_PARAM(tgem_userptr_ioctl_invalid, tgem_userptr_ioctl_gen_params),
	{}
};

static struct kunit_suite tgem_userptr_suite = {
	.name = "tgem_userptr",
	.init = tgem_userptr_test_init,
	.test_cases = tgem_userptr_cases,
};

kunit_test_suite(tgem_userptr_suite);
