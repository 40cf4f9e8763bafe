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
 */

#include <linux/dma-resv.h>
#include <linux/workqueue.h>

#include <drm/drm_mm.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"

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

MODULE_DESCRIPTION("KUnit tests for tgem");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
