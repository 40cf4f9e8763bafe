// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Userptr
 *
 * A userptr BO (&DRM_IOCTL_TGEM_GEM_USERPTR) is a GEM object whose memory
 * is a range of its creator's address space. tgem never pins those pages:
 * it mirrors them, the way xe does since its 2025 fixes, so the core mm
 * stays free to reclaim, migrate, compact and unmap them at any time.
 *
 * **Mirroring.** One &struct mmu_interval_notifier per BO covers its whole
 * range. A validation (tgem_userptr_validate()) reads the notifier
 * sequence with mmu_interval_read_begin(), takes a reference on the mm
 * with mmget_not_zero() and ``mmap_lock`` for reading, and calls
 * hmm_range_fault() with %HMM_PFN_REQ_FAULT (plus %HMM_PFN_REQ_WRITE unless
 * the BO is read-only) on the stale pages only (see "Stale ranges"). It
 * retries on ``-EBUSY`` for up to %HMM_RANGE_DEFAULT_TIMEOUT ms. The pfns
 * become &struct page pointers only under the notifier lock, and only if
 * mmu_interval_read_retry() says no invalidation came in between: no
 * &struct page is ever looked at on the strength of a stale sequence (the
 * CVE-2025-21939 class of bug). No get_user_pages() or pin_user_pages()
 * appears anywhere in tgem.
 *
 * **Invalidation.** The notifier callback takes the notifier lock for
 * writing, moves the sequence on with mmu_interval_set_seq(), adds the
 * pages the invalidation covers to the stale set, waits for every fence in
 * the BO's dma_resv (all usages: a job that may touch the pages must be
 * done before the mm takes them) and clears those pages' entries. A
 * non-blockable invalidation (the OOM reaper) gets false, as the
 * mmu_interval_notifier API requires; the mm then leaves the range alone.
 *
 * **Backing store.** The BO is a %ttm_bo_type_device BO in system memory
 * only (placement %DRM_TGEM_PLACEMENT_SYSTEM), and its &struct ttm_tt is
 * created with %TTM_TT_FLAG_EXTERNAL: the pages are not TTM's. TTM never
 * populates it (the populate hook says ``-EFAULT``), so TTM never puts pool
 * pages behind it, never swaps it out (swapout skips external and
 * unpopulated tts) and has nothing to move: the page directory
 * (&tgem_userptr.pages) belongs to this file. Because the tt is never
 * populated, every kernel path that wants a BO's pages through TTM (CPU
 * faults, short-term kernel mappings, dma-buf attachment) fails cleanly on
 * a userptr BO instead of touching user pages behind the notifier's back.
 * The BO has no fake mmap offset, MMAP_OFFSET answers ``ENODEV``, MIGRATE
 * to VRAM ``EINVAL`` (VRAM is not in its placement) and PRIME export
 * ``EPERM``.
 *
 * **Memory cgroups.** What the kernel allocates for a userptr BO on behalf
 * of its creator is charged to the creator's memory cgroup, like the rest
 * of a tgem BO (see "TTM device"): &struct tgem_userptr, the &struct
 * ttm_tt and its page directory (8 bytes a page of the range, allocated
 * by tgem_userptr_tt_create() itself rather than by ttm_tt_init(), whose
 * %GFP_KERNEL cannot be changed), and the pfn array a validation needs
 * while it runs. The pages themselves are the user's and charged when the
 * user faulted them. The notifier callback allocates nothing: it runs in
 * direct reclaim, and a charge there could recurse into it.
 *
 * **Whose memory.** The range is always the creator's mm, whichever
 * process submits the BO later. After fork() the child's copy-on-write
 * pages are its own; the parent's writes break COW, which invalidates the
 * range, and the next validation faults the parent's new pages. Once the
 * creator's mm is gone (it exited, and the BO lives on in a passed fd),
 * validation fails with ``-EFAULT``.
 *
 * **Userptr lifetime.** When the last GEM reference goes, the notifier
 * must be removed before the BO is freed, since the callback uses the BO.
 * mmu_interval_notifier_remove() sleeps until any invalidation in progress
 * on the mm is done, and such an invalidation may be waiting for a job
 * fence; the last reference may be dropped by the scheduler's free_job,
 * on a workqueue that job fences depend on. So the removal runs on the
 * device's own workqueue (&tgem_userptr_device.wq), which then drops the
 * BO's TTM reference. The workqueue is drained before TTM is torn down.
 */

#include <linux/dma-resv.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_managed.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/visibility.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "ttm/tgem_ttm.h"
#include "userptr/tgem_userptr.h"
#include "userptr/tgem_userptr_range.h"

static struct tgem_userptr_device *tgem_userptr_dev(struct tgem_bo *bo)
{
	return &ttm_to_tgem_device(bo->ttm.bdev)->userptr;
}

static bool tgem_userptr_invalidate(struct mmu_interval_notifier *mni,
				    const struct mmu_notifier_range *range,
				    unsigned long cur_seq)
{
	struct tgem_userptr *up = container_of(mni, struct tgem_userptr, notifier);
	struct tgem_bo *bo = up->bo;
	struct tgem_userptr_device *ud = tgem_userptr_dev(bo);
	struct tgem_userptr_range r;
	long lret;

	if (!mmu_notifier_range_blockable(range))
		return false;

	down_write(&ud->notifier_lock);
	mmu_interval_set_seq(mni, cur_seq);

	if (tgem_userptr_range_clip(up->addr, up->npages, range->start,
				    range->end, &r)) {
		tgem_userptr_ranges_add(&up->stale, r.start, r.end);

		/* No engine may touch a page the mm is about to take away. */
		lret = dma_resv_wait_timeout(bo->ttm.base.resv,
					     DMA_RESV_USAGE_BOOKKEEP, false,
					     MAX_SCHEDULE_TIMEOUT);
		drm_WARN_ON(bo->ttm.base.dev, lret <= 0);

		memset(&up->pages[r.start], 0,
		       (r.end - r.start) * sizeof(*up->pages));
		atomic64_inc(&ud->stats.invalidations);
		atomic64_add(r.end - r.start, &ud->stats.pages_invalidated);
	}

	up_write(&ud->notifier_lock);
	return true;
}

static const struct mmu_interval_notifier_ops tgem_userptr_notifier_ops = {
	.invalidate = tgem_userptr_invalidate,
};

static void tgem_userptr_free_work(struct work_struct *work)
{
	struct tgem_userptr *up = container_of(work, struct tgem_userptr,
					       free_work);

	mmu_interval_notifier_remove(&up->notifier);
	/* The BO, and @up with it, may be gone after this. */
	ttm_bo_put(&up->bo->ttm);
}

/**
 * tgem_userptr_create() - Create a userptr BO over the caller's memory
 * @tdev: the device
 * @addr: user address in current's mm; page aligned
 * @size: bytes; page aligned, nonzero, at most tgem_userptr_max_size()
 * @read_only: the engine may only read the pages
 *
 * Registers the MMU interval notifier; faults nothing in. Every page
 * starts stale, so the first validation faults them all.
 *
 * Context: Process context with an mm; may sleep, and takes ``mmap_lock``
 * for writing if this is the mm's first notifier. Holds no lock of tgem's.
 * Return: the BO, holding one GEM reference the caller owns; or
 * ERR_PTR(-ENOMEM), or another errno from TTM or
 * mmu_interval_notifier_insert(). On failure nothing is left allocated.
 */
struct tgem_bo *tgem_userptr_create(struct tgem_device *tdev, u64 addr,
				    u64 size, bool read_only)
{
	struct tgem_userptr *up;
	struct tgem_bo *bo;
	int ret;

	if (drm_WARN_ON(&tdev->drm, !current->mm ||
			tgem_userptr_range_check(addr, size,
						 tgem_userptr_max_size(tdev))))
		return ERR_PTR(-EINVAL);

	up = kzalloc(sizeof(*up), GFP_KERNEL_ACCOUNT);
	if (!up)
		return ERR_PTR(-ENOMEM);

	up->addr = addr;
	up->npages = size >> PAGE_SHIFT;
	up->read_only = read_only;
	mutex_init(&up->lock);
	tgem_userptr_ranges_init(&up->stale);
	tgem_userptr_ranges_add(&up->stale, 0, up->npages);
	INIT_WORK(&up->free_work, tgem_userptr_free_work);

	/* From here on the BO owns @up, and frees it even on failure. */
	bo = tgem_bo_create_userptr(tdev, size, up);
	if (IS_ERR(bo))
		return bo;
	up->bo = bo;

	/* No fake offset: nothing can mmap() it, even at a guessed offset. */
	drm_vma_offset_remove(tdev->drm.vma_offset_manager, &bo->ttm.base.vma_node);

	ret = mmu_interval_notifier_insert(&up->notifier, current->mm, addr,
					   size, &tgem_userptr_notifier_ops);
	if (ret) {
		tgem_bo_put(bo);
		return ERR_PTR(ret);
	}
	up->inserted = true;
	return bo;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_create);

/* hmm_range_fault() over the ranges of @todo; the pfns go to @pfns in order. */
static int tgem_userptr_fault(struct tgem_userptr *up,
			      const struct tgem_userptr_ranges *todo,
			      unsigned long seq, unsigned long *pfns)
{
	struct mm_struct *mm = up->notifier.mm;
	struct hmm_range range = {
		.notifier = &up->notifier,
		.notifier_seq = seq,
		.default_flags = HMM_PFN_REQ_FAULT |
				 (up->read_only ? 0 : HMM_PFN_REQ_WRITE),
		.pfn_flags_mask = 0,	/* default_flags alone decide */
	};
	unsigned int i;
	int ret = 0;

	if (tgem_userptr_ranges_empty(todo))
		return 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (i = 0; i < todo->count; i++) {
		range.start = up->addr + ((u64)todo->r[i].start << PAGE_SHIFT);
		range.end = up->addr + ((u64)todo->r[i].end << PAGE_SHIFT);
		range.hmm_pfns = pfns;
		ret = hmm_range_fault(&range);
		if (ret)
			break;
		pfns += todo->r[i].end - todo->r[i].start;
	}
	mmap_read_unlock(mm);

	/* hmm says -EPERM for a write to read-only memory: that is EFAULT too. */
	return ret == -EPERM ? -EFAULT : ret;
}

/* Make the faulted pages the BO's, if no invalidation came since @seq. */
static int tgem_userptr_commit(struct tgem_userptr *up,
			       struct tgem_userptr_device *ud,
			       const struct tgem_userptr_ranges *todo,
			       unsigned long seq, const unsigned long *pfns)
{
	pgoff_t p, n = 0;
	unsigned int i;

	down_write(&ud->notifier_lock);
	if (mmu_interval_read_retry(&up->notifier, seq)) {
		up_write(&ud->notifier_lock);
		return -EAGAIN;
	}

	/* The pfns are trustworthy only now, under the lock. */
	for (i = 0; i < todo->count; i++) {
		for (p = todo->r[i].start; p < todo->r[i].end; p++)
			up->pages[p] = hmm_pfn_to_page(pfns[n++]);
		tgem_userptr_ranges_clear(&up->stale, todo->r[i].start,
					  todo->r[i].end);
	}
	up->notifier_seq = seq;
	up_write(&ud->notifier_lock);

	atomic64_inc(&ud->stats.validations);
	atomic64_add(n, &ud->stats.pages_faulted);
	return 0;
}

/**
 * tgem_userptr_validate() - Fault in the stale pages of a userptr BO
 * @bo: a userptr BO; the caller holds a reference
 *
 * Faults in the pages invalidated since the last validation (all of them
 * the first time) and no others, and commits them as the BO's backing
 * under the notifier lock. A BO with nothing stale costs a lock and a
 * sequence check. Success says the pages were valid at the commit; only
 * tgem_userptr_check_locked() can say they still are (see "Userptr and
 * execbuf").
 *
 * Context: Process context. Takes the BO's validation mutex, the mm's
 * ``mmap_lock`` for reading and the notifier lock: the caller must hold
 * none of them and no dma_resv. May sleep and allocate.
 * Return: 0 on success; -EFAULT if a page cannot be faulted (no VMA, a
 * %VM_PFNMAP or %VM_IO mapping such as a tgem BO's, no read access, or no
 * write access for a writable userptr) or the creator's mm is gone;
 * -EBUSY if invalidations kept coming for %HMM_RANGE_DEFAULT_TIMEOUT ms;
 * -ENOMEM; -EINTR or -ERESTARTSYS on a signal. On failure the stale set is
 * unchanged.
 */
int tgem_userptr_validate(struct tgem_bo *bo)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct tgem_userptr_device *ud = tgem_userptr_dev(bo);
	struct tgem_userptr *up = bo->userptr;
	struct tgem_userptr_ranges todo;
	unsigned long *pfns = NULL, seq;
	pgoff_t npages, cap = 0;
	bool valid;
	int ret;

	if (drm_WARN_ON(bo->ttm.base.dev, !up || !up->inserted))
		return -EINVAL;

	ret = mutex_lock_interruptible(&up->lock);
	if (ret)
		return ret;

	down_read(&ud->notifier_lock);
	valid = tgem_userptr_ranges_empty(&up->stale) &&
		!mmu_interval_read_retry(&up->notifier, up->notifier_seq);
	up_read(&ud->notifier_lock);
	if (valid)
		goto out_unlock;

	if (!mmget_not_zero(up->notifier.mm)) {
		ret = -EFAULT;
		goto out_unlock;
	}

	for (;;) {
		seq = mmu_interval_read_begin(&up->notifier);

		/* What is stale now; anything later moves the sequence on. */
		down_read(&ud->notifier_lock);
		todo = up->stale;
		up_read(&ud->notifier_lock);

		npages = tgem_userptr_ranges_pages(&todo);
		if (npages > cap) {
			kvfree(pfns);
			pfns = kvmalloc_array(npages, sizeof(*pfns),
					      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
			if (!pfns) {
				ret = -ENOMEM;
				break;
			}
			cap = npages;
		}

		ret = tgem_userptr_fault(up, &todo, seq, pfns);
		if (!ret)
			ret = tgem_userptr_commit(up, ud, &todo, seq, pfns);
		if (ret != -EBUSY && ret != -EAGAIN)
			break;

		atomic64_inc(&ud->stats.retries);
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (time_after(jiffies, timeout)) {
			ret = -EBUSY;
			break;
		}
		cond_resched();
	}

	mmput(up->notifier.mm);
	kvfree(pfns);
out_unlock:
	mutex_unlock(&up->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_validate);

/**
 * tgem_userptr_lock() - Take the notifier lock for the "still valid?" check
 * @tdev: the device
 *
 * Held for reading from tgem_userptr_check_locked() until the job's fence
 * is in every dma_resv. Nothing may allocate memory while it is held: the
 * MMU notifier, which takes it for writing, runs in direct reclaim.
 *
 * Context: Process context; may sleep. Taken under dma_resv locks, never
 * under ``mmap_lock`` by tgem.
 * Return: 0, or -EINTR on a signal.
 */
int tgem_userptr_lock(struct tgem_device *tdev)
{
	return down_read_interruptible(&tdev->userptr.notifier_lock);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_lock);

/**
 * tgem_userptr_unlock() - Drop the lock tgem_userptr_lock() took
 * @tdev: the device
 *
 * Context: Process context.
 */
void tgem_userptr_unlock(struct tgem_device *tdev)
{
	up_read(&tdev->userptr.notifier_lock);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_unlock);

/**
 * tgem_userptr_check_locked() - Whether a userptr BO's pages are still valid
 * @bo: a userptr BO
 *
 * Context: tgem_userptr_lock() held.
 * Return: 0 if every page is valid and no invalidation came since the
 * validation that committed them; -EAGAIN otherwise: validate again.
 */
int tgem_userptr_check_locked(struct tgem_bo *bo)
{
	struct tgem_userptr *up = bo->userptr;

	lockdep_assert_held(&tgem_userptr_dev(bo)->notifier_lock);

	if (!tgem_userptr_ranges_empty(&up->stale) ||
	    mmu_interval_read_retry(&up->notifier, up->notifier_seq))
		return -EAGAIN;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_check_locked);

/**
 * tgem_userptr_flush() - Wait until released userptr BOs are gone
 * @tdev: the device
 *
 * Runs the pending notifier removals, and with them the TTM puts of the
 * userptr BOs whose last GEM reference is gone.
 *
 * Context: Process context; sleeps. Must not be called from the
 * scheduler's or TTM's workqueues, nor under any lock.
 */
void tgem_userptr_flush(struct tgem_device *tdev)
{
	flush_workqueue(tdev->userptr.wq);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_flush);

/**
 * tgem_userptr_gem_free() - The last GEM reference to a userptr BO is gone
 * @bo: the BO
 *
 * Hands the notifier removal and the BO's TTM reference to the device's
 * workqueue (see "Userptr lifetime"); a BO whose notifier was never
 * inserted is put at once.
 *
 * Context: Any context that may queue work; does not sleep.
 */
void tgem_userptr_gem_free(struct tgem_bo *bo)
{
	struct tgem_userptr *up = bo->userptr;

	if (!up->inserted) {
		ttm_bo_put(&bo->ttm);
		return;
	}
	queue_work(tgem_userptr_dev(bo)->wq, &up->free_work);
}

/**
 * tgem_userptr_free() - Free the mirror state of a destroyed BO
 * @up: the state, or NULL
 *
 * Called by the BO's TTM destroy callback, once the notifier is gone.
 *
 * Context: Process context.
 */
void tgem_userptr_free(struct tgem_userptr *up)
{
	if (!up)
		return;
	mutex_destroy(&up->lock);
	kfree(up);
}

/**
 * tgem_userptr_tt_create() - The &struct ttm_tt of a userptr BO
 * @tbo: the BO, whose &tgem_bo.userptr is set
 * @page_flags: TTM's flags; %TTM_TT_FLAG_ZERO_ALLOC is dropped (the pages
 *              are the user's) and %TTM_TT_FLAG_EXTERNAL added
 *
 * Its page directory becomes &tgem_userptr.pages. Both are charged to the
 * current task's memory cgroup (see "Userptr"). tgem_ttm_tt_destroy()
 * frees them like any other tt: ttm_tt_fini() frees the directory.
 *
 * Context: Called by TTM with @tbo reserved; may sleep.
 * Return: the tt, or NULL when out of memory.
 */
struct ttm_tt *tgem_userptr_tt_create(struct ttm_buffer_object *tbo,
				      u32 page_flags)
{
	struct tgem_userptr *up = ttm_to_tgem_bo(tbo)->userptr;
	struct ttm_tt *tt;

	/* A userptr BO lives in system memory only: TTM never recreates it. */
	if (drm_WARN_ON(tbo->base.dev, up->pages))
		return NULL;

	tt = kzalloc(sizeof(*tt), GFP_KERNEL_ACCOUNT);
	if (!tt)
		return NULL;

	/* What ttm_tt_init() sets up, with the directory charged. */
	tt->num_pages = PFN_UP(tbo->base.size);
	tt->page_flags = (page_flags & ~TTM_TT_FLAG_ZERO_ALLOC) |
			 TTM_TT_FLAG_EXTERNAL;
	tt->caching = ttm_cached;
	tt->sg = tbo->sg;
	tt->pages = kvcalloc(tt->num_pages, sizeof(*tt->pages),
			     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!tt->pages) {
		kfree(tt);
		return NULL;
	}

	up->pages = tt->pages;
	return tt;
}

/**
 * tgem_userptr_is_tt() - Whether a tt is a userptr BO's
 * @tt: the tt
 *
 * Every tgem tt is %TTM_TT_FLAG_EXTERNAL, since tgem allocates system
 * pages itself (see "TTM device"); those are also
 * %TTM_TT_FLAG_EXTERNAL_MAPPABLE. A userptr's tt is the one external tt
 * that is not mappable: TTM must never map the user's pages, which stay
 * valid only under the notifier protocol. An importer of foreign
 * dma-bufs would need a mark of its own.
 *
 * Context: Any context.
 * Return: true if @tt was made by tgem_userptr_tt_create().
 */
bool tgem_userptr_is_tt(const struct ttm_tt *tt)
{
	return (tt->page_flags & (TTM_TT_FLAG_EXTERNAL | TTM_TT_FLAG_EXTERNAL_MAPPABLE)) ==
	       TTM_TT_FLAG_EXTERNAL;
}

/**
 * tgem_userptr_tt_populate() - What TTM gets when it wants a userptr's pages
 * @tt: a userptr tt
 *
 * The pages come only from tgem_userptr_validate(), under the notifier
 * protocol; TTM can neither fault them (it holds a dma_resv, below
 * ``mmap_lock``) nor keep them valid. So the tt is never populated in
 * TTM's sense, and each TTM path that wants a BO's pages (CPU fault,
 * kernel mapping, attachment) fails cleanly.
 *
 * Context: Called by TTM with the BO reserved.
 * Return: -EFAULT, always.
 */
int tgem_userptr_tt_populate(struct ttm_tt *tt)
{
	return -EFAULT;
}

/**
 * tgem_userptr_max_size() - Largest userptr tgem accepts
 * @tdev: the device
 *
 * A userptr is system memory whose pages must all be resident at once when
 * a job uses it, and its page count must fit TTM's 32-bit
 * &ttm_tt.num_pages.
 *
 * Context: Any context.
 * Return: the limit in bytes, a multiple of PAGE_SIZE: the size of the
 * system memory region, or 2^32 - 1 pages if that is less.
 */
u64 tgem_userptr_max_size(struct tgem_device *tdev)
{
	return min_t(u64, (u64)U32_MAX << PAGE_SHIFT, tgem_ttm_sys_total(tdev));
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_max_size);

static int tgem_userptr_stats_show(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct tgem_userptr_device *ud = &to_tgem_device(entry->dev)->userptr;

	seq_printf(m, "validations %lld\n", atomic64_read(&ud->stats.validations));
	seq_printf(m, "pages_faulted %lld\n", atomic64_read(&ud->stats.pages_faulted));
	seq_printf(m, "retries %lld\n", atomic64_read(&ud->stats.retries));
	seq_printf(m, "invalidations %lld\n", atomic64_read(&ud->stats.invalidations));
	seq_printf(m, "pages_invalidated %lld\n",
		   atomic64_read(&ud->stats.pages_invalidated));
	return 0;
}

/*
 * Teach lockdep the orders of Documentation/locking.rst that involve the
 * notifier lock, once, so that a path that breaks them is reported even if
 * the tests never hit the other side of the cycle.
 */
static void tgem_userptr_lockdep_prime(struct tgem_userptr_device *ud)
{
	struct mm_struct *mm = current->mm;
	struct ww_acquire_ctx ctx;
	struct dma_resv resv;

	if (!IS_ENABLED(CONFIG_LOCKDEP))
		return;

	dma_resv_init(&resv);
	if (mm)
		mmap_read_lock(mm);

	/* execbuf: the "still valid?" check, under the BOs' dma_resv */
	ww_acquire_init(&ctx, &reservation_ww_class);
	if (!dma_resv_lock(&resv, &ctx)) {
		down_read(&ud->notifier_lock);
		up_read(&ud->notifier_lock);
		dma_resv_unlock(&resv);
	}
	ww_acquire_fini(&ctx);

	/* the MMU notifier: under mmap_lock (munmap), and in direct reclaim */
	fs_reclaim_acquire(GFP_KERNEL);
	down_write(&ud->notifier_lock);
	up_write(&ud->notifier_lock);
	fs_reclaim_release(GFP_KERNEL);

	if (mm)
		mmap_read_unlock(mm);
	dma_resv_fini(&resv);
}

static void tgem_userptr_wq_fini(struct drm_device *drm, void *wq)
{
	destroy_workqueue(wq);
}

/**
 * tgem_userptr_device_init() - Set up a device's userptr state
 * @tdev: the device, after tgem_ttm_init()
 *
 * Initialises the notifier lock and primes lockdep with its place in the
 * lock order, creates the workqueue that removes notifiers (drained and
 * destroyed by a drmm action, before TTM goes away) and adds the debugfs
 * file ``tgem_userptr_stats``.
 *
 * Context: Process context; may sleep.
 * Return: 0 or -ENOMEM; on failure nothing is left to undo.
 */
int tgem_userptr_device_init(struct tgem_device *tdev)
{
	struct tgem_userptr_device *ud = &tdev->userptr;
	int ret;

	init_rwsem(&ud->notifier_lock);
	atomic64_set(&ud->stats.validations, 0);
	atomic64_set(&ud->stats.pages_faulted, 0);
	atomic64_set(&ud->stats.retries, 0);
	atomic64_set(&ud->stats.invalidations, 0);
	atomic64_set(&ud->stats.pages_invalidated, 0);

	ud->wq = alloc_workqueue("tgem-userptr", WQ_UNBOUND, 0);
	if (!ud->wq)
		return -ENOMEM;
	ret = drmm_add_action_or_reset(&tdev->drm, tgem_userptr_wq_fini, ud->wq);
	if (ret)
		return ret;

	tgem_userptr_lockdep_prime(ud);
	drm_debugfs_add_file(&tdev->drm, "tgem_userptr_stats",
			     tgem_userptr_stats_show, NULL);
	return 0;
}
