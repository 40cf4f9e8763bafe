/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_GPUVM_TYPES_H_
#define _TGEM_GPUVM_TYPES_H_

#include <linux/mutex.h>
#include <linux/rbtree_types.h>
#include <linux/types.h>

#include <drm/drm_mm.h>

struct drm_gem_object;

/**
 * struct tgem_gpuvm_binding - A BO that has a handle in a file
 *
 * Allocated when the file gets its first handle to the BO, freed when the
 * last one is closed; in between the BO may be bound (@node allocated) or
 * not. Every member is protected by &tgem_gpuvm.lock of the space it is
 * in.
 */
struct tgem_gpuvm_binding {
	/**
	 * @node: the address range, in the 48-bit (non-canonical) form;
	 * allocated (drm_mm_node_allocated()) only while the BO is bound
	 */
	struct drm_mm_node node;
	/** @rb: entry in &tgem_gpuvm.bindings, keyed by @obj */
	struct rb_node rb;
	/** @obj: the BO; the binding holds a GEM reference to it */
	struct drm_gem_object *obj;
	/** @handles: the handles the file has to @obj; never 0 */
	unsigned int handles;
};

/**
 * struct tgem_gpuvm - The GPU virtual address space of one file
 *
 * One per open file (&struct tgem_file). Addresses are kept in their
 * 48-bit form, [@start, @end); the uAPI sees them in canonical form.
 */
struct tgem_gpuvm {
	/**
	 * @lock: protects @mm, @bindings and every binding. Taken under a
	 * BO's dma_resv or alone; nothing sleeps on a dma_resv or drops a
	 * GEM reference that may be the last one while holding it.
	 */
	struct mutex lock;
	/** @mm: the address allocator; under @lock */
	struct drm_mm mm;
	/**
	 * @bindings: &struct tgem_gpuvm_binding of every BO the file has
	 * a handle to, bound or not, by BO; under @lock
	 */
	struct rb_root bindings;
	/** @start: first usable address; never 0. Read-only after init */
	u64 start;
	/** @end: first address past the space. Read-only after init */
	u64 end;
};

/**
 * enum tgem_gpuvm_req_state - What tgem_gpuvm_bind() did for one request
 * @TGEM_GPUVM_KEPT: the BO was bound at that address already
 * @TGEM_GPUVM_NEW: the BO was not bound; now it is
 * @TGEM_GPUVM_MOVED: the BO was bound elsewhere and moved to its pinned
 *	address
 */
enum tgem_gpuvm_req_state {
	TGEM_GPUVM_KEPT,
	TGEM_GPUVM_NEW,
	TGEM_GPUVM_MOVED,
};

/**
 * struct tgem_gpuvm_req - One BO to bind, in a tgem_gpuvm_bind() batch
 */
struct tgem_gpuvm_req {
	/** @obj: the BO; the caller holds a reference */
	struct drm_gem_object *obj;
	/** @pin_addr: with @pinned, the 48-bit address it must have */
	u64 pin_addr;
	/** @pinned: bind at @pin_addr */
	bool pinned;
	/** @addr: out: the 48-bit address the BO is bound at */
	u64 addr;
	/** @state: out: what the bind did */
	enum tgem_gpuvm_req_state state;
	/** @old_addr: private: the address before a move, for rollback */
	u64 old_addr;
	/** @binding: private: the BO's binding */
	struct tgem_gpuvm_binding *binding;
};

#endif
