/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_EXECBUF_H_
#define _TGEM_EXECBUF_H_

struct drm_device;
struct drm_file;
struct tgem_device;

int tgem_execbuf_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file);
void tgem_execbuf_debugfs_init(struct tgem_device *tdev);

#endif
