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
 *    submission contexts batches run on;
 *  - &DRM_IOCTL_TGEM_EXECBUF: run a batch buffer on the software engine,
 *    relocating the GPU addresses it holds first (see "tgem execbuf");
 *  - &DRM_IOCTL_TGEM_GEM_USERPTR: a BO over the caller's own memory.
 *
 * Rules every tgem ioctl follows:
 *
 *  - every struct starts with ``extensions``, which must be 0 until an
 *    extension is defined for that ioctl;
 *  - every ``pad`` and ``reserved`` field must be zero, and every unknown
 *    flag bit must be clear; otherwise the ioctl fails with ``EINVAL``;
 *  - a handle that does not name a BO of this file gives ``ENOENT`` (the
 *    DRM core's own ioctls, such as ``DRM_IOCTL_GEM_CLOSE`` and
 *    ``DRM_IOCTL_SYNCOBJ_DESTROY``, keep their ``EINVAL`` for one);
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
#define DRM_TGEM_CONTEXT_CREATE		0x06
#define DRM_TGEM_CONTEXT_DESTROY	0x07
#define DRM_TGEM_EXECBUF		0x08
#define DRM_TGEM_GEM_USERPTR		0x09

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
#define DRM_IOCTL_TGEM_EXECBUF \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TGEM_EXECBUF, struct drm_tgem_execbuf)
#define DRM_IOCTL_TGEM_GEM_USERPTR \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TGEM_GEM_USERPTR, struct drm_tgem_gem_userptr)

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
 *    %DRM_TGEM_QUERY_CONFIG_FLAG_HAS_EXECBUF when it runs batches
 *    (&DRM_IOCTL_TGEM_EXECBUF and contexts);
 *    %DRM_TGEM_QUERY_CONFIG_FLAG_HAS_USERPTR when it has
 *    &DRM_IOCTL_TGEM_GEM_USERPTR; %DRM_TGEM_QUERY_CONFIG_FLAG_HAS_SYNCS
 *    when &DRM_IOCTL_TGEM_EXECBUF takes fences (&struct drm_tgem_sync) and
 *    %DRM_TGEM_EXEC_OBJECT_ASYNC. Userspace checks a bit before it uses
 *    what the bit names; bits it does not know must be ignored;
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
#define   DRM_TGEM_QUERY_CONFIG_FLAG_HAS_EXECBUF	(1 << 1)
#define   DRM_TGEM_QUERY_CONFIG_FLAG_HAS_USERPTR	(1 << 2)
#define   DRM_TGEM_QUERY_CONFIG_FLAG_HAS_SYNCS		(1 << 3)
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
 *
 * Errors: ``EINVAL`` for a nonzero @extensions, @flags or @reserved;
 * ``ENOENT`` for a bad handle; ``ENODEV`` for a userptr BO, which has no
 * offset (its memory is the caller's own), and once the device is gone.
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
 * **Busy query.** A @timeout_ns of 0 (or any other deadline already in
 * the past) does not wait: it tells whether the BO is busy, ``ETIME``
 * while any job that uses it (or any other fence on it, from another
 * driver that shares it through PRIME) has not finished, 0 once all have.
 * A BO is busy from the &DRM_IOCTL_TGEM_EXECBUF that queues a job using
 * it, even while the job still waits for its in-fences, until that job
 * has run.
 *
 * Return: 0 when the BO is idle, ``ETIME`` when the timeout passed first,
 * ``EINTR`` when a signal interrupted the wait and the call was not
 * restarted; ``EINVAL`` for a nonzero @extensions, @flags or @reserved,
 * ``ENOENT`` for a bad handle, ``ENODEV`` once the device is gone.
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
 * A BO imported from another device's dma-buf (``DRM_IOCTL_PRIME_FD_TO_HANDLE``)
 * has placement %DRM_TGEM_PLACEMENT_SYSTEM only: its pages are the
 * exporter's, and MIGRATE to VRAM fails with ``EINVAL``.
 *
 * Errors: ``EINVAL`` for bad arguments or a region not in the BO's
 * placement mask; ``ENOENT`` for a bad handle; ``EBUSY`` if another device
 * has the BO attached or mapped (vmap), so pinned, in the other region;
 * ``ENOMEM`` if the
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
 *
 * Errors: ``EINVAL`` for a nonzero @extensions, @flags, @pad or
 * @reserved; ``ENOENT`` for a bad handle; ``EINTR`` on a signal while
 * the BO is locked by someone else; ``ENODEV`` once the device is gone.
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
 * context of the file) does not wait for its batches to finish. Batches
 * that have reached the engine run to their end, or to their timeout.
 * Batches still waiting for other work (the fences of their BOs) are
 * given up to a second to reach the engine; those still waiting then end
 * with an error without running. Either way every fence signals, and the
 * BOs stay alive until the batches that use them are done.
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

/**
 * DOC: tgem execbuf
 *
 * &DRM_IOCTL_TGEM_EXECBUF runs a batch buffer, a BO holding commands for
 * the software engine, on a context. The commands reach BOs through GPU
 * virtual addresses.
 *
 * **The GPU address space.** Each open file has its own 48-bit GPU
 * virtual address space. A BO used by an execbuf is bound in it, at an
 * address the kernel picks or, with %DRM_TGEM_EXEC_OBJECT_PINNED, at the
 * one userspace gives ("softpin"). A binding lasts until the last handle
 * of the BO in that file is closed, or the file is closed; while it
 * lasts, the BO keeps its address, whatever memory the BO moves to.
 * Kernel-picked addresses start from the bottom of the space; userspace
 * that pins its own addresses is best served by pinning every object.
 * Page 0 is never mapped, so a null GPU pointer always faults.
 *
 * GPU addresses in this uAPI are in canonical form, as on x86-64: bits
 * 63..48 are copies of bit 47. The kernel reports addresses in that form,
 * writes them in that form, and refuses a pinned address that is not.
 * No binding crosses the middle of the space (2^47).
 *
 * **Relocations.** Userspace does not always know where its BOs are when
 * it writes commands, so each object may carry an array of
 * &struct drm_tgem_relocation_entry, each saying "write the GPU address
 * of the target object, plus @delta, as 64 bits at @offset of this
 * object". The kernel reports in &drm_tgem_exec_object.offset where each
 * object is, and rewrites &drm_tgem_relocation_entry.presumed_offset, so
 * that the next execbuf usually finds every presumed address right and
 * skips the writes. A relocation whose presumed_offset already equals the
 * target's address is skipped. Writing back the presumed offsets is a
 * courtesy: when that memory is read-only, the execbuf still succeeds.
 *
 * **NO_RELOC.** With %DRM_TGEM_EXEC_NO_RELOC userspace promises that
 * every presumed_offset of every relocation equals the
 * &drm_tgem_exec_object.offset it passes for the target, and that those
 * values are already written in the objects. When every object is bound
 * at the offset userspace passed, the kernel then does no relocation work
 * at all: it does not even read the relocation arrays (and so does not
 * check them). When an object is elsewhere, the relocations are processed
 * as without the flag. Breaking the promise only hurts the caller: its
 * batch uses stale addresses and most likely faults.
 *
 * **Handles.** Relocation targets name objects of the same execbuf, by
 * GEM handle, or with %DRM_TGEM_EXEC_HANDLE_LUT by index in the object
 * array.
 *
 * **Errors.** Everything below is checked before the kernel changes
 * anything a user can see: no BO is written, no address written back and
 * no work queued. ``EINVAL``: nonzero extensions, pad or reserved
 * field; an unknown flag; no objects, or more than
 * %DRM_TGEM_EXEC_MAX_OBJECTS; @batch_index out of range; a batch start
 * not 8-byte aligned, a zero length or one not a multiple of 4, or a
 * batch past the end of its object; the same BO twice in the object list;
 * a pinned address that is not canonical, not page aligned, in page 0 or
 * past the end of the space; a relocation count, or a sum of them,
 * larger than %DRM_TGEM_EXEC_MAX_RELOCS (which keeps every byte size in
 * range); a relocation whose flags are not 0, whose offset is not 8-byte
 * aligned, or whose 8 bytes do not fit in the object. ``ENOENT``: a handle
 * that names no BO of this file, a relocation target that is not in the
 * object list, or a context id that names no context. ``EIO``: the
 * context is banned (a job of it hung). ``EFAULT``: the object array or a
 * relocation array cannot be read. ``ENOSPC``: a pinned address overlaps
 * another binding of this file, or the space is full. ``ENOMEM``, and
 * ``EINTR`` (restarted) on a signal, may also occur; after one of those,
 * some objects may be left bound at new addresses, which only changes the
 * offsets a later execbuf reports.
 *
 * **Userptr BOs** (&DRM_IOCTL_TGEM_GEM_USERPTR) are ordinary objects:
 * the job sees the pages their range maps at submission. Their pages are
 * faulted in first, so an execbuf may also fail with ``EFAULT`` (memory
 * that cannot be faulted, see &struct drm_tgem_gem_userptr), ``EBUSY`` or
 * ``EAGAIN`` (the range kept being invalidated while the kernel
 * submitted; retry). A userptr object with relocations gives ``EINVAL``.
 * A read-only userptr is never writable by the job, whatever its flags:
 * a write to it faults the job and writes nothing.
 *
 * The batch runs asynchronously. Each BO of the execbuf gets the job's
 * fence in its reservation object (as a writer with
 * %DRM_TGEM_EXEC_OBJECT_WRITE, as a reader otherwise), so
 * &DRM_IOCTL_TGEM_GEM_WAIT, CPU faults, MIGRATE and eviction all wait for
 * it, and so do other drivers and other tgem files that share the BO
 * through PRIME.
 *
 * **Implicit synchronisation.** The job waits for the fences already in
 * the reservation object of each of its BOs, whoever put them there (a
 * tgem job of any file, another driver, ``DMA_BUF_IOCTL_IMPORT_SYNC_FILE``):
 * for the writers of a BO it only reads, for every fence (readers and
 * writers) of a BO it may write. %DRM_TGEM_EXEC_OBJECT_ASYNC turns that
 * wait off for one object, for userspace that orders its work with
 * explicit fences; the job's own fence is still added to the object, so
 * everybody else keeps waiting for it. Even with ASYNC the job waits for
 * the kernel's own fences on the object (a move or a clear, by tgem or by
 * a driver that shares the BO), which no userspace fence can order.
 *
 * **Explicit synchronisation.** @syncs points at @num_syncs
 * &struct drm_tgem_sync, each an in-fence the job waits for or an
 * out-fence the kernel signals when the job has finished:
 *
 *  - %DRM_TGEM_SYNC_TYPE_SYNCOBJ: a binary syncobj. A wait takes the
 *    fence the syncobj holds at the time of the call; a signal replaces
 *    that fence with the job's.
 *  - %DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ: a point of a timeline
 *    syncobj, @timeline_value, never 0. A wait waits for that point (and
 *    so for every earlier one); a signal adds the job's fence as that
 *    point.
 *  - %DRM_TGEM_SYNC_TYPE_SYNC_FILE: a wait waits for the fence of the
 *    sync_file whose fd is given; a signal creates a new sync_file of the
 *    job's fence and writes its fd (close-on-exec) into
 *    &drm_tgem_sync.fd, whose input value is ignored.
 *
 * All waits are taken when the ioctl is called, before anything else can
 * change them; all signals happen only when the ioctl succeeds. A failing
 * execbuf signals nothing, replaces no syncobj fence, adds no timeline
 * point and leaves no new fd open. A signal fences the job's end, so
 * it signals with an error if the job faulted, timed out or was
 * cancelled (see "tgem contexts"). Waits and signals may name the same
 * syncobj: the wait takes the old fence.
 *
 * **Wait before submit.** A wait on a binary syncobj that holds no fence,
 * or on a timeline point that nobody has added yet, fails with ``EINVAL``,
 * as ``DRM_IOCTL_SYNCOBJ_WAIT`` does. With
 * %DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT the ioctl first waits, before it
 * takes any lock, until a fence arrives there (another submission, or
 * ``DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL`` from the CPU): up to 5 seconds,
 * after which it fails with ``ETIME``, or until a signal (``EINTR``,
 * restarted).
 *
 * **Fence errors**, checked before anything is signalled or queued:
 * ``EINVAL`` for @num_syncs above %DRM_TGEM_EXEC_MAX_SYNCS, a nonzero
 * @syncs with @num_syncs 0, an unknown type or flag, a nonzero
 * extensions, pad or reserved field of a sync, a @timeline_value that is
 * 0 for a timeline or nonzero for another type,
 * %DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT on anything but a syncobj wait, an
 * in-fence fd that is not a sync_file, and a wait before submit (above);
 * ``ENOENT`` for a syncobj handle that names no syncobj of this file;
 * ``EFAULT`` when the array cannot be read, or the fd of an out-fence
 * cannot be written into it; ``EMFILE`` when the process has no free fd
 * for an out-fence.
 */

/**
 * struct drm_tgem_relocation_entry - One address to patch
 *
 * Writes the 64-bit value canonical(address of the target + @delta) at
 * byte @offset of the object whose &drm_tgem_exec_object.relocs_ptr holds
 * this entry, unless @presumed_offset already equals the target's
 * canonical address. 32 bytes, naturally aligned, so arrays of them are
 * cheap to copy.
 */
struct drm_tgem_relocation_entry {
	/**
	 * @target_handle: the target: a GEM handle of an object in the same
	 * execbuf, or with %DRM_TGEM_EXEC_HANDLE_LUT its index in the
	 * object array
	 */
	__u32 target_handle;
	/** @flags: MBZ */
	__u32 flags;
	/**
	 * @offset: byte offset in the object to write at; 8-byte aligned,
	 * and at most the object's size - 8
	 */
	__u64 offset;
	/** @delta: added to the target's address, modulo 2^64 */
	__u64 delta;
	/**
	 * @presumed_offset: in/out: the canonical address userspace
	 * believes the target has (and has already written). The kernel
	 * writes the real one back after relocating.
	 */
	__u64 presumed_offset;
};

/**
 * struct drm_tgem_exec_object - One BO of an execbuf
 *
 * @flags:
 *
 *  - %DRM_TGEM_EXEC_OBJECT_WRITE: the batch may write the object. The
 *    engine faults a write to an object without it, and the job's fence
 *    is added to the object as a writer (as a reader otherwise).
 *  - %DRM_TGEM_EXEC_OBJECT_PINNED: bind the object at @offset, which must
 *    be canonical, page aligned, not in page 0, and leave the object
 *    inside the space. An object already bound elsewhere moves there.
 *  - %DRM_TGEM_EXEC_OBJECT_ASYNC: the job does not wait for the fences
 *    jobs and other drivers' work put on the object (no implicit
 *    synchronisation, see "tgem execbuf"), only for the kernel's own
 *    (moves, clears); its own fence is still added to it.
 */
struct drm_tgem_exec_object {
	/** @handle: the BO */
	__u32 handle;
#define DRM_TGEM_EXEC_OBJECT_WRITE	(1 << 0)
#define DRM_TGEM_EXEC_OBJECT_PINNED	(1 << 1)
#define DRM_TGEM_EXEC_OBJECT_ASYNC	(1 << 2)
	/** @flags: see above */
	__u32 flags;
	/**
	 * @offset: in/out: the canonical GPU address of the object. In:
	 * where userspace believes it is (with PINNED: where it must be).
	 * Out: where it is.
	 */
	__u64 offset;
	/** @relocs_ptr: user pointer to @relocation_count relocation entries */
	__u64 relocs_ptr;
	/** @relocation_count: number of entries at @relocs_ptr */
	__u32 relocation_count;
	/** @pad: MBZ */
	__u32 pad;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * struct drm_tgem_execbuf - Input of &DRM_IOCTL_TGEM_EXECBUF
 *
 * See "tgem execbuf" for what happens and the errors.
 *
 * @flags:
 *
 *  - %DRM_TGEM_EXEC_NO_RELOC: every presumed address is right; see
 *    "tgem execbuf";
 *  - %DRM_TGEM_EXEC_HANDLE_LUT: &drm_tgem_relocation_entry.target_handle
 *    is an index in the object array, not a GEM handle.
 *
 * @syncs and @num_syncs name the fences the job waits for and signals;
 * see "tgem execbuf".
 */
struct drm_tgem_execbuf {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/**
	 * @objects_ptr: user pointer to an array of @num_objects
	 * &struct drm_tgem_exec_object; their @offset fields are written back
	 */
	__u64 objects_ptr;
#define DRM_TGEM_EXEC_MAX_OBJECTS	4096
	/** @num_objects: 1 to %DRM_TGEM_EXEC_MAX_OBJECTS */
	__u32 num_objects;
	/**
	 * @ctx_id: the context, from &DRM_IOCTL_TGEM_CONTEXT_CREATE
	 */
	__u32 ctx_id;
	/** @batch_index: which object holds the batch */
	__u32 batch_index;
	/** @batch_len: bytes of commands; nonzero, a multiple of 4 */
	__u32 batch_len;
	/** @batch_start: byte offset of the first command; 8-byte aligned */
	__u64 batch_start;
#define DRM_TGEM_EXEC_NO_RELOC		(1 << 0)
#define DRM_TGEM_EXEC_HANDLE_LUT	(1 << 1)
	/** @flags: see above */
	__u32 flags;
#define DRM_TGEM_EXEC_MAX_SYNCS		1024
	/** @num_syncs: entries at @syncs, at most %DRM_TGEM_EXEC_MAX_SYNCS */
	__u32 num_syncs;
	/**
	 * @syncs: user pointer to an array of @num_syncs
	 * &struct drm_tgem_sync, or 0 when @num_syncs is 0
	 */
	__u64 syncs;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/**
 * struct drm_tgem_sync - One fence of an execbuf
 *
 * An in-fence the job waits for, or with %DRM_TGEM_SYNC_FLAG_SIGNAL an
 * out-fence the kernel signals when the job has finished; see "tgem
 * execbuf" for the rules and the errors. 48 bytes, naturally aligned.
 *
 * @type is one of:
 *
 *  - %DRM_TGEM_SYNC_TYPE_SYNCOBJ: a binary syncobj, @handle;
 *  - %DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ: point @timeline_value of the
 *    timeline syncobj @handle;
 *  - %DRM_TGEM_SYNC_TYPE_SYNC_FILE: a sync_file, @fd.
 *
 * @flags:
 *
 *  - %DRM_TGEM_SYNC_FLAG_SIGNAL: an out-fence; without it, an in-fence;
 *  - %DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT: for an in-fence on a syncobj,
 *    wait (up to 5 seconds) for a fence to arrive at a syncobj or point
 *    that has none yet, instead of failing with ``EINVAL``.
 */
struct drm_tgem_sync {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
#define DRM_TGEM_SYNC_TYPE_SYNCOBJ		0
#define DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ	1
#define DRM_TGEM_SYNC_TYPE_SYNC_FILE		2
	/** @type: see above */
	__u32 type;
#define DRM_TGEM_SYNC_FLAG_SIGNAL		(1 << 0)
#define DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT	(1 << 1)
	/** @flags: see above */
	__u32 flags;
	union {
		/** @handle: the syncobj, for the two syncobj types */
		__u32 handle;
		/**
		 * @fd: for %DRM_TGEM_SYNC_TYPE_SYNC_FILE: the sync_file to
		 * wait for; or, with %DRM_TGEM_SYNC_FLAG_SIGNAL, out: the fd
		 * of the new sync_file (ignored on input; on failure it
		 * keeps its input value)
		 */
		__s32 fd;
	};
	/** @pad: MBZ */
	__u32 pad;
	/**
	 * @timeline_value: the point, for
	 * %DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ, not 0; MBZ for the other
	 * types
	 */
	__u64 timeline_value;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

/*
 * The largest number of relocations one execbuf may carry, all objects
 * together: 4 Mi entries, 128 MiB.
 */
#define DRM_TGEM_EXEC_MAX_RELOCS	(1u << 22)

/**
 * struct drm_tgem_gem_userptr - Input of &DRM_IOCTL_TGEM_GEM_USERPTR
 *
 * Creates a BO whose memory is [@user_ptr, @user_ptr + @user_size) of the
 * caller's address space, without copying and without pinning: tgem
 * mirrors the range (MMU notifier and HMM), so the kernel stays free to
 * reclaim, migrate or unmap the pages, and a job that uses the BO sees the
 * pages the range maps when the job is submitted. The range is always the
 * creator's: after fork(), a child submitting the BO still reaches the
 * parent's memory. Any memory a CPU can read through a normal mapping
 * works: anonymous, shmem or memfd, file-backed, several mappings in a
 * row. Mappings the kernel cannot fault page by page (``VM_PFNMAP`` or
 * ``VM_IO`` ones, such as the mmap() of a tgem BO), holes and
 * ``PROT_NONE`` do not, nor does ``PROT_READ`` memory unless
 * %DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY is set.
 *
 * Creation checks the arguments and registers the range; the pages are
 * faulted in on first use (a job), or at once with
 * %DRM_TGEM_GEM_USERPTR_FLAG_PROBE. Memory that cannot be faulted makes
 * that first use fail with ``EFAULT``; nothing deadlocks, whatever the
 * range maps.
 *
 * The BO lives in system memory only (GEM_INFO reports placement
 * %DRM_TGEM_PLACEMENT_SYSTEM) and keeps its handle after munmap() of the
 * range: a later use fails with ``EFAULT``, or sees whatever is mapped
 * there by then. It cannot be mapped or shared:
 * &DRM_IOCTL_TGEM_GEM_MMAP_OFFSET fails with ``ENODEV``,
 * &DRM_IOCTL_TGEM_GEM_MIGRATE to VRAM with ``EINVAL``, and PRIME export
 * (``DRM_IOCTL_PRIME_HANDLE_TO_FD``) with ``EPERM``.
 *
 * @flags:
 *
 *  - %DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY: the device only reads the
 *    memory; a job that writes to it fails like a GPU fault and writes
 *    nothing. Required for memory mapped without ``PROT_WRITE``.
 *  - %DRM_TGEM_GEM_USERPTR_FLAG_PROBE: fault every page in now, as the
 *    first use would, and fail the ioctl if that fails.
 *
 * Errors, checked in this order: ``EINVAL`` for a nonzero extensions or
 * reserved field or an unknown flag; ``EINVAL`` for a zero @user_size, a
 * @user_ptr or @user_size that is not a multiple of the page size, or a
 * @user_size above the size of the system memory region
 * (&drm_tgem_mem_region.total_size of instance 0) or above 2^32 - 1 pages;
 * ``EFAULT`` if the range is not inside the user address space; ``ENOMEM``.
 * With %DRM_TGEM_GEM_USERPTR_FLAG_PROBE also: ``EFAULT`` for memory that
 * cannot be faulted (see above); ``EBUSY`` if the range kept being
 * invalidated for a second while tgem faulted it; ``EINTR`` on a signal.
 * On failure no handle is created and no field is written.
 */
struct drm_tgem_gem_userptr {
	/** @extensions: MBZ, see "tgem uAPI extensions" */
	__u64 extensions;
	/** @user_ptr: start of the range, page aligned */
	__u64 user_ptr;
	/** @user_size: size of the range in bytes, page aligned */
	__u64 user_size;
#define DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY	(1 << 0)
#define DRM_TGEM_GEM_USERPTR_FLAG_PROBE		(1 << 1)
	/** @flags: see above */
	__u32 flags;
	/** @handle: out, the GEM handle of the new BO */
	__u32 handle;
	/** @reserved: MBZ */
	__u64 reserved[2];
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_TGEM_DRM_H_ */
