/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_MMAP_H_
#define _TGEM_MMAP_H_

#include <linux/mm_types.h>

struct drm_gem_object;
struct file;
struct tgem_device;
struct ttm_buffer_object;

extern const struct vm_operations_struct tgem_mmap_ops;

int tgem_mmap_obj(struct drm_gem_object *obj, struct vm_area_struct *vma);

unsigned long tgem_mmap_get_unmapped_area(struct file *filp, unsigned long addr,
					  unsigned long len, unsigned long pgoff,
					  unsigned long flags);
int tgem_mmap_debugfs_init(struct tgem_device *tdev);

#if IS_ENABLED(CONFIG_KUNIT)
pgprot_t tgem_mmap_res_prot(struct vm_area_struct *vma,
			    struct ttm_buffer_object *tbo);
vm_fault_t tgem_mmap_populate_error(int err);
#endif

#endif
