// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Command decoder
 *
 * The software engine speaks a subset of Intel's command streamer
 * language, in the gen8+ layout (48-bit addresses, low dword first). The
 * decoder is pure: it turns dwords into a &struct tgem_cmd and knows
 * nothing of memory or devices, so KUnit tests it directly.
 *
 * =========================  ========  =====================================
 * command                    dwords    what the engine does
 * =========================  ========  =====================================
 * ``MI_NOOP``                1         nothing (bits 22:0 are ignored)
 * ``MI_ARB_CHECK``           1         checks whether it must stop
 * ``MI_BATCH_BUFFER_END``    1         ends the batch, or returns from a
 *                                      second-level batch
 * ``MI_STORE_DATA_IMM``      4 or 5    stores a dword (length 2) or a qword
 *                                      (length 3; bit 21 set asks for an
 *                                      8-byte aligned qword)
 * ``MI_COPY_MEM_MEM``        5         copies a dword: DW1-2 destination,
 *                                      DW3-4 source
 * ``MI_BATCH_BUFFER_START``  3         jumps to a batch (chaining), or with
 *                                      bit 22 calls a second-level batch
 * ``MI_SEMAPHORE_WAIT``      4 or 5    polls a dword until ``SAD op SDD``
 *                                      holds; poll mode (bit 15) only,
 *                                      compare op in bits 14:12
 * ``XY_FAST_COPY_BLT``       10        copies a linear rectangle; colour
 *                                      depth 8, 16, 32 or 64 bits
 * =========================  ========  =====================================
 *
 * Addresses are dword aligned (bits 1:0 of the low dword must be 0) and
 * 48 bits wide: bits 31:16 of the high dword are ignored, as the hardware
 * ignores the sign extension of a canonical address. The address-space
 * bits (``MI_USE_GGTT``, bit 8 of ``MI_BATCH_BUFFER_START``) are ignored:
 * a context has one address space.
 *
 * Anything else is refused with -EINVAL: an unknown opcode, a known one
 * with a length the engine does not implement, a misaligned address,
 * semaphore signal mode or an unknown compare op, and a tiled or unknown
 * colour depth blit. A command cut short (fewer dwords available than its
 * length says) gives -ENODATA.
 */

#include <linux/bitfield.h>
#include <linux/errno.h>
#include <linux/export.h>

#include <kunit/visibility.h>

#include "engine/tgem_cmd.h"

#define TGEM_MI_OP_NOOP			0x00
#define TGEM_MI_OP_ARB_CHECK		0x05
#define TGEM_MI_OP_BB_END		0x0a
#define TGEM_MI_OP_SEMAPHORE_WAIT	0x1c
#define TGEM_MI_OP_STORE_DATA_IMM	0x20
#define TGEM_MI_OP_COPY_MEM_MEM		0x2e
#define TGEM_MI_OP_BB_START		0x31
#define TGEM_2D_OP_FAST_COPY		0x42

/**
 * tgem_cmd_length() - How long a command is, from its header
 * @header: the first dword of the command
 *
 * Only looks at the client, the opcode and the length field; the decoder
 * checks the rest.
 *
 * Context: Any context.
 * Return: the command's length in dwords (1 to %TGEM_CMD_MAX_DWORDS), or
 * -EINVAL for a command the engine does not know.
 */
int tgem_cmd_length(u32 header)
{
	u32 len;

	switch (TGEM_CMD_CLIENT(header)) {
	case TGEM_CMD_CLIENT_MI:
		switch (TGEM_MI_OPCODE(header)) {
		case TGEM_MI_OP_NOOP:
		case TGEM_MI_OP_ARB_CHECK:
		case TGEM_MI_OP_BB_END:
			return 1;
		case TGEM_MI_OP_STORE_DATA_IMM:
			len = (header & GENMASK(9, 0)) + 2;
			return len == 4 || len == 5 ? len : -EINVAL;
		case TGEM_MI_OP_SEMAPHORE_WAIT:
			len = (header & GENMASK(7, 0)) + 2;
			return len == 4 || len == 5 ? len : -EINVAL;
		case TGEM_MI_OP_COPY_MEM_MEM:
			len = (header & GENMASK(7, 0)) + 2;
			return len == 5 ? len : -EINVAL;
		case TGEM_MI_OP_BB_START:
			len = (header & GENMASK(7, 0)) + 2;
			return len == 3 ? len : -EINVAL;
		}
		return -EINVAL;
	case TGEM_CMD_CLIENT_2D:
		if (TGEM_2D_OPCODE(header) == TGEM_2D_OP_FAST_COPY) {
			len = (header & GENMASK(7, 0)) + 2;
			return len == 10 ? len : -EINVAL;
		}
		return -EINVAL;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_cmd_length);

/* A 48-bit dword-aligned address from a low and a high dword. */
static int tgem_cmd_addr(u32 lo, u32 hi, u64 *addr)
{
	if (lo & 3)
		return -EINVAL;
	*addr = ((u64)(hi & 0xffff) << 32) | lo;
	return 0;
}

static int tgem_cmd_decode_sdi(const u32 *dw, struct tgem_cmd *cmd)
{
	int ret;

	ret = tgem_cmd_addr(dw[1], dw[2], &cmd->sdi.addr);
	if (ret)
		return ret;

	if (cmd->len == 4) {
		if (dw[0] & TGEM_MI_STORE_QWORD)
			return -EINVAL;
		cmd->sdi.size = 4;
		cmd->sdi.value = dw[3];
	} else {
		if ((dw[0] & TGEM_MI_STORE_QWORD) && (cmd->sdi.addr & 7))
			return -EINVAL;
		cmd->sdi.size = 8;
		cmd->sdi.value = ((u64)dw[4] << 32) | dw[3];
	}
	cmd->op = TGEM_CMD_STORE_DATA_IMM;
	return 0;
}

static int tgem_cmd_decode_sem(const u32 *dw, struct tgem_cmd *cmd)
{
	u32 sad = FIELD_GET(TGEM_MI_SEMAPHORE_SAD_MASK, dw[0]);

	if (!(dw[0] & TGEM_MI_SEMAPHORE_POLL) || sad > TGEM_SAD_NEQ_SDD)
		return -EINVAL;

	cmd->op = TGEM_CMD_SEMAPHORE_WAIT;
	cmd->sem.compare = sad;
	cmd->sem.data = dw[1];
	return tgem_cmd_addr(dw[2], dw[3], &cmd->sem.addr);
}

static int tgem_cmd_decode_blt(const u32 *dw, struct tgem_cmd *cmd)
{
	static const u8 cpp[8] = { 1, 2, 0, 4, 8, 0, 0, 0 };
	int ret;

	if (dw[0] & (TGEM_FAST_COPY_SRC_TILING | TGEM_FAST_COPY_DST_TILING))
		return -EINVAL;
	if (dw[1] & TGEM_FAST_COPY_TILE4)
		return -EINVAL;

	cmd->blt.cpp = cpp[FIELD_GET(TGEM_FAST_COPY_DEPTH_MASK, dw[1])];
	if (!cmd->blt.cpp)
		return -EINVAL;

	cmd->blt.dst_pitch = FIELD_GET(TGEM_FAST_COPY_PITCH_MASK, dw[1]);
	cmd->blt.dst_x1 = dw[2] & 0xffff;
	cmd->blt.dst_y1 = dw[2] >> 16;
	cmd->blt.dst_x2 = dw[3] & 0xffff;
	cmd->blt.dst_y2 = dw[3] >> 16;
	ret = tgem_cmd_addr(dw[4], dw[5], &cmd->blt.dst);
	if (ret)
		return ret;
	cmd->blt.src_x1 = dw[6] & 0xffff;
	cmd->blt.src_y1 = dw[6] >> 16;
	cmd->blt.src_pitch = FIELD_GET(TGEM_FAST_COPY_PITCH_MASK, dw[7]);
	ret = tgem_cmd_addr(dw[8], dw[9], &cmd->blt.src);
	if (ret)
		return ret;

	cmd->op = TGEM_CMD_FAST_COPY_BLT;
	return 0;
}

/**
 * tgem_cmd_decode() - Decode one command
 * @dw: the command's dwords
 * @num_dw: how many dwords @dw holds (at least 1)
 * @cmd: filled with the decoded command
 *
 * Context: Any context.
 * Return: the command's length in dwords; -EINVAL for a command the engine
 * does not know or whose fields it refuses (see "Command decoder");
 * -ENODATA when @num_dw is shorter than the command.
 */
int tgem_cmd_decode(const u32 *dw, u32 num_dw, struct tgem_cmd *cmd)
{
	int len, ret;

	if (!num_dw)
		return -ENODATA;

	len = tgem_cmd_length(dw[0]);
	if (len < 0)
		return len;
	if (num_dw < len)
		return -ENODATA;

	*cmd = (struct tgem_cmd){ .len = len };

	if (TGEM_CMD_CLIENT(dw[0]) == TGEM_CMD_CLIENT_2D) {
		ret = tgem_cmd_decode_blt(dw, cmd);
		return ret ?: len;
	}

	switch (TGEM_MI_OPCODE(dw[0])) {
	case TGEM_MI_OP_NOOP:
		cmd->op = TGEM_CMD_NOOP;
		break;
	case TGEM_MI_OP_ARB_CHECK:
		cmd->op = TGEM_CMD_ARB_CHECK;
		break;
	case TGEM_MI_OP_BB_END:
		cmd->op = TGEM_CMD_BB_END;
		break;
	case TGEM_MI_OP_STORE_DATA_IMM:
		ret = tgem_cmd_decode_sdi(dw, cmd);
		if (ret)
			return ret;
		break;
	case TGEM_MI_OP_COPY_MEM_MEM:
		cmd->op = TGEM_CMD_COPY_MEM_MEM;
		ret = tgem_cmd_addr(dw[1], dw[2], &cmd->copy.dst) ?:
		      tgem_cmd_addr(dw[3], dw[4], &cmd->copy.src);
		if (ret)
			return ret;
		break;
	case TGEM_MI_OP_BB_START:
		cmd->op = TGEM_CMD_BB_START;
		cmd->bb.second_level = dw[0] & TGEM_MI_BATCH_SECOND_LEVEL;
		ret = tgem_cmd_addr(dw[1], dw[2], &cmd->bb.addr);
		if (ret)
			return ret;
		break;
	case TGEM_MI_OP_SEMAPHORE_WAIT:
		ret = tgem_cmd_decode_sem(dw, cmd);
		if (ret)
			return ret;
		break;
	}

	return len;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_cmd_decode);

/**
 * tgem_cmd_compare() - Evaluate a semaphore comparison
 * @compare: the compare op
 * @sad: the semaphore address data (the value in memory)
 * @sdd: the semaphore data dword (the inline value)
 *
 * Context: Any context.
 * Return: whether ``@sad @compare @sdd`` holds, unsigned.
 */
bool tgem_cmd_compare(enum tgem_cmd_compare compare, u32 sad, u32 sdd)
{
	switch (compare) {
	case TGEM_SAD_GT_SDD:
		return sad > sdd;
	case TGEM_SAD_GTE_SDD:
		return sad >= sdd;
	case TGEM_SAD_LT_SDD:
		return sad < sdd;
	case TGEM_SAD_LTE_SDD:
		return sad <= sdd;
	case TGEM_SAD_EQ_SDD:
		return sad == sdd;
	case TGEM_SAD_NEQ_SDD:
		return sad != sdd;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_cmd_compare);
