// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_kmap: the short-term mapping API (tgem_bo_held(),
 * tgem_bo_kmap_local_page_locked(), tgem_bo_kunmap_local(),
 * tgem_bo_access_locked()) on system BOs and on VRAM BOs. Each function
 * is only ever called with the BO's dma_resv held, as its contract says.
 *
 * The system cases run on a device without VRAM; the VRAM cases on the
 * ivshmem BAR (tgem_kunit_vram_device_create()) and skip without it.
 *
 * The removal cases unplug and remove a device the way unbinding does
 * (drm_dev_unplug(), then the parent's devres), in a kthread, while the
 * test holds a VRAM mapping: a removal waits for its own device's
 * mappings, and only for those. Two devices with VRAM share the ivshmem
 * BAR, each on its own half.
 */

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/pci.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_kmap.h"

#define TGEM_KMAP_PAGES		4
#define TGEM_KMAP_SIZE		(TGEM_KMAP_PAGES * PAGE_SIZE)
#define TGEM_KMAP_SEED		0x4b4d
#define TGEM_KMAP_MARK		0x600dcafe
#define TGEM_KMAP_MARK2		0x0badf00d
#define TGEM_KMAP_BYTE		0x5a

#define TGEM_KMAP_VRAM_SYSTEM	(DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM)

struct tgem_kmap_region_case {
	const char *desc;
	bool vram;
};

static const struct tgem_kmap_region_case tgem_kmap_region_cases[] = {
	{ .desc = "system", .vram = false },
	{ .desc = "vram", .vram = true },
};

KUNIT_ARRAY_PARAM_DESC(tgem_kmap_region, tgem_kmap_region_cases, desc);

/* A device and a BO of TGEM_KMAP_PAGES holding TGEM_KMAP_SEED, in VRAM or not. */
static struct tgem_bo *tgem_kmap_bo_create(struct kunit *test, bool vram)
{
	struct tgem_device *tdev;
	struct tgem_bo *bo;

	if (vram)
		tdev = tgem_kunit_vram_device_create(test);
	else
		tdev = tgem_kunit_device_create(test);

	/* A VRAM BO may be evicted to system memory: see tgem_kunit_bo_evict(). */
	bo = tgem_kunit_bo_create(test, tdev, TGEM_KMAP_SIZE,
				  vram ? TGEM_KMAP_VRAM_SYSTEM :
					 DRM_TGEM_PLACEMENT_SYSTEM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo),
			vram ? TTM_PL_VRAM : TTM_PL_SYSTEM);
	tgem_kunit_bo_fill(test, bo, TGEM_KMAP_SEED);

	return bo;
}

/* What tgem_kunit_bo_fill() wrote, as bytes, for comparing with memcmp(). */
static u8 *tgem_kmap_image(struct kunit *test, size_t size, u32 seed)
{
	u32 *image;
	size_t i;

	image = kunit_kmalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, image);
	for (i = 0; i < size / sizeof(u32); i++)
		image[i] = tgem_kunit_pattern(seed, i * sizeof(u32));
	return (u8 *)image;
}

static int tgem_kmap_access(struct tgem_bo *bo, u64 offset, void *buf,
			    size_t len, bool write)
{
	int ret;

	ret = dma_resv_lock(bo->ttm.base.resv, NULL);
	if (ret)
		return ret;
	ret = tgem_bo_access_locked(bo, offset, buf, len, write);
	dma_resv_unlock(bo->ttm.base.resv);
	return ret;
}

/* The whole BO reads back as @image; report the first byte that does not. */
static void tgem_kmap_expect_image(struct kunit *test, struct tgem_bo *bo,
				   const u8 *image)
{
	size_t size = bo->ttm.base.size, i;
	u8 *buf;
	int ret;

	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	ret = tgem_kmap_access(bo, 0, buf, size, false);
	KUNIT_ASSERT_EQ(test, ret, 0);

	for (i = 0; i < size && buf[i] == image[i]; i++)
		;
	KUNIT_EXPECT_EQ_MSG(test, i, size, "byte %#zx is %#x, not %#x",
			    i, i < size ? buf[i] : 0, i < size ? image[i] : 0);
}

struct tgem_kmap_range_case {
	const char *desc;
	u64 offset;
	size_t len;
};

static const struct tgem_kmap_range_case tgem_kmap_range_cases[] = {
	{ "first byte", 0, 1 },
	{ "two bytes across a page boundary", PAGE_SIZE - 1, 2 },
	{ "odd range over three pages", PAGE_SIZE - 3, PAGE_SIZE + 7 },
	{ "byte 1 to one before the end", 1, TGEM_KMAP_SIZE - 2 },
	{ "unaligned to the end", 3 * PAGE_SIZE + 100, PAGE_SIZE - 100 },
	{ "whole BO", 0, TGEM_KMAP_SIZE },
};

KUNIT_ARRAY_PARAM_DESC(tgem_kmap_range, tgem_kmap_range_cases, desc);

/*
 * Bytes written at an unaligned range read back the same, and the rest of
 * the BO keeps what it held: nothing is written past either end of the
 * range, whichever pages it crosses. Nothing is left behind that keeps
 * the BO in place: it can be evicted from VRAM afterwards, or stays on
 * its LRU list in system memory, and its data goes with it.
 */
static void tgem_kmap_round_trip(struct kunit *test, bool vram)
{
	const struct tgem_kmap_range_case *c = test->param_value;
	u8 *data, *back, *image;
	struct tgem_bo *bo;
	size_t i;
	int ret;

	bo = tgem_kmap_bo_create(test, vram);

	data = kunit_kmalloc(test, c->len, GFP_KERNEL);
	back = kunit_kzalloc(test, c->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_ASSERT_NOT_NULL(test, back);
	for (i = 0; i < c->len; i++)
		data[i] = i * 37 + 11;

	ret = tgem_kmap_access(bo, c->offset, data, c->len, true);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = tgem_kmap_access(bo, c->offset, back, c->len, false);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_MEMEQ(test, back, data, c->len);

	image = tgem_kmap_image(test, TGEM_KMAP_SIZE, TGEM_KMAP_SEED);
	memcpy(image + c->offset, data, c->len);
	tgem_kmap_expect_image(test, bo, image);

	tgem_kunit_bo_evict(test, bo);
	tgem_kmap_expect_image(test, bo, image);
}

static void tgem_kmap_round_trip_system(struct kunit *test)
{
	tgem_kmap_round_trip(test, false);
}

static void tgem_kmap_round_trip_vram(struct kunit *test)
{
	tgem_kmap_round_trip(test, true);
}

/*
 * A range that does not fit inside the BO, including ones whose end
 * overflows, is refused with -EINVAL before anything is copied; so is a
 * page past the end. An empty range at the very end is fine.
 */
static void tgem_kmap_out_of_range(struct kunit *test)
{
	const struct tgem_kmap_region_case *c = test->param_value;
	static const struct {
		u64 offset;
		size_t len;
	} bad[] = {
		{ TGEM_KMAP_SIZE, 1 },
		{ TGEM_KMAP_SIZE - 1, 2 },
		{ 0, TGEM_KMAP_SIZE + 1 },
		{ TGEM_KMAP_SIZE + PAGE_SIZE, 0 },
		{ U64_MAX, 1 },
		{ PAGE_SIZE, SIZE_MAX },
		{ U64_MAX - PAGE_SIZE + 1, PAGE_SIZE },
	};
	int ret[ARRAY_SIZE(bad)], end_ret, empty_ret, page_ret, far_ret;
	struct iosys_map map;
	struct tgem_bo *bo;
	unsigned int i;
	u8 *buf;

	bo = tgem_kmap_bo_create(test, c->vram);
	/* Big enough for any length a wrong check could let through here. */
	buf = kunit_kmalloc(test, 2 * TGEM_KMAP_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0xa5, 2 * TGEM_KMAP_SIZE);

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ret[i] = tgem_bo_access_locked(bo, bad[i].offset, buf, bad[i].len, true);
	end_ret = tgem_bo_access_locked(bo, TGEM_KMAP_SIZE, buf, 0, true);
	empty_ret = tgem_bo_access_locked(bo, 0, buf, 0, false);
	page_ret = tgem_bo_kmap_local_page_locked(bo, TGEM_KMAP_PAGES, &map);
	far_ret = tgem_bo_kmap_local_page_locked(bo, ULONG_MAX, &map);
	dma_resv_unlock(bo->ttm.base.resv);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, ret[i], -EINVAL, "offset %#llx, length %#zx",
				    bad[i].offset, bad[i].len);
	KUNIT_EXPECT_EQ(test, end_ret, 0);
	KUNIT_EXPECT_EQ(test, empty_ret, 0);
	KUNIT_EXPECT_EQ(test, page_ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, far_ret, -EINVAL);

	tgem_kunit_bo_expect(test, bo, TGEM_KMAP_SEED);
}

/*
 * Two pages mapped at once, undone in reverse order, each write lands in
 * its own page.
 */
static void tgem_kmap_two_at_once(struct kunit *test)
{
	const struct tgem_kmap_region_case *c = test->param_value;
	bool first_iomem = false, last_iomem = false;
	struct iosys_map first, last;
	int ret_first, ret_last = 0;
	struct tgem_bo *bo;
	u8 *image;

	bo = tgem_kmap_bo_create(test, c->vram);

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	ret_first = tgem_bo_kmap_local_page_locked(bo, 0, &first);
	if (!ret_first) {
		first_iomem = first.is_iomem;
		ret_last = tgem_bo_kmap_local_page_locked(bo, TGEM_KMAP_PAGES - 1, &last);
		if (!ret_last) {
			last_iomem = last.is_iomem;
			iosys_map_wr(&first, 4, u32, TGEM_KMAP_MARK);
			iosys_map_wr(&last, PAGE_SIZE - 4, u32, TGEM_KMAP_MARK2);
			tgem_bo_kunmap_local(bo, &last);
		}
		tgem_bo_kunmap_local(bo, &first);
	}
	dma_resv_unlock(bo->ttm.base.resv);
	KUNIT_ASSERT_EQ(test, ret_first, 0);
	KUNIT_ASSERT_EQ(test, ret_last, 0);

	KUNIT_EXPECT_EQ(test, first_iomem, c->vram);
	KUNIT_EXPECT_EQ(test, last_iomem, c->vram);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_null(&first));
	KUNIT_EXPECT_TRUE(test, iosys_map_is_null(&last));

	image = tgem_kmap_image(test, TGEM_KMAP_SIZE, TGEM_KMAP_SEED);
	*(u32 *)(image + 4) = TGEM_KMAP_MARK;
	*(u32 *)(image + TGEM_KMAP_SIZE - 4) = TGEM_KMAP_MARK2;
	tgem_kmap_expect_image(test, bo, image);
}

/*
 * Mapping a system BO that has no pages yet gives it its pages, zeroed,
 * and accounts for them. The BO stays evictable (on its LRU list, not
 * pinned) afterwards, and mapping it again brings the same bytes back.
 */
static void tgem_kmap_populates(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	u8 buf[16];
	struct tgem_bo *bo;
	int ret;

	bo = tgem_kunit_bo_create(test, tdev, TGEM_KMAP_SIZE,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	KUNIT_ASSERT_NOT_NULL(test, bo->ttm.ttm);
	KUNIT_ASSERT_FALSE(test, ttm_tt_is_populated(bo->ttm.ttm));
	KUNIT_ASSERT_EQ(test, atomic64_read(&tdev->mem.sys_pages), 0);

	memset(buf, 0xa5, sizeof(buf));
	ret = tgem_kmap_access(bo, PAGE_SIZE - 5, buf, sizeof(buf), false);
	KUNIT_ASSERT_EQ(test, ret, 0);

	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, sizeof(buf)));
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_populated(bo->ttm.ttm));
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->mem.sys_pages), TGEM_KMAP_PAGES);

	memset(buf, TGEM_KMAP_BYTE, sizeof(buf));
	ret = tgem_kmap_access(bo, PAGE_SIZE - 5, buf, sizeof(buf), true);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* Unpinned, and still holding its pages: TTM never swaps them. */
	tgem_kunit_bo_evict(test, bo);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_populated(bo->ttm.ttm));
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->mem.sys_pages), TGEM_KMAP_PAGES);

	memset(buf, 0, sizeof(buf));
	ret = tgem_kmap_access(bo, PAGE_SIZE - 5, buf, sizeof(buf), false);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, TGEM_KMAP_BYTE, sizeof(buf)));
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->mem.sys_pages), TGEM_KMAP_PAGES);
}

/*
 * A mapping leaves nothing behind: once the lock is dropped the BO can be
 * evicted from VRAM, mapped in system memory, found unpinned on its LRU
 * list and migrated back, and what was written through the mappings moves
 * with it.
 */
static void tgem_kmap_unpinned(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);
	bool iomem = false, cleared = false;
	struct iosys_map map;
	struct tgem_bo *bo;
	u8 *image;
	int ret;

	bo = tgem_kunit_bo_create(test, tdev, TGEM_KMAP_SIZE, TGEM_KMAP_VRAM_SYSTEM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_kunit_bo_fill(test, bo, TGEM_KMAP_SEED);
	image = tgem_kmap_image(test, TGEM_KMAP_SIZE, TGEM_KMAP_SEED);

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	ret = tgem_bo_kmap_local_page_locked(bo, 2, &map);
	if (!ret) {
		iomem = map.is_iomem;
		iosys_map_wr(&map, 8, u32, TGEM_KMAP_MARK);
		tgem_bo_kunmap_local(bo, &map);
		cleared = iosys_map_is_null(&map);
	}
	dma_resv_unlock(bo->ttm.base.resv);

	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, iomem);
	KUNIT_EXPECT_TRUE(test, cleared);
	*(u32 *)(image + 2 * PAGE_SIZE + 8) = TGEM_KMAP_MARK;

	/* Another BO needs all of VRAM: this one is evicted. */
	tgem_kunit_bo_evict(test, bo);
	tgem_kmap_expect_image(test, bo, image);

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	ret = tgem_bo_kmap_local_page_locked(bo, 3, &map);
	if (!ret) {
		iomem = map.is_iomem;
		iosys_map_wr(&map, 0, u32, TGEM_KMAP_MARK2);
		tgem_bo_kunmap_local(bo, &map);
	}
	dma_resv_unlock(bo->ttm.base.resv);

	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_FALSE(test, iomem);
	*(u32 *)(image + 3 * PAGE_SIZE) = TGEM_KMAP_MARK2;

	/* What TTM does past its page limit: the pages out to shmem. */
	tgem_kunit_bo_evict(test, bo);

	KUNIT_ASSERT_EQ(test, tgem_bo_migrate(bo, 1), 0);
	KUNIT_EXPECT_EQ(test, tgem_kunit_bo_mem_type(test, bo), TTM_PL_VRAM);
	tgem_kmap_expect_image(test, bo, image);
}

/* tgem_bo_held() follows this task's own lock and unlock. */
static void tgem_kmap_held_by_self(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct tgem_bo *bo;
	bool held;

	bo = tgem_kunit_bo_create(test, tdev, PAGE_SIZE, DRM_TGEM_PLACEMENT_SYSTEM, 0);

	KUNIT_EXPECT_FALSE(test, tgem_bo_held(bo));
	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	held = tgem_bo_held(bo);
	dma_resv_unlock(bo->ttm.base.resv);
	KUNIT_EXPECT_TRUE(test, held);
	KUNIT_EXPECT_FALSE(test, tgem_bo_held(bo));
}

/* A kthread that holds a dma_resv until told to let go. */
struct tgem_kmap_holder {
	struct dma_resv *resv;
	struct task_struct *task;
	struct completion locked;
	struct completion release;
};

static int tgem_kmap_holder_fn(void *arg)
{
	struct tgem_kmap_holder *h = arg;

	dma_resv_lock(h->resv, NULL);
	complete(&h->locked);
	wait_for_completion(&h->release);
	dma_resv_unlock(h->resv);
	return 0;
}

static void tgem_kmap_holder_stop(void *arg)
{
	struct tgem_kmap_holder *h = arg;

	complete(&h->release);
	kthread_stop(h->task);
	put_task_struct(h->task);
}

/*
 * While another task holds the dma_resv, the lock is taken, but not by
 * this task: tgem_bo_held() says no where dma_resv_is_locked() says yes.
 * That is what keeps a caller that forgot the lock from mapping a BO that
 * someone else is moving.
 */
static void tgem_kmap_held_by_other(struct kunit *test)
{
	struct tgem_device *tdev;
	struct tgem_kmap_holder *h;
	struct tgem_bo *bo;
	unsigned long left;
	int ret;

	if (!IS_ENABLED(CONFIG_LOCKDEP))
		kunit_skip(test, "tgem_bo_held() needs lockdep to tell which task holds a lock");

	tdev = tgem_kunit_device_create(test);
	bo = tgem_kunit_bo_create(test, tdev, PAGE_SIZE, DRM_TGEM_PLACEMENT_SYSTEM, 0);

	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->resv = bo->ttm.base.resv;
	init_completion(&h->locked);
	init_completion(&h->release);

	h->task = kthread_create(tgem_kmap_holder_fn, h, "tgem-kunit-holder");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h->task);
	get_task_struct(h->task);
	/* Registered after the BO: the lock is released before the BO is put. */
	ret = kunit_add_action_or_reset(test, tgem_kmap_holder_stop, h);
	KUNIT_ASSERT_EQ(test, ret, 0);
	wake_up_process(h->task);

	left = wait_for_completion_timeout(&h->locked, 30 * HZ);
	KUNIT_ASSERT_NE_MSG(test, left, 0, "the holder never took the lock");

	KUNIT_EXPECT_TRUE(test, dma_resv_is_locked(h->resv));
	KUNIT_EXPECT_FALSE(test, tgem_bo_held(bo));

	kunit_release_action(test, tgem_kmap_holder_stop, h);
	KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(h->resv));
	KUNIT_EXPECT_FALSE(test, tgem_bo_held(bo));
}

/* --- removal of a device while a VRAM mapping is held ------------------ */

/* A removal that waits for nothing is done well within this. */
#define TGEM_KMAP_REMOVE_TIMEOUT	(10 * HZ)
/* How long a removal that must wait is watched to still be waiting. */
#define TGEM_KMAP_REMOVE_WATCH		HZ

/*
 * Two tgem devices with VRAM, each on its own KUnit parent device and on
 * its own half of the ivshmem BAR, so neither maps the other's memory.
 * tgem_kunit_vram_device_create() gives one device the whole BAR. The
 * test end removes the devices (unless the test did), then gives the BAR
 * back.
 */
static void tgem_kmap_vram_pair_create(struct kunit *test,
				       struct tgem_device *tdevs[2])
{
	static const char * const names[] = { "tgem-kunit-vram-a", "tgem-kunit-vram-b" };
	struct tgem_vram_desc vram;
	resource_size_t half;
	struct device *parent;
	struct pci_dev *pdev;
	unsigned int i;

	pdev = tgem_kunit_ivshmem_claim(test);
	half = round_down(pci_resource_len(pdev, TGEM_KUNIT_IVSHMEM_BAR) / 2, PAGE_SIZE);
	KUNIT_ASSERT_GE(test, (u64)half, (u64)TGEM_KMAP_SIZE);

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		parent = kunit_device_register(test, names[i]);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);
		vram.base = pci_resource_start(pdev, TGEM_KUNIT_IVSHMEM_BAR) + i * half;
		vram.size = half;
		tdevs[i] = tgem_device_create(parent, &vram);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tdevs[i]);
		KUNIT_ASSERT_TRUE(test, tgem_device_has_vram(tdevs[i]));
	}
}

struct tgem_kmap_hold_case {
	const char *desc;
	bool vmap;
};

static const struct tgem_kmap_hold_case tgem_kmap_hold_cases[] = {
	{ .desc = "short-term page mapping", .vmap = false },
	{ .desc = "dma-buf vmap", .vmap = true },
};

KUNIT_ARRAY_PARAM_DESC(tgem_kmap_hold, tgem_kmap_hold_cases, desc);

/*
 * A mapping of a VRAM BO that the test holds: a page mapped with
 * tgem_bo_kmap_local_page_locked(), the BO's dma_resv held until it is
 * undone; or an importer's vmap of the BO's dma-buf.
 */
struct tgem_kmap_held {
	struct tgem_bo *bo;
	struct dma_buf *dmabuf;
	struct iosys_map map;
};

/* Drop a dma-buf and let its release run now, not on a later fput. */
static void tgem_kmap_dmabuf_put(void *dmabuf)
{
	dma_buf_put(dmabuf);
	flush_delayed_fput();
}

/*
 * A contiguous VRAM BO on @tdev, and for @vmap its dma-buf, which the
 * test end drops before the BO.
 */
static void tgem_kmap_held_create(struct kunit *test, struct tgem_kmap_held *h,
				  struct tgem_device *tdev, bool vmap)
{
	struct drm_gem_object *obj;
	int ret;

	memset(h, 0, sizeof(*h));
	h->bo = tgem_kunit_bo_create(test, tdev, TGEM_KMAP_SIZE,
				     DRM_TGEM_PLACEMENT_VRAM,
				     DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, h->bo), TTM_PL_VRAM);
	if (!vmap)
		return;

	obj = &h->bo->ttm.base;
	h->dmabuf = obj->funcs->export(obj, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h->dmabuf);
	ret = kunit_add_action_or_reset(test, tgem_kmap_dmabuf_put, h->dmabuf);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

/* Map the BO's VRAM and hold it; on failure nothing is held. */
static int tgem_kmap_hold(struct tgem_kmap_held *h)
{
	struct dma_resv *resv = h->bo->ttm.base.resv;
	int ret;

	if (h->dmabuf)
		return dma_buf_vmap_unlocked(h->dmabuf, &h->map);

	ret = dma_resv_lock(resv, NULL);
	if (ret)
		return ret;
	ret = tgem_bo_kmap_local_page_locked(h->bo, 0, &h->map);
	if (ret)
		dma_resv_unlock(resv);
	return ret;
}

static void tgem_kmap_unhold(struct tgem_kmap_held *h)
{
	if (h->dmabuf) {
		dma_buf_vunmap_unlocked(h->dmabuf, &h->map);
		return;
	}
	tgem_bo_kunmap_local(h->bo, &h->map);
	dma_resv_unlock(h->bo->ttm.base.resv);
}

/* Removes a device as unbinding its driver does, in a kthread. */
struct tgem_kmap_remover {
	struct kunit *test;
	struct tgem_device *tdev;
	struct task_struct *task;
	struct completion done;
};

static int tgem_kmap_remover_fn(void *arg)
{
	struct tgem_kmap_remover *r = arg;

	/* What remove() does, then the parent's devres, as at unbind. */
	drm_dev_unplug(&r->tdev->drm);
	kunit_device_unregister(r->test, r->tdev->drm.dev);
	/* For every wait: the test and tgem_kmap_remover_join() both wait. */
	complete_all(&r->done);
	return 0;
}

/* Make the kthread, not started yet. Return: 0 or a negative errno. */
static int tgem_kmap_remover_init(struct tgem_kmap_remover *r,
				  struct kunit *test, struct tgem_device *tdev)
{
	r->test = test;
	r->tdev = tdev;
	init_completion(&r->done);
	r->task = kthread_create(tgem_kmap_remover_fn, r, "tgem-kunit-remove");
	if (IS_ERR(r->task))
		return PTR_ERR(r->task);
	get_task_struct(r->task);
	return 0;
}

/*
 * Wait for the removal to finish. Whatever it was waiting for must be
 * gone by now; if it still waits after TGEM_KMAP_REMOVE_TIMEOUT, a VRAM
 * mapping was not uncounted: say so, and release it by hand, so that the
 * suite goes on instead of hanging.
 */
static void tgem_kmap_remover_join(struct kunit *test, struct tgem_kmap_remover *r)
{
	struct tgem_device *tdev = r->tdev;

	if (!wait_for_completion_timeout(&r->done, TGEM_KMAP_REMOVE_TIMEOUT)) {
		KUNIT_FAIL(test, "the removal still waits with no VRAM mapping held (count %d)",
			   atomic_read(&tdev->vram.kmaps));
		atomic_set(&tdev->vram.kmaps, 0);
		wake_up_var(&tdev->vram.kmaps);
		wait_for_completion(&r->done);
	}
	kthread_stop(r->task);
	put_task_struct(r->task);
}

/*
 * Removing a device waits for a VRAM mapping of its own, before the BAR
 * is released: the removal is still under way while the mapping is held
 * (and the mapping stays usable), and finishes once it is undone. Only
 * the device's own count says so: it is 1 while the mapping is held, 0
 * after.
 *
 * Waiting for the removal with the mapping held is what the locking rules
 * forbid; the test only watches it for TGEM_KMAP_REMOVE_WATCH.
 */
static void tgem_kmap_removal_waits_for_own(struct kunit *test)
{
	const struct tgem_kmap_hold_case *c = test->param_value;
	int count_held, count_after, ret;
	unsigned long watched, left;
	struct tgem_kmap_remover r;
	struct tgem_kmap_held h;
	struct tgem_device *tdev;
	bool unplugged;
	u32 word;

	tdev = tgem_kunit_vram_device_create(test);
	tgem_kmap_held_create(test, &h, tdev, c->vmap);
	tgem_kunit_bo_fill(test, h.bo, TGEM_KMAP_SEED);

	ret = tgem_kmap_hold(&h);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, h.map.is_iomem);
	ret = tgem_kmap_remover_init(&r, test, tdev);
	if (ret)
		tgem_kmap_unhold(&h);
	KUNIT_ASSERT_EQ(test, ret, 0);

	/*
	 * The BO outlives the removal, which drops the parent's reference
	 * to the DRM device: keep one until the BO is put.
	 */
	drm_dev_get(&tdev->drm);
	wake_up_process(r.task);

	/* No assertion from here until the removal is over. */
	watched = wait_for_completion_timeout(&r.done, TGEM_KMAP_REMOVE_WATCH);
	unplugged = drm_dev_is_unplugged(&tdev->drm);
	count_held = atomic_read(&tdev->vram.kmaps);
	/* The BAR is still there to read through the mapping. */
	word = iosys_map_rd(&h.map, 0, u32);

	tgem_kmap_unhold(&h);
	left = wait_for_completion_timeout(&r.done, TGEM_KMAP_REMOVE_TIMEOUT);
	tgem_kmap_remover_join(test, &r);
	count_after = atomic_read(&tdev->vram.kmaps);

	if (h.dmabuf)
		kunit_release_action(test, tgem_kmap_dmabuf_put, h.dmabuf);
	tgem_kunit_bo_put(test, h.bo);
	drm_dev_put(&tdev->drm);

	KUNIT_EXPECT_EQ_MSG(test, watched, 0,
			    "the removal did not wait for the device's own VRAM mapping");
	KUNIT_EXPECT_TRUE(test, unplugged);
	KUNIT_EXPECT_EQ(test, count_held, 1);
	KUNIT_EXPECT_EQ(test, word, tgem_kunit_pattern(TGEM_KMAP_SEED, 0));
	KUNIT_EXPECT_NE_MSG(test, left, 0, "the removal did not go on after the unmap");
	KUNIT_EXPECT_EQ(test, count_after, 0);
}

/*
 * Removing a device does not wait for another device's VRAM mapping: with
 * a mapping held on device A, the removal of device B finishes at once,
 * A's count still holds the mapping, B's removal left A alone, and A maps
 * its VRAM again once the mapping is undone. (With a count shared by the
 * devices, B's removal would wait until the unmap; it is given
 * TGEM_KMAP_REMOVE_TIMEOUT, then the mapping is undone so it can finish.)
 */
static void tgem_kmap_removal_ignores_other_device(struct kunit *test)
{
	const struct tgem_kmap_hold_case *c = test->param_value;
	int count_held, count_after, again, ret;
	struct tgem_device *tdevs[2], *a, *b;
	struct tgem_kmap_remover r;
	struct tgem_kmap_held h;
	bool a_unplugged;
	unsigned long left;

	tgem_kmap_vram_pair_create(test, tdevs);
	a = tdevs[0];
	b = tdevs[1];
	tgem_kmap_held_create(test, &h, a, c->vmap);

	ret = tgem_kmap_hold(&h);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, h.map.is_iomem);
	ret = tgem_kmap_remover_init(&r, test, b);
	if (ret)
		tgem_kmap_unhold(&h);
	KUNIT_ASSERT_EQ(test, ret, 0);
	wake_up_process(r.task);

	/* No assertion from here until the removal is over. */
	left = wait_for_completion_timeout(&r.done, TGEM_KMAP_REMOVE_TIMEOUT);
	count_held = atomic_read(&a->vram.kmaps);
	a_unplugged = drm_dev_is_unplugged(&a->drm);
	tgem_kmap_unhold(&h);
	tgem_kmap_remover_join(test, &r);
	count_after = atomic_read(&a->vram.kmaps);

	KUNIT_EXPECT_NE_MSG(test, left, 0,
			    "removing device B waited for device A's VRAM mapping");
	KUNIT_EXPECT_EQ(test, count_held, 1);
	KUNIT_EXPECT_FALSE(test, a_unplugged);
	KUNIT_EXPECT_EQ(test, count_after, 0);

	again = tgem_kmap_hold(&h);
	if (!again)
		tgem_kmap_unhold(&h);
	KUNIT_EXPECT_EQ(test, again, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->vram.kmaps), 0);
}

static struct kunit_case tgem_kmap_tests[] = {
	KUNIT_CASE_PARAM(tgem_kmap_round_trip_system, tgem_kmap_range_gen_params),
	KUNIT_CASE_PARAM(tgem_kmap_round_trip_vram, tgem_kmap_range_gen_params),
	KUNIT_CASE_PARAM(tgem_kmap_out_of_range, tgem_kmap_region_gen_params),
	KUNIT_CASE_PARAM(tgem_kmap_two_at_once, tgem_kmap_region_gen_params),
	KUNIT_CASE(tgem_kmap_populates),
	KUNIT_CASE(tgem_kmap_unpinned),
	KUNIT_CASE(tgem_kmap_held_by_self),
	KUNIT_CASE(tgem_kmap_held_by_other),
	KUNIT_CASE_PARAM(tgem_kmap_removal_waits_for_own, tgem_kmap_hold_gen_params),
	KUNIT_CASE_PARAM(tgem_kmap_removal_ignores_other_device, tgem_kmap_hold_gen_params),
	{}
};

static struct kunit_suite tgem_kmap_suite = {
	.name = "tgem_kmap",
	.test_cases = tgem_kmap_tests,
};

kunit_test_suite(tgem_kmap_suite);

MODULE_IMPORT_NS(DMA_BUF);
