/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_BO_TYPES_H_
#define _TGEM_BO_TYPES_H_

#include <linux/types.h>

#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>

#include "ttm/tgem_placement.h"

struct dma_buf;
struct tgem_userptr;

/**
 * struct tgem_bo - A tgem buffer object
 *
 * A TTM buffer object whose &ttm_buffer_object.base is the GEM object
 * userspace holds handles to. Two reference counts meet here: GEM's
 * (handles, dma-bufs, lookups) and TTM's (CPU mappings, TTM internals).
 * The GEM count owns one TTM reference and drops it when it reaches zero,
 * so a CPU mapping keeps the memory alive after the last handle is gone.
 */
struct tgem_bo {
	/** @ttm: the TTM buffer object; must stay first for TTM's casts */
	struct ttm_buffer_object ttm;

	/**
	 * @places: TTM places in order of preference. Written once at
	 * creation, read-only afterwards.
	 */
	struct ttm_place places[TGEM_MAX_PLACES];

	/** @placement: @places as TTM wants it; read-only after creation */
	struct ttm_placement placement;

	/** @uapi_placement: the %DRM_TGEM_PLACEMENT_* mask; read-only */
	u32 uapi_placement;

	/** @uapi_flags: the %DRM_TGEM_GEM_CREATE_FLAG_* mask; read-only */
	u32 uapi_flags;

	/**
	 * @userptr: for a userptr BO, its mirror state (see "Userptr"),
	 * owned by the BO; NULL otherwise. Set at creation, read-only.
	 */
	struct tgem_userptr *userptr;

	/**
	 * @import_dmabuf: for an imported BO, the dma-buf whose dma_resv it
	 * shares; NULL otherwise. The BO holds a reference of its own, so
	 * the dma_resv outlives TTM's delayed destruction of the BO, also
	 * when the import fails. Set at creation, read-only.
	 */
	struct dma_buf *import_dmabuf;
};

#endif
