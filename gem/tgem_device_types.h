/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_DEVICE_TYPES_H_
#define _TGEM_DEVICE_TYPES_H_

#include <linux/atomic.h>
#include <linux/types.h>

#include <drm/drm_device.h>
#include <drm/ttm/ttm_device.h>

/**
 * struct tgem_device - A tgem device
 *
 * One exists per bound device. Everything in it lives until the last
 * reference to @drm is dropped; it is torn down by drmm actions.
 */
struct tgem_device {
	/** @drm: the DRM device; tgem_device is embedded around it */
	struct drm_device drm;

	/**
	 * @ttm: the TTM device. Its lock rules are TTM's: each BO's
	 * dma_resv guards that BO, the LRU lock guards the LRU lists.
	 */
	struct ttm_device ttm;

	/** @mem: memory bookkeeping */
	struct {
		/**
		 * @mem.sys_pages: pages of system memory populated for tgem
		 * BOs. Atomic: updated by populate/unpopulate, which run
		 * under different BOs' dma_resv locks; read locklessly.
		 */
		atomic64_t sys_pages;
	} mem;
};

#endif
