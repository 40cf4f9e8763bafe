/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_USERPTR_TYPES_H_
#define _TGEM_USERPTR_TYPES_H_

#include <linux/atomic.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "userptr/tgem_userptr_range.h"

struct page;
struct tgem_bo;
struct workqueue_struct;

/**
 * struct tgem_userptr - The mirror state of one userptr BO
 *
 * Allocated by tgem_userptr_create() and owned by the BO
 * (&tgem_bo.userptr), which frees it when TTM destroys the BO.
 */
struct tgem_userptr {
	/**
	 * @notifier: the MMU interval notifier over the whole user range.
	 * Inserted once the BO exists; removed, from a worker, when the
	 * last GEM reference is gone (see "Userptr lifetime").
	 */
	struct mmu_interval_notifier notifier;

	/** @bo: the BO this is the backing of; set at creation */
	struct tgem_bo *bo;

	/** @addr: user address of the first page; read-only */
	u64 addr;

	/** @npages: size in pages; read-only */
	pgoff_t npages;

	/** @read_only: %DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY; read-only */
	bool read_only;

	/** @inserted: @notifier is in the mm's tree; set once at creation */
	bool inserted;

	/**
	 * @lock: serialises validations of this BO, so two threads do not
	 * fault the same pages twice. Taken before ``mmap_lock`` and the
	 * notifier lock, never under a dma_resv.
	 */
	struct mutex lock;

	/**
	 * @pages: the page directory of the BO's &struct ttm_tt, which the
	 * userptr code owns (TTM never populates it). Entry i is the page
	 * backing user page i, or NULL while that page is stale. Written with
	 * &tgem_userptr_device.notifier_lock held for writing; read with it
	 * held, or by the engine while a job fence published under it is
	 * unsignalled (see "Userptr and execbuf").
	 */
	struct page **pages;

	/**
	 * @stale: the pages invalidated since they were last faulted in; all
	 * of them at creation. Written with the notifier lock held for
	 * writing, read with it held.
	 */
	struct tgem_userptr_ranges stale;

	/**
	 * @notifier_seq: the notifier sequence the last successful
	 * validation committed. Written with the notifier lock held for
	 * writing, read with it held.
	 */
	unsigned long notifier_seq;

	/** @free_work: removes @notifier and drops the BO, off any fence path */
	struct work_struct free_work;
};

/**
 * struct tgem_userptr_device - Per-device userptr state
 *
 * Set up by tgem_userptr_device_init(); lives as long as the device.
 */
struct tgem_userptr_device {
	/**
	 * @notifier_lock: the driver's notifier lock. The MMU notifier takes
	 * it for writing; validations take it for writing to commit pages;
	 * execbuf holds it for reading from the "still valid?" check until
	 * the job's fence is in every dma_resv. See Documentation/locking.rst
	 * for where it sits.
	 */
	struct rw_semaphore notifier_lock;

	/**
	 * @wq: runs &tgem_userptr.free_work; drained before TTM goes away
	 */
	struct workqueue_struct *wq;

	/** @stats: counters for debugfs and tests; atomic, no lock */
	struct {
		/** @stats.validations: validations that committed */
		atomic64_t validations;
		/** @stats.pages_faulted: pages those validations faulted in */
		atomic64_t pages_faulted;
		/** @stats.retries: validations restarted by an invalidation */
		atomic64_t retries;
		/** @stats.invalidations: notifier calls that hit a userptr */
		atomic64_t invalidations;
		/** @stats.pages_invalidated: pages those calls marked stale */
		atomic64_t pages_invalidated;
	} stats;
};

#endif
