/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _UAPI_TGEM_DRM_H_
#define _UAPI_TGEM_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: tgem uAPI overview
 *
 * tgem is a render-only DRM driver with no hardware behind it. Userspace
 * opens its render node (the one whose ``DRM_IOCTL_VERSION`` name is
 * ``tgem``) and talks to it through the generic DRM ioctls (GEM close,
 * PRIME, syncobj) and the tgem ioctls below:
 *
 *  - &DRM_IOCTL_TGEM_DEVICE_QUERY: what the device has (memory regions,
 *    feature bits);
 *  - &DRM_IOCTL_TGEM_GEM_CREATE: a buffer object (BO) in the memory regions
 *    userspace names;
 *  - &DRM_IOCTL_TGEM_GEM_MMAP_OFFSET: the fake offset to pass to mmap();
 *  - &DRM_IOCTL_TGEM_GEM_WAIT: wait until a BO is idle;
 *  - &DRM_IOCTL_TGEM_GEM_MIGRATE: move a BO to one of its allowed regions;
 *  - &DRM_IOCTL_TGEM_GEM_INFO: how a BO was created and where it is now;
 *  - &DRM_IOCTL_TGEM_CONTEXT_CREATE, &DRM_IOCTL_TGEM_CONTEXT_DESTROY: the
 *    submission contexts batches run on.
 *
 * Rules every tgem ioctl follows:
 *
 *  - every struct starts with ``extensions``, which must be 0 until an
 *    extension is defined for that ioctl;
 *  - every ``pad`` and ``reserved`` field must be zero, and every unknown
 *    flag bit must be clear; otherwise the ioctl fails with ``EINVAL``;
 *  - a handle that does not name a BO of this file gives ``ENOENT``;
 *  - user pointers are ``__u64``.
 *
 * A failing ioctl leaves no object behind and changes no output field.
 * The reason for an ``EINVAL`` is printed with drm_dbg() when the
 * ``drm.debug`` module parameter enables DRIVER messages (0x2).
 */

/**
 * DOC: tgem uAPI extensions
 *
 * Each ioctl struct has a ``__u64 extensions`` field: a user pointer to a
 * chain of &struct drm_tgem_user_extension. No extension is defined yet, so
 * any nonzero value is rejected with ``EINVAL``. New behaviour that needs
 * new input arrives as a named extension, never by reinterpreting an
 * existing field.
 */

/**
 * struct drm_tgem_user_extension - Base of every extension in a chain
 *
 * Extensions embed this struct first and are linked through
 * @next_extension.
 */
struct drm_tgem_user_extension {
	/** @next_extension: user pointer to the next extension, or 0 */
	__u64 next_extension;
	/** @name: which extension this is */
	__u32 name;
	/** @pad: MBZ */
	__u32 pad;
};

#define DRM_TGEM_DEVICE_QUERY		0x00
#define DRM_TGEM_GEM_CREATE		0x01
#define DRM_TGEM_GEM_MMAP_OFFSET	0x02
#define DRM_TGEM_GEM_WAIT		0x03
#define DRM_TGEM_GEM_MIGRATE		0x04
#define DRM_TGEM_GEM_INFO		0x05
#define DRM_TGEM_CONTEXT_CREATE		0x06
#define DRM_TGEM_CONTEXT_DESTROY	0x07

#define DRM_IOCTL_TGEM_DEVICE_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TGEM_DEVICE_QUERY, struct drm_tgem_device_query)
#define DRM_IOCTL_TGEM_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TGEM_GEM_CREATE, struct drm_tgem_gem_create)
#define DRM_IOCTL_TGEM_GEM_MMAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TGEM_GEM_MMAP_OFFSET, struct drm_tgem_gem_mmap_offset)
#define DRM_IOCTL_TGEM_GEM_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TGEM_GEM_WAIT, struct drm_tgem_gem_wait)
#define DRM_IOCTL_TGEM_GEM_MIGRATE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TGEM_GEM_MIGRATE, struct drm_tgem_gem_migrate)
#define DRM_IOCTL_TGEM_GEM_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TGEM_GEM_INFO, struct drm_tgem_gem_info)
#define DRM_IOCTL_TGEM_CONTEXT_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TGEM_CONTEXT_CREATE, struct drm_tgem_context_create)
#define DRM_IOCTL_TGEM_CONTEXT_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TGEM_CONTEXT_DESTROY, struct drm_tgem_context_destroy)

/**
 * enum drm_tgem_memory_class - Kinds of memory a BO can live in
 *
 * @DRM_TGEM_MEM_CLASS_SYSMEM: system RAM, reached by the device through DMA
 * @DRM_TGEM_MEM_CLASS_VRAM: device-local memory behind a PCI BAR
 */
enum drm_tgem_memory_class {
	DRM_TGEM_MEM_CLASS_SYSMEM = 0,
	DRM_TGEM_MEM_CLASS_VRAM,
};

/**
 * struct drm_tgem_mem_region - One memory region of the device
 *
 * Returned in &struct drm_tgem_query_mem_regions.
 */
struct drm_tgem_mem_region {
	/** @mem_class: an &enum drm_tgem_memory_class */
	__u16 mem_class;
	/**
	 * @instance: the bit of this region in
	 * &drm_tgem_gem_create.placement
	 */
	__u16 instance;
	/** @min_page_size: smallest allocation unit, in bytes */
	__u32 min_page_size;
	/** @total_size: size of the region, in bytes */
	__u64 total_size;
	/**
	 * @used: bytes currently allocated in the region. For system memory
	 * this counts the pages held by tgem BOs.
	 */
	__u64 used;
	/** @cpu_visible_size: bytes the CPU can map */
	__u64 cpu_visible_size;
	/** @reserved: MBZ */
	__u64 reserved[4];
};

/**
 * struct drm_tgem_query_mem_regions - Answer to
 * %DRM_TGEM_DEVICE_QUERY_MEM_REGIONS
 */
struct drm_tgem_query_mem_regions {
	/** @num_regions: number of entries in @regions */
	__u32 num_regions;
	/** @pad: MBZ */
	__u32 pad;
	/** @regions: the regions, in instance order */
	struct drm_tgem_mem_region regions[];
};

/**
 * struct drm_tgem_query_config - Answer to %DRM_TGEM_DEVICE_QUERY_CONFIG
 *
 * @info is indexed by:
 *
 *  - %DRM_TGEM_QUERY_CONFIG_FLAGS: feature bits;
 *    %DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM is set when the device has VRAM;
 *  - %DRM_TGEM_QUERY_CONFIG_MIN_ALIGNMENT: the alignment, in bytes, that BO
 *    sizes are rounded up to;
 *  - %DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE: the largest size
 *    &DRM_IOCTL_TGEM_GEM_CREATE accepts.
 *
 * Newer kernels append entries; @num_params says how many are valid.
 */
struct drm_tgem_query_config {
	/** @num_params: number of entries in @info */
	__u32 num_params;
	/** @pad: MBZ */
	__u32 pad;
#define DRM_TGEM_QUERY_CONFIG_FLAGS			0
#define   DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM		(1 << 0)
#define DRM_TGEM_QUERY_CONFIG_MIN_ALIGNMENT		1
#define DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE		2
	/** @info: the values, see above */
	__u64 info[];
};

/**
 * struct drm_tgem_device_query - Input of &DRM_IOCTL_TGEM_DEVICE_QUERY
 *
 * Two-call protocol: call once with @size 0 and the kernel writes the size
 * it needs into @size; allocate that much and call again with @data
 * pointing at it. A @size smaller than needed gives ``EINVAL``; a larger
 * one is accepted and @size is set to the number of bytes written. An
 * unknown @query gives ``EINVAL`` even with @size 0; a @data the kernel
 * cannot write gives ``EFAULT``, and then what the buffer holds is
 * undefined. The kernel zeroes every pad and reserved field of the
 * answer.
 *
 * @query is one of:
 *
 *  - %DRM_TGEM_DEVICE_QUERY_CONFIG: &struct drm_tgem_query_config
 *  - %DRM_TGEM_DEVICE_QUERY_MEM_REGIONS: &struct drm_tgem_query_mem_regions
 */
struct drm_tgem_device_query {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
#define DRM_TGEM_DEVICE_QUERY_CONFIG		0
#define DRM_TGEM_DEVICE_QUERY_MEM_REGIONS	1
	/** @query: what to query */
	__u32 query;
	/** @size: in/out, size of the buffer at @data in bytes */
	__u32 size;
	/** @data: user pointer to the answer buffer */
	__u64 data;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * struct drm_tgem_gem_create - Input of &DRM_IOCTL_TGEM_GEM_CREATE
 *
 * @placement is a mask of memory region instances (bit n is the region
 * whose &drm_tgem_mem_region.instance is n; system memory is instance 0,
 * VRAM, when the device has it, instance 1). Whatever the bit order, VRAM
 * is always preferred over system memory:
 *
 *  - %DRM_TGEM_PLACEMENT_SYSTEM alone: system memory only;
 *  - %DRM_TGEM_PLACEMENT_VRAM alone: VRAM only, never evicted by memory
 *    pressure. When VRAM is full, creating the BO fails with ``ENOMEM``
 *    (TTM's errno for a full region). Another device cannot attach it
 *    through PRIME, since importers get system pages;
 *  - both: VRAM preferred, evicted to system memory under pressure.
 *
 * @flags:
 *
 *  - %DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS: while the BO is in VRAM, its
 *    backing is one physically contiguous block. Requires
 *    %DRM_TGEM_PLACEMENT_VRAM; says nothing about system memory.
 *
 * Errors, checked in this order: ``EINVAL`` for a nonzero extensions, pad
 * or reserved field, a zero @size, or a @size above
 * %DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE (which covers a @size whose page
 * rounding would overflow); then ``EINVAL`` for an empty mask, an unknown
 * bit, a region the device does not have or an unknown flag; then
 * ``E2BIG`` when @size is larger than every region allowed by @placement;
 * then ``ENOMEM`` when memory runs out. On failure no field is written.
 */
struct drm_tgem_gem_create {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/**
	 * @size: in/out, size in bytes; rounded up to
	 * %DRM_TGEM_QUERY_CONFIG_MIN_ALIGNMENT and written back
	 */
	__u64 size;
#define DRM_TGEM_PLACEMENT_SYSTEM	(1 << 0)
#define DRM_TGEM_PLACEMENT_VRAM		(1 << 1)
	/** @placement: mask of allowed memory regions, see above */
	__u32 placement;
#define DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS	(1 << 0)
	/** @flags: creation flags, see above */
	__u32 flags;
	/** @handle: out, the GEM handle of the new BO */
	__u32 handle;
	/** @pad: MBZ */
	__u32 pad;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * struct drm_tgem_gem_mmap_offset - Input of &DRM_IOCTL_TGEM_GEM_MMAP_OFFSET
 *
 * The returned @offset is one per BO. mmap() of it works through any DRM
 * file that holds a handle to the BO (the caller's, or one that imported
 * it with PRIME); through a file with no handle to it, mmap() fails with
 * ``EACCES``. The mapping is always shared; ``MAP_PRIVATE`` is refused
 * with ``EINVAL``. Calling the ioctl again returns the same offset.
 */
struct drm_tgem_gem_mmap_offset {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/** @handle: the BO */
	__u32 handle;
	/** @flags: MBZ */
	__u32 flags;
	/** @offset: out, the fake offset to pass to mmap() */
	__u64 offset;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * struct drm_tgem_gem_wait - Input of &DRM_IOCTL_TGEM_GEM_WAIT
 *
 * Waits until every fence on the BO has signalled, or until
 * @timeout_ns. The timeout is absolute, on ``CLOCK_MONOTONIC``, so a call
 * restarted after a signal does not wait longer than asked. A timeout in
 * the past polls.
 *
 * Return: 0 when the BO is idle, ``ETIME`` when the timeout passed first,
 * ``EINTR`` when a signal interrupted the wait and the call was not
 * restarted. Until tgem can submit work, every BO is idle.
 */
struct drm_tgem_gem_wait {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/** @handle: the BO */
	__u32 handle;
	/** @flags: MBZ */
	__u32 flags;
	/** @timeout_ns: absolute CLOCK_MONOTONIC deadline, in nanoseconds */
	__s64 timeout_ns;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * struct drm_tgem_gem_migrate - Input of &DRM_IOCTL_TGEM_GEM_MIGRATE
 *
 * Moves the BO to region instance @region, keeping its contents. CPU
 * mappings stay valid: they fault in at the new place. Moving a BO into
 * VRAM evicts the least recently used evictable BOs if it must.
 *
 * Errors: ``EINVAL`` for bad arguments or a region not in the BO's
 * placement mask; ``ENOENT`` for a bad handle; ``EBUSY`` if another device
 * has the BO attached (pinned) in the other region; ``ENOMEM`` if the
 * region has no room even after eviction; ``EINTR`` on a signal.
 */
struct drm_tgem_gem_migrate {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/** @handle: the BO */
	__u32 handle;
	/** @region: the region instance to move to */
	__u32 region;
	/** @flags: MBZ */
	__u32 flags;
	/** @pad: MBZ */
	__u32 pad;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * struct drm_tgem_gem_info - Input and output of &DRM_IOCTL_TGEM_GEM_INFO
 *
 * Reports how the BO was created and the region it lives in at the time of
 * the call. Eviction can move it right after, so @region is a snapshot,
 * meant for tools and tests.
 */
struct drm_tgem_gem_info {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/** @handle: the BO */
	__u32 handle;
	/** @flags: MBZ */
	__u32 flags;
	/** @size: out, size in bytes */
	__u64 size;
	/** @placement: out, the placement mask it was created with */
	__u32 placement;
	/** @create_flags: out, the flags it was created with */
	__u32 create_flags;
	/** @region: out, the region instance it lives in now */
	__u32 region;
	/** @pad: MBZ */
	__u32 pad;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * DOC: tgem contexts
 *
 * A context is an ordered stream of batches. Batches submitted to one
 * context run one after the other, in submission order; batches of
 * different contexts run independently of each other. Each context is a
 * separate scheduler entity, and has its own ban state.
 *
 * A context belongs to the file that created it and is named by a small
 * integer id, unique within that file. Ids start at 1: 0 is never a valid
 * context id. An id is free for reuse once its context is destroyed.
 *
 * **Hangs and bans.** A batch that runs longer than the job timeout (the
 * ``tgem.job_timeout_ms`` module parameter) is stopped: its fence signals
 * with an error, and its context is *banned*. Batches already queued on a
 * banned context end with an error without running, and every further
 * submission to it fails with ``EIO``. Other contexts are not affected. A
 * banned context stays banned: destroy it and create a new one.
 *
 * **Destroying** a context (or closing the file, which destroys every
 * context of the file) never waits for its batches and never cancels one
 * that has already been submitted: they run to their end, or to their
 * timeout, and their fences signal as usual.
 */

/**
 * struct drm_tgem_context_create - Input of &DRM_IOCTL_TGEM_CONTEXT_CREATE
 *
 * Creates a context in the calling file and returns its id.
 *
 * Errors: ``EINVAL`` for a nonzero @extensions, @flags or @reserved
 * field; ``ENOSPC`` when the file already has 4096 contexts;
 * ``ENOMEM`` when memory runs out. On failure @ctx_id is not written.
 */
struct drm_tgem_context_create {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/** @flags: MBZ, no flag is defined yet */
	__u32 flags;
	/** @ctx_id: out, the id of the new context, never 0 */
	__u32 ctx_id;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * struct drm_tgem_context_destroy - Input of &DRM_IOCTL_TGEM_CONTEXT_DESTROY
 *
 * Destroys a context of the calling file. Its id can no longer be used for
 * submission; batches already submitted on it still run (see "tgem
 * contexts").
 *
 * Errors: ``EINVAL`` for a nonzero @extensions, @flags or @reserved field;
 * ``ENOENT`` when @ctx_id names no context of this file (0 never does, nor
 * does an id already destroyed).
 */
struct drm_tgem_context_destroy {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/** @ctx_id: the context to destroy */
	__u32 ctx_id;
	/** @flags: MBZ */
	__u32 flags;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_TGEM_DRM_H_ */
