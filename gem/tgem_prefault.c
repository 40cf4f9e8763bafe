// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Prefault policy
 *
 * A CPU fault on a BO mapping maps more than the faulting page: the pages
 * after it, up to a window whose size comes from the VMA's madvise() hint:
 *
 * ===================  ===============================================
 * hint                 window, in pages, from the faulting page on
 * ===================  ===============================================
 * ``MADV_RANDOM``      1: exactly the faulting page
 * none (``NORMAL``)    ``tgem.prefault_pages``, default 16 (TTM's size)
 * ``MADV_SEQUENTIAL``  ``tgem.prefault_seq_pages``, default 512 (2 MiB)
 * ===================  ===============================================
 *
 * The window is then cut so it never passes the end of the VMA, the end of
 * the BO, or the next PMD boundary. The last cut keeps a PTE batch inside
 * one page table, which the batch fills under a single page-table lock, and
 * away from a neighbouring range that a huge PMD may already map. So a
 * sequential window is at most 512 pages whatever the parameter says:
 * streaming access takes one fault per 2 MiB, the same count as huge PMDs,
 * and no single fault holds a page-table lock for longer than one table.
 *
 * The batch also stops at the first page that is already mapped (see "CPU
 * faults"): the pages after it were most likely mapped by an earlier batch,
 * and re-walking them is the waste that made TTM's 2024 move to a whole-PMD
 * prefault stutter.
 *
 * **Huge entries.** Before any of this, the core offers the fault to the
 * huge path, first for a whole PUD (1 GiB), then for a PMD (2 MiB). tgem
 * takes it (see "CPU faults") only if tgem_prefault_huge_fits() and
 * tgem_prefault_huge_backed() both agree:
 *
 * - the mapping has no %MADV_RANDOM hint, which asks for single pages;
 * - the naturally aligned 1 GiB or 2 MiB range around the faulting address
 *   lies inside the VMA and inside the BO;
 * - the BO pages of that range are one run of VRAM, physically contiguous,
 *   that starts at a physical address aligned to the range's size; or, in
 *   system memory, one 2 MiB allocation (PMDs only, see "CPU faults").
 *
 * A PUD needs the 1 GiB of BO pages to be one buddy block of 1 GiB or a
 * run of blocks (see "VRAM manager") and a mapping whose start is 1 GiB
 * aligned relative to the BO (tgem_mmap_get_unmapped_area()). Any range
 * that fails a test falls back a level: PMDs within the GiB, PTEs within
 * the 2 MiB.
 */

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <kunit/visibility.h>

#include "gem/tgem_prefault.h"

/**
 * tgem_prefault_pages() - How many pages one fault should map
 * @req: the fault, the VMA and the BO, see &struct tgem_prefault_req
 *
 * Context: Any context. Pure function of @req.
 * Return: the number of pages to map starting at the faulting page, at
 * least 1 when the faulting page is inside the BO and the VMA, else 0.
 */
unsigned int tgem_prefault_pages(const struct tgem_prefault_req *req)
{
	unsigned long window, to_vma_end, to_bo_end, to_pmd_end;

	if (req->address >= req->vm_end || req->bo_pgoff >= req->bo_pages)
		return 0;

	if (req->vm_flags & VM_RAND_READ)
		return 1;

	window = (req->vm_flags & VM_SEQ_READ) ? req->seq_pages : req->default_pages;
	to_vma_end = (req->vm_end - req->address) >> PAGE_SHIFT;
	to_bo_end = req->bo_pages - req->bo_pgoff;
	to_pmd_end = (pmd_addr_end(req->address, ULONG_MAX) - req->address) >> PAGE_SHIFT;

	window = min3(window, to_vma_end, to_bo_end);
	window = min(window, to_pmd_end);
	return max_t(unsigned long, window, 1);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_prefault_pages);

/**
 * tgem_prefault_huge_fits() - Whether a huge entry fits the VMA and the BO
 * @req: the fault, the VMA and the BO, see &struct tgem_prefault_huge_req
 * @bo_pgoff: out, on success the BO page at the start of the huge range
 *
 * Checks the order (%PUD_ORDER only where the architecture maps PUD
 * pfnmaps), the madvise() hint and that the naturally aligned range of
 * that order around the faulting address is inside the VMA and the BO.
 *
 * Context: Any context. Pure function of @req.
 * Return: true if a huge entry of @req->order may map the range, so far
 * as the VMA and the BO tell; false means fall back a level.
 */
bool tgem_prefault_huge_fits(const struct tgem_prefault_huge_req *req,
			     pgoff_t *bo_pgoff)
{
	unsigned long size, haddr;
	pgoff_t first;

	switch (req->order) {
	case PMD_ORDER:
		if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP))
			return false;
		break;
	case PUD_ORDER:
		if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP))
			return false;
		break;
	default:
		return false;
	}
	if (req->vm_flags & VM_RAND_READ)
		return false;

	size = PAGE_SIZE << req->order;
	haddr = req->address & ~(size - 1);
	if (haddr < req->vm_start || haddr + size > req->vm_end ||
	    haddr + size < haddr)
		return false;

	first = req->vma_bo_pgoff + ((haddr - req->vm_start) >> PAGE_SHIFT);
	if (first >= req->bo_pages || req->bo_pages - first < (1UL << req->order))
		return false;

	*bo_pgoff = first;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_prefault_huge_fits);

/**
 * tgem_prefault_huge_backed() - Whether memory can back a huge entry
 * @order: %PMD_ORDER or %PUD_ORDER
 * @phys: physical address of the first BO page of the range
 * @run: pages that follow each other physically from that page on
 *
 * Context: Any context. Pure function of its arguments.
 * Return: true if @phys is aligned to the size of @order and the run
 * covers the whole range.
 */
bool tgem_prefault_huge_backed(unsigned int order, u64 phys, pgoff_t run)
{
	return IS_ALIGNED(phys, (u64)PAGE_SIZE << order) && run >= (1UL << order);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_prefault_huge_backed);
