/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_IOCTL_H_
#define _TGEM_IOCTL_H_

struct drm_device;
struct drm_file;

int tgem_device_query_ioctl(struct drm_device *drm, void *data,
			    struct drm_file *file);
int tgem_gem_create_ioctl(struct drm_device *drm, void *data,
			  struct drm_file *file);
int tgem_gem_mmap_offset_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file);
int tgem_gem_wait_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file);
int tgem_gem_migrate_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file);
int tgem_gem_info_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file);

#endif
