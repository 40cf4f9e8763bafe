// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Scheduler glue
 *
 * Each device has one &drm_gpu_scheduler (&struct tgem_sched, drmm
 * managed), and each context one entity on it. The scheduler resolves a
 * job's dependencies and calls run_job, which must not block: it
 * initialises the job's preallocated hardware fence, appends the job to
 * its context's run list and queues the context's worker on the engine
 * workqueue, then returns the fence. The worker runs the context's jobs
 * one after the other (so a context's batches run in submission order,
 * and different contexts run in parallel), and signals each hardware
 * fence when its batch has ended, with an error if it faulted. The
 * scheduler then signals the job's finished fence with the same error and
 * frees the job.
 *
 * **Workqueues.** Both queues are per-CPU, not unbound, so that a
 * submission stays on the CPU that made it: execbuf queues drm_sched's
 * run_job work (on ``tgem-sched``, given to drm_sched as its submit_wq) on
 * the submitting CPU, run_job queues the context's worker (on
 * ``tgem-engine``) on that same CPU's pool, where the kworker that ran
 * run_job usually runs it next without a switch, and that kworker, a
 * per-CPU kthread, wakes the waiter on the CPU it slept on. No hop wakes
 * another CPU, which is what most of a submission's latency cost when the
 * CPUs are virtual: with unbound queues an empty batch took 76 round trips
 * of ``GEM_INFO`` from execbuf to signalled (median of 7 runs, TCG, 2
 * vCPUs), per-CPU 32. drm_sched's works are short and never block, so a
 * per-CPU queue suits them (nouveau does the same). ``tgem-engine`` is
 * %WQ_CPU_INTENSIVE: a long batch stays out of the pool's concurrency
 * management, so the workers of other contexts queued on the same CPU
 * start at once and run alongside it (contexts still run concurrently: a
 * semaphore wait on one can be released by another), and it holds back
 * no other per-CPU work. Not %WQ_HIGHPRI: a batch may loop for the whole
 * job timeout, and must not do so at nice -20. The cost: contexts
 * submitted from one CPU share that CPU rather than spread over idle
 * ones, since a bound kworker does not migrate.
 *
 * **Signalling path.** Everything from run_job to dma_fence_signal() of
 * the hardware fence is annotated with dma_fence_begin_signalling(): it
 * never allocates with %GFP_KERNEL and never takes a dma_resv lock, so
 * memory reclaim, which waits for these fences, cannot deadlock on it.
 * The batch reaches BO memory without locks: the job's finished fence in
 * every BO's dma_resv keeps TTM from moving or freeing it.
 *
 * **Timeouts.** The ``job_timeout_ms`` module parameter (default 5000) is
 * enforced twice. The engine checks, between commands and in every
 * semaphore poll, whether the job has run longer than that since it
 * started; and the scheduler's timeout handler (timedout_job) catches a
 * job that gets no further, since drm_sched re-arms its timer whenever a
 * job is queued and might otherwise wait long under steady traffic. Both
 * do the same: set the job's stop flag, so the engine stops it at the next
 * command with ``-ETIMEDOUT``, and ban its context. The engine reads the
 * parameter each time, so a change through sysfs applies to running jobs;
 * the scheduler's timer keeps the value the device was created with. The handler does not
 * reset anything: the other jobs keep running, and the stopped job's
 * fence signals through the normal path. Later jobs of the banned context
 * end with ``-EIO`` without running.
 *
 * **Counters.** debugfs ``tgem_engine_stats`` prints ``key value`` lines:
 * ``completed``, ``faulted`` (ended by a fault), ``timedout`` (stopped by
 * the timeout), ``cancelled`` (ended without running: banned context,
 * unplug), and ``jobs`` alive now.
 *
 * **Teardown.** After unplug, a job that starts ends with ``-ENODEV`` and
 * a running one stops at its next command with ``-ENODEV``; VRAM accesses
 * happen inside drm_dev_enter(), so nothing touches the BAR once
 * drm_dev_unplug() has returned. When the device is released, its drmm
 * action stops running jobs the same way, waits until every job has been
 * freed, and only then tears the scheduler down.
 */

#include <linux/dma-fence.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <kunit/visibility.h>

#include "engine/tgem_context.h"
#include "engine/tgem_engine.h"
#include "engine/tgem_job.h"
#include "engine/tgem_sched.h"
#include "gem/tgem_device.h"

static unsigned int tgem_job_timeout_ms = 5000;
module_param_named(job_timeout_ms, tgem_job_timeout_ms, uint, 0644);
MODULE_PARM_DESC(job_timeout_ms,
		 "Stop a batch that runs longer than this and ban its context (ms, default 5000, min 10)");

/* Jobs in flight on the device at most; the rest wait in their entities. */
#define TGEM_SCHED_CREDITS	1024

/**
 * tgem_sched_timeout_ms() - The job timeout now in force
 *
 * Context: Any context.
 * Return: the module parameter, at least 10 ms.
 */
unsigned int tgem_sched_timeout_ms(void)
{
	return max(READ_ONCE(tgem_job_timeout_ms), 10U);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_sched_timeout_ms);

static const char *tgem_hw_fence_driver_name(struct dma_fence *fence)
{
	return "tgem";
}

static const char *tgem_hw_fence_timeline_name(struct dma_fence *fence)
{
	return "tgem-engine";
}

static const struct dma_fence_ops tgem_hw_fence_ops = {
	.get_driver_name = tgem_hw_fence_driver_name,
	.get_timeline_name = tgem_hw_fence_timeline_name,
};

static struct tgem_sched *to_tgem_sched(struct drm_gpu_scheduler *base)
{
	return container_of(base, struct tgem_sched, base);
}

static struct dma_fence *tgem_sched_run_job(struct drm_sched_job *sched_job)
{
	struct tgem_job *job = to_tgem_job(sched_job);
	struct tgem_context *ctx = job->ctx;
	struct tgem_sched *sched = to_tgem_sched(sched_job->sched);
	bool cookie;

	/* drm_sched does not annotate run_job: the path starts here. */
	cookie = dma_fence_begin_signalling();

	dma_fence_init(job->hw_fence, &tgem_hw_fence_ops, &sched->fence_lock,
		       ctx->fence_context, atomic64_inc_return(&ctx->fence_seqno));
	job->hw_fence_init = true;

	spin_lock(&ctx->run_lock);
	list_add_tail(&job->link, &ctx->run_list);
	spin_unlock(&ctx->run_lock);
	queue_work(sched->wq, &ctx->run_work);

	dma_fence_end_signalling(cookie);
	/* One reference for the scheduler; the job keeps its own. */
	return dma_fence_get(job->hw_fence);
}

/* Why a job must not run (any more), or 0. */
static int tgem_sched_job_check(struct tgem_sched *sched, struct tgem_job *job)
{
	if (atomic_read(&job->stop))
		return -ETIMEDOUT;
	if (tgem_context_is_banned(job->ctx))
		return -EIO;
	if (atomic_read(&sched->dying) || drm_dev_is_unplugged(&sched->tdev->drm))
		return -ENODEV;
	return 0;
}

static void tgem_sched_job_timeout(struct tgem_sched *sched,
				   struct tgem_job *job)
{
	if (atomic_xchg(&job->stop, 1))
		return;

	tgem_context_ban(job->ctx);
	atomic64_inc(&sched->stats.timedout);
	drm_dbg(&sched->tdev->drm, "job on context %u timed out, context banned\n",
		job->ctx->id);
}

static int tgem_sched_engine_check(void *priv)
{
	struct tgem_job *job = priv;
	struct tgem_sched *sched = job->ctx->tdev->sched;
	ktime_t started = job->started;

	/* Called before every command: a looping batch must not hog the CPU. */
	cond_resched();

	if (ktime_ms_delta(ktime_get(), started) > tgem_sched_timeout_ms())
		tgem_sched_job_timeout(sched, job);

	return tgem_sched_job_check(sched, job);
}

static void tgem_sched_execute(struct tgem_sched *sched, struct tgem_job *job)
{
	struct dma_fence *fence = dma_fence_get(job->hw_fence);
	bool cookie;
	int err;

	cookie = dma_fence_begin_signalling();

	job->started = ktime_get();
	err = tgem_sched_job_check(sched, job);
	if (!err)
		err = tgem_engine_run_job(job, tgem_sched_engine_check);

	/* A timeout was counted when it was detected. */
	if (!err)
		atomic64_inc(&sched->stats.completed);
	else if (err == -EFAULT || err == -EINVAL)
		atomic64_inc(&sched->stats.faulted);
	else if (err != -ETIMEDOUT)
		atomic64_inc(&sched->stats.cancelled);

	if (err)
		dma_fence_set_error(fence, err);
	/* The job may be freed from here on. */
	dma_fence_signal(fence);

	dma_fence_end_signalling(cookie);
	dma_fence_put(fence);
}

/**
 * tgem_sched_run_work() - A context's worker: run its jobs in order
 * @work: &tgem_context.run_work
 *
 * Runs on the engine workqueue. Never runs concurrently with itself, so
 * the jobs of one context run one at a time, in the order run_job queued
 * them.
 *
 * Context: Process context, in the fence signalling path while a job runs.
 */
void tgem_sched_run_work(struct work_struct *work)
{
	struct tgem_context *ctx = container_of(work, struct tgem_context,
						run_work);
	struct tgem_sched *sched = ctx->tdev->sched;
	struct tgem_job *job;

	for (;;) {
		spin_lock(&ctx->run_lock);
		job = list_first_entry_or_null(&ctx->run_list,
					       struct tgem_job, link);
		if (job)
			list_del_init(&job->link);
		spin_unlock(&ctx->run_lock);
		if (!job)
			break;

		tgem_sched_execute(sched, job);
		cond_resched();
	}
}

static enum drm_gpu_sched_stat
tgem_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct tgem_sched *sched = to_tgem_sched(sched_job->sched);
	struct tgem_job *job = to_tgem_job(sched_job);
	struct drm_gpu_scheduler *base = &sched->base;

	if (!dma_fence_is_signaled(job->hw_fence))
		tgem_sched_job_timeout(sched, job);

	/*
	 * Nothing is reset: the engine stops the job at its next command and
	 * signals its fence. drm_sched took the job off its pending list;
	 * put it back at the head, so it is freed in order once it is done.
	 */
	spin_lock(&base->job_list_lock);
	list_add(&sched_job->list, &base->pending_list);
	spin_unlock(&base->job_list_lock);

	/*
	 * If it finished while off the list, the scheduler's cleanup may
	 * have missed it: kick the scheduler's works so it is freed.
	 */
	if (dma_fence_is_signaled(&sched_job->s_fence->finished))
		drm_sched_wqueue_start(base);

	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void tgem_sched_free_job(struct drm_sched_job *sched_job)
{
	struct tgem_job *job = to_tgem_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	tgem_job_free(job);
}

static const struct drm_sched_backend_ops tgem_sched_ops = {
	.run_job = tgem_sched_run_job,
	.timedout_job = tgem_sched_timedout_job,
	.free_job = tgem_sched_free_job,
};

static void tgem_sched_fini(struct drm_device *drm, void *arg)
{
	struct tgem_sched *sched = arg;

	/* Running jobs stop at their next command; wait until all are freed. */
	atomic_set(&sched->dying, 1);
	wait_var_event(&sched->num_jobs, !atomic_read(&sched->num_jobs));

	drm_sched_fini(&sched->base);
	destroy_workqueue(sched->wq);
	destroy_workqueue(sched->submit_wq);
}

static int tgem_sched_stats_show(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct tgem_sched *sched = to_tgem_device(entry->dev)->sched;

	seq_printf(m, "completed %lld\n", atomic64_read(&sched->stats.completed));
	seq_printf(m, "faulted %lld\n", atomic64_read(&sched->stats.faulted));
	seq_printf(m, "timedout %lld\n", atomic64_read(&sched->stats.timedout));
	seq_printf(m, "cancelled %lld\n", atomic64_read(&sched->stats.cancelled));
	seq_printf(m, "jobs %d\n", atomic_read(&sched->num_jobs));
	return 0;
}

/**
 * tgem_sched_init() - Create the device's engine and scheduler
 * @tdev: the device, not yet registered
 *
 * Context: Process context; may sleep.
 * Return: 0, or a negative errno; drmm undoes everything on failure.
 */
int tgem_sched_init(struct tgem_device *tdev)
{
	struct drm_sched_init_args args = {
		.ops = &tgem_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = TGEM_SCHED_CREDITS,
		.timeout = msecs_to_jiffies(tgem_sched_timeout_ms()),
		.name = "tgem-engine",
		.dev = tdev->drm.dev,
	};
	struct tgem_sched *sched;
	int ret;

	sched = drmm_kzalloc(&tdev->drm, sizeof(*sched), GFP_KERNEL);
	if (!sched)
		return -ENOMEM;

	sched->tdev = tdev;
	spin_lock_init(&sched->fence_lock);
	/* Per-CPU, not unbound: see "Workqueues" in the DOC block above. */
	sched->submit_wq = alloc_workqueue("tgem-sched", WQ_MEM_RECLAIM, 0);
	if (!sched->submit_wq)
		return -ENOMEM;
	sched->wq = alloc_workqueue("tgem-engine",
				    WQ_MEM_RECLAIM | WQ_CPU_INTENSIVE, 0);
	if (!sched->wq) {
		ret = -ENOMEM;
		goto err_submit_wq;
	}

	args.submit_wq = sched->submit_wq;
	ret = drm_sched_init(&sched->base, &args);
	if (ret)
		goto err_wq;

	tdev->sched = sched;
	ret = drmm_add_action_or_reset(&tdev->drm, tgem_sched_fini, sched);
	if (ret)
		return ret;

	drm_debugfs_add_file(&tdev->drm, "tgem_engine_stats",
			     tgem_sched_stats_show, NULL);
	return 0;

err_wq:
	destroy_workqueue(sched->wq);
err_submit_wq:
	destroy_workqueue(sched->submit_wq);
	return ret;
}

/**
 * tgem_sched_entity_init() - Set up a context's entity on the device's scheduler
 * @tdev: the device
 * @entity: the entity to initialise
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int tgem_sched_entity_init(struct tgem_device *tdev,
			   struct drm_sched_entity *entity)
{
	struct drm_gpu_scheduler *list[] = { &tdev->sched->base };

	return drm_sched_entity_init(entity, DRM_SCHED_PRIORITY_NORMAL, list,
				     ARRAY_SIZE(list), NULL);
}
