// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: KUnit helpers
 *
 * Fixtures shared by the tgem suites. Every object they create is released
 * by a KUnit action, so a test that stops at a failed assertion leaks
 * nothing. Actions run in reverse order of registration: the BOs of a test
 * are put before its device goes away.
 *
 * The device is a &struct tgem_device on a KUnit-managed parent device. It
 * is never registered with the DRM core, so no file or node exists; the
 * suites call the driver's functions and ioctl handlers directly.
 *
 * The VRAM suites need real iomem: the BAR 2 (RAM) of a QEMU
 * ``ivshmem-plain`` PCI device, on which tgem_kunit_vram_device_create()
 * puts a test device of its own. If tgem's PCI driver is bound to the
 * device, as it is when tgem is built in and kunit.py boots with the
 * device, each VRAM test releases the driver first and attaches it again
 * when the test ends, whether it passed, failed an assertion or skipped.
 * In the test VM the guest unbinds tgem once before loading the KUnit
 * module, so nothing is released there. The VRAM tests are skipped without
 * the device, or while a driver other than tgem is bound to it: that one
 * is not the tests' to take.
 *
 * Data checks use a position-dependent pattern (tgem_kunit_pattern()), so a
 * page copied to the wrong place, or not at all, shows. The helpers that
 * read or write a BO take its dma_resv with dma_resv_lock(), never with
 * ttm_bo_reserve(): unreserving moves a BO to the tail of its LRU list, and
 * the eviction suite depends on the LRU order it sets up.
 */

#include <linux/atomic.h>
#include <linux/container_of.h>
#include <linux/device.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/gpu_buddy.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <drm/drm_mm.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_drv.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_kmap.h"
#include "ttm/tgem_vram_mgr.h"

/**
 * tgem_kunit_device_create() - Create a tgem device for one test
 * @test: the test that owns the device
 *
 * Registers a KUnit device named "tgem-kunit" and creates an unregistered
 * tgem device on it. When the test ends, KUnit unregisters the parent; its
 * devres drops the DRM device, whose drmm actions tear TTM down.
 *
 * Context: Process context; may sleep. Fails and aborts @test if the
 * device cannot be created.
 * Return: the device, valid until the end of @test.
 */
struct tgem_device *tgem_kunit_device_create(struct kunit *test)
{
	struct tgem_device *tdev;
	struct device *parent;

	parent = kunit_device_register(test, "tgem-kunit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);

	tdev = tgem_device_create(parent, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tdev);

	return tdev;
}

static void tgem_kunit_bo_put_action(void *bo)
{
	tgem_bo_put(bo);
}

/**
 * tgem_kunit_bo_create() - Create a BO that the test end puts
 * @test: the test that owns the BO
 * @tdev: the device
 * @size: size in bytes
 * @placement: mask of %DRM_TGEM_PLACEMENT_* bits
 * @flags: mask of %DRM_TGEM_GEM_CREATE_FLAG_* bits
 *
 * Calls tgem_bo_create() and registers a KUnit action that drops the
 * reference it returned. Use tgem_kunit_bo_put() to drop it earlier.
 *
 * Context: Process context; may sleep. Fails and aborts @test if
 * tgem_bo_create() fails.
 * Return: the BO, holding one GEM reference owned by @test.
 */
struct tgem_bo *tgem_kunit_bo_create(struct kunit *test,
				     struct tgem_device *tdev, u64 size,
				     u32 placement, u32 flags)
{
	struct tgem_bo *bo;
	int ret;

	bo = tgem_bo_create(tdev, size, placement, flags);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bo);

	ret = kunit_add_action_or_reset(test, tgem_kunit_bo_put_action, bo);
	KUNIT_ASSERT_EQ(test, ret, 0);

	return bo;
}

/**
 * tgem_kunit_bo_put() - Drop a BO's test reference now
 * @test: the test that owns the BO
 * @bo: a BO from tgem_kunit_bo_create(); must be idle
 *
 * Runs the put that tgem_kunit_bo_create() deferred to the end of @test,
 * then waits for TTM's delayed-delete work. TTM defers the destruction of
 * a BO that is busy, or whose pages must be cleared on free
 * (init_on_free); after this returns, a BO that had no other reference is
 * gone, its mmap offset removed and its pages freed.
 *
 * Context: Process context; may sleep.
 */
void tgem_kunit_bo_put(struct kunit *test, struct tgem_bo *bo)
{
	struct ttm_device *bdev = bo->ttm.bdev;

	kunit_release_action(test, tgem_kunit_bo_put_action, bo);
	flush_workqueue(bdev->wq);
}

/**
 * tgem_kunit_bo_populate() - Give a system-memory BO its pages
 * @test: the running test
 * @bo: the BO
 *
 * Does what a first CPU fault does to the backing store: populates the
 * BO's &struct ttm_tt under its dma_resv lock.
 *
 * Context: Process context; may sleep. Takes and releases the BO's
 * dma_resv lock. Fails and aborts @test if the BO has no &struct ttm_tt
 * or populating fails.
 */
void tgem_kunit_bo_populate(struct kunit *test, struct tgem_bo *bo)
{
	struct ttm_operation_ctx ctx = { .interruptible = false };
	struct ttm_buffer_object *tbo = &bo->ttm;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, tbo->ttm);

	ret = dma_resv_lock(tbo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = ttm_tt_populate(tbo->bdev, tbo->ttm, &ctx);
	dma_resv_unlock(tbo->base.resv);

	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_TRUE(test, ttm_tt_is_populated(tbo->ttm));
}

/**
 * tgem_kunit_has_mmap_offsets() - Whether any fake mmap offset is in use
 * @tdev: the device
 *
 * Each live tgem BO holds one node in the device's mmap offset manager,
 * so on a fresh device this tells whether any BO (or a leftover of a
 * failed creation) still exists.
 *
 * Context: Any context that may take a rwlock for reading.
 * Return: true if the offset manager of @tdev holds at least one node.
 */
bool tgem_kunit_has_mmap_offsets(struct tgem_device *tdev)
{
	struct drm_vma_offset_manager *mgr = tdev->drm.vma_offset_manager;
	bool clean;

	drm_vma_offset_lock_lookup(mgr);
	clean = drm_mm_clean(&mgr->vm_addr_space_mm);
	drm_vma_offset_unlock_lookup(mgr);

	return !clean;
}

struct tgem_kunit_populate_hook {
	struct ttm_device_funcs funcs;
	const struct ttm_device_funcs *orig;
	struct ttm_device *bdev;
	atomic_t calls;
};

static int tgem_kunit_counting_populate(struct ttm_device *bdev,
					struct ttm_tt *tt,
					struct ttm_operation_ctx *ctx)
{
	struct tgem_kunit_populate_hook *hook =
		container_of(bdev->funcs, struct tgem_kunit_populate_hook, funcs);

	atomic_inc(&hook->calls);
	return hook->orig->ttm_tt_populate(bdev, tt, ctx);
}

static void tgem_kunit_populate_unhook(void *arg)
{
	struct tgem_kunit_populate_hook *hook = arg;

	WRITE_ONCE(hook->bdev->funcs, hook->orig);
}

/**
 * tgem_kunit_count_populates() - Count the populations of a device's BOs
 * @test: the running test
 * @tdev: a device of @test, which no one else uses
 *
 * Points the TTM device of @tdev at a copy of its &ttm_device_funcs whose
 * &ttm_device_funcs.ttm_tt_populate counts each call before it calls
 * tgem's own. TTM calls it for every &struct ttm_tt that gets pages, so a
 * test sees populations that no counter shows afterwards, for instance a
 * move that populates system pages and frees them again. A KUnit action
 * puts tgem's table back before the device goes away.
 *
 * Context: Process context, while nothing else runs on @tdev. Fails and
 * aborts @test if the table cannot be copied.
 * Return: the counter, zero now, valid until the end of @test.
 */
atomic_t *tgem_kunit_count_populates(struct kunit *test,
				     struct tgem_device *tdev)
{
	struct tgem_kunit_populate_hook *hook;
	int ret;

	hook = kunit_kzalloc(test, sizeof(*hook), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hook);
	hook->bdev = &tdev->ttm;
	hook->orig = tdev->ttm.funcs;
	hook->funcs = *hook->orig;
	KUNIT_ASSERT_NOT_NULL(test, hook->funcs.ttm_tt_populate);
	hook->funcs.ttm_tt_populate = tgem_kunit_counting_populate;
	atomic_set(&hook->calls, 0);

	/* The hook is freed after this action ran: it was allocated first. */
	ret = kunit_add_action_or_reset(test, tgem_kunit_populate_unhook, hook);
	KUNIT_ASSERT_EQ(test, ret, 0);
	WRITE_ONCE(tdev->ttm.funcs, &hook->funcs);

	return &hook->calls;
}

/**
 * tgem_kunit_bo_evict() - Push a BO out of its place, as memory pressure would
 * @test: the running test
 * @bo: a BO in VRAM that may also live in system memory, or a populated
 *      BO in system memory
 *
 * A BO in VRAM is evicted by creating a VRAM-only BO that needs all the
 * free VRAM and the BO's room as well, which is then put again; TTM finds
 * its victims on the LRU lists, skips those that are pinned and trylocks
 * the rest. Other evictable BOs of the device may go as well.
 *
 * tgem's system pages are never swapped out by TTM (see "TTM device"), so
 * a BO in system memory cannot be pushed anywhere. What would keep it in
 * place is a pin, and TTM keeps a pinned resource on the device's pinned
 * list instead of its manager's LRU, where eviction and the shrinker look:
 * for a system BO this checks that its resource is on that LRU.
 *
 * Context: Process context; may sleep. The caller must not hold @bo's
 * dma_resv. Fails and aborts @test if @bo did not leave VRAM, or, in
 * system memory, is not on its manager's LRU.
 */
void tgem_kunit_bo_evict(struct kunit *test, struct tgem_bo *bo)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bo->ttm.bdev);
	struct dma_resv *resv = bo->ttm.base.resv;
	struct ttm_resource_manager *man;
	struct ttm_lru_item *item;
	bool on_lru = false;
	struct tgem_bo *big;
	int ret;

	if (tgem_kunit_bo_mem_type(test, bo) == TTM_PL_VRAM) {
		/* tgem never evicts a VRAM-only BO. */
		KUNIT_ASSERT_TRUE(test, bo->uapi_placement & DRM_TGEM_PLACEMENT_SYSTEM);
		big = tgem_bo_create(tdev, tgem_kunit_vram_avail(tdev) + bo->ttm.base.size,
				     DRM_TGEM_PLACEMENT_VRAM, 0);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(big),
				       "no room made in VRAM (%pe): the BO was not evicted",
				       big);
		tgem_bo_put(big);
		flush_workqueue(tdev->ttm.wq);
		KUNIT_ASSERT_EQ_MSG(test, tgem_kunit_bo_mem_type(test, bo),
				    TTM_PL_SYSTEM, "the BO was not evicted from VRAM");
		return;
	}

	ret = dma_resv_lock(resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	man = ttm_manager_type(&tdev->ttm, bo->ttm.resource->mem_type);
	spin_lock(&tdev->ttm.lru_lock);
	list_for_each_entry(item, &man->lru[bo->ttm.priority], link) {
		if (item == &bo->ttm.resource->lru) {
			on_lru = true;
			break;
		}
	}
	spin_unlock(&tdev->ttm.lru_lock);
	dma_resv_unlock(resv);
	KUNIT_ASSERT_TRUE_MSG(test, on_lru,
			      "the BO is not on its LRU list: something pinned it");
}

/* QEMU's ivshmem-plain device; its BAR TGEM_KUNIT_IVSHMEM_BAR is the RAM. */
#define TGEM_KUNIT_IVSHMEM_DEVICE	0x1110

static void tgem_kunit_pci_dev_put(void *pdev)
{
	pci_dev_put(pdev);
}

/* Give the device back to whichever driver wants it: tgem, which had it. */
static void tgem_kunit_pci_reattach(void *arg)
{
	struct pci_dev *pdev = arg;
	int ret;

	ret = device_attach(&pdev->dev);
	if (ret <= 0)
		dev_err(&pdev->dev, "tgem_test: no driver took the device back (%d)\n",
			ret);
}

/**
 * tgem_kunit_ivshmem_take() - Take the ivshmem-plain device for one test
 * @test: the test that takes it
 *
 * Finds the ivshmem-plain PCI device and, if tgem's own PCI driver is
 * bound to it, releases the driver for the rest of @test. KUnit actions
 * attach the driver again and drop the device reference when @test ends,
 * after whatever @test does with the device later. A test that maps the
 * BAR itself before it creates a VRAM device calls this first, so that
 * tgem's mapping of the BAR is gone.
 *
 * Context: Process context; may sleep; must not hold the device's lock.
 * Skips @test if there is no ivshmem-plain device or a driver other than
 * tgem is bound to it; fails and aborts @test if the driver stays bound.
 * Return: the device, referenced until the end of @test.
 */
struct pci_dev *tgem_kunit_ivshmem_take(struct kunit *test)
{
	struct pci_dev *pdev;
	char name[32] = "";
	int ret;

	pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET,
			      TGEM_KUNIT_IVSHMEM_DEVICE, NULL);
	if (!pdev)
		kunit_skip(test, "no ivshmem-plain PCI device (1af4:1110) to use as VRAM");
	ret = kunit_add_action_or_reset(test, tgem_kunit_pci_dev_put, pdev);
	KUNIT_ASSERT_EQ(test, ret, 0);

	device_lock(&pdev->dev);
	if (pdev->dev.driver)
		strscpy(name, pdev->dev.driver->name);
	device_unlock(&pdev->dev);

	if (!name[0])
		return pdev;
	if (strcmp(name, DRIVER_NAME))
		kunit_skip(test, "%s is bound to %s; unbind it so the VRAM tests can use its BAR",
			   pci_name(pdev), name);

	/*
	 * Registered before the release, so a failed assertion below still
	 * re-attaches; it runs after the test device on the BAR is gone.
	 */
	ret = kunit_add_action_or_reset(test, tgem_kunit_pci_reattach, pdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	device_release_driver(&pdev->dev);
	KUNIT_ASSERT_NULL_MSG(test, READ_ONCE(pdev->dev.driver),
			      "%s is still bound after release", pci_name(pdev));
	return pdev;
}

static void tgem_kunit_pci_disable(void *pdev)
{
	pci_disable_device(pdev);
}

static void tgem_kunit_pci_release_bar(void *pdev)
{
	pci_release_region(pdev, TGEM_KUNIT_IVSHMEM_BAR);
}

/**
 * tgem_kunit_ivshmem_claim() - Own the ivshmem-plain BAR for one test
 * @test: the test that owns it
 *
 * Takes the ivshmem-plain PCI device with tgem_kunit_ivshmem_take(), which
 * releases tgem's PCI driver from it if it is bound, checks that its BAR 2
 * is memory, enables the device and requests the BAR, as
 * tgem_device_create() wants of its caller. When the test ends KUnit
 * actions undo each step in reverse order (after anything the test
 * registered later): the BAR, the enable count, the released driver
 * (attached again) and the PCI device reference.
 *
 * Context: Process context; may sleep; must not hold the PCI device's
 * lock. Skips @test if there is no ivshmem-plain device or a driver other
 * than tgem is bound to it; fails and aborts @test if a step fails.
 * Return: the PCI device, its BAR %TGEM_KUNIT_IVSHMEM_BAR owned by @test.
 */
struct pci_dev *tgem_kunit_ivshmem_claim(struct kunit *test)
{
	struct pci_dev *pdev;
	int ret;

	pdev = tgem_kunit_ivshmem_take(test);

	KUNIT_ASSERT_TRUE_MSG(test, pci_resource_flags(pdev, TGEM_KUNIT_IVSHMEM_BAR) &
			      IORESOURCE_MEM, "BAR %d of %s is not memory",
			      TGEM_KUNIT_IVSHMEM_BAR, pci_name(pdev));
	KUNIT_ASSERT_GE(test, (u64)pci_resource_len(pdev, TGEM_KUNIT_IVSHMEM_BAR),
			(u64)PAGE_SIZE);

	ret = pci_enable_device(pdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, tgem_kunit_pci_disable, pdev);
	KUNIT_ASSERT_EQ(test, ret, 0);

	ret = pci_request_region(pdev, TGEM_KUNIT_IVSHMEM_BAR, "tgem_test");
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, tgem_kunit_pci_release_bar, pdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return pdev;
}

/**
 * tgem_kunit_vram_device_create() - Create a tgem device with VRAM for one test
 * @test: the test that owns the device
 *
 * Claims the ivshmem-plain BAR with tgem_kunit_ivshmem_claim() and creates
 * an unregistered tgem device on a KUnit device, with the whole BAR as
 * VRAM. When the test ends the tgem device goes first, then what the
 * claim undoes.
 *
 * Context: Process context; may sleep; must not hold the PCI device's
 * lock. Skips @test if there is no ivshmem-plain device or a driver other
 * than tgem is bound to it; fails and aborts @test if a step fails.
 * Return: the device, valid until the end of @test.
 */
struct tgem_device *tgem_kunit_vram_device_create(struct kunit *test)
{
	struct tgem_vram_desc vram;
	struct tgem_device *tdev;
	struct device *parent;
	struct pci_dev *pdev;

	pdev = tgem_kunit_ivshmem_claim(test);
	parent = kunit_device_register(test, "tgem-kunit-vram");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);

	vram.base = pci_resource_start(pdev, TGEM_KUNIT_IVSHMEM_BAR);
	vram.size = pci_resource_len(pdev, TGEM_KUNIT_IVSHMEM_BAR);
	tdev = tgem_device_create(parent, &vram);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tdev);
	KUNIT_ASSERT_TRUE(test, tgem_device_has_vram(tdev));

	return tdev;
}

/**
 * tgem_kunit_pattern() - A word of a test pattern
 * @seed: which pattern; 0 is the all-zero pattern
 * @offset: byte offset in the BO, a multiple of 4
 *
 * The word depends on both @seed and @offset, so two patterns differ, and
 * a page that lands at the wrong offset of a BO no longer matches.
 *
 * Context: Any context.
 * Return: the 32-bit word pattern @seed has at @offset.
 */
u32 tgem_kunit_pattern(u32 seed, u64 offset)
{
	if (!seed)
		return 0;
	return hash_64(((u64)seed << 40) ^ (offset / sizeof(u32)), 32);
}

/**
 * tgem_kunit_bo_fill() - Write a pattern over a whole BO
 * @test: the running test
 * @bo: the BO, in system memory or VRAM
 * @seed: the pattern (see tgem_kunit_pattern()); 0 writes zeros
 *
 * Writes through tgem_bo_access_locked() with the BO's dma_resv held, a
 * page at a time. An unpopulated system BO gets its pages.
 *
 * Context: Process context; may sleep. Takes and releases the BO's
 * dma_resv with dma_resv_lock(), so its LRU position does not change.
 * Fails and aborts @test if a write fails.
 */
void tgem_kunit_bo_fill(struct kunit *test, struct tgem_bo *bo, u32 seed)
{
	struct dma_resv *resv = bo->ttm.base.resv;
	u64 size = bo->ttm.base.size;
	unsigned int i;
	u64 offset;
	u32 *buf;
	int ret;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	ret = dma_resv_lock(resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	for (offset = 0; offset < size; offset += PAGE_SIZE) {
		for (i = 0; i < PAGE_SIZE / sizeof(u32); i++)
			buf[i] = tgem_kunit_pattern(seed, offset + i * sizeof(u32));
		ret = tgem_bo_access_locked(bo, offset, buf, PAGE_SIZE, true);
		if (ret)
			break;
	}
	dma_resv_unlock(resv);
	kunit_kfree(test, buf);

	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "writing pattern %u at byte %#llx",
			    seed, offset);
}

/**
 * tgem_kunit_bo_expect() - Check that a BO holds a pattern
 * @test: the running test
 * @bo: the BO, in system memory or VRAM
 * @seed: the pattern tgem_kunit_bo_fill() wrote; 0 expects zeros
 *
 * Reads the whole BO through tgem_bo_access_locked() with its dma_resv
 * held and compares every word. A failure reports how many words differ
 * and the first one.
 *
 * Context: Process context; may sleep. Takes and releases the BO's
 * dma_resv with dma_resv_lock(), so its LRU position does not change.
 * Return: true if every word matches; otherwise false, and @test has
 * failed.
 */
bool tgem_kunit_bo_expect(struct kunit *test, struct tgem_bo *bo, u32 seed)
{
	struct dma_resv *resv = bo->ttm.base.resv;
	u64 size = bo->ttm.base.size;
	u64 offset, bad = 0, first = 0;
	u32 got = 0, want = 0, *buf;
	unsigned int i;
	int ret;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	ret = dma_resv_lock(resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	for (offset = 0; offset < size; offset += PAGE_SIZE) {
		ret = tgem_bo_access_locked(bo, offset, buf, PAGE_SIZE, false);
		if (ret)
			break;
		for (i = 0; i < PAGE_SIZE / sizeof(u32); i++) {
			u32 word = tgem_kunit_pattern(seed, offset + i * sizeof(u32));

			if (buf[i] == word)
				continue;
			if (!bad++) {
				first = offset + i * sizeof(u32);
				got = buf[i];
				want = word;
			}
		}
	}
	dma_resv_unlock(resv);
	kunit_kfree(test, buf);

	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "reading at byte %#llx", offset);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0,
			    "%llu of %llu words differ from pattern %u; the first at byte %#llx is %#x, not %#x",
			    bad, size / sizeof(u32), seed, first, got, want);
	return !ret && !bad;
}

/**
 * tgem_kunit_bo_mem_type() - Where a BO's memory is
 * @test: the running test
 * @bo: the BO
 *
 * Unlike tgem_bo_region(), this leaves the BO's LRU position alone.
 *
 * Context: Process context. Takes and releases the BO's dma_resv with
 * dma_resv_lock(). Fails and aborts @test if the BO has no resource.
 * Return: the TTM memory type, %TTM_PL_SYSTEM or %TTM_PL_VRAM.
 */
u32 tgem_kunit_bo_mem_type(struct kunit *test, struct tgem_bo *bo)
{
	struct dma_resv *resv = bo->ttm.base.resv;
	bool has_resource;
	u32 mem_type = 0;
	int ret;

	ret = dma_resv_lock(resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	has_resource = bo->ttm.resource;
	if (has_resource)
		mem_type = bo->ttm.resource->mem_type;
	dma_resv_unlock(resv);

	KUNIT_ASSERT_TRUE(test, has_resource);
	return mem_type;
}

/**
 * tgem_kunit_bo_vram_runs() - Count the physically contiguous runs of a VRAM BO
 * @test: the running test
 * @bo: the BO; it must be in VRAM
 * @nblocks: out, optional: the number of buddy blocks
 *
 * Walks the buddy blocks of the BO's VRAM resource and counts a new run
 * wherever a block does not start where the previous one ended. It also
 * checks what the rest of tgem assumes of the list: blocks adding up to
 * the BO's size, and &tgem_vram_resource.contiguous and
 * %TTM_PL_FLAG_CONTIGUOUS true exactly when there is one run. The blocks
 * are in the BO's page order, which is not always offset order (see "VRAM
 * manager").
 *
 * Context: Process context. Takes and releases the BO's dma_resv with
 * dma_resv_lock(). Fails and aborts @test if the BO is not in VRAM.
 * Return: the number of runs; 1 means the BO's VRAM is contiguous.
 */
unsigned int tgem_kunit_bo_vram_runs(struct kunit *test, struct tgem_bo *bo,
				     unsigned int *nblocks)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bo->ttm.bdev);
	struct dma_resv *resv = bo->ttm.base.resv;
	struct gpu_buddy *mm = &tdev->vram.mgr.mm;
	bool in_vram, contiguous = false, flagged = false;
	struct tgem_vram_resource *vres;
	struct gpu_buddy_block *block;
	unsigned int runs = 0, n = 0;
	u64 end = 0, total = 0;
	int ret;

	ret = dma_resv_lock(resv, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	in_vram = bo->ttm.resource && bo->ttm.resource->mem_type == TTM_PL_VRAM;
	if (in_vram) {
		vres = to_tgem_vram_resource(bo->ttm.resource);
		list_for_each_entry(block, &vres->blocks, link) {
			u64 start = gpu_buddy_block_offset(block);

			if (!n || start != end)
				runs++;
			end = start + gpu_buddy_block_size(mm, block);
			total += gpu_buddy_block_size(mm, block);
			n++;
		}
		contiguous = vres->contiguous;
		flagged = vres->base.placement & TTM_PL_FLAG_CONTIGUOUS;
	}
	dma_resv_unlock(resv);

	KUNIT_ASSERT_TRUE_MSG(test, in_vram, "the BO is not in VRAM");
	KUNIT_EXPECT_EQ(test, total, bo->ttm.base.size);
	KUNIT_EXPECT_EQ(test, contiguous, runs == 1);
	KUNIT_EXPECT_EQ(test, flagged, runs == 1);
	if (nblocks)
		*nblocks = n;
	return runs;
}

/**
 * tgem_kunit_vram_avail() - Free VRAM
 * @tdev: a device with VRAM
 *
 * Context: Process context; takes the VRAM manager's lock.
 * Return: the bytes of VRAM the buddy allocator has free.
 */
u64 tgem_kunit_vram_avail(struct tgem_device *tdev)
{
	struct tgem_vram_mgr *mgr = &tdev->vram.mgr;
	u64 avail;

	mutex_lock(&mgr->lock);
	avail = mgr->mm.avail;
	mutex_unlock(&mgr->lock);

	return avail;
}

/**
 * tgem_kunit_vram_fill() - Take all free VRAM, leaving BOs of one size
 * @test: the test that owns the BOs
 * @tdev: a device with VRAM
 * @unit_pages: the pages of each BO returned, a power of two
 * @count: how many such BOs
 * @placement: their %DRM_TGEM_PLACEMENT_* mask, which includes VRAM
 * @filler: out, optional: the filler BO described below, or NULL if none
 *          was needed
 *
 * First creates one VRAM-only BO, the filler, over all the free VRAM but
 * @count * @unit_pages pages; then the @count BOs, which land in VRAM, on
 * a fresh device each in one buddy block of its own. Afterwards no VRAM is
 * free. Every BO is put when the test ends, or earlier with
 * tgem_kunit_bo_put().
 *
 * Context: Process context; may sleep. Fails and aborts @test if the free
 * VRAM is not a multiple of the unit, is too small, or a BO cannot be
 * created where it should be.
 * Return: the @count BOs in creation order, which is also their LRU order;
 * the array belongs to @test.
 */
struct tgem_bo **tgem_kunit_vram_fill(struct kunit *test,
				      struct tgem_device *tdev,
				      unsigned int unit_pages,
				      unsigned int count, u32 placement,
				      struct tgem_bo **filler)
{
	u64 unit = (u64)unit_pages << PAGE_SHIFT;
	u64 avail = tgem_kunit_vram_avail(tdev);
	struct tgem_bo *big = NULL, **bos;
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, is_power_of_2(unit_pages));
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(avail, unit));
	KUNIT_ASSERT_LE(test, unit * count, avail);

	if (avail > unit * count) {
		big = tgem_kunit_bo_create(test, tdev, avail - unit * count,
					   DRM_TGEM_PLACEMENT_VRAM, 0);
		KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, big),
				TTM_PL_VRAM);
	}
	if (filler)
		*filler = big;

	bos = kunit_kcalloc(test, count, sizeof(*bos), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bos);
	for (i = 0; i < count; i++) {
		bos[i] = tgem_kunit_bo_create(test, tdev, unit, placement, 0);
		KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bos[i]),
				TTM_PL_VRAM);
	}
	KUNIT_ASSERT_EQ(test, tgem_kunit_vram_avail(tdev), 0);

	return bos;
}

struct tgem_kunit_vram_key {
	u64 start;
	struct tgem_bo *bo;
};

static int tgem_kunit_vram_key_cmp(const void *a, const void *b)
{
	const struct tgem_kunit_vram_key *ka = a, *kb = b;

	return ka->start < kb->start ? -1 : ka->start > kb->start;
}

/**
 * tgem_kunit_vram_sort() - Sort VRAM BOs by where they are in VRAM
 * @test: the running test
 * @bos: BOs in VRAM, none NULL; sorted in place
 * @count: entries in @bos
 *
 * Context: Process context. Takes and releases each BO's dma_resv. Fails
 * and aborts @test if a BO is not in VRAM.
 */
void tgem_kunit_vram_sort(struct kunit *test, struct tgem_bo **bos,
			  unsigned int count)
{
	struct tgem_kunit_vram_key *keys;
	unsigned int i;

	keys = kunit_kmalloc_array(test, count, sizeof(*keys), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keys);

	for (i = 0; i < count; i++) {
		KUNIT_ASSERT_NOT_NULL(test, bos[i]);
		KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bos[i]),
				TTM_PL_VRAM);
		/* VRAM BOs of a test stay put unless the test moves them. */
		keys[i].start = bos[i]->ttm.resource->start;
		keys[i].bo = bos[i];
	}
	sort(keys, count, sizeof(*keys), tgem_kunit_vram_key_cmp, NULL);
	for (i = 0; i < count; i++)
		bos[i] = keys[i].bo;

	kunit_kfree(test, keys);
}

/**
 * tgem_kunit_vram_punch() - Free every other BO of a range, leaving holes
 * @test: the test that owns the BOs
 * @bos: BOs from tgem_kunit_vram_fill(), sorted with tgem_kunit_vram_sort()
 * @first: index of the first BO to put
 * @n: the range: @bos[@first], @bos[@first + 2], ... below @first + @n are
 *     put, and their entries set to NULL
 * @seed: if not 0, the pattern written into each BO before it is put, so
 *        that the holes hold stale data
 *
 * When tgem_kunit_vram_fill() left no VRAM free and each BO in a buddy
 * block of its own, the holes are free blocks of one BO's size whose
 * buddies are all allocated, so the allocator cannot merge them, and no
 * two holes are adjacent. A later allocation larger than one hole is then
 * not contiguous.
 *
 * Context: Process context; may sleep.
 * Return: the number of holes made.
 */
unsigned int tgem_kunit_vram_punch(struct kunit *test, struct tgem_bo **bos,
				   unsigned int first, unsigned int n, u32 seed)
{
	unsigned int i, nblocks, holes = 0;

	for (i = first; i < first + n; i += 2) {
		KUNIT_ASSERT_NOT_NULL(test, bos[i]);
		tgem_kunit_bo_vram_runs(test, bos[i], &nblocks);
		KUNIT_ASSERT_EQ_MSG(test, nblocks, 1,
				    "a hole must be one buddy block to stay apart");
		if (seed)
			tgem_kunit_bo_fill(test, bos[i], seed);
		tgem_kunit_bo_put(test, bos[i]);
		bos[i] = NULL;
		holes++;
	}
	return holes;
}

MODULE_DESCRIPTION("KUnit tests for tgem");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
