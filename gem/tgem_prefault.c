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
