/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_DEVICE_TYPES_H_
#define _TGEM_DEVICE_TYPES_H_

#include <linux/atomic.h>
#include <linux/io-mapping.h>
#include <linux/types.h>

#include <drm/drm_device.h>
#include <drm/ttm/ttm_device.h>

#include "ttm/tgem_vram_mgr_types.h"
#include "userptr/tgem_userptr_types.h"

struct tgem_sched;

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
		/**
		 * @mem.moves: moves that copied or cleared data; atomic,
		 * for debugfs and the benchmark
		 */
		atomic64_t moves;
	} mem;

	/**
	 * @fault: CPU fault counters, all atomic; for debugfs and tests
	 */
	struct {
		/** @fault.pte_faults: faults served with PTEs */
		atomic64_t pte_faults;
		/** @fault.ptes: PTEs those faults inserted */
		atomic64_t ptes;
		/** @fault.pmd_faults: faults served with a huge PMD */
		atomic64_t pmd_faults;
		/** @fault.pmds: huge PMDs inserted */
		atomic64_t pmds;
		/** @fault.pud_faults: faults served with a huge PUD */
		atomic64_t pud_faults;
		/** @fault.puds: huge PUDs inserted */
		atomic64_t puds;
	} fault;

	/**
	 * @exec: execbuf counters, all atomic; for debugfs and tests
	 */
	struct {
		/** @exec.execbufs: execbufs that queued a job */
		atomic64_t execbufs;
		/** @exec.relocs_applied: relocations written into a BO */
		atomic64_t relocs_applied;
		/**
		 * @exec.relocs_skipped: relocations read and skipped, their
		 * presumed offset being right
		 */
		atomic64_t relocs_skipped;
		/** @exec.slow_paths: execbufs that took the slow path */
		atomic64_t slow_paths;
		/**
		 * @exec.userptr_restarts: execbufs restarted because a userptr
		 * was invalidated between its validation and the job's arming
		 */
		atomic64_t userptr_restarts;
	} exec;

	/**
	 * @vram: device memory behind a PCI BAR. Set up by
	 * tgem_device_create() and read-only afterwards, except
	 * @vram.kmaps; @vram.size is 0 when the device has none.
	 */
	struct {
		/** @vram.base: CPU physical address of the BAR */
		resource_size_t base;
		/** @vram.size: bytes of VRAM, a multiple of PAGE_SIZE */
		resource_size_t size;
		/** @vram.iomap: write-combined io_mapping of the BAR */
		struct io_mapping iomap;
		/** @vram.mgr: the TTM manager for %TTM_PL_VRAM */
		struct tgem_vram_mgr mgr;
		/**
		 * @vram.kmaps: kernel mappings of this device's VRAM now
		 * held: short-term page mappings and dma-buf vmaps (see
		 * "Short-term kernel mappings"). Atomic, no lock: a mapping
		 * increments it, then (after a full barrier) checks
		 * drm_dev_is_unplugged(), which pairs with the full barrier
		 * of synchronize_srcu() in drm_dev_unplug(); after the
		 * unplug, the device's removal waits for it to reach 0
		 * before the BAR is released.
		 */
		atomic_t kmaps;
	} vram;

	/**
	 * @sched: the software engine and its scheduler (engine/); set up
	 * by tgem_device_create(), read-only afterwards
	 */
	struct tgem_sched *sched;
	/** @userptr: userptr state: notifier lock, workqueue, counters */
	struct tgem_userptr_device userptr;
};

#endif
