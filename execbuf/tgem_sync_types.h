/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_SYNC_TYPES_H_
#define _TGEM_SYNC_TYPES_H_

#include <linux/compiler_types.h>
#include <linux/types.h>

struct dma_fence;
struct dma_fence_chain;
struct drm_syncobj;
struct drm_tgem_sync;
struct sync_file;

/**
 * struct tgem_sync_entry - One fence of an execbuf, parsed and looked up
 *
 * tgem_sync_parse() fills @type, @flags, @handle and @point from the
 * user's &struct drm_tgem_sync; tgem_sync_lookup() takes the references
 * below. Which of them are set depends on the kind of entry:
 *
 *  - a wait: @fence;
 *  - a binary syncobj signal: @syncobj;
 *  - a timeline signal: @syncobj and @chain;
 *  - a sync_file signal: @sync_file and @fd.
 */
struct tgem_sync_entry {
	/** @type: %DRM_TGEM_SYNC_TYPE_* */
	u32 type;
	/** @flags: %DRM_TGEM_SYNC_FLAG_* */
	u32 flags;
	/**
	 * @handle: the syncobj handle, or the fd of an in-fence sync_file
	 * (cast), as userspace gave it; for a sync_file signal, the value to
	 * put back on failure
	 */
	u32 handle;
	/** @point: the timeline point, or 0 */
	u64 point;
	/** @fence: a wait's fence; one reference */
	struct dma_fence *fence;
	/** @syncobj: a signal's syncobj; one reference */
	struct drm_syncobj *syncobj;
	/**
	 * @chain: a timeline signal's chain node, allocated before the job
	 * is armed; the syncobj takes it over when the point is added
	 */
	struct dma_fence_chain *chain;
	/**
	 * @sync_file: an out-fence's sync_file, created before the job is
	 * armed (on a placeholder fence); the caller owns its file until it
	 * is installed at @fd
	 */
	struct sync_file *sync_file;
	/** @fd: the fd reserved for @sync_file, or -1 */
	int fd;
};

/**
 * struct tgem_sync_set - The fences of one execbuf
 *
 * Owned by one execbuf, used by one thread: no lock.
 */
struct tgem_sync_set {
	/** @entries: @count entries, in the user's order */
	struct tgem_sync_entry *entries;
	/** @count: entries in @entries */
	u32 count;
	/** @user: the user's array, for the out-fence fds */
	struct drm_tgem_sync __user *user;
	/** @signalled: tgem_sync_signal() ran: the out-fences are live */
	bool signalled;
};

#endif
