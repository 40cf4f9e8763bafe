/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_PREFAULT_H_
#define _TGEM_PREFAULT_H_

#include <linux/types.h>

/**
 * struct tgem_prefault_req - What the prefault policy looks at
 *
 * Everything the policy needs, copied out of the VMA and the BO, so the
 * policy itself is a pure function that KUnit can call with made-up
 * values.
 */
struct tgem_prefault_req {
	/** @vm_flags: the VMA's flags; %VM_RAND_READ and %VM_SEQ_READ count */
	unsigned long vm_flags;
	/** @address: the faulting address, page aligned */
	unsigned long address;
	/** @vm_end: end of the VMA */
	unsigned long vm_end;
	/** @bo_pgoff: page of the BO the faulting address maps */
	pgoff_t bo_pgoff;
	/** @bo_pages: pages in the BO */
	pgoff_t bo_pages;
	/** @default_pages: window without an madvise() hint */
	unsigned int default_pages;
	/** @seq_pages: window under %MADV_SEQUENTIAL */
	unsigned int seq_pages;
};

unsigned int tgem_prefault_pages(const struct tgem_prefault_req *req);

/**
 * struct tgem_prefault_huge_req - What decides whether a fault may map huge
 *
 * The VMA and BO side of the decision, copied out like &struct
 * tgem_prefault_req; the VRAM side is tgem_prefault_huge_backed()'s.
 */
struct tgem_prefault_huge_req {
	/** @order: %PMD_ORDER or %PUD_ORDER, as the core asks */
	unsigned int order;
	/** @vm_flags: the VMA's flags; %VM_RAND_READ forbids huge entries */
	unsigned long vm_flags;
	/** @address: the faulting address */
	unsigned long address;
	/** @vm_start: start of the VMA */
	unsigned long vm_start;
	/** @vm_end: end of the VMA */
	unsigned long vm_end;
	/** @vma_bo_pgoff: page of the BO that @vm_start maps */
	pgoff_t vma_bo_pgoff;
	/** @bo_pages: pages in the BO */
	pgoff_t bo_pages;
};

bool tgem_prefault_huge_fits(const struct tgem_prefault_huge_req *req,
			     pgoff_t *bo_pgoff);
bool tgem_prefault_huge_backed(unsigned int order, u64 phys, pgoff_t run);

#endif
