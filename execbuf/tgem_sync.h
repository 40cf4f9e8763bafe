/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_SYNC_H_
#define _TGEM_SYNC_H_

#include <linux/types.h>

#include "execbuf/tgem_sync_types.h"

struct dma_fence;
struct drm_device;
struct drm_file;
struct drm_sched_job;

int tgem_sync_array_bytes(u32 count, size_t *bytes);
int tgem_sync_check(struct drm_device *drm, const struct drm_tgem_sync *s);
int tgem_sync_parse(struct drm_device *drm, struct tgem_sync_set *set,
		    u64 user_ptr, u32 count);
int tgem_sync_lookup(struct drm_device *drm, struct tgem_sync_set *set,
		     struct drm_file *file);
int tgem_sync_add_deps(struct tgem_sync_set *set, struct drm_sched_job *job);
void tgem_sync_signal(struct tgem_sync_set *set, struct dma_fence *fence);
void tgem_sync_fini(struct tgem_sync_set *set);

#endif
