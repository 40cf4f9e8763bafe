/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_JOB_H_
#define _TGEM_JOB_H_

#include <linux/container_of.h>
#include <linux/types.h>

#include "engine/tgem_job_types.h"

struct dma_fence;
struct tgem_context;

/* The most BOs one job may reach. */
#define TGEM_JOB_MAX_MAPS	4096

static inline struct tgem_job *to_tgem_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct tgem_job, base);
}

struct tgem_job *tgem_job_create(struct tgem_context *ctx, u32 num_maps);
struct dma_fence *tgem_job_arm(struct tgem_job *job);
void tgem_job_push(struct tgem_job *job);
void tgem_job_abort(struct tgem_job *job);
void tgem_job_free(struct tgem_job *job);

#endif
