/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_MMAP_H_
#define _TGEM_MMAP_H_

#include <linux/mm_types.h>

struct file;
struct tgem_device;

extern const struct vm_operations_struct tgem_mmap_ops;

unsigned long tgem_mmap_get_unmapped_area(struct file *filp, unsigned long addr,
					  unsigned long len, unsigned long pgoff,
					  unsigned long flags);
int tgem_mmap_debugfs_init(struct tgem_device *tdev);

#endif
