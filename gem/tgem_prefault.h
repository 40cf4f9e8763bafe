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

#endif
