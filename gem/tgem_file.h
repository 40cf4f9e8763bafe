/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_FILE_H_
#define _TGEM_FILE_H_

#include <drm/drm_file.h>

#include "gem/tgem_file_types.h"

struct drm_device;

static inline struct tgem_file *to_tgem_file(struct drm_file *file)
{
	return file->driver_priv;
}

int tgem_file_open(struct drm_device *drm, struct drm_file *file);
void tgem_file_postclose(struct drm_device *drm, struct drm_file *file);

#endif
