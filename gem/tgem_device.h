/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_DEVICE_H_
#define _TGEM_DEVICE_H_

#include <linux/container_of.h>

#include "gem/tgem_device_types.h"

struct device;

static inline struct tgem_device *to_tgem_device(struct drm_device *drm)
{
	return container_of(drm, struct tgem_device, drm);
}

static inline struct tgem_device *ttm_to_tgem_device(struct ttm_device *ttm)
{
	return container_of(ttm, struct tgem_device, ttm);
}

struct tgem_device *tgem_device_create(struct device *parent);

#endif
