/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_PRIME_H_
#define _TGEM_PRIME_H_

#include <linux/types.h>

struct dma_buf;
struct dma_buf_attachment;
struct drm_device;
struct drm_gem_object;
struct iosys_map;
struct page;
struct sg_table;
struct ttm_tt;
struct vm_area_struct;

/* Export: the &drm_gem_object_funcs hooks of a tgem BO. */
struct dma_buf *tgem_prime_export(struct drm_gem_object *obj, int flags);
int tgem_prime_pin(struct drm_gem_object *obj);
void tgem_prime_unpin(struct drm_gem_object *obj);
struct sg_table *tgem_prime_get_sg_table(struct drm_gem_object *obj);
int tgem_prime_vmap(struct drm_gem_object *obj, struct iosys_map *map);
void tgem_prime_vunmap(struct drm_gem_object *obj, struct iosys_map *map);

/* Import. */
struct drm_gem_object *
tgem_prime_import_sg_table(struct drm_device *drm,
			   struct dma_buf_attachment *attach,
			   struct sg_table *sgt);
int tgem_prime_mmap_import(struct drm_gem_object *obj,
			   struct vm_area_struct *vma);
int tgem_prime_sg_to_pages(struct sg_table *sgt, struct page **pages,
			   pgoff_t num_pages);
int tgem_prime_tt_populate(struct ttm_tt *tt, bool retry_mayfail);
void tgem_prime_tt_unpopulate(struct ttm_tt *tt);

#endif
