// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: CPU faults
 *
 * tgem maps BOs into userspace with its own &vm_operations_struct. The VMA
 * is %VM_PFNMAP: tgem inserts special entries that GUP cannot pin, so
 * TTM stays free to move the memory.
 *
 * **Fault.** The handler reserves the BO the way TTM does
 * (ttm_bo_vm_reserve(): a trylock, and on contention it drops
 * ``mmap_lock`` and returns %VM_FAULT_RETRY where the fault flags allow).
 * It waits for a pending move fence the same way, then maps a batch of
 * pages sized by the prefault policy. A populate that fails for lack of
 * memory is %VM_FAULT_OOM, as for any other memory the process touches;
 * a signal retries the access; anything else, tgem's own page limit
 * included (-ENOSPC, see "TTM device"), is %VM_FAULT_SIGBUS.
 *
 * **Cache mode and encryption.** A BO that may live in VRAM is mapped
 * write-combined and decrypted: its VMA's &vm_area_struct.vm_page_prot is
 * set that way at mmap() (tgem_mmap_obj()), because huge PMDs are built
 * from it. Every PTE takes its protection from the BO's current resource
 * instead: ttm_io_prot() on the VMA's cached protection, and
 * pgprot_decrypted() for iomem, as TTM's own fault handler does. So VRAM
 * gets the same bits through a PTE as through a PMD, and the system pages
 * of a VRAM|SYSTEM BO stay cached and encrypted. The huge path checks
 * that the two agree before it maps anything, and falls back to PTEs if
 * they do not.
 *
 * **The batch.** The kernel's vmf_insert_pfn_prot() takes and drops the
 * page-table lock for every page, and cannot tell the caller that a page
 * was already mapped. tgem maps the faulting page with it, so the kernel
 * applies the memory type it tracks for that address (x86 PAT's
 * track_pfn_insert(): the BAR's type, reserved write-combined when the
 * device mapped it) and calls update_mmu_cache(). It then walks the rest
 * of the batch with apply_to_page_range(), which calls back for each PTE
 * under one page-table lock (the batch never crosses a PMD boundary, so
 * it is exactly one lock). The callback copies the protection of the
 * first PTE, so the whole batch has the memory type the kernel chose,
 * writes a special PTE, calls update_mmu_cache() as set_pte_at() users
 * must, and stops the walk at the first PTE that is already present.
 * vm_insert_pages() batches too, but only for refcounted pages in
 * non-PFNMAP VMAs, which would let GUP pin BO pages. i915 maps its GGTT
 * faults the same way (remap_io_mapping()).
 *
 * **Huge faults.** For a BO in VRAM, &vm_operations_struct.huge_fault
 * maps a whole PUD (1 GiB) with vmf_insert_pfn_pud(), or else a whole PMD
 * (2 MiB) with vmf_insert_pfn_pmd(), when the range lies inside the VMA,
 * its BO pages are one physically contiguous run of VRAM and the physical
 * address is aligned to the range's size (tgem_prefault_huge_fits() and
 * tgem_prefault_huge_backed(), see "Prefault policy"). The core asks for
 * the PUD first and falls back to PMDs, then to PTEs, so a 1 GiB BO in one
 * 1 GiB buddy block is first-touched in a single fault. The VRAM manager
 * orders a BO's blocks so that as many 1 GiB and 2 MiB ranges as possible
 * qualify, contiguous or not. Linux 6.12's huge pfnmap support marks PMDs
 * and PUDs special, so GUP-fast leaves them alone, the problem that made
 * TTM drop its huge faults. %MADV_RANDOM mappings never get huge entries.
 *
 * A BO in system memory gets PMDs the same way: its pages come in runs of
 * up to 2 MiB, each one higher-order allocation (see "TTM device"), so a
 * 2 MiB range that is one run is physically contiguous and aligned, and
 * tgem_ttm_tt_run_order() says which ranges are. The huge path populates
 * the BO first, as a PTE fault does. Such a PMD is special too and points
 * at RAM, cached, so only BOs whose mapping is cached get them: a BO that
 * may live in VRAM is mapped write-combined (see above), and its system
 * pages keep their cached PTEs.
 * To give userspace aligned addresses, tgem's get_unmapped_area aligns a
 * mapping's start to the BO offset it maps, to 1 GiB when the mapping
 * covers a whole GiB of the BO and to 2 MiB otherwise, as
 * thp_get_unmapped_area() does for files.
 *
 * Both huge entries take vm_page_prot as it is (6.12's
 * vmf_insert_pfn_pud() even drops the memory type it looks up), so the
 * huge path first checks that vm_page_prot equals what a PTE of the
 * resource gets, write-combined and decrypted: the type the BAR was
 * reserved with when tgem mapped it (io_mapping_init_wc()).
 *
 * A range that falls back once keeps its smaller entries' table for the
 * life of the VMA (6.12 frees no page table on a zap): a GiB touched while
 * the BO was in system memory maps by PMDs or PTEs after it comes back.
 * PMD tables under an empty PUD are also put there by the core, without
 * tgem's lock, after any fallback; so a PUD is inserted "dirty" only onto
 * a leaf of tgem's own, never onto an entry that was empty, which keeps
 * vmf_insert_pfn_pud() from finding a table where it wants to upgrade a
 * leaf.
 *
 * A huge fault may run under the VMA lock alone, where it must not wait
 * for a dma_resv. If the BO is locked or busy it does not fall back to
 * PTEs: the PTE path would put a page table under that PMD, and the range
 * could never be mapped huge again for the life of the VMA. It waits with
 * no mm lock held and has the core retry the fault instead, as
 * ttm_bo_vm_reserve() does; a retry that is not allowed waits under
 * ``mmap_lock``, and only under the VMA lock alone does it fall back.
 *
 * **Unplug.** Once the device is gone, faults map a zeroed dummy page of
 * their own, cached, over the faulting page's page table only: never
 * into a neighbouring 2 MiB range, which may still be a huge PMD until
 * drm_dev_unplug() zaps it.
 *
 * **Moves.** TTM zaps every PTE, PMD and PUD of a BO before it moves it
 * (ttm_bo_unmap_virtual()), so the next access faults in the new place.
 * The zap covers the whole BO, so it never splits a PUD (which would need
 * ``mmap_lock``).
 *
 * **Cutting and moving a mapping.** Linux 6.12 maps PUD pfnmaps but does
 * not yet cut or move them everywhere: a munmap() or mprotect() of part of
 * a GiB splits the PUD with a VMA that starts inside it (a VM_BUG_ON with
 * DEBUG_VM), and mremap() takes a PUD leaf for a bad page table. tgem's
 * &vm_operations_struct.may_split zaps a PUD the cut would go through,
 * and its &vm_operations_struct.open zaps a big VRAM BO's mappings before
 * mremap() moves one (it cannot tell a move from a split there, and zaps
 * for both; fork() copies PUDs fine and is left alone). The GiB refaults.
 *
 * Counters of faults, PTEs, PMDs and PUDs inserted are in the debugfs
 * file ``tgem_fault_stats``; tests assert on them.
 */

#include <linux/compat.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pfn_t.h>
#include <linux/pgtable.h>
#include <linux/sched.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_ttm_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_mmap.h"
#include "gem/tgem_prefault.h"
#include "ttm/tgem_iter.h"
#include "ttm/tgem_ttm.h"
#include "ttm/tgem_vram_mgr.h"

static unsigned int tgem_prefault_default = 16;
module_param_named(prefault_pages, tgem_prefault_default, uint, 0644);
MODULE_PARM_DESC(prefault_pages,
		 "Pages a CPU fault maps without an madvise() hint (default 16)");

static unsigned int tgem_prefault_seq = 512;
module_param_named(prefault_seq_pages, tgem_prefault_seq, uint, 0644);
MODULE_PARM_DESC(prefault_seq_pages,
		 "Pages a CPU fault maps under MADV_SEQUENTIAL (default 512, at most one page table)");

/* Page of the BO that @addr maps in @vma. */
static pgoff_t tgem_mmap_bo_pgoff(struct vm_area_struct *vma,
				  struct ttm_buffer_object *tbo,
				  unsigned long addr)
{
	return ((addr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff -
	       drm_vma_node_start(&tbo->base.vma_node);
}

/*
 * The VMA's protection with the cache mode and encryption of system RAM.
 * vm_page_prot carries write-combining for a BO that may be in VRAM, so
 * start again from the VMA's flags, keeping the write protection the core
 * may have put on vm_page_prot to track writes (vma_set_page_prot()).
 */
static pgprot_t tgem_mmap_cached_prot(struct vm_area_struct *vma)
{
	vm_flags_t flags = vma->vm_flags;

	if (!pte_write(pfn_pte(0, vma->vm_page_prot)))
		flags &= ~VM_SHARED;
	return vm_get_page_prot(flags);
}

/**
 * tgem_mmap_res_prot() - Protection of a BO's pages in a mapping
 * @vma: the mapping
 * @tbo: the BO, reserved, with a resource whose &ttm_resource.bus is set
 *       (tgem_ttm_io_mem_reserve())
 *
 * What TTM's fault handler would use: ttm_io_prot() for the resource's
 * caching, and decrypted for iomem, applied to the VMA's protection with
 * the cache mode of RAM.
 *
 * Context: Any context; @tbo's dma_resv held.
 * Return: the protection for PTEs of @tbo's current resource in @vma.
 */
VISIBLE_IF_KUNIT pgprot_t tgem_mmap_res_prot(struct vm_area_struct *vma,
					     struct ttm_buffer_object *tbo)
{
	pgprot_t prot = ttm_io_prot(tbo, tbo->resource, tgem_mmap_cached_prot(vma));

	dma_resv_assert_held(tbo->base.resv);

	return tbo->resource->bus.is_iomem ? pgprot_decrypted(prot) : prot;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_mmap_res_prot);

/**
 * tgem_mmap_populate_error() - What a failed populate makes of a fault
 * @err: the negative errno from ttm_tt_populate()
 *
 * Context: Any context.
 * Return: %VM_FAULT_NOPAGE for a signal or a retry (the access is
 * retried once the signal is handled), %VM_FAULT_OOM for a lack of memory,
 * else what vmf_error() says (%VM_FAULT_SIGBUS).
 */
VISIBLE_IF_KUNIT vm_fault_t tgem_mmap_populate_error(int err)
{
	if (err == -ERESTARTSYS || err == -EINTR || err == -EAGAIN)
		return VM_FAULT_NOPAGE;
	return vmf_error(err);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_mmap_populate_error);

struct tgem_mmap_batch {
	struct vm_area_struct *vma;
	struct ttm_buffer_object *tbo;
	struct tgem_device *tdev;
	struct tgem_vram_cursor cur;
	/* The faulting address: the kernel mapped it, the batch copies it. */
	unsigned long start;
	pgprot_t prot;
	pgoff_t pgoff;
	unsigned int done;
	bool vram;
};

static unsigned long tgem_mmap_batch_pfn(struct tgem_mmap_batch *b)
{
	if (b->vram)
		return (b->tdev->vram.base +
			tgem_vram_cursor_offset(&b->cur, b->pgoff)) >> PAGE_SHIFT;

	return page_to_pfn(b->tbo->ttm->pages[b->pgoff]);
}

/* Called by apply_to_page_range() with the page-table lock held. */
static int tgem_mmap_set_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct tgem_mmap_batch *b = data;
	unsigned long pfn = tgem_mmap_batch_pfn(b);
	pte_t old = ptep_get(pte);

	if (addr == b->start) {
		/*
		 * vmf_insert_pfn_prot() mapped this one, with the memory type
		 * the kernel tracks for it; the rest of the batch copies it.
		 */
		if (!pte_present(old) || pte_pfn(old) != pfn)
			return -EBUSY;
		b->prot = pte_pgprot(pte_mkclean(old));
	} else {
		if (!pte_none(old))
			return -EBUSY;	/* stop the batch at a mapped page */
		set_pte_at(b->vma->vm_mm, addr, pte,
			   pte_mkspecial(pfn_pte(pfn, b->prot)));
		update_mmu_cache(b->vma, addr, pte);
	}
	b->pgoff++;
	b->done++;
	return 0;
}

/*
 * Wait for a pending move like TTM: without the fault's mm lock if the
 * fault may be retried. Returns 0 with the BO idle and still reserved,
 * %VM_FAULT_RETRY with it unreserved, or %VM_FAULT_NOPAGE on a signal.
 */
static vm_fault_t tgem_mmap_wait_move(struct vm_fault *vmf,
				      struct ttm_buffer_object *tbo)
{
	struct dma_resv *resv = tbo->base.resv;

	if (dma_resv_test_signaled(resv, DMA_RESV_USAGE_KERNEL))
		return 0;

	if (fault_flag_allow_retry_first(vmf->flags)) {
		if (!(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)) {
			ttm_bo_get(tbo);
			dma_resv_unlock(resv);
			release_fault_lock(vmf);
			dma_resv_wait_timeout(resv, DMA_RESV_USAGE_KERNEL, true,
					      MAX_SCHEDULE_TIMEOUT);
			ttm_bo_put(tbo);
			return VM_FAULT_RETRY;
		}
		dma_resv_unlock(resv);
		return VM_FAULT_RETRY;
	}

	if (dma_resv_wait_timeout(resv, DMA_RESV_USAGE_KERNEL, true,
				  MAX_SCHEDULE_TIMEOUT) < 0)
		return VM_FAULT_NOPAGE;
	return 0;
}

static vm_fault_t tgem_mmap_fault_locked(struct vm_fault *vmf,
					 struct ttm_buffer_object *tbo)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	struct vm_area_struct *vma = vmf->vma;
	struct tgem_device *tdev = ttm_to_tgem_device(tbo->bdev);
	unsigned long address = vmf->address & PAGE_MASK;
	struct tgem_prefault_req req = {
		.vm_flags = vma->vm_flags,
		.address = address,
		.vm_end = vma->vm_end,
		.bo_pgoff = tgem_mmap_bo_pgoff(vma, tbo, address),
		.bo_pages = PFN_UP(tbo->base.size),
		.default_pages = READ_ONCE(tgem_prefault_default),
		.seq_pages = READ_ONCE(tgem_prefault_seq),
	};
	struct tgem_mmap_batch b = {
		.vma = vma,
		.tbo = tbo,
		.tdev = tdev,
		.start = address,
		.pgoff = req.bo_pgoff,
	};
	unsigned int n;
	vm_fault_t ret;
	int err;

	dma_resv_assert_held(tbo->base.resv);

	n = tgem_prefault_pages(&req);
	if (!n || !tbo->resource)
		return VM_FAULT_SIGBUS;

	if (tgem_ttm_io_mem_reserve(tbo->bdev, tbo->resource))
		return VM_FAULT_SIGBUS;

	b.vram = tbo->resource->mem_type == TTM_PL_VRAM;
	if (b.vram) {
		tgem_vram_cursor_init_res(&b.cur, &tdev->vram.mgr.mm, tbo->resource);
	} else {
		if (!tbo->ttm)
			return VM_FAULT_SIGBUS;
		err = ttm_tt_populate(tbo->bdev, tbo->ttm, &ctx);
		if (err)
			return tgem_mmap_populate_error(err);
	}

	ret = vmf_insert_pfn_prot(vma, address, tgem_mmap_batch_pfn(&b),
				  tgem_mmap_res_prot(vma, tbo));
	if (ret != VM_FAULT_NOPAGE)
		return ret;

	/*
	 * The faulting page is mapped; the rest of the batch is a bonus, so
	 * an error here (there is none: the page table exists) ends it.
	 */
	if (n > 1)
		apply_to_page_range(vma->vm_mm, address, (unsigned long)n << PAGE_SHIFT,
				    tgem_mmap_set_pte, &b);
	else
		b.done = 1;

	atomic64_inc(&tdev->fault.pte_faults);
	atomic64_add(b.done, &tdev->fault.ptes);
	return VM_FAULT_NOPAGE;
}

static void tgem_mmap_free_dummy_page(struct drm_device *drm, void *page)
{
	__free_page(page);
}

/*
 * After unplug: a zeroed page of our own instead of the BAR, over the
 * faulting page's page table. TTM's ttm_bo_vm_dummy_page() maps the whole
 * VMA, which fails (VM_FAULT_OOM) where a huge PMD still maps a range.
 */
static vm_fault_t tgem_mmap_dummy_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct ttm_buffer_object *tbo = vma->vm_private_data;
	unsigned long haddr = vmf->address & PMD_MASK;
	unsigned long start = max(vma->vm_start, haddr);
	unsigned long end = min(vma->vm_end, haddr + PMD_SIZE);
	pgprot_t prot = tgem_mmap_cached_prot(vma);
	unsigned long addr, pfn;
	struct page *page;
	vm_fault_t ret;

	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page)
		return VM_FAULT_OOM;
	/* Freed with the DRM device, as TTM frees its dummy pages. */
	if (drmm_add_action_or_reset(tbo->base.dev, tgem_mmap_free_dummy_page, page))
		return VM_FAULT_OOM;
	pfn = page_to_pfn(page);

	ret = vmf_insert_pfn_prot(vma, vmf->address & PAGE_MASK, pfn, prot);
	if (ret != VM_FAULT_NOPAGE)
		return ret;
	for (addr = start; addr < end; addr += PAGE_SIZE)
		vmf_insert_pfn_prot(vma, addr, pfn, prot);
	return VM_FAULT_NOPAGE;
}

static vm_fault_t tgem_mmap_fault(struct vm_fault *vmf)
{
	struct ttm_buffer_object *tbo = vmf->vma->vm_private_data;
	struct drm_device *drm = tbo->base.dev;
	vm_fault_t ret;
	int idx;

	ret = ttm_bo_vm_reserve(tbo, vmf);
	if (ret)
		return ret;

	ret = tgem_mmap_wait_move(vmf, tbo);
	if (ret == VM_FAULT_RETRY)
		return ret;	/* the dma_resv is already unlocked */

	if (!ret) {
		/* A huge fault that ran while we waited for the lock mapped it all. */
		if (pmd_leaf(pmdp_get_lockless(vmf->pmd))) {
			ret = VM_FAULT_NOPAGE;
		} else if (drm_dev_enter(drm, &idx)) {
			ret = tgem_mmap_fault_locked(vmf, tbo);
			drm_dev_exit(idx);
		} else {
			ret = tgem_mmap_dummy_page(vmf);
		}
	}

	dma_resv_unlock(tbo->base.resv);
	return ret;
}

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
/*
 * The PFN of system pages [pgoff, pgoff + 2^order), if they are one run:
 * one allocation of that order, so physically contiguous and aligned.
 * Runs are at most 2 MiB, so only PMDs. Populates the BO first, as a PTE
 * fault does; if that fails, the PTE path tries again and reports it.
 */
static bool tgem_mmap_huge_sys_pfn(struct ttm_buffer_object *tbo,
				   pgoff_t pgoff, unsigned int order,
				   pfn_t *pfn)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	unsigned long first;

	if (!tbo->ttm || order != PMD_ORDER ||
	    ttm_tt_populate(tbo->bdev, tbo->ttm, &ctx) ||
	    tgem_ttm_tt_run_order(tbo->ttm, pgoff) < order)
		return false;

	first = page_to_pfn(tbo->ttm->pages[pgoff]);
	if (!tgem_prefault_huge_backed(order, PFN_PHYS(first), 1UL << order))
		return false;

	*pfn = __pfn_to_pfn_t(first, 0);
	return true;
}

/*
 * The PFN of BO pages [pgoff, pgoff + 2^order), if they are one aligned
 * run of VRAM or of system memory. VRAM's run is looked for within one
 * buddy block; an aligned range split over two blocks (which the
 * allocator does not hand out for free VRAM: it merges free buddies) maps
 * by smaller entries instead.
 */
static bool tgem_mmap_huge_pfn(struct tgem_device *tdev,
			       struct ttm_buffer_object *tbo, pgoff_t pgoff,
			       unsigned int order, pfn_t *pfn)
{
	struct tgem_vram_cursor cur;
	u64 phys;

	if (!tbo->resource)
		return false;
	if (tbo->resource->mem_type == TTM_PL_SYSTEM)
		return tgem_mmap_huge_sys_pfn(tbo, pgoff, order, pfn);
	if (tbo->resource->mem_type != TTM_PL_VRAM)
		return false;

	tgem_vram_cursor_init_res(&cur, &tdev->vram.mgr.mm, tbo->resource);
	phys = tdev->vram.base + tgem_vram_cursor_offset(&cur, pgoff);
	if (!tgem_prefault_huge_backed(order, phys, tgem_vram_cursor_run(&cur, pgoff)))
		return false;

	*pfn = __pfn_to_pfn_t(phys >> PAGE_SHIFT, PFN_DEV);
	return true;
}

/*
 * Whether the entry a huge fault of @order fills is empty or already a
 * leaf (*@empty tells which), rather than a table: a table means smaller
 * entries were put there first, and they stay for the life of the VMA.
 */
static bool tgem_mmap_huge_slot(struct vm_fault *vmf, unsigned int order,
				bool *empty)
{
	pmd_t pmd;

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	if (order == PUD_ORDER) {
		pud_t pud = READ_ONCE(*vmf->pud);

		*empty = pud_none(pud);
		return *empty || pud_leaf(pud);
	}
#endif
	pmd = pmdp_get_lockless(vmf->pmd);
	*empty = pmd_none(pmd);
	return *empty || pmd_leaf(pmd);
}

/* Map the range with one huge entry; count it. */
static vm_fault_t tgem_mmap_insert_huge(struct vm_fault *vmf,
					struct tgem_device *tdev,
					unsigned int order, pfn_t pfn, bool empty)
{
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	vm_fault_t ret;

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	if (order == PUD_ORDER) {
		/*
		 * The core puts PMD tables under an empty PUD without our
		 * lock (pmd_alloc() after a fallback), and a write fault that
		 * finds one there warns. A write that finds the PUD empty
		 * maps it without dirtying it, which a racing table makes a
		 * no-op; the write then dirties it through the hardware, or
		 * faults again onto our own leaf if vm_page_prot tracks
		 * writes.
		 */
		ret = vmf_insert_pfn_pud(vmf, pfn, write && !empty);
		if (ret == VM_FAULT_NOPAGE) {
			atomic64_inc(&tdev->fault.pud_faults);
			if (empty)
				atomic64_inc(&tdev->fault.puds);
		}
		return ret;
	}
#endif
	ret = vmf_insert_pfn_pmd(vmf, pfn, write);
	if (ret == VM_FAULT_NOPAGE) {
		atomic64_inc(&tdev->fault.pmd_faults);
		if (empty)
			atomic64_inc(&tdev->fault.pmds);
	}
	return ret;
}

/*
 * Reserve the BO for a huge fault. Returns 0 with it reserved; otherwise
 * it is not, and the return value is the fault's.
 */
static vm_fault_t tgem_mmap_huge_reserve(struct vm_fault *vmf,
					 struct ttm_buffer_object *tbo)
{
	struct dma_resv *resv = tbo->base.resv;

	if (dma_resv_trylock(resv))
		return 0;

	/*
	 * Contended: wait with no mm lock held and retry the whole fault.
	 * Falling back would put a page table where this PMD can be huge.
	 */
	if (fault_flag_allow_retry_first(vmf->flags)) {
		if (!(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)) {
			ttm_bo_get(tbo);
			release_fault_lock(vmf);
			if (!dma_resv_lock_interruptible(resv, NULL))
				dma_resv_unlock(resv);
			ttm_bo_put(tbo);
		}
		return VM_FAULT_RETRY;
	}

	/* Under the VMA lock alone a dma_resv may not be waited for. */
	if (vmf->flags & FAULT_FLAG_VMA_LOCK)
		return VM_FAULT_FALLBACK;

	/* mmap_lock -> dma_resv is the documented order. */
	if (dma_resv_lock_interruptible(resv, NULL))
		return VM_FAULT_NOPAGE;
	return 0;
}

static vm_fault_t tgem_mmap_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct ttm_buffer_object *tbo = vma->vm_private_data;
	struct tgem_device *tdev = ttm_to_tgem_device(tbo->bdev);
	struct tgem_prefault_huge_req req = {
		.order = order,
		.vm_flags = vma->vm_flags,
		.address = vmf->address,
		.vm_start = vma->vm_start,
		.vm_end = vma->vm_end,
		.vma_bo_pgoff = tgem_mmap_bo_pgoff(vma, tbo, vma->vm_start),
		.bo_pages = PFN_UP(tbo->base.size),
	};
	vm_fault_t ret;
	pgoff_t pgoff;
	bool empty;
	pfn_t pfn;
	int idx;

	if (!tgem_prefault_huge_fits(&req, &pgoff))
		return VM_FAULT_FALLBACK;

	ret = tgem_mmap_huge_reserve(vmf, tbo);
	if (ret)
		return ret;

	ret = VM_FAULT_FALLBACK;
	/*
	 * The core saw an empty entry before we had the lock; a smaller
	 * fault may have put a table there since. PTE tables are only ever
	 * installed under the dma_resv we now hold; PMD tables also by the
	 * core, which vmf_insert_pfn_pud() tolerates (see below).
	 */
	if (!tgem_mmap_huge_slot(vmf, order, &empty))
		goto out_unlock;

	if (!(vmf->flags & FAULT_FLAG_VMA_LOCK) ||
	    fault_flag_allow_retry_first(vmf->flags)) {
		ret = tgem_mmap_wait_move(vmf, tbo);
		if (ret == VM_FAULT_RETRY)
			return ret;	/* the dma_resv is already unlocked */
		if (ret)
			goto out_unlock;
		ret = VM_FAULT_FALLBACK;
	} else if (!dma_resv_test_signaled(tbo->base.resv, DMA_RESV_USAGE_KERNEL)) {
		goto out_unlock;
	}

	if (!drm_dev_enter(tbo->base.dev, &idx))
		goto out_unlock;	/* the PTE path maps the dummy page */

	/* Huge entries are built from vm_page_prot: only if PTEs would agree. */
	if (tgem_mmap_huge_pfn(tdev, tbo, pgoff, order, &pfn) &&
	    !tgem_ttm_io_mem_reserve(tbo->bdev, tbo->resource) &&
	    pgprot_val(tgem_mmap_res_prot(vma, tbo)) == pgprot_val(vma->vm_page_prot))
		ret = tgem_mmap_insert_huge(vmf, tdev, order, pfn, empty);
	drm_dev_exit(idx);
out_unlock:
	dma_resv_unlock(tbo->base.resv);
	return ret;
}

#endif /* CONFIG_ARCH_SUPPORTS_PMD_PFNMAP */

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
/* Whether @addr in @vma is mapped by a huge PUD; mmap_lock held. */
static bool tgem_mmap_pud_mapped(struct vm_area_struct *vma, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(vma->vm_mm, addr);
	p4d_t *p4d;

	if (pgd_none(*pgd))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d))
		return false;
	return pud_leaf(READ_ONCE(*pud_offset(p4d, addr)));
}

/*
 * The core is about to cut @vma at @addr (munmap(), mprotect(), mremap()
 * of part of it). 6.12 cannot cut a huge PUD: zapping part of one splits
 * it with the VMA that starts inside it, which DEBUG_VM kills
 * (__split_huge_pud_locked()). Zap a PUD that @addr would cut, whole,
 * first; its GiB refaults by smaller entries.
 */
static int tgem_mmap_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	unsigned long haddr = addr & PUD_MASK;

	mmap_assert_write_locked(vma->vm_mm);
	if (haddr == addr || haddr < vma->vm_start || haddr + PUD_SIZE > vma->vm_end)
		return 0;
	/*
	 * The core write-locks the VMA only after this: until then a fault
	 * under the VMA lock alone could map the PUD again.
	 */
	vma_start_write(vma);
	if (tgem_mmap_pud_mapped(vma, haddr))
		zap_vma_ptes(vma, haddr, PUD_SIZE);
	return 0;
}

/*
 * A new VMA of a BO: fork() (in the child's mm), a split, or mremap()
 * moving the mapping (both in ours). 6.12's mremap() cannot move a huge
 * PUD to an address that is not 1 GiB aligned, and takes one for a bad
 * table entry even when it could (get_old_pud() clears it, with an error
 * in the kernel log and no TLB flush). So before a BO that may be mapped
 * by PUDs is moved, zap its mappings; the whole BO, which never cuts a PUD
 * in any process's VMA. mremap() has write-locked the old VMA, so no
 * fault maps it again before the move.
 */
static void tgem_mmap_open(struct vm_area_struct *vma)
{
	struct ttm_buffer_object *tbo = vma->vm_private_data;

	ttm_bo_vm_open(vma);
	if (vma->vm_mm == current->mm && vma->vm_end - vma->vm_start >= PUD_SIZE &&
	    (gem_to_tgem_bo(&tbo->base)->uapi_placement & DRM_TGEM_PLACEMENT_VRAM))
		ttm_bo_unmap_virtual(tbo);
}
#else
#define tgem_mmap_open ttm_bo_vm_open
#endif

/* The &vm_operations_struct of BO mappings. */
const struct vm_operations_struct tgem_mmap_ops = {
	.fault = tgem_mmap_fault,
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	.huge_fault = tgem_mmap_huge_fault,
#endif
#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	.may_split = tgem_mmap_may_split,
#endif
	.open = tgem_mmap_open,
	.close = ttm_bo_vm_close,
	.access = ttm_bo_vm_access,
};

/**
 * tgem_mmap_obj() - Set up a new mapping of a BO
 * @obj: the BO's GEM object
 * @vma: the new VMA; drm_gem_mmap_obj() has set its ops to &tgem_mmap_ops
 *
 * TTM's setup (drm_gem_ttm_mmap()): a %VM_PFNMAP VMA that holds a TTM
 * reference. A BO that may live in VRAM also gets a write-combined,
 * decrypted &vm_area_struct.vm_page_prot, which huge PMDs of VRAM are
 * built from; see "CPU faults".
 *
 * Context: Process context, from mmap(), with mmap_lock held for writing.
 * Return: 0, or the negative errno of drm_gem_ttm_mmap(); on failure the
 * VMA holds no reference.
 */
int tgem_mmap_obj(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	int ret;

	ret = drm_gem_ttm_mmap(obj, vma);
	if (ret)
		return ret;

	if (gem_to_tgem_bo(obj)->uapi_placement & DRM_TGEM_PLACEMENT_VRAM)
		vma->vm_page_prot =
			pgprot_decrypted(pgprot_writecombine(vm_get_page_prot(vma->vm_flags)));
	return 0;
}

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
/*
 * An address at which BO offset @off lands on a multiple of @size, for a
 * mapping of @len bytes that covers at least one such whole range; 0 if
 * there is none, or the caller fixed the address. Pads the request by
 * @size and moves the start up within the padding, as the core's
 * __thp_get_unmapped_area() does for PMDs.
 */
static unsigned long tgem_mmap_aligned_area(struct file *filp, unsigned long addr,
					    unsigned long len, loff_t off,
					    unsigned long flags, unsigned long size)
{
	loff_t off_align = round_up(off, size);
	unsigned long len_pad, ret;

	if (in_compat_syscall() || (flags & MAP_FIXED))
		return 0;
	if (off + len <= off_align || off + len - off_align < size)
		return 0;

	len_pad = len + size;
	if (len_pad < len)
		return 0;
	ret = mm_get_unmapped_area(current->mm, filp, addr, len_pad,
				   off >> PAGE_SHIFT, flags);
	if (IS_ERR_VALUE(ret))
		return 0;	/* perhaps the padding: try without */
	if (ret == addr)
		return addr;	/* the hint was free: keep it */
	return ret + ((off - ret) & (size - 1));
}
#endif

/**
 * tgem_mmap_get_unmapped_area() - Pick an address for a BO mapping
 * @filp: the DRM file
 * @addr: the hint, or the address for %MAP_FIXED
 * @len: length of the mapping
 * @pgoff: the fake offset, in pages, that mmap() was given
 * @flags: the mmap() flags
 *
 * Aligns the start of the mapping so that BO offsets that are multiples of
 * 1 GiB land on PUD boundaries, when the mapping covers a whole GiB of
 * the BO, and else so that multiples of 2 MiB land on PMD boundaries: the
 * huge fault path needs both (see "Prefault policy").
 *
 * Context: Process context, from mmap(), with mmap_lock held for writing.
 * Return: the address, or a negative errno cast to unsigned long.
 */
unsigned long tgem_mmap_get_unmapped_area(struct file *filp, unsigned long addr,
					  unsigned long len, unsigned long pgoff,
					  unsigned long flags)
{
	struct drm_file *priv = filp->private_data;
	struct drm_vma_offset_manager *mgr = priv->minor->dev->vma_offset_manager;
	struct drm_vma_offset_node *node;
	unsigned long bo_pgoff = 0;

	drm_vma_offset_lock_lookup(mgr);
	node = drm_vma_offset_lookup_locked(mgr, pgoff, 1);
	if (node)
		bo_pgoff = pgoff - drm_vma_node_start(node);
	drm_vma_offset_unlock_lookup(mgr);

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	if (node) {
		unsigned long ret = tgem_mmap_aligned_area(filp, addr, len,
							   (loff_t)bo_pgoff << PAGE_SHIFT,
							   flags, PUD_SIZE);

		if (ret)
			return ret;
	}
#endif
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	return thp_get_unmapped_area(filp, addr, len, bo_pgoff, flags);
#else
	return mm_get_unmapped_area(current->mm, filp, addr, len, bo_pgoff, flags);
#endif
}

static int tgem_mmap_fault_stats_show(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct tgem_device *tdev = to_tgem_device(entry->dev);

	seq_printf(m, "pte_faults %lld\n", atomic64_read(&tdev->fault.pte_faults));
	seq_printf(m, "ptes %lld\n", atomic64_read(&tdev->fault.ptes));
	seq_printf(m, "pmd_faults %lld\n", atomic64_read(&tdev->fault.pmd_faults));
	seq_printf(m, "pmds %lld\n", atomic64_read(&tdev->fault.pmds));
	seq_printf(m, "pud_faults %lld\n", atomic64_read(&tdev->fault.pud_faults));
	seq_printf(m, "puds %lld\n", atomic64_read(&tdev->fault.puds));
	return 0;
}

/**
 * tgem_mmap_debugfs_init() - Register the fault counters in debugfs
 * @tdev: the device, before drm_dev_register()
 *
 * Context: Process context.
 * Return: 0.
 */
int tgem_mmap_debugfs_init(struct tgem_device *tdev)
{
	drm_debugfs_add_file(&tdev->drm, "tgem_fault_stats",
			     tgem_mmap_fault_stats_show, NULL);
	return 0;
}
