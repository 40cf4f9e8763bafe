// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Software engine
 *
 * The engine executes a batch the way a command streamer would: it fetches
 * the command at the instruction pointer, decodes it (see "Command
 * decoder"), executes it and moves on, until ``MI_BATCH_BUFFER_END`` in
 * the first-level batch. ``MI_BATCH_BUFFER_START`` without the second
 * level bit jumps (chains) to another batch; with it, the engine calls
 * the batch and returns after the ``MI_BATCH_BUFFER_START`` at its
 * ``MI_BATCH_BUFFER_END``. One level of call is allowed, as on gen8
 * hardware: a second-level batch may chain, not call. Loops are allowed:
 * only the stop check ends them.
 *
 * ``XY_FAST_COPY_BLT`` checks everything before it writes anything: every
 * source row must lie in maps, every destination row in writable maps,
 * and no destination row may share a byte with a source row, as the
 * hardware's fast copy does not support overlapping surfaces (rectangles
 * of one surface that interleave without sharing a byte are fine);
 * otherwise the job faults (``-EFAULT``, or ``-EINVAL`` for an overlap,
 * at the first destination row that overlaps) and nothing is written.
 * Rows are copied top to bottom; a row whose bytes lie in two adjacent
 * maps is copied in two parts. Two BOs that alias the same memory (two
 * userptrs of the same pages) copy in an unspecified order, but only
 * within the job's maps. A blit moves at most 65,535 rows of 65,535
 * pixels of 8 bytes; the address arithmetic cannot wrap.
 *
 * Every address the batch uses, including the instruction pointer, is a
 * GPU address resolved through the job's maps (&struct tgem_job_map),
 * each the binding of one BO. The engine faults, ending the batch with an
 * error and touching nothing more, when:
 *
 * - an address, or any byte of an access, lies outside every map
 *   (``-EFAULT``);
 * - a write hits a map that is not writable (``-EFAULT``);
 * - a blit's source and destination rows share a byte (``-EINVAL``);
 * - a command is unknown or malformed, a second-level batch calls another,
 *   or the first-level batch runs past its length without
 *   ``MI_BATCH_BUFFER_END`` (``-EINVAL``).
 *
 * The executor itself knows nothing of BOs or devices: memory is reached
 * through &struct tgem_engine_ops, and &tgem_engine_ops.check is asked
 * before every command, every blit row and every semaphore poll whether to
 * go on. engine/tgem_engine_mem.c implements them on real BO memory; the
 * KUnit suite on fake memory.
 *
 * Memory is little endian, as on the GPU.
 */

#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sched.h>

#include <kunit/visibility.h>

#include "engine/tgem_cmd.h"
#include "engine/tgem_engine.h"
#include "engine/tgem_job_types.h"

/* Bytes a blit moves per read/write pair. */
#define TGEM_ENGINE_CHUNK	256

static const struct tgem_job_map *
tgem_engine_find_map(const struct tgem_engine_exec *ex, u64 addr)
{
	u32 lo = 0, hi = ex->num_maps;

	/* The last map starting at or below @addr. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (ex->maps[mid].gpu_addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;

	if (addr - ex->maps[lo - 1].gpu_addr >= ex->maps[lo - 1].size)
		return NULL;
	return &ex->maps[lo - 1];
}

/* Whether [@addr, @addr + @len) lies in maps, writable ones for a write. */
static int tgem_engine_check_range(struct tgem_engine_exec *ex, u64 addr,
				   u32 len, bool write)
{
	while (len) {
		const struct tgem_job_map *map = tgem_engine_find_map(ex, addr);
		u64 n;

		if (!map || (write && !map->writable)) {
			ex->fault_addr = addr;
			return -EFAULT;
		}
		n = min_t(u64, len, map->gpu_addr + map->size - addr);
		addr += n;
		len -= n;
	}
	return 0;
}

static int tgem_engine_access(struct tgem_engine_exec *ex, u64 addr,
			      void *buf, u32 len, bool write)
{
	int ret;

	/* All or nothing: a faulting access changes no byte. */
	ret = tgem_engine_check_range(ex, addr, len, write);
	if (ret)
		return ret;

	while (len) {
		const struct tgem_job_map *map = tgem_engine_find_map(ex, addr);
		u64 offset;
		u32 n;

		offset = addr - map->gpu_addr;
		n = min_t(u64, len, map->size - offset);
		if (write)
			ret = ex->ops->write(ex->priv, map, offset, buf, n);
		else
			ret = ex->ops->read(ex->priv, map, offset, buf, n);
		if (ret)
			return ret;

		addr += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int tgem_engine_read(struct tgem_engine_exec *ex, u64 addr,
			    void *buf, u32 len)
{
	return tgem_engine_access(ex, addr, buf, len, false);
}

static int tgem_engine_write(struct tgem_engine_exec *ex, u64 addr,
			     const void *buf, u32 len)
{
	return tgem_engine_access(ex, addr, (void *)buf, len, true);
}

static int tgem_engine_sdi(struct tgem_engine_exec *ex,
			   const struct tgem_cmd *cmd)
{
	__le64 value = cpu_to_le64(cmd->sdi.value);

	/* Little endian: the low dword comes first either way. */
	return tgem_engine_write(ex, cmd->sdi.addr, &value, cmd->sdi.size);
}

static int tgem_engine_copy_mem_mem(struct tgem_engine_exec *ex,
				    const struct tgem_cmd *cmd)
{
	__le32 value;
	int ret;

	ret = tgem_engine_read(ex, cmd->copy.src, &value, sizeof(value));
	if (ret)
		return ret;
	return tgem_engine_write(ex, cmd->copy.dst, &value, sizeof(value));
}

static int tgem_engine_semaphore(struct tgem_engine_exec *ex,
				 const struct tgem_cmd *cmd)
{
	for (;;) {
		__le32 value;
		int ret;

		ret = tgem_engine_read(ex, cmd->sem.addr, &value, sizeof(value));
		if (ret)
			return ret;
		if (tgem_cmd_compare(cmd->sem.compare, le32_to_cpu(value),
				     cmd->sem.data))
			return 0;

		ret = ex->ops->check(ex->priv);
		if (ret)
			return ret;
		if (ex->poll_us)
			usleep_range(ex->poll_us, 2 * ex->poll_us);
		else
			cond_resched();
	}
}

/* The GPU addresses of row @y of a blit's destination and source. */
static void tgem_engine_blit_row(const struct tgem_cmd *cmd, u32 y, u64 *dst,
				 u64 *src)
{
	*dst = cmd->blt.dst + (u64)(cmd->blt.dst_y1 + y) * cmd->blt.dst_pitch +
	       (u64)cmd->blt.dst_x1 * cmd->blt.cpp;
	*src = cmd->blt.src + (u64)(cmd->blt.src_y1 + y) * cmd->blt.src_pitch +
	       (u64)cmd->blt.src_x1 * cmd->blt.cpp;
}

/* Floor and ceiling of @a / @b for @b > 0. */
static s64 tgem_engine_div_floor(s64 a, s64 b)
{
	s64 q = div64_s64(a, b);

	return q * b > a ? q - 1 : q;
}

static s64 tgem_engine_div_ceil(s64 a, s64 b)
{
	s64 q = div64_s64(a, b);

	return q * b < a ? q + 1 : q;
}

/*
 * Whether destination row @y of a blit shares a byte with any of its
 * source rows. Source row k starts at src0 + k * pitch; with t the
 * distance from src0 to the destination row, the two rows of @row_bytes
 * meet when t - row_bytes < k * pitch < t + row_bytes, so the rows that
 * can meet form one range of k, found in O(1). Addresses are below 2^48
 * and pitches below 2^32, so nothing here overflows an s64.
 */
static bool tgem_engine_blit_row_overlaps(const struct tgem_cmd *cmd, u32 y,
					  u32 rows, u32 row_bytes)
{
	s64 pitch = cmd->blt.src_pitch, t, k_lo, k_hi;
	u64 dst, src, dst0, src0;

	tgem_engine_blit_row(cmd, y, &dst, &src);
	tgem_engine_blit_row(cmd, 0, &dst0, &src0);
	t = (s64)(dst - src0);
	if (!pitch)
		return t > -(s64)row_bytes && t < (s64)row_bytes;
	k_lo = max_t(s64, tgem_engine_div_floor(t - row_bytes, pitch) + 1, 0);
	k_hi = min_t(s64, tgem_engine_div_ceil(t + row_bytes, pitch) - 1,
		     (s64)rows - 1);
	return k_lo <= k_hi;
}

/*
 * Every check of a blit, before it writes anything: no destination row
 * may share a byte with a source row, every source row must be readable
 * and every destination row writable. Rectangles that interleave without
 * sharing a byte (the left half of a surface copied to its right half)
 * are fine; only when the outer extents meet are the rows compared.
 */
static int tgem_engine_blit_check(struct tgem_engine_exec *ex,
				  const struct tgem_cmd *cmd, u32 rows,
				  u32 row_bytes)
{
	u64 dst_lo, src_lo, dst_hi, src_hi, dst, src;
	u32 y;
	int ret;

	tgem_engine_blit_row(cmd, 0, &dst_lo, &src_lo);
	tgem_engine_blit_row(cmd, rows - 1, &dst_hi, &src_hi);
	dst_hi += row_bytes;
	src_hi += row_bytes;
	for (y = 0; dst_lo < src_hi && src_lo < dst_hi && y < rows; y++) {
		if (tgem_engine_blit_row_overlaps(cmd, y, rows, row_bytes)) {
			tgem_engine_blit_row(cmd, y, &ex->fault_addr, &src);
			return -EINVAL;
		}
	}

	for (y = 0; y < rows; y++) {
		tgem_engine_blit_row(cmd, y, &dst, &src);
		ret = tgem_engine_check_range(ex, src, row_bytes, false) ?:
		      tgem_engine_check_range(ex, dst, row_bytes, true);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Copy [@src, @src + @len) to @dst, both checked, split where a map ends:
 * through &tgem_engine_ops.copy, or a bounce buffer without it.
 */
static int tgem_engine_copy_range(struct tgem_engine_exec *ex, u64 dst,
				  u64 src, u32 len)
{
	u8 chunk[TGEM_ENGINE_CHUNK];
	int ret;

	if (!ex->ops->copy) {
		while (len) {
			u32 n = min_t(u32, sizeof(chunk), len);

			ret = tgem_engine_read(ex, src, chunk, n) ?:
			      tgem_engine_write(ex, dst, chunk, n);
			if (ret)
				return ret;
			src += n;
			dst += n;
			len -= n;
		}
		return 0;
	}

	while (len) {
		const struct tgem_job_map *dm = tgem_engine_find_map(ex, dst);
		const struct tgem_job_map *sm = tgem_engine_find_map(ex, src);
		u64 doff, soff;
		u32 n;

		/* Checked by tgem_engine_blit_check(). */
		if (!dm || !sm || !dm->writable) {
			ex->fault_addr = (!dm || !dm->writable) ? dst : src;
			return -EFAULT;
		}
		doff = dst - dm->gpu_addr;
		soff = src - sm->gpu_addr;
		n = min_t(u64, len, min(dm->size - doff, sm->size - soff));
		ret = ex->ops->copy(ex->priv, dm, doff, sm, soff, n);
		if (ret)
			return ret;
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

static int tgem_engine_blit(struct tgem_engine_exec *ex,
			    const struct tgem_cmd *cmd)
{
	u32 rows, row_bytes, y;
	u64 dst, src;
	int ret;

	if (cmd->blt.dst_x2 <= cmd->blt.dst_x1 ||
	    cmd->blt.dst_y2 <= cmd->blt.dst_y1)
		return 0;

	rows = cmd->blt.dst_y2 - cmd->blt.dst_y1;
	row_bytes = (cmd->blt.dst_x2 - cmd->blt.dst_x1) * cmd->blt.cpp;
	ret = tgem_engine_blit_check(ex, cmd, rows, row_bytes);
	if (ret)
		return ret;

	for (y = 0; y < rows; y++) {
		ret = ex->ops->check(ex->priv);
		if (ret)
			return ret;

		tgem_engine_blit_row(cmd, y, &dst, &src);
		ret = tgem_engine_copy_range(ex, dst, src, row_bytes);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/**
 * tgem_engine_exec() - Execute a batch
 * @ex: the batch, its maps and the memory backend; see
 *      &struct tgem_engine_exec
 *
 * Runs until the batch ends, faults, or &tgem_engine_ops.check says stop.
 * Only the ranges of @ex->maps are ever passed to the backend.
 *
 * Context: Process context; may sleep (semaphore polls). Allocates nothing.
 * Return: 0 when the first-level batch reached ``MI_BATCH_BUFFER_END``;
 * -EFAULT or -EINVAL for a fault (see "Software engine"), with
 * @ex->fault_addr set for an address fault; or the errno of the backend or
 * of the stop check.
 */
int tgem_engine_exec(struct tgem_engine_exec *ex)
{
	u64 ip = ex->batch_addr, end = ex->batch_addr + ex->batch_len;
	u64 return_ip = 0, return_end = 0;
	bool second_level = false;

	for (;;) {
		__le32 raw[TGEM_CMD_MAX_DWORDS];
		u32 dw[TGEM_CMD_MAX_DWORDS];
		struct tgem_cmd cmd;
		int len, ret, i;
		u64 next;

		ret = ex->ops->check(ex->priv);
		if (ret)
			return ret;

		/* Running off the end of the first-level batch. */
		if (ip >= end || end - ip < sizeof(u32)) {
			ex->fault_addr = ip;
			return -EINVAL;
		}

		ret = tgem_engine_read(ex, ip, raw, sizeof(u32));
		if (ret)
			return ret;
		dw[0] = le32_to_cpu(raw[0]);

		len = tgem_cmd_length(dw[0]);
		if (len < 0 || end - ip < len * sizeof(u32)) {
			ex->fault_addr = ip;
			return -EINVAL;
		}
		if (len > 1) {
			ret = tgem_engine_read(ex, ip + sizeof(u32), &raw[1],
					       (len - 1) * sizeof(u32));
			if (ret)
				return ret;
		}
		for (i = 1; i < len; i++)
			dw[i] = le32_to_cpu(raw[i]);

		if (tgem_cmd_decode(dw, len, &cmd) < 0) {
			ex->fault_addr = ip;
			return -EINVAL;
		}

		ex->num_cmds++;
		next = ip + len * sizeof(u32);

		switch (cmd.op) {
		case TGEM_CMD_NOOP:
		case TGEM_CMD_ARB_CHECK:
			/* The stop check runs before every command anyway. */
			break;
		case TGEM_CMD_BB_END:
			if (!second_level)
				return 0;
			second_level = false;
			next = return_ip;
			end = return_end;
			break;
		case TGEM_CMD_STORE_DATA_IMM:
			ret = tgem_engine_sdi(ex, &cmd);
			break;
		case TGEM_CMD_COPY_MEM_MEM:
			ret = tgem_engine_copy_mem_mem(ex, &cmd);
			break;
		case TGEM_CMD_BB_START:
			if (cmd.bb.second_level) {
				if (second_level) {
					ex->fault_addr = ip;
					return -EINVAL;
				}
				second_level = true;
				return_ip = next;
				return_end = end;
			}
			next = cmd.bb.addr;
			end = U64_MAX;
			break;
		case TGEM_CMD_SEMAPHORE_WAIT:
			ret = tgem_engine_semaphore(ex, &cmd);
			break;
		case TGEM_CMD_FAST_COPY_BLT:
			ret = tgem_engine_blit(ex, &cmd);
			break;
		}
		if (ret)
			return ret;

		ip = next;
	}
}
EXPORT_SYMBOL_IF_KUNIT(tgem_engine_exec);
