/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_RELOC_TYPES_H_
#define _TGEM_RELOC_TYPES_H_

#include <linux/compiler_types.h>
#include <linux/iosys-map.h>
#include <linux/types.h>

#include "ttm/tgem_iter.h"

struct drm_tgem_relocation_entry;
struct tgem_bo;

/**
 * struct tgem_reloc_obj - What relocations need to know of one exec object
 */
struct tgem_reloc_obj {
	/** @handle: its GEM handle, as userspace passed it */
	u32 handle;
	/** @size: its size in bytes */
	u64 size;
	/** @addr: its GPU address, canonical; set once it is bound */
	u64 addr;
};

/**
 * struct tgem_reloc_handle - One entry of the handle lookup table
 */
struct tgem_reloc_handle {
	/** @handle: a GEM handle */
	u32 handle;
	/** @index: the index of its object in the exec object array */
	u32 index;
};

/**
 * struct tgem_reloc_set - The objects of one execbuf, as relocation targets
 *
 * Owned by one execbuf, used by one thread: no lock.
 */
struct tgem_reloc_set {
	/** @objs: the objects, in exec object order */
	struct tgem_reloc_obj *objs;
	/** @by_handle: the same, sorted by handle */
	struct tgem_reloc_handle *by_handle;
	/** @count: entries in @objs and @by_handle */
	u32 count;
	/** @lut: target handles are indices in @objs (HANDLE_LUT) */
	bool lut;
};

/**
 * struct tgem_reloc_src - Where the relocation entries of one object are
 *
 * Exactly one of @user and @kernel is set.
 */
struct tgem_reloc_src {
	/**
	 * @user: the user's array, read with page faults disabled; the
	 * caller has checked it with access_ok()
	 */
	const struct drm_tgem_relocation_entry __user *user;
	/** @kernel: a kernel copy of it (the slow path) */
	const struct drm_tgem_relocation_entry *kernel;
	/** @count: number of entries */
	u32 count;
};

/**
 * struct tgem_reloc_stats - What relocating did
 */
struct tgem_reloc_stats {
	/** @applied: relocations written into a BO */
	u64 applied;
	/** @skipped: relocations whose presumed offset was right */
	u64 skipped;
};

/**
 * struct tgem_reloc_cache - Keeps one page of the BO being patched mapped
 *
 * Consecutive relocations into the same page of the same BO reuse one
 * mapping. At most one page is mapped at a time, so mappings are undone
 * in LIFO order whatever the caller maps around the cache. Used by one
 * thread, with the dma_resv of @bo held from the first write until
 * tgem_reloc_cache_fini() or the switch to another BO.
 */
struct tgem_reloc_cache {
	/** @bo: the BO being patched, or NULL */
	struct tgem_bo *bo;
	/** @iter: the page iterator for @bo, set up on its first write */
	union {
		/** @iter.tt: for a BO in system memory */
		struct tgem_page_iter_tt tt;
		/** @iter.vram: for a BO in VRAM */
		struct tgem_page_iter_vram vram;
	} iter;
	/** @it: &iter.tt.base or &iter.vram.base once set up, else NULL */
	struct tgem_page_iter *it;
	/** @map: the mapping of page @page, while @mapped */
	struct iosys_map map;
	/** @page: the page of @bo that is mapped */
	pgoff_t page;
	/** @mapped: whether a page is mapped */
	bool mapped;
	/** @wrote_iomem: a VRAM page was written: a write barrier is due */
	bool wrote_iomem;
	/**
	 * @dev_entered: the cache is inside drm_dev_enter() (@dev_idx), as
	 * it must be while it may touch VRAM: after an unplug the BAR is gone
	 */
	bool dev_entered;
	/** @dev_idx: the cookie of drm_dev_enter() */
	int dev_idx;
	/** @maps: pages mapped since tgem_reloc_cache_init(), for tests */
	u64 maps;
};

#endif
