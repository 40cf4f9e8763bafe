// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Execbuf fences
 *
 * The fences of an execbuf (&struct drm_tgem_sync, see "tgem execbuf")
 * go through four steps, each at the point of the execbuf where it cannot
 * hurt:
 *
 *  1. tgem_sync_parse() copies the user's array in and checks every field
 *     (the count against %DRM_TGEM_EXEC_MAX_SYNCS, its byte size for
 *     overflow, types, flags, MBZ fields, timeline points). It needs no
 *     device, so KUnit tests it directly (suite ``tgem_sync``).
 *  2. tgem_sync_lookup(), with no lock held, takes everything the job
 *     will need: the fence of every wait (drm_syncobj_find_fence(), which
 *     waits for submission with %DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT, or
 *     sync_file_get_fence()), the syncobj of every signal, a chain node
 *     (dma_fence_chain_alloc()) for every timeline point to add, and for
 *     every out-fence sync_file a reserved fd (get_unused_fd_flags()) and
 *     the sync_file itself, on a placeholder fence. The fd number is
 *     written into the user's array here, so that a fault there fails the
 *     execbuf before anything has happened. Every lookup error is found
 *     here, before relocations write a single BO.
 *  3. tgem_sync_add_deps() makes each wait a dependency of the scheduler
 *     job (drm_sched_job_add_dependency()), before the job is armed.
 *  4. tgem_sync_signal(), after tgem_job_arm() and while the job cannot
 *     fail any more, replaces binary syncobj fences, adds the timeline
 *     points with their preallocated nodes and puts the job's finished
 *     fence into the sync_files. It allocates nothing and cannot fail.
 *
 * tgem_sync_fini() ends it all: after a successful execbuf it installs
 * the out-fence fds (fd_install(), the very last step: from there on
 * userspace owns them); after a failed one it releases the fds and the
 * sync_files unseen and puts the user's fd fields back as they were, so
 * nothing of a failed execbuf is visible.
 *
 * Why the waits are not looked up with drm_sched_job_add_syncobj_dependency()
 * when the job is built: by then the BOs are locked and relocations may
 * have been written, and waiting for submission under dma_resv locks could
 * deadlock against the execbuf that would submit the point.
 */

#include <linux/dma-fence.h>
#include <linux/dma-fence-chain.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_syncobj.h>
#include <drm/gpu_scheduler.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "execbuf/tgem_sync.h"
#include "gem/tgem_debug.h"

static_assert(sizeof(struct drm_tgem_sync) == 48);

#define TGEM_SYNC_FLAGS	(DRM_TGEM_SYNC_FLAG_SIGNAL | \
			 DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT)

/**
 * tgem_sync_array_bytes() - Byte size of an array of syncs
 * @count: number of entries, as userspace gave it
 * @bytes: out: the size in bytes
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if @count is above %DRM_TGEM_EXEC_MAX_SYNCS or the
 * size would overflow.
 */
int tgem_sync_array_bytes(u32 count, size_t *bytes)
{
	size_t n;

	if (count > DRM_TGEM_EXEC_MAX_SYNCS)
		return -EINVAL;
	if (check_mul_overflow((size_t)count, sizeof(struct drm_tgem_sync), &n))
		return -EINVAL;
	*bytes = n;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_sync_array_bytes);

/**
 * tgem_sync_check() - Check one sync as userspace gave it
 * @drm: the device, for the debug message; may be NULL
 * @s: the sync, in kernel memory
 *
 * Checks the fields alone: whether handles and fds name something is
 * tgem_sync_lookup()'s business.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL for a nonzero extensions, pad or reserved field,
 * an unknown type or flag, a timeline point of 0 for a timeline or nonzero
 * for another type, or %DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT on anything but
 * a syncobj wait.
 */
int tgem_sync_check(struct drm_device *drm, const struct drm_tgem_sync *s)
{
	bool submit = s->flags & DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT;

	if (TGEM_IOCTL_DBG(drm, s->extensions) ||
	    TGEM_IOCTL_DBG(drm, s->pad || s->reserved[0] || s->reserved[1]) ||
	    TGEM_IOCTL_DBG(drm, s->flags & ~TGEM_SYNC_FLAGS))
		return -EINVAL;
	if (TGEM_IOCTL_DBG(drm, submit && (s->flags & DRM_TGEM_SYNC_FLAG_SIGNAL)) ||
	    TGEM_IOCTL_DBG(drm, s->type > DRM_TGEM_SYNC_TYPE_SYNC_FILE))
		return -EINVAL;

	switch (s->type) {
	case DRM_TGEM_SYNC_TYPE_SYNCOBJ:
		if (TGEM_IOCTL_DBG(drm, s->timeline_value))
			return -EINVAL;
		return 0;
	case DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ:
		if (TGEM_IOCTL_DBG(drm, !s->timeline_value))
			return -EINVAL;
		return 0;
	default: /* DRM_TGEM_SYNC_TYPE_SYNC_FILE */
		if (TGEM_IOCTL_DBG(drm, s->timeline_value) ||
		    TGEM_IOCTL_DBG(drm, submit))
			return -EINVAL;
		return 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(tgem_sync_check);

/**
 * tgem_sync_parse() - Copy in and check the syncs of an execbuf
 * @drm: the device, for debug messages; may be NULL
 * @set: out: the parsed set, zeroed by the caller
 * @user_ptr: &drm_tgem_execbuf.syncs
 * @count: &drm_tgem_execbuf.num_syncs
 *
 * Context: Process context; may fault and sleep. No lock held.
 * Return: 0, or -EINVAL (a bad count, a nonzero @user_ptr with no syncs,
 * or a bad sync, see tgem_sync_check()), -EFAULT (the array cannot be
 * read), -ENOMEM. On failure as on success, @set holds nothing
 * tgem_sync_fini() would not release.
 */
int tgem_sync_parse(struct drm_device *drm, struct tgem_sync_set *set,
		    u64 user_ptr, u32 count)
{
	struct drm_tgem_sync *syncs;
	struct tgem_sync_entry *e;
	size_t bytes;
	u32 i;
	int ret;

	if (!count)
		return TGEM_IOCTL_DBG(drm, user_ptr) ? -EINVAL : 0;
	ret = tgem_sync_array_bytes(count, &bytes);
	if (TGEM_IOCTL_DBG(drm, ret))
		return ret;

	syncs = kvmalloc(bytes, GFP_KERNEL);
	if (!syncs)
		return -ENOMEM;
	if (copy_from_user(syncs, u64_to_user_ptr(user_ptr), bytes)) {
		ret = -EFAULT;
		goto out_free;
	}
	for (i = 0; i < count; i++) {
		ret = tgem_sync_check(drm, &syncs[i]);
		if (ret)
			goto out_free;
	}

	set->entries = kvcalloc(count, sizeof(*set->entries), GFP_KERNEL);
	if (!set->entries) {
		ret = -ENOMEM;
		goto out_free;
	}
	set->count = count;
	set->user = u64_to_user_ptr(user_ptr);
	for (i = 0; i < count; i++) {
		e = &set->entries[i];
		e->type = syncs[i].type;
		e->flags = syncs[i].flags;
		e->handle = syncs[i].handle;
		e->point = syncs[i].timeline_value;
		e->fd = -1;
	}
	ret = 0;
out_free:
	kvfree(syncs);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_sync_parse);

/* Find the fence a wait waits for. */
static int tgem_sync_lookup_wait(struct drm_device *drm,
				 struct tgem_sync_entry *e,
				 struct drm_file *file)
{
	struct dma_fence *fence = NULL;
	u64 flags = 0;
	int ret;

	if (e->type == DRM_TGEM_SYNC_TYPE_SYNC_FILE) {
		e->fence = sync_file_get_fence((int)e->handle);
		if (TGEM_IOCTL_DBG(drm, !e->fence))
			return -EINVAL;
		return 0;
	}

	if (e->flags & DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT)
		flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	/*
	 * On failure drm_syncobj_find_fence() may leave a fence it has put
	 * already in @fence: take it only on success.
	 */
	ret = drm_syncobj_find_fence(file, e->handle, e->point, flags, &fence);
	if (ret == -ERESTARTSYS || ret == -EINTR)
		return ret;
	/* ENOENT, EINVAL (nothing there yet), ETIME (nothing came). */
	if (TGEM_IOCTL_DBG(drm, ret))
		return ret;
	/* Signalled points come back as the stub; never NULL on success. */
	if (WARN_ON_ONCE(!fence))
		return -EINVAL;
	e->fence = fence;
	return 0;
}

/* Prepare a signal: everything it needs, allocated now. */
static int tgem_sync_lookup_signal(struct drm_device *drm,
				   struct tgem_sync_set *set, u32 i,
				   struct drm_file *file)
{
	struct tgem_sync_entry *e = &set->entries[i];
	struct dma_fence *stub;

	if (e->type != DRM_TGEM_SYNC_TYPE_SYNC_FILE) {
		e->syncobj = drm_syncobj_find(file, e->handle);
		if (TGEM_IOCTL_DBG(drm, !e->syncobj))
			return -ENOENT;
		if (e->type == DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ) {
			e->chain = dma_fence_chain_alloc();
			if (!e->chain)
				return -ENOMEM;
		}
		return 0;
	}

	e->fd = get_unused_fd_flags(O_CLOEXEC);
	if (e->fd < 0) {
		int ret = e->fd;

		e->fd = -1;
		return ret;
	}
	/* The job's fence exists only once it is armed: a placeholder. */
	stub = dma_fence_get_stub();
	e->sync_file = sync_file_create(stub);
	dma_fence_put(stub);
	if (!e->sync_file)
		return -ENOMEM;
	if (put_user(e->fd, &set->user[i].fd))
		return -EFAULT;
	return 0;
}

/**
 * tgem_sync_lookup() - Take every fence, syncobj and fd the syncs need
 * @drm: the device, for debug messages
 * @set: the set from tgem_sync_parse()
 * @file: the caller's file, whose syncobj handles the syncs use
 *
 * Waits for submission where %DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT asks,
 * and writes the reserved fd of every out-fence sync_file into the user's
 * array (see "Execbuf fences").
 *
 * Context: Process context; sleeps and may fault. Must hold no lock, no
 * dma_resv in particular.
 * Return: 0, or -ENOENT (an unknown syncobj handle), -EINVAL (an fd that
 * is no sync_file, a wait on nothing, see "tgem execbuf"), -ETIME (nothing
 * was submitted in time), -ERESTARTSYS, -EMFILE, -EFAULT, -ENOMEM. On
 * failure what was taken stays in @set for tgem_sync_fini().
 */
int tgem_sync_lookup(struct drm_device *drm, struct tgem_sync_set *set,
		     struct drm_file *file)
{
	struct tgem_sync_entry *e;
	u32 i;
	int ret;

	for (i = 0; i < set->count; i++) {
		e = &set->entries[i];
		if (e->flags & DRM_TGEM_SYNC_FLAG_SIGNAL)
			ret = tgem_sync_lookup_signal(drm, set, i, file);
		else
			ret = tgem_sync_lookup_wait(drm, e, file);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * tgem_sync_add_deps() - Make the waits dependencies of a job
 * @set: the set, looked up
 * @job: the scheduler job, not armed
 *
 * Context: Process context; may sleep (allocates).
 * Return: 0 or -ENOMEM. On failure the job keeps the dependencies added so
 * far; aborting it drops them.
 */
int tgem_sync_add_deps(struct tgem_sync_set *set, struct drm_sched_job *job)
{
	struct tgem_sync_entry *e;
	u32 i;
	int ret;

	for (i = 0; i < set->count; i++) {
		e = &set->entries[i];
		if (!e->fence)
			continue;
		ret = drm_sched_job_add_dependency(job, dma_fence_get(e->fence));
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * tgem_sync_signal() - Attach a job's fence to every out-fence
 * @set: the set, looked up
 * @fence: the job's finished fence, armed
 *
 * Replaces the fence of every binary syncobj to signal, adds every
 * timeline point (the syncobj takes over the chain node) and puts @fence
 * into every out-fence sync_file, whose fd is not installed yet.
 *
 * Context: Process context, after tgem_job_arm() and before the job is
 * pushed; may hold dma_resv locks. Allocates nothing and cannot fail.
 */
void tgem_sync_signal(struct tgem_sync_set *set, struct dma_fence *fence)
{
	struct tgem_sync_entry *e;
	struct dma_fence *old;
	u32 i;

	for (i = 0; i < set->count; i++) {
		e = &set->entries[i];
		if (!(e->flags & DRM_TGEM_SYNC_FLAG_SIGNAL))
			continue;
		if (e->chain) {
			drm_syncobj_add_point(e->syncobj, e->chain, fence, e->point);
			e->chain = NULL;
		} else if (e->syncobj) {
			drm_syncobj_replace_fence(e->syncobj, fence);
		} else if (e->sync_file) {
			/*
			 * Its file is nobody else's until fd_install(): no one
			 * can be polling or reading the placeholder.
			 */
			old = e->sync_file->fence;
			e->sync_file->fence = dma_fence_get(fence);
			dma_fence_put(old);
		}
	}
	set->signalled = true;
}

/**
 * tgem_sync_fini() - Finish with the syncs of an execbuf
 * @set: the set; may be empty, or partly looked up
 *
 * If tgem_sync_signal() ran (the execbuf succeeded), installs every
 * out-fence sync_file at its fd. Otherwise releases the fds and
 * sync_files unseen and writes the user's input values back into their
 * fd fields (best effort: a fault is ignored). Then drops every
 * reference the set holds.
 *
 * Context: Process context; may fault. Must hold no dma_resv. Call it as
 * the last step of the execbuf: installed fds belong to userspace at once.
 */
void tgem_sync_fini(struct tgem_sync_set *set)
{
	struct tgem_sync_entry *e;
	u32 i;

	for (i = 0; i < set->count; i++) {
		e = &set->entries[i];
		if (e->sync_file && set->signalled) {
			fd_install(e->fd, e->sync_file->file);
		} else {
			if (e->sync_file)
				fput(e->sync_file->file);
			if (e->fd >= 0) {
				put_unused_fd(e->fd);
				/* Best effort: a fault here changes nothing. */
				put_user((s32)e->handle, &set->user[i].fd);
			}
		}
		dma_fence_chain_free(e->chain);
		if (e->syncobj)
			drm_syncobj_put(e->syncobj);
		dma_fence_put(e->fence);
	}
	kvfree(set->entries);
	set->entries = NULL;
	set->count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_sync_fini);
