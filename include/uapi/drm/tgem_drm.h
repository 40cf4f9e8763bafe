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
 *  - &DRM_IOCTL_TGEM_GEM_INFO: how a BO was created and where it is now.
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
 * DOC: tgem uAPI device removal
 *
 * A tgem device can go away while userspace still uses it: its PCI device
 * is unbound or hot-unplugged. Its VRAM, a PCI BAR, is gone with it, and
 * may belong to a new instance of the device soon after (a rebind), so
 * nothing of the old device touches that memory again:
 *
 *  - every ioctl on a file of the old device fails with ``ENODEV``; so
 *    does an ioctl that was running when the device went away and still
 *    had to copy or clear VRAM (&DRM_IOCTL_TGEM_GEM_CREATE clearing a new
 *    BO in VRAM, &DRM_IOCTL_TGEM_GEM_MIGRATE);
 *  - a CPU mapping of a BO faults in on a zeroed dummy page from then
 *    on: whatever the BO held, the mapping shows none of it, and writes
 *    reach nothing but that page;
 *  - reading or writing such a mapping through ``/proc/<pid>/mem`` or
 *    ptrace fails with ``EIO`` for a BO that was in VRAM;
 *  - importing a dma-buf exported by the old device into another driver
 *    (``DRM_IOCTL_PRIME_FD_TO_HANDLE`` on its node) fails with ``ENODEV``;
 *  - closing handles, files and dma-bufs and unmapping always works, and
 *    frees everything.
 *
 * Contents of BOs that were in VRAM are lost. Userspace that wants them
 * back opens the new render node and starts over.
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
 * then ``ENOMEM`` when memory runs out, including when the caller's memory
 * cgroup reaches its limit; ``ENOSPC`` when the device's mmap offset space
 * is full. Every BO, mapped or not, takes its size of that space for as
 * long as it lives (on 64-bit kernels the space is 1 TiB, shared by every
 * client of the device); closing BOs gives it back. ``ENODEV`` once the
 * device is gone (see "tgem uAPI device removal"). On failure no field is
 * written.
 *
 * Memory accounting: the kernel memory a BO needs and its system memory
 * pages, when they are allocated (on first CPU access, on a migration or
 * eviction to system memory, on a PRIME attach), are charged to the memory
 * cgroup of the task that causes the allocation. A BO that was never
 * touched costs only a small, fixed amount, whatever its size.
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
 * region has no room even after eviction, or, for system memory, when the
 * caller's memory cgroup reaches its limit; ``EINTR`` on a signal;
 * ``ENODEV`` once the device is gone (see "tgem uAPI device removal").
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

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_TGEM_DRM_H_ */
