/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_ENGINE_TYPES_H_
#define _TGEM_ENGINE_TYPES_H_

#include <linux/types.h>

struct tgem_job_map;

/**
 * struct tgem_engine_ops - How the executor reaches memory
 *
 * The executor resolves every GPU address to a map and an offset, and
 * checks bounds and write permission, before it calls these: @read and
 * @write only ever see ranges inside one map.
 */
struct tgem_engine_ops {
	/**
	 * @read: copy @len bytes at @offset of @map into @buf.
	 * Return: 0 or a negative errno, which ends the batch with it.
	 */
	int (*read)(void *priv, const struct tgem_job_map *map, u64 offset,
		    void *buf, u32 len);
	/**
	 * @write: copy @len bytes from @buf to @offset of @map, a writable
	 * map. Return: 0 or a negative errno, which ends the batch with it.
	 */
	int (*write)(void *priv, const struct tgem_job_map *map, u64 offset,
		     const void *buf, u32 len);
	/**
	 * @copy: optional; copy @len bytes at @src_offset of @src to
	 * @dst_offset of @dst, a writable map. The two ranges never overlap
	 * (the executor refuses overlapping blits). Without it the executor
	 * copies through @read and @write, a small bounce buffer at a time.
	 * Return: 0 or a negative errno, which ends the batch with it.
	 */
	int (*copy)(void *priv, const struct tgem_job_map *dst, u64 dst_offset,
		    const struct tgem_job_map *src, u64 src_offset, u32 len);
	/**
	 * @check: called before every command, every blit row and every
	 * semaphore poll. Return: 0 to go on, or a negative errno that ends
	 * the batch with it (the stop flag, the timeout, unplug).
	 */
	int (*check)(void *priv);
};

/**
 * struct tgem_engine_exec - One run of the executor
 *
 * The caller fills the inputs, calls tgem_engine_exec() and reads the
 * outputs. Nothing is shared: it lives on the caller's stack.
 */
struct tgem_engine_exec {
	/** @ops: the memory backend */
	const struct tgem_engine_ops *ops;
	/** @priv: passed to every @ops call */
	void *priv;
	/**
	 * @maps: the memory the batch may reach, sorted by GPU address and
	 * not overlapping
	 */
	const struct tgem_job_map *maps;
	/** @num_maps: entries in @maps */
	u32 num_maps;
	/** @batch_addr: GPU address of the first command */
	u64 batch_addr;
	/** @batch_len: bytes of the first-level batch */
	u32 batch_len;
	/**
	 * @poll_us: microseconds to sleep between two semaphore polls; 0
	 * only yields the CPU
	 */
	unsigned int poll_us;

	/** @num_cmds: out, commands executed */
	u64 num_cmds;
	/** @fault_addr: out, the GPU address that faulted, if one did */
	u64 fault_addr;
};

#endif
