/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_JOB_TYPES_H_
#define _TGEM_JOB_TYPES_H_

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>

#include <drm/gpu_scheduler.h>

struct dma_fence;
struct tgem_bo;
struct tgem_context;

/**
 * struct tgem_job_map - One BO a job's batch may reach
 *
 * Filled by execbuf before tgem_job_arm(); read-only afterwards.
 */
struct tgem_job_map {
	/**
	 * @gpu_addr: start of the BO's binding in the file's GPU address
	 * space
	 */
	u64 gpu_addr;
	/** @size: bytes the binding covers: the BO's size */
	u64 size;
	/**
	 * @bo: the BO. The job owns one GEM reference: execbuf takes it,
	 * the engine drops it when the job is freed (or aborted).
	 */
	struct tgem_bo *bo;
	/** @writable: the batch may write to this BO */
	bool writable;
};

/**
 * struct tgem_job - A batch buffer submitted to the software engine
 *
 * Created by tgem_job_create() on a context, filled by execbuf, armed by
 * tgem_job_arm() and handed to the scheduler by tgem_job_push(). The
 * scheduler frees it once its finished fence has signalled.
 */
struct tgem_job {
	/** @base: the scheduler's job; its entity is @ctx's */
	struct drm_sched_job base;
	/** @ctx: the context it runs on; the job owns a reference */
	struct tgem_context *ctx;
	/**
	 * @batch_addr: GPU address of the first command; 8-byte aligned,
	 * inside one of @maps
	 */
	u64 batch_addr;
	/**
	 * @batch_len: bytes of the first-level batch, a nonzero multiple of
	 * 4. Running past its end without %MI_BATCH_BUFFER_END is a fault.
	 */
	u32 batch_len;
	/** @num_maps: entries in @maps */
	u32 num_maps;

	/**
	 * @hw_fence: the "hardware" fence the engine signals when the
	 * batch has run. Allocated by tgem_job_create() (so run_job never
	 * allocates), initialised by run_job; refcounted, it may outlive
	 * the job.
	 */
	struct dma_fence *hw_fence;
	/** @hw_fence_init: run_job initialised @hw_fence */
	bool hw_fence_init;
	/**
	 * @stop: nonzero asks the running batch to stop at the next
	 * command; set by the timeout handler (atomic, no lock)
	 */
	atomic_t stop;
	/** @started: when the engine began to run it; set by the worker */
	ktime_t started;
	/**
	 * @link: entry in the context's list of jobs to execute; protected
	 * by &tgem_context.run_lock
	 */
	struct list_head link;

	/**
	 * @maps: the BOs the batch may reach, filled by execbuf in any
	 * order; tgem_job_arm() sorts them by @tgem_job_map.gpu_addr
	 */
	struct tgem_job_map maps[] __counted_by(num_maps);
};

#endif
