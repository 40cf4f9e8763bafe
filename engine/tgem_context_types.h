/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_CONTEXT_TYPES_H_
#define _TGEM_CONTEXT_TYPES_H_

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <drm/gpu_scheduler.h>

struct tgem_device;

/**
 * struct tgem_context - A submission context
 *
 * Owned by one file (&tgem_file.contexts holds one reference) and by each
 * of its jobs (one reference each). Userspace names it by @id.
 */
struct tgem_context {
	/** @ref: the reference count; the last put frees the context */
	struct kref ref;
	/** @tdev: the device; outlives the context (see tgem_sched_fini()) */
	struct tgem_device *tdev;
	/** @id: the id userspace uses, >= 1; read-only */
	u32 id;

	/**
	 * @submit_lock: held for reading from tgem_job_create() until
	 * tgem_job_push() or tgem_job_abort(), and for writing by
	 * tgem_context_close(), so no job is pushed to a destroyed @entity
	 */
	struct rw_semaphore submit_lock;
	/** @closed: @entity is destroyed; protected by @submit_lock */
	bool closed;
	/** @entity: the scheduler entity; valid until @closed */
	struct drm_sched_entity entity;

	/**
	 * @banned: a job of this context timed out; nothing more runs on
	 * it. Set once, read locklessly.
	 */
	atomic_t banned;

	/** @fence_context: dma_fence context of the hardware fences */
	u64 fence_context;
	/** @fence_seqno: last hardware fence seqno; atomic */
	atomic64_t fence_seqno;

	/** @run_lock: protects @run_list */
	spinlock_t run_lock;
	/**
	 * @run_list: jobs handed over by run_job, in order, that the engine
	 * has not finished; protected by @run_lock
	 */
	struct list_head run_list;
	/**
	 * @run_work: runs the jobs of @run_list one after the other on the
	 * engine workqueue; never runs concurrently with itself
	 */
	struct work_struct run_work;
};

#endif
