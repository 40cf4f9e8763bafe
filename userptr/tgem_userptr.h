/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_USERPTR_H_
#define _TGEM_USERPTR_H_

#include <linux/types.h>

#include "gem/tgem_bo_types.h"
#include "userptr/tgem_userptr_types.h"

struct drm_device;
struct drm_file;
struct tgem_device;
struct ttm_buffer_object;
struct ttm_tt;

/**
 * DOC: Userptr and execbuf
 *
 * A userptr BO is an ordinary exec object, with four differences execbuf
 * must honour. In submission order:
 *
 * 1. **Validate, before any lock.** For each userptr BO of the job, call
 *    tgem_userptr_validate() while holding no dma_resv, no notifier lock
 *    and no ``mmap_lock``: it takes ``mmap_lock`` and faults user memory
 *    (only the stale pages; see "Stale ranges"), so under a dma_resv it
 *    would invert the lock order. Do not call ttm_tt_populate() on a
 *    userptr BO: its &struct ttm_tt is never populated in TTM's sense (TTM
 *    would answer ``-EFAULT``), the userptr code owns its page directory.
 *    An error is the ioctl's error (``EFAULT`` for memory that cannot be
 *    faulted, ``EBUSY``, ``ENOMEM``, ``EINTR``).
 * 2. **Lock and build.** drm_exec locks every BO, userptr BOs included
 *    (their dma_resv is where the job's fence goes, and where the MMU
 *    notifier waits for it). Create the job, add its dependencies and
 *    reserve the fence slots (dma_resv_reserve_fences()): every allocation
 *    happens here, before step 3. A userptr BO created with
 *    %DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY (tgem_userptr_read_only()) gets
 *    &tgem_job_map.writable false whatever the exec object's flags, so an
 *    engine write to it faults the job. The kernel itself never writes
 *    into a userptr BO through the CPU: relocations into one are refused
 *    (kmapping it fails with ``-EFAULT``).
 * 3. **Check under the notifier lock.** tgem_userptr_lock(), then
 *    tgem_userptr_check_locked() on each userptr BO. If one says
 *    ``-EAGAIN``, an invalidation came after step 1: tgem_userptr_unlock(),
 *    tgem_job_abort(), drm_exec_fini(), and start again at step 1 (which
 *    refaults only what that invalidation took), a bounded number of times
 *    or until a signal, then fail with ``EAGAIN``.
 * 4. **Arm and publish under it.** Still holding the notifier lock:
 *    tgem_job_arm(), then add the job's fence to every BO's dma_resv. Then
 *    tgem_userptr_unlock(), drm_exec_fini() and tgem_job_push(). From arm
 *    to push is a dma-fence signalling critical section: no allocation, no
 *    wait that reclaim or an MMU notifier could be behind.
 *
 * Why this is enough: the MMU notifier takes the notifier lock for
 * writing, moves the sequence on, and waits (all usages) for every fence
 * in the BO's dma_resv before it lets the mm take the pages away. A job
 * whose fence was published under the read lock is therefore waited for;
 * a job that checks after the invalidation sees the new sequence and
 * restarts. While the fence is unsignalled, the engine may read
 * &ttm_tt.pages of the BO (every entry is valid) with kmap_local_page()
 * like any system BO; once it has signalled, the engine must not touch
 * them again. A job whose &tgem_job_map.writable is false must not write.
 */

/**
 * tgem_bo_is_userptr() - Whether a BO mirrors user memory
 * @bo: the BO
 *
 * Context: Any context.
 * Return: true for a BO created by &DRM_IOCTL_TGEM_GEM_USERPTR.
 */
static inline bool tgem_bo_is_userptr(const struct tgem_bo *bo)
{
	return bo->userptr;
}

/**
 * tgem_userptr_read_only() - Whether the engine may write a userptr BO
 * @bo: a userptr BO
 *
 * Context: Any context.
 * Return: true if it was created with %DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY.
 */
static inline bool tgem_userptr_read_only(const struct tgem_bo *bo)
{
	return bo->userptr->read_only;
}

int tgem_userptr_device_init(struct tgem_device *tdev);
u64 tgem_userptr_max_size(struct tgem_device *tdev);

struct tgem_bo *tgem_userptr_create(struct tgem_device *tdev, u64 addr,
				    u64 size, bool read_only);
int tgem_userptr_validate(struct tgem_bo *bo);
int tgem_userptr_lock(struct tgem_device *tdev);
void tgem_userptr_unlock(struct tgem_device *tdev);
int tgem_userptr_check_locked(struct tgem_bo *bo);
void tgem_userptr_flush(struct tgem_device *tdev);

int tgem_gem_userptr_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file);

/* Hooks for the BO and TTM layers. */
void tgem_userptr_gem_free(struct tgem_bo *bo);
void tgem_userptr_free(struct tgem_userptr *up);
struct ttm_tt *tgem_userptr_tt_create(struct ttm_buffer_object *tbo,
				      u32 page_flags);
bool tgem_userptr_is_tt(const struct ttm_tt *tt);
int tgem_userptr_tt_populate(struct ttm_tt *tt);

#endif
