/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_BO_H_
#define _TGEM_BO_H_

#include <linux/container_of.h>

#include <drm/drm_gem.h>

#include "gem/tgem_bo_types.h"

struct dma_buf;
struct sg_table;
struct tgem_device;
struct tgem_userptr;

static inline struct tgem_bo *ttm_to_tgem_bo(struct ttm_buffer_object *tbo)
{
	return container_of(tbo, struct tgem_bo, ttm);
}

static inline struct tgem_bo *gem_to_tgem_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct tgem_bo, ttm.base);
}

static inline void tgem_bo_put(struct tgem_bo *bo)
{
	drm_gem_object_put(&bo->ttm.base);
}

struct tgem_bo *tgem_bo_create(struct tgem_device *tdev, u64 size,
			       u32 placement, u32 flags);
bool tgem_bo_is_tgem(const struct drm_gem_object *obj);
bool tgem_bo_is_tgem_ttm(const struct ttm_buffer_object *tbo);
u64 tgem_bo_max_size(struct tgem_device *tdev);
int tgem_bo_wait(struct tgem_bo *bo, s64 timeout_ns);
int tgem_bo_migrate(struct tgem_bo *bo, u32 region);
int tgem_bo_region(struct tgem_bo *bo);
struct tgem_bo *tgem_bo_create_userptr(struct tgem_device *tdev, u64 size,
				       struct tgem_userptr *up);
struct tgem_bo *tgem_bo_create_sg(struct tgem_device *tdev, u64 size,
				  struct sg_table *sgt, struct dma_buf *dmabuf);

#endif
