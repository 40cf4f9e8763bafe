/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_SCHED_TYPES_H_
#define _TGEM_SCHED_TYPES_H_

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <drm/gpu_scheduler.h>

struct tgem_device;
struct workqueue_struct;

/**
 * struct tgem_sched - The device's software engine and its scheduler
 *
 * One per device, allocated and torn down by drmm. Every context's entity
 * feeds @base; run_job hands a job to its context's worker on @wq.
 */
struct tgem_sched {
	/** @base: the DRM GPU scheduler */
	struct drm_gpu_scheduler base;
	/** @tdev: the device */
	struct tgem_device *tdev;
	/**
	 * @submit_wq: runs the scheduler's run_job and free_job works
	 * (&drm_sched_init_args.submit_wq); per-CPU and reclaim safe
	 */
	struct workqueue_struct *submit_wq;
	/**
	 * @wq: runs the contexts' workers (&tgem_context.run_work); per-CPU,
	 * CPU intensive, and reclaim safe, since memory reclaim may wait for
	 * the fences they signal
	 */
	struct workqueue_struct *wq;
	/** @fence_lock: the lock of every hardware fence of the device */
	spinlock_t fence_lock;
	/**
	 * @num_jobs: jobs created and not yet freed; the device's teardown
	 * waits for it to reach zero. Atomic.
	 */
	atomic_t num_jobs;
	/**
	 * @dying: the device is being torn down; running jobs stop with
	 * -ENODEV. Atomic.
	 */
	atomic_t dying;

	/** @stats: counters for debugfs and tests, all atomic */
	struct {
		/** @stats.completed: jobs whose batch ran to its end */
		atomic64_t completed;
		/** @stats.faulted: jobs that ended with a GPU fault */
		atomic64_t faulted;
		/** @stats.timedout: jobs stopped by the timeout */
		atomic64_t timedout;
		/**
		 * @stats.cancelled: jobs ended early by a ban or unplug
		 */
		atomic64_t cancelled;
	} stats;
};

#endif
