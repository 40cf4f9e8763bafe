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

/**
 * struct tgem_vram_desc - Where a device's VRAM is
 */
struct tgem_vram_desc {
	/** @base: CPU physical address of the memory BAR */
	resource_size_t base;
	/** @size: its size in bytes */
	resource_size_t size;
};

static inline bool tgem_device_has_vram(const struct tgem_device *tdev)
{
	return tdev->vram.size != 0;
}

struct tgem_device *tgem_device_create(struct device *parent,
				       const struct tgem_vram_desc *vram);

#endif
