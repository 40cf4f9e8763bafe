// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: User command execution
 *
 * Userspace runs work on tgem by handing &DRM_IOCTL_TGEM_EXECBUF a batch
 * buffer, a BO of commands for the software engine, with the list of BOs
 * the batch may reach. The commands refer to those BOs by GPU virtual
 * address, in the file's own address space ("GPU address space").
 * Userspace does not always know those addresses when it writes the
 * commands, so each BO may carry relocations: "write the address of BO
 * *t* plus *delta* at offset *o* of this BO". To spare the next execbuf
 * that work, the kernel tells userspace where each BO is, and keeps it
 * there for as long as it stays bound.
 *
 * tgem_execbuf_ioctl() runs in phases:
 *
 *  1. **Validation.** The arguments are checked (flags, MBZ fields, the
 *     batch's alignment and bounds, the exec objects, relocation counts
 *     and the byte sizes they imply, with overflow checks and
 *     %DRM_TGEM_EXEC_MAX_RELOCS as the bound), the context is looked up
 *     (``ENOENT``) and must not be banned (``EIO``), every handle is
 *     looked up (``ENOENT``), a handle or BO listed twice is refused
 *     (``EINVAL``) and so is a pinned address that cannot be. The
 *     fences (&struct drm_tgem_sync) are copied in and checked first,
 *     and looked up last, still with no lock held ("Execbuf fences"):
 *     the fence of every wait is taken now (a wait for submission waits
 *     here, where it can hold up nobody), and every out-fence gets what
 *     it needs (syncobj, timeline chain node, a reserved fd and its
 *     sync_file). Nothing is changed before all of this has passed.
 *
 *  2. **Reservation.** Every BO's dma_resv is locked with &drm_exec,
 *     which backs off and retries on ``-EDEADLK`` when another task locks
 *     an overlapping set in another order
 *     (drm_exec_until_all_locked() and drm_exec_retry_on_contention()),
 *     and one fence slot is reserved on each.
 *
 *  3. **Relocation, first pass.** Unless NO_RELOC lets the kernel skip
 *     relocations altogether (below), every relocation entry is read and
 *     checked (offset 8-byte aligned, its 8 bytes inside the BO, target
 *     in the list) without writing anything, so that a bad entry fails
 *     the execbuf before any BO has changed.
 *
 *  4. **Binding and residency.** Every BO is bound in the file's GPU
 *     address space (all or nothing; pinned BOs where userspace asks),
 *     then made resident: ttm_bo_validate() against the BO's own
 *     placement (a BO that lives in VRAM stays there; an evicted one
 *     comes back if VRAM has room), and a BO in system memory gets its
 *     pages (ttm_tt_populate()). The job's fence will keep it there:
 *     TTM moves and evicts a BO only once its fences have signalled.
 *
 *  5. **Relocation, second pass.** Every relocation whose presumed
 *     offset is not the target's address is written, through the reloc
 *     cache ("Reloc cache"), into system pages or VRAM alike. Before the
 *     first write into a BO the kernel waits for the BO's earlier work.
 *
 *  6. **Fencing and submission.** A job is created on the context, with
 *     one entry per BO (its address, size, a reference, and whether it is
 *     writable). It depends on the fences of the execbuf's waits
 *     (drm_sched_job_add_dependency()) and, for implicit
 *     synchronisation, on the fences already in each BO's dma_resv
 *     (drm_sched_job_add_resv_dependencies(): a writer waits for readers
 *     and writers, a reader for writers), except for the objects marked
 *     %DRM_TGEM_EXEC_OBJECT_ASYNC, whose userspace orders them with
 *     explicit fences: for those only the %DMA_RESV_USAGE_KERNEL fences
 *     (moves, clears), which dma-resv.h says every access must wait
 *     for. It is armed, its finished fence is added to each
 *     BO, ASYNC or not (%DMA_RESV_USAGE_WRITE for WRITE objects,
 *     %DMA_RESV_USAGE_READ otherwise), and to every out-fence: binary
 *     syncobjs get it as their fence, timeline syncobjs as a new point,
 *     sync_files as theirs. Nothing of that allocates or can fail: all was
 *     prepared in phase 1. The job is pushed to the scheduler, and only
 *     then are the locks dropped.
 *
 *  7. **Write-back.** With no lock held, each object's address is written
 *     to &drm_tgem_exec_object.offset, and each relocation that was
 *     written gets the real address in its presumed_offset. Both are
 *     hints: a fault there does not fail the execbuf, whose job is queued
 *     already. Last of all, the out-fence sync_files are installed at the
 *     fds reserved (and written into &drm_tgem_sync.fd) in phase 1; an
 *     execbuf that fails instead releases them unseen and puts the user's
 *     fd fields back, so a failure never signals or leaves an fd open.
 *
 * **Spurious ENOMEM.** TTM 6.12 reports a ww backoff while it evicts for
 * phase 4 (-EDEADLK on a victim's dma_resv, under the execbuf's ticket)
 * as ``-ENOMEM``, exactly as it reports a full memory; the ticket must
 * then back off, which only dropping every lock does. So an ``-ENOMEM``
 * from phases 2 to 6 drops every lock and runs them again, up to
 * %TGEM_EXEC_NOMEM_TRIES times in all, before userspace sees it, as
 * tgem_bo_validate() does for creation and MIGRATE.
 *
 * **Reading relocations under locks.** The relocation arrays are user
 * memory, and phases 3 and 5 run with dma_resv locks held. A page fault
 * there could need one of them: the array may live in a tgem BO mmapped
 * by the same process, whose fault handler takes the BO's dma_resv. So
 * the arrays are read a page of entries at a time with page faults
 * disabled (pagefault_disable() and __copy_from_user_inatomic(): the
 * fast path). If that faults, the slow path drops every lock, copies
 * every relocation array with copy_from_user(), which may fault and
 * sleep, into one kernel allocation bounded by
 * %DRM_TGEM_EXEC_MAX_RELOCS, then retakes the locks and starts phase 2
 * again from that copy. The debugfs counter ``slow_paths`` counts it.
 *
 * **The NO_RELOC contract.** With %DRM_TGEM_EXEC_NO_RELOC, userspace
 * promises that each exec object's offset is where it believes the BO
 * is, that every presumed_offset naming that BO equals it, and that the
 * BOs hold those addresses already. If every BO is bound at the offset
 * given, the kernel skips phases 3 and 5 completely: it does not read a
 * single relocation entry, so the cost of the execbuf does not depend on
 * how many there are. If any BO is elsewhere (it was never bound, or its
 * last handle was closed in between), the relocations are processed as
 * without the flag. A broken promise only hurts the caller's own batch.
 *
 * **Userptr BOs.** A userptr BO is an ordinary exec object, handled as
 * "Userptr and execbuf" prescribes: its stale pages are faulted in before
 * phase 2 (tgem_userptr_validate(), which takes ``mmap_lock`` and so
 * must run with no dma_resv held), phase 4 does not populate it, and
 * phase 6 checks under the userptr notifier lock that no invalidation
 * came in between, then arms the job and publishes its fence before
 * dropping that lock. If one did, the job is abandoned before arming and
 * the execbuf starts again from the validation, which refaults only what
 * the invalidation took, up to %TGEM_EXEC_USERPTR_TRIES times
 * (``EAGAIN`` after that). A read-only userptr is never writable by the
 * job, whatever the object's flags, and a userptr BO carries no
 * relocations: the kernel does not write user memory through the CPU.
 *
 * The debugfs file ``tgem_exec_stats`` counts execbufs, relocations
 * written, relocations skipped because their presumed offset was right,
 * slow paths taken and userptr restarts, per device.
 */

#include <linux/dma-resv.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_exec.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <uapi/drm/tgem_drm.h>

#include "engine/tgem_context.h"
#include "engine/tgem_job.h"
#include "execbuf/tgem_execbuf.h"
#include "execbuf/tgem_gpuvm.h"
#include "execbuf/tgem_reloc.h"
#include "execbuf/tgem_reloc_cache.h"
#include "execbuf/tgem_sync.h"
#include "gem/tgem_bo.h"
#include "gem/tgem_debug.h"
#include "gem/tgem_device.h"
#include "gem/tgem_file.h"
#include "userptr/tgem_userptr.h"

#define TGEM_EXEC_FLAGS		(DRM_TGEM_EXEC_NO_RELOC | DRM_TGEM_EXEC_HANDLE_LUT)
#define TGEM_EXEC_OBJECT_FLAGS	(DRM_TGEM_EXEC_OBJECT_WRITE | \
				 DRM_TGEM_EXEC_OBJECT_PINNED | \
				 DRM_TGEM_EXEC_OBJECT_ASYNC)
/* Attempts when invalidations keep hitting the userptrs of an execbuf. */
#define TGEM_EXEC_USERPTR_TRIES	8
/* Attempts before an -ENOMEM from TTM is believed (see tgem_bo_validate()). */
#define TGEM_EXEC_NOMEM_TRIES	3

/*
 * One execbuf in progress. Owned by the ioctl; nothing in it is shared.
 */
struct tgem_exec {
	struct tgem_device *tdev;
	struct tgem_file *tfile;
	struct drm_file *file;
	const struct drm_tgem_execbuf *args;
	struct tgem_context *ctx;

	/* The exec objects, copied from userspace. */
	struct drm_tgem_exec_object *uobjs;
	/* One lookup reference per object, in @uobjs order. */
	struct drm_gem_object **objs;
	/* Binding requests and results, in @uobjs order. */
	struct tgem_gpuvm_req *reqs;
	/* Relocation targets, with their sizes and (once bound) addresses. */
	struct tgem_reloc_set set;
	/* Whether relocations were written into each object. */
	bool *applied;

	/* One page of relocation entries. */
	struct drm_tgem_relocation_entry *buf;
	/* The slow path's copy of every relocation array, or NULL. */
	struct drm_tgem_relocation_entry *relocs;
	u64 num_relocs;

	/* The fences to wait for and to signal ("Execbuf fences"). */
	struct tgem_sync_set syncs;

	struct drm_exec exec;
	struct tgem_reloc_stats stats;
	/* Whether an object is a userptr BO ("Userptr and execbuf"). */
	bool has_userptr;
};

static int tgem_exec_check_args(struct drm_device *drm,
				const struct drm_tgem_execbuf *args)
{
	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->reserved[0] || args->reserved[1]) ||
	    TGEM_IOCTL_DBG(drm, args->flags & ~TGEM_EXEC_FLAGS))
		return -EINVAL;
	if (TGEM_IOCTL_DBG(drm, !args->num_objects ||
			   args->num_objects > DRM_TGEM_EXEC_MAX_OBJECTS) ||
	    TGEM_IOCTL_DBG(drm, args->batch_index >= args->num_objects))
		return -EINVAL;
	if (TGEM_IOCTL_DBG(drm, !IS_ALIGNED(args->batch_start, 8)) ||
	    TGEM_IOCTL_DBG(drm, !args->batch_len ||
			   !IS_ALIGNED(args->batch_len, 4)))
		return -EINVAL;
	return 0;
}

/* Copy and check the exec objects; look up and check their BOs. */
static int tgem_exec_lookup(struct tgem_exec *eb)
{
	const struct drm_tgem_execbuf *args = eb->args;
	struct drm_device *drm = &eb->tdev->drm;
	struct drm_tgem_exec_object *u;
	struct drm_gem_object *obj;
	size_t bytes;
	u32 i;
	int ret;

	eb->uobjs = kvmalloc_array(args->num_objects, sizeof(*eb->uobjs),
				   GFP_KERNEL);
	eb->objs = kvcalloc(args->num_objects, sizeof(*eb->objs), GFP_KERNEL);
	eb->reqs = kvcalloc(args->num_objects, sizeof(*eb->reqs), GFP_KERNEL);
	eb->applied = kvcalloc(args->num_objects, sizeof(*eb->applied),
			       GFP_KERNEL);
	eb->buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!eb->uobjs || !eb->objs || !eb->reqs || !eb->applied || !eb->buf)
		return -ENOMEM;

	if (copy_from_user(eb->uobjs, u64_to_user_ptr(args->objects_ptr),
			   array_size(args->num_objects, sizeof(*eb->uobjs))))
		return -EFAULT;

	for (i = 0; i < args->num_objects; i++) {
		u = &eb->uobjs[i];
		if (TGEM_IOCTL_DBG(drm, u->flags & ~TGEM_EXEC_OBJECT_FLAGS) ||
		    TGEM_IOCTL_DBG(drm, u->pad || u->reserved[0] || u->reserved[1]))
			return -EINVAL;
		ret = tgem_reloc_array_bytes(u->relocation_count, &bytes);
		if (TGEM_IOCTL_DBG(drm, ret))
			return ret;
	}
	ret = tgem_reloc_total(eb->uobjs, args->num_objects, &eb->num_relocs);
	if (TGEM_IOCTL_DBG(drm, ret))
		return ret;
	/* Sizes first, pointers second: EINVAL wins over EFAULT. */
	for (i = 0; i < args->num_objects; i++) {
		u = &eb->uobjs[i];
		bytes = array_size(u->relocation_count,
				   sizeof(struct drm_tgem_relocation_entry));
		if (TGEM_IOCTL_DBG(drm, !access_ok(u64_to_user_ptr(u->relocs_ptr),
						   bytes)))
			return -EFAULT;
	}

	ret = tgem_reloc_set_init(&eb->set, eb->uobjs, args->num_objects,
				  args->flags & DRM_TGEM_EXEC_HANDLE_LUT);
	if (TGEM_IOCTL_DBG(drm, ret == -EINVAL))
		return ret;
	if (ret)
		return ret;

	for (i = 0; i < args->num_objects; i++) {
		u = &eb->uobjs[i];
		obj = drm_gem_object_lookup(eb->file, u->handle);
		if (TGEM_IOCTL_DBG(drm, !obj))
			return -ENOENT;
		eb->objs[i] = obj;
		if (TGEM_IOCTL_DBG(drm, !tgem_bo_is_tgem(obj)))
			return -EINVAL;
		/* The kernel never writes into user memory through the CPU. */
		if (TGEM_IOCTL_DBG(drm, tgem_bo_is_userptr(gem_to_tgem_bo(obj)) &&
				   u->relocation_count))
			return -EINVAL;
		if (tgem_bo_is_userptr(gem_to_tgem_bo(obj)))
			eb->has_userptr = true;

		eb->set.objs[i].size = obj->size;
		eb->reqs[i].obj = obj;
		if (u->flags & DRM_TGEM_EXEC_OBJECT_PINNED) {
			eb->reqs[i].pinned = true;
			ret = tgem_gpuvm_check_pin(&eb->tfile->gpuvm, u->offset,
						   obj->size, &eb->reqs[i].pin_addr);
			if (TGEM_IOCTL_DBG(drm, ret))
				return ret;
		}
	}

	obj = eb->objs[args->batch_index];
	if (TGEM_IOCTL_DBG(drm, args->batch_start > obj->size ||
			   args->batch_len > obj->size - args->batch_start))
		return -EINVAL;
	return 0;
}

static void tgem_exec_release(struct tgem_exec *eb)
{
	u32 i;

	/* Last step of a successful execbuf: the out-fence fds go live. */
	tgem_sync_fini(&eb->syncs);

	if (eb->objs)
		for (i = 0; i < eb->args->num_objects; i++)
			if (eb->objs[i])
				drm_gem_object_put(eb->objs[i]);
	tgem_reloc_set_fini(&eb->set);
	kvfree(eb->relocs);
	kfree(eb->buf);
	kvfree(eb->applied);
	kvfree(eb->reqs);
	kvfree(eb->objs);
	kvfree(eb->uobjs);
	if (eb->ctx)
		tgem_context_put(eb->ctx);
}

/* Where the relocation entries of object @i are read from. */
static void tgem_exec_reloc_src(struct tgem_exec *eb, u32 i, u64 *first,
				struct tgem_reloc_src *src)
{
	const struct drm_tgem_exec_object *u = &eb->uobjs[i];

	src->count = u->relocation_count;
	if (eb->relocs) {
		src->user = NULL;
		src->kernel = eb->relocs + *first;
		*first += u->relocation_count;
	} else {
		src->user = u64_to_user_ptr(u->relocs_ptr);
		src->kernel = NULL;
	}
}

/* Phase 3: check every relocation, write nothing. -EFAULT: slow path. */
static int tgem_exec_validate_relocs(struct tgem_exec *eb)
{
	struct drm_device *drm = &eb->tdev->drm;
	struct tgem_reloc_src src;
	u64 first = 0;
	u32 i;
	int ret;

	for (i = 0; i < eb->args->num_objects; i++) {
		tgem_exec_reloc_src(eb, i, &first, &src);
		ret = tgem_reloc_validate(&eb->set, &src, eb->set.objs[i].size,
					  eb->buf);
		if (ret == -EFAULT)
			return ret;
		if (TGEM_IOCTL_DBG(drm, ret))
			return ret;
	}
	return 0;
}

/* Phase 5: write the relocations whose presumed offset is wrong. */
static int tgem_exec_apply_relocs(struct tgem_exec *eb)
{
	struct drm_device *drm = &eb->tdev->drm;
	struct tgem_reloc_cache cache;
	struct tgem_reloc_src src;
	u64 first = 0, applied;
	u32 i;
	int ret = 0;

	tgem_reloc_cache_init(&cache);
	for (i = 0; i < eb->args->num_objects; i++) {
		tgem_exec_reloc_src(eb, i, &first, &src);
		if (!src.count)
			continue;
		tgem_reloc_cache_set_bo(&cache, gem_to_tgem_bo(eb->objs[i]));
		applied = eb->stats.applied;
		ret = tgem_reloc_apply(&eb->set, &src, eb->set.objs[i].size,
				       &cache, eb->buf, &eb->stats);
		if (eb->stats.applied != applied)
			eb->applied[i] = true;
		if (ret == -EINVAL || ret == -ENOENT)
			drm_dbg(drm, "a relocation entry changed during the execbuf\n");
		if (ret)
			break;
	}
	tgem_reloc_cache_fini(&cache);
	return ret;
}

/*
 * The slow path: with no lock held, copy every relocation array into one
 * kernel allocation, so the next attempt reads nothing from userspace.
 */
static int tgem_exec_copy_relocs(struct tgem_exec *eb)
{
	const struct drm_tgem_exec_object *u;
	u64 first = 0;
	size_t bytes;
	u32 i;

	atomic64_inc(&eb->tdev->exec.slow_paths);

	/* num_relocs is at most DRM_TGEM_EXEC_MAX_RELOCS: this cannot wrap. */
	eb->relocs = kvmalloc_array(max_t(u64, eb->num_relocs, 1),
				    sizeof(*eb->relocs), GFP_KERNEL);
	if (!eb->relocs)
		return -ENOMEM;

	for (i = 0; i < eb->args->num_objects; i++) {
		u = &eb->uobjs[i];
		bytes = array_size(u->relocation_count, sizeof(*eb->relocs));
		if (copy_from_user(eb->relocs + first,
				   u64_to_user_ptr(u->relocs_ptr), bytes))
			return -EFAULT;
		first += u->relocation_count;
	}
	return 0;
}

/* Phase 4b: make every BO resident, and give system BOs their pages. */
static int tgem_exec_make_resident(struct tgem_exec *eb)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	struct ttm_buffer_object *tbo;
	struct tgem_bo *bo;
	u32 i;
	int ret;

	for (i = 0; i < eb->args->num_objects; i++) {
		bo = gem_to_tgem_bo(eb->objs[i]);
		tbo = &bo->ttm;
		dma_resv_assert_held(tbo->base.resv);
		/* A BO pinned for PRIME must stay where the importer has it. */
		if (!tbo->pin_count) {
			ret = ttm_bo_validate(tbo, &bo->placement, &ctx);
			if (ret)
				return ret;
		}
	}

	/* Populate after every validate: one may have evicted another BO. */
	for (i = 0; i < eb->args->num_objects; i++) {
		tbo = &gem_to_tgem_bo(eb->objs[i])->ttm;
		if (!tbo->resource)
			return -EINVAL;
		if (tbo->resource->mem_type != TTM_PL_SYSTEM)
			continue;
		/* Validated before the locks were taken, never populated. */
		if (tgem_bo_is_userptr(gem_to_tgem_bo(eb->objs[i])))
			continue;
		if (!tbo->ttm)
			return -EINVAL;
		ret = ttm_tt_populate(tbo->bdev, tbo->ttm, &ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* Whether every object is bound at the offset userspace passed. */
static bool tgem_exec_offsets_right(struct tgem_exec *eb)
{
	u64 offset;
	u32 i;

	for (i = 0; i < eb->args->num_objects; i++) {
		offset = eb->uobjs[i].offset;
		if (tgem_gpuvm_canonical(offset) != offset)
			return false;
		eb->reqs[i].addr = tgem_gpuvm_noncanonical(offset);
	}
	return tgem_gpuvm_all_bound_at(&eb->tfile->gpuvm, eb->reqs,
				       eb->args->num_objects);
}

static int tgem_exec_bind(struct tgem_exec *eb, bool *moved)
{
	u32 i;
	int ret;

	ret = tgem_gpuvm_bind(&eb->tfile->gpuvm, eb->reqs, eb->args->num_objects);
	if (ret)
		return ret;

	*moved = false;
	for (i = 0; i < eb->args->num_objects; i++) {
		eb->set.objs[i].addr = tgem_gpuvm_canonical(eb->reqs[i].addr);
		if (eb->reqs[i].state != TGEM_GPUVM_KEPT ||
		    eb->set.objs[i].addr != eb->uobjs[i].offset)
			*moved = true;
	}
	return 0;
}

/* Phase 6: create, fence and push the job. The BOs are locked. */
static int tgem_exec_submit(struct tgem_exec *eb)
{
	const struct drm_tgem_execbuf *args = eb->args;
	struct dma_fence *fence;
	enum dma_resv_usage usage;
	struct tgem_job *job;
	bool write;
	u32 i;
	int ret;

	job = tgem_job_create(eb->ctx, args->num_objects);
	if (IS_ERR(job))
		return PTR_ERR(job);

	ret = tgem_sync_add_deps(&eb->syncs, &job->base);
	if (ret) {
		tgem_job_abort(job);
		return ret;
	}

	for (i = 0; i < args->num_objects; i++) {
		struct tgem_bo *bo = gem_to_tgem_bo(eb->objs[i]);

		write = eb->uobjs[i].flags & DRM_TGEM_EXEC_OBJECT_WRITE;
		drm_gem_object_get(eb->objs[i]);
		job->maps[i].bo = bo;
		job->maps[i].gpu_addr = eb->reqs[i].addr;
		job->maps[i].size = eb->objs[i]->size;
		/* A write to a read-only userptr faults the job. */
		job->maps[i].writable = write &&
			!(tgem_bo_is_userptr(bo) && tgem_userptr_read_only(bo));

		/*
		 * ASYNC: userspace orders this object with explicit fences,
		 * but the kernel's own fences (a move or clear, here or by
		 * the driver that shares the BO) are always waited for.
		 */
		usage = eb->uobjs[i].flags & DRM_TGEM_EXEC_OBJECT_ASYNC ?
			DMA_RESV_USAGE_KERNEL : dma_resv_usage_rw(write);
		ret = drm_sched_job_add_resv_dependencies(&job->base,
							  eb->objs[i]->resv,
							  usage);
		if (ret) {
			tgem_job_abort(job);
			return ret;
		}
	}
	job->batch_addr = eb->reqs[args->batch_index].addr + args->batch_start;
	job->batch_len = args->batch_len;

	/*
	 * Userptr pages are valid only as long as no invalidation came since
	 * they were validated: check under the notifier lock, and publish the
	 * fence before dropping it, so the MMU notifier waits for the job.
	 */
	if (eb->has_userptr) {
		ret = tgem_userptr_lock(eb->tdev);
		if (ret) {
			tgem_job_abort(job);
			return ret;
		}
		for (i = 0; i < args->num_objects; i++) {
			struct tgem_bo *bo = gem_to_tgem_bo(eb->objs[i]);

			ret = tgem_bo_is_userptr(bo) ? tgem_userptr_check_locked(bo) : 0;
			if (ret) {
				tgem_userptr_unlock(eb->tdev);
				tgem_job_abort(job);
				return ret;
			}
		}
	}

	fence = tgem_job_arm(job);
	for (i = 0; i < args->num_objects; i++) {
		write = eb->uobjs[i].flags & DRM_TGEM_EXEC_OBJECT_WRITE;
		dma_resv_add_fence(eb->objs[i]->resv, fence,
				   write ? DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	}
	tgem_sync_signal(&eb->syncs, fence);
	if (eb->has_userptr)
		tgem_userptr_unlock(eb->tdev);
	tgem_job_push(job);
	return 0;
}

/* Before any lock: fault in what invalidations took from the userptrs. */
static int tgem_exec_validate_userptrs(struct tgem_exec *eb)
{
	struct tgem_bo *bo;
	u32 i;
	int ret;

	for (i = 0; eb->has_userptr && i < eb->args->num_objects; i++) {
		bo = gem_to_tgem_bo(eb->objs[i]);
		if (!tgem_bo_is_userptr(bo))
			continue;
		ret = tgem_userptr_validate(bo);
		if (ret)
			return ret;
	}
	return 0;
}

/* Phase 7: tell userspace where everything is. Faults are ignored. */
static void tgem_exec_writeback(struct tgem_exec *eb)
{
	struct drm_tgem_exec_object __user *uobjs =
		u64_to_user_ptr(eb->args->objects_ptr);
	const struct drm_tgem_exec_object *u;
	u32 i;

	for (i = 0; i < eb->args->num_objects; i++) {
		u = &eb->uobjs[i];
		if (u->offset != eb->set.objs[i].addr &&
		    put_user(eb->set.objs[i].addr, &uobjs[i].offset))
			break;
	}
	for (i = 0; i < eb->args->num_objects; i++) {
		u = &eb->uobjs[i];
		if (eb->applied[i])
			tgem_reloc_writeback(&eb->set, u64_to_user_ptr(u->relocs_ptr),
					     u->relocation_count, eb->buf);
	}
}

/* Phases 2 to 6; -EFAULT asks for the slow path. */
static int tgem_exec_run(struct tgem_exec *eb)
{
	const u32 n = eb->args->num_objects;
	bool skip_relocs, moved, validated = false;
	u32 i;
	int ret = 0;

	drm_exec_until_all_locked(&eb->exec) {
		for (i = 0; i < n; i++) {
			ret = drm_exec_prepare_obj(&eb->exec, eb->objs[i], 1);
			drm_exec_retry_on_contention(&eb->exec);
			if (ret)
				break;
		}
	}
	/* drm_exec says -EALREADY for a BO listed twice (two handles). */
	if (TGEM_IOCTL_DBG(&eb->tdev->drm, ret == -EALREADY))
		return -EINVAL;
	if (ret)
		return ret;

	/* NO_RELOC with every object where userspace thinks: no reloc work. */
	skip_relocs = (eb->args->flags & DRM_TGEM_EXEC_NO_RELOC) &&
		      tgem_exec_offsets_right(eb);
	if (!skip_relocs && eb->num_relocs) {
		ret = tgem_exec_validate_relocs(eb);
		if (ret)
			return ret;
		validated = true;
	}

	ret = tgem_exec_bind(eb, &moved);
	if (ret)
		return ret;
	/* A GEM_CLOSE in another thread may have unbound one meanwhile. */
	if (skip_relocs && moved)
		skip_relocs = false;

	ret = tgem_exec_make_resident(eb);
	/* tgem's own page limit (see "TTM device") is ENOMEM to userspace. */
	if (ret == -ENOSPC)
		ret = -ENOMEM;
	if (ret)
		return ret;

	if (!skip_relocs && eb->num_relocs) {
		if (!validated) {
			ret = tgem_exec_validate_relocs(eb);
			if (ret)
				return ret;
		}
		ret = tgem_exec_apply_relocs(eb);
		if (ret)
			return ret;
	}

	return tgem_exec_submit(eb);
}

/**
 * tgem_execbuf_ioctl() - &DRM_IOCTL_TGEM_EXECBUF
 * @drm: the DRM device
 * @data: a &struct drm_tgem_execbuf
 * @file: the caller's file
 *
 * See "User command execution" for the phases and "tgem execbuf" for the
 * uAPI contract.
 *
 * Context: Process context; may wait for a syncobj point to be submitted
 * before it takes any lock; takes the BOs' dma_resv locks (through
 * &drm_exec), the file's GPU address space lock under them, and sleeps.
 * Return: 0 once the job is queued, or a negative errno; see "tgem
 * execbuf". On failure no job was queued, no out-fence signalled and no
 * fd installed.
 */
int tgem_execbuf_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct tgem_exec eb = {
		.tdev = to_tgem_device(drm),
		.tfile = to_tgem_file(file),
		.file = file,
		.args = data,
	};
	unsigned int tries, nomem_tries = 0;
	int ret;

	ret = tgem_exec_check_args(drm, eb.args);
	if (ret)
		return ret;
	ret = tgem_sync_parse(drm, &eb.syncs, eb.args->syncs, eb.args->num_syncs);
	if (ret)
		goto out_release;

	eb.ctx = tgem_context_lookup(eb.tfile, eb.args->ctx_id);
	if (TGEM_IOCTL_DBG(drm, !eb.ctx)) {
		ret = -ENOENT;
		goto out_release;
	}
	if (TGEM_IOCTL_DBG(drm, tgem_context_is_banned(eb.ctx))) {
		ret = -EIO;
		goto out_release;
	}

	ret = tgem_exec_lookup(&eb);
	if (ret)
		goto out_release;
	/* No lock held: may wait for submission, and writes user memory. */
	ret = tgem_sync_lookup(drm, &eb.syncs, file);
	if (ret)
		goto out_release;

	for (tries = 1; ; tries++) {
		ret = tgem_exec_validate_userptrs(&eb);
		if (ret)
			goto out_release;

		eb.stats.applied = 0;
		eb.stats.skipped = 0;
		drm_exec_init(&eb.exec, DRM_EXEC_INTERRUPTIBLE_WAIT,
			      eb.args->num_objects);
		ret = tgem_exec_run(&eb);
		if (ret == -EFAULT && !eb.relocs) {
			/* The slow path: drop every lock before faulting. */
			drm_exec_fini(&eb.exec);
			eb.stats.applied = 0;
			eb.stats.skipped = 0;
			ret = tgem_exec_copy_relocs(&eb);
			if (ret)
				goto out_release;
			drm_exec_init(&eb.exec, DRM_EXEC_INTERRUPTIBLE_WAIT,
				      eb.args->num_objects);
			ret = tgem_exec_run(&eb);
		}
		drm_exec_fini(&eb.exec);

		/*
		 * -ENOMEM may be TTM's word for a ww backoff while it evicted
		 * for phase 4 (see tgem_bo_validate()): the ticket is spent,
		 * so try again from scratch, with every lock dropped, a few
		 * times before believing it.
		 */
		if (ret == -ENOMEM && ++nomem_tries < TGEM_EXEC_NOMEM_TRIES &&
		    !fatal_signal_pending(current)) {
			tries--;
			continue;
		}
		/* -EAGAIN: a userptr was invalidated since its validation. */
		if (ret != -EAGAIN || !eb.has_userptr ||
		    tries == TGEM_EXEC_USERPTR_TRIES)
			break;
		atomic64_inc(&eb.tdev->exec.userptr_restarts);
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	if (ret)
		goto out_release;

	atomic64_inc(&eb.tdev->exec.execbufs);
	atomic64_add(eb.stats.applied, &eb.tdev->exec.relocs_applied);
	atomic64_add(eb.stats.skipped, &eb.tdev->exec.relocs_skipped);
	tgem_exec_writeback(&eb);

out_release:
	tgem_exec_release(&eb);
	return ret;
}

static int tgem_exec_stats_show(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct tgem_device *tdev = to_tgem_device(entry->dev);

	seq_printf(m, "execbufs %lld\n", atomic64_read(&tdev->exec.execbufs));
	seq_printf(m, "relocs_applied %lld\n",
		   atomic64_read(&tdev->exec.relocs_applied));
	seq_printf(m, "relocs_skipped %lld\n",
		   atomic64_read(&tdev->exec.relocs_skipped));
	seq_printf(m, "slow_paths %lld\n", atomic64_read(&tdev->exec.slow_paths));
	seq_printf(m, "userptr_restarts %lld\n",
		   atomic64_read(&tdev->exec.userptr_restarts));
	return 0;
}

/**
 * tgem_execbuf_debugfs_init() - Register the execbuf counters in debugfs
 * @tdev: the device, before drm_dev_register()
 *
 * Adds ``tgem_exec_stats``: ``key value`` lines for the counters of
 * &tgem_device.exec.
 *
 * Context: Process context.
 */
void tgem_execbuf_debugfs_init(struct tgem_device *tdev)
{
	drm_debugfs_add_file(&tdev->drm, "tgem_exec_stats",
			     tgem_exec_stats_show, NULL);
}
