// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Jobs
 *
 * A &struct tgem_job is one batch on its way through the scheduler. The
 * submitter (execbuf) drives it through four steps, in this order:
 *
 * 1. tgem_job_create() allocates it on a context, with room for the BOs
 *    the batch may reach, and initialises its scheduler job. From here
 *    until step 4 the job holds the context's &tgem_context.submit_lock
 *    for reading, so the context cannot be closed under it.
 * 2. The submitter fills &tgem_job.maps (each with a GEM reference the
 *    job now owns), the batch address and length, and adds dependencies
 *    to &tgem_job.base (drm_sched_job_add_resv_dependencies() ...).
 * 3. tgem_job_arm() sorts the maps and arms the scheduler job. The
 *    returned finished fence goes into every BO's dma_resv while the BOs
 *    are still locked. From here the job cannot be aborted. The fence is
 *    marked %DRM_SCHED_FENCE_DONT_PIPELINE: contexts run in parallel, so
 *    a job that depends on it waits for the job's end, not only for its
 *    start as drm_sched would otherwise arrange.
 * 4. tgem_job_push() hands it to the scheduler (and releases the
 *    submit lock). If anything fails before step 3, tgem_job_abort()
 *    frees the job and everything it owns instead.
 *
 * Everything the job needs while it runs is allocated in step 1: the
 * hardware fence run_job returns, and the job itself. The scheduler frees
 * the job (tgem_job_free()) once its finished fence has signalled: only
 * then are the BO references dropped, so memory a running batch reaches
 * cannot go away under it.
 */

#include <linux/dma-fence.h>
#include <linux/lockdep.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/wait_bit.h>
#include <kunit/visibility.h>

#include "engine/tgem_context.h"
#include "engine/tgem_job.h"
#include "engine/tgem_sched.h"
#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"

/**
 * tgem_job_create() - Create a job on a context
 * @ctx: the context; the job takes its own reference
 * @num_maps: how many BOs the batch may reach, at most %TGEM_JOB_MAX_MAPS
 *
 * The maps are zeroed; the caller fills them and the batch fields, then
 * calls tgem_job_arm() and tgem_job_push(), or tgem_job_abort().
 *
 * Context: Process context; may sleep. Takes @ctx's submit lock for
 * reading and returns with it held on success; may be called with
 * dma_resv locks held (see Documentation/locking.rst).
 * Return: the job, or an ERR_PTR(): -EINVAL for too many maps, -ENOENT if
 * the context has been destroyed, -EIO if it is banned, -ENOMEM.
 */
struct tgem_job *tgem_job_create(struct tgem_context *ctx, u32 num_maps)
{
	struct tgem_sched *sched = ctx->tdev->sched;
	struct tgem_job *job;
	int ret;

	if (num_maps > TGEM_JOB_MAX_MAPS)
		return ERR_PTR(-EINVAL);

	job = kzalloc(struct_size(job, maps, num_maps), GFP_KERNEL);
	if (!job)
		return ERR_PTR(-ENOMEM);
	job->num_maps = num_maps;
	INIT_LIST_HEAD(&job->link);

	job->hw_fence = kzalloc(sizeof(*job->hw_fence), GFP_KERNEL);
	if (!job->hw_fence) {
		ret = -ENOMEM;
		goto out_free_job;
	}

	down_read(&ctx->submit_lock);
	if (ctx->closed) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (tgem_context_is_banned(ctx)) {
		ret = -EIO;
		goto out_unlock;
	}

	ret = drm_sched_job_init(&job->base, &ctx->entity, 1, ctx, 0);
	if (ret)
		goto out_unlock;

	job->ctx = tgem_context_get(ctx);
	atomic_inc(&sched->num_jobs);
	return job;

out_unlock:
	up_read(&ctx->submit_lock);
	kfree(job->hw_fence);
out_free_job:
	kfree(job);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_job_create);

static int tgem_job_map_cmp(const void *a, const void *b)
{
	const struct tgem_job_map *ma = a, *mb = b;

	if (ma->gpu_addr < mb->gpu_addr)
		return -1;
	return ma->gpu_addr > mb->gpu_addr;
}

/**
 * tgem_job_arm() - Arm a filled job
 * @job: a job from tgem_job_create(), with its maps, batch and
 *       dependencies set
 *
 * Sorts the maps by GPU address and arms the scheduler job. After this the
 * job must be pushed; it can no longer be aborted.
 *
 * Context: Process context. Call with the BOs' dma_resv locks held, so the
 * returned fence can be added to them before anyone else sees them.
 * Return: the job's finished fence, borrowed: take a reference to keep it.
 */
struct dma_fence *tgem_job_arm(struct tgem_job *job)
{
	lockdep_assert_held(&job->ctx->submit_lock);

	sort(job->maps, job->num_maps, sizeof(job->maps[0]),
	     tgem_job_map_cmp, NULL);
	drm_sched_job_arm(&job->base);
	/*
	 * drm_sched lets a job that depends on a finished fence of the same
	 * scheduler wait only until that job is *scheduled*, trusting one
	 * hardware ring to run them in order. tgem's contexts run in
	 * parallel on one scheduler: a job of another context must wait for
	 * the end.
	 */
	set_bit(DRM_SCHED_FENCE_DONT_PIPELINE, &job->base.s_fence->finished.flags);
	return &job->base.s_fence->finished;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_job_arm);

/**
 * tgem_job_push() - Hand an armed job to the scheduler
 * @job: a job armed by tgem_job_arm()
 *
 * The job may run and be freed at any time after this; the caller must not
 * touch it again. Releases the context's submit lock.
 *
 * Context: Process context.
 */
void tgem_job_push(struct tgem_job *job)
{
	struct tgem_context *ctx = job->ctx;

	lockdep_assert_held(&ctx->submit_lock);
	drm_sched_entity_push_job(&job->base);
	up_read(&ctx->submit_lock);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_job_push);

/**
 * tgem_job_free() - Free a job and drop what it owns
 * @job: the job
 *
 * Drops the BO references of its maps, its hardware fence, its context
 * reference, and tells the device one job less is alive. Called by the
 * scheduler's free_job and by tgem_job_abort(); the scheduler part of the
 * job has been cleaned up already.
 *
 * Context: Process context; may sleep.
 */
void tgem_job_free(struct tgem_job *job)
{
	struct tgem_context *ctx = job->ctx;
	struct tgem_sched *sched = ctx->tdev->sched;
	u32 i;

	for (i = 0; i < job->num_maps; i++)
		if (job->maps[i].bo)
			tgem_bo_put(job->maps[i].bo);

	if (job->hw_fence_init)
		dma_fence_put(job->hw_fence);
	else
		kfree(job->hw_fence);

	kfree(job);
	tgem_context_put(ctx);

	/* Last: the device's teardown may free @sched as soon as this hits 0. */
	if (atomic_dec_and_test(&sched->num_jobs))
		wake_up_var(&sched->num_jobs);
}

/**
 * tgem_job_abort() - Free a job that was never armed
 * @job: a job from tgem_job_create(), not armed
 *
 * Drops every reference the job owns, including the BOs already in its
 * maps, and releases the context's submit lock.
 *
 * Context: Process context; may sleep.
 */
void tgem_job_abort(struct tgem_job *job)
{
	lockdep_assert_held(&job->ctx->submit_lock);
	up_read(&job->ctx->submit_lock);
	drm_sched_job_cleanup(&job->base);
	tgem_job_free(job);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_job_abort);
