// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Contexts
 *
 * A &struct tgem_context is what userspace submits batches to. It owns one
 * &drm_sched_entity on the device's scheduler, so the jobs of one context
 * are scheduled in order, and a list of jobs the engine runs one after the
 * other on a worker of its own (&tgem_context.run_work). Jobs of
 * different contexts run concurrently.
 *
 * **Lifetime.** The file's xarray holds one reference and every job holds
 * one. Destroying a context (the ioctl, or closing the file) removes it
 * from the xarray, *closes* it, and drops the xarray's reference.
 * Closing takes &tgem_context.submit_lock for writing, so it waits for an
 * execbuf that is between tgem_job_create() and tgem_job_push() on it,
 * marks the context closed, then destroys the entity: jobs still waiting
 * for their dependencies are given up to a second to reach the engine,
 * the rest end with ``-ESRCH`` (drm_sched_entity_destroy()). Jobs already
 * at the engine keep their reference and run to their end or their
 * timeout; the memory of the context goes away with the last of them.
 *
 * **Bans.** A job that times out bans its context
 * (tgem_context_ban()). The engine ends every later job of a banned
 * context with ``-EIO`` without running it, and execbuf refuses new ones.
 *
 * **Ids** come from an allocating xarray, from 1 up to
 * %TGEM_MAX_CONTEXTS; 0 is never a context id.
 */

#include <linux/dma-fence.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <uapi/drm/tgem_drm.h>
#include <kunit/visibility.h>

#include "engine/tgem_context.h"
#include "engine/tgem_sched.h"
#include "gem/tgem_debug.h"
#include "gem/tgem_device.h"
#include "gem/tgem_file.h"

static void tgem_context_release(struct kref *ref)
{
	struct tgem_context *ctx = container_of(ref, struct tgem_context, ref);

	/* Only jobs put the last reference after close; their worker may
	 * still be returning from its last pass.
	 */
	flush_work(&ctx->run_work);
	WARN_ON(!list_empty(&ctx->run_list));
	kfree(ctx);
}

/**
 * tgem_context_get() - Take a reference to a context
 * @ctx: the context
 *
 * Context: Any context.
 * Return: @ctx.
 */
struct tgem_context *tgem_context_get(struct tgem_context *ctx)
{
	kref_get(&ctx->ref);
	return ctx;
}

/**
 * tgem_context_put() - Drop a reference to a context
 * @ctx: the context, or NULL
 *
 * The last reference frees it; by then it is closed (its entity is
 * destroyed) and no job refers to it.
 *
 * Context: Process context; may sleep (waits for the context's worker to
 * return). Never call it from the context's own worker.
 */
void tgem_context_put(struct tgem_context *ctx)
{
	if (ctx)
		kref_put(&ctx->ref, tgem_context_release);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_context_put);

/**
 * tgem_context_lookup() - Find a context of a file by id
 * @tfile: the file
 * @ctx_id: the id userspace gave
 *
 * Context: Any context; takes the xarray's lock.
 * Return: the context with a new reference (drop it with
 * tgem_context_put()), or NULL if @ctx_id names no context of @tfile.
 * A context closed concurrently may still be returned; tgem_job_create()
 * then fails with -ENOENT.
 */
struct tgem_context *tgem_context_lookup(struct tgem_file *tfile, u32 ctx_id)
{
	struct tgem_context *ctx;

	xa_lock(&tfile->contexts.xa);
	ctx = xa_load(&tfile->contexts.xa, ctx_id);
	if (ctx)
		tgem_context_get(ctx);
	xa_unlock(&tfile->contexts.xa);

	return ctx;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_context_lookup);

/**
 * tgem_context_ban() - Ban a context after one of its jobs timed out
 * @ctx: the context
 *
 * Context: Any context, also the fence signalling path; lockless.
 */
void tgem_context_ban(struct tgem_context *ctx)
{
	atomic_set(&ctx->banned, 1);
}

static struct tgem_context *tgem_context_create(struct tgem_device *tdev)
{
	struct tgem_context *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);

	kref_init(&ctx->ref);
	ctx->tdev = tdev;
	init_rwsem(&ctx->submit_lock);
	spin_lock_init(&ctx->run_lock);
	INIT_LIST_HEAD(&ctx->run_list);
	INIT_WORK(&ctx->run_work, tgem_sched_run_work);
	ctx->fence_context = dma_fence_context_alloc(1);

	ret = tgem_sched_entity_init(tdev, &ctx->entity);
	if (ret) {
		kfree(ctx);
		return ERR_PTR(ret);
	}

	return ctx;
}

/* Undo what the context's owner set up; jobs may still hold references. */
static void tgem_context_close(struct tgem_context *ctx)
{
	down_write(&ctx->submit_lock);
	ctx->closed = true;
	up_write(&ctx->submit_lock);

	drm_sched_entity_destroy(&ctx->entity);
}

/**
 * tgem_file_contexts_init() - Set up a file's context table
 * @tfile: the new file's state
 *
 * Context: Any context.
 */
void tgem_file_contexts_init(struct tgem_file *tfile)
{
	xa_init_flags(&tfile->contexts.xa, XA_FLAGS_ALLOC1);
}

/**
 * tgem_file_contexts_fini() - Destroy every context of a closing file
 * @tfile: the file's state
 *
 * Context: Process context; may sleep. No ioctl of the file runs any more.
 */
void tgem_file_contexts_fini(struct tgem_file *tfile)
{
	struct tgem_context *ctx;
	unsigned long id;

	xa_for_each(&tfile->contexts.xa, id, ctx) {
		xa_erase(&tfile->contexts.xa, id);
		tgem_context_close(ctx);
		tgem_context_put(ctx);
	}
	xa_destroy(&tfile->contexts.xa);
}

/**
 * tgem_context_create_ioctl() - &DRM_IOCTL_TGEM_CONTEXT_CREATE
 * @drm: the device
 * @data: a &struct drm_tgem_context_create
 * @file: the calling file
 *
 * Context: Process context; may sleep.
 * Return: 0 with &drm_tgem_context_create.ctx_id set, or a negative errno
 * (see &struct drm_tgem_context_create); on failure nothing is created.
 */
int tgem_context_create_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct tgem_file *tfile = to_tgem_file(file);
	struct drm_tgem_context_create *args = data;
	struct tgem_context *ctx;
	int ret;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->flags) ||
	    TGEM_IOCTL_DBG(drm, args->reserved[0] || args->reserved[1]))
		return -EINVAL;

	ctx = tgem_context_create(to_tgem_device(drm));
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	/*
	 * Once stored, the context is the xarray's: a CONTEXT_DESTROY in
	 * another thread, guessing the id, may drop that reference at once.
	 * xa_alloc() writes the id under the xa lock, before the entry is
	 * visible, and the ioctl keeps a reference of its own until it has
	 * read it back.
	 */
	tgem_context_get(ctx);
	ret = xa_alloc(&tfile->contexts.xa, &ctx->id, ctx,
		       XA_LIMIT(1, TGEM_MAX_CONTEXTS), GFP_KERNEL);
	if (ret) {
		TGEM_IOCTL_DBG(drm, ret == -EBUSY);
		tgem_context_close(ctx);
		tgem_context_put(ctx);
		tgem_context_put(ctx);
		return ret == -EBUSY ? -ENOSPC : ret;
	}

	args->ctx_id = ctx->id;
	tgem_context_put(ctx);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_context_create_ioctl);

/**
 * tgem_context_destroy_ioctl() - &DRM_IOCTL_TGEM_CONTEXT_DESTROY
 * @drm: the device
 * @data: a &struct drm_tgem_context_destroy
 * @file: the calling file
 *
 * Context: Process context; may sleep (waits for an execbuf in progress on
 * the context, and up to a second for jobs still waiting for their
 * dependencies).
 * Return: 0, -EINVAL for bad arguments, -ENOENT for an unknown id.
 */
int tgem_context_destroy_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct tgem_file *tfile = to_tgem_file(file);
	struct drm_tgem_context_destroy *args = data;
	struct tgem_context *ctx;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->flags) ||
	    TGEM_IOCTL_DBG(drm, args->reserved[0] || args->reserved[1]))
		return -EINVAL;

	ctx = xa_erase(&tfile->contexts.xa, args->ctx_id);
	if (TGEM_IOCTL_DBG(drm, !ctx))
		return -ENOENT;

	tgem_context_close(ctx);
	tgem_context_put(ctx);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_context_destroy_ioctl);
