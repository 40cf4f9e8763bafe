/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_CMD_H_
#define _TGEM_CMD_H_

#include <linux/bits.h>
#include <linux/types.h>

/*
 * The Intel command encodings the engine knows (gen8+ layout, 48-bit
 * addresses in two dwords). Bits 31:29 of the header are the client: 0 for
 * MI commands (opcode in bits 28:23), 2 for the blitter (opcode in bits
 * 28:22). The low bits hold the length: the command's dwords minus 2.
 */
#define TGEM_CMD_CLIENT(h)		((h) >> 29)
#define TGEM_CMD_CLIENT_MI		0
#define TGEM_CMD_CLIENT_2D		2
#define TGEM_MI_OPCODE(h)		(((h) >> 23) & 0x3f)
#define TGEM_2D_OPCODE(h)		(((h) >> 22) & 0x7f)

#define TGEM_MI_INSTR(op, len)		(((op) << 23) | (len))
#define TGEM_2D_INSTR(op, len)		((2u << 29) | ((op) << 22) | (len))

#define TGEM_MI_NOOP			TGEM_MI_INSTR(0x00, 0)
#define TGEM_MI_ARB_CHECK		TGEM_MI_INSTR(0x05, 0)
#define TGEM_MI_BATCH_BUFFER_END	TGEM_MI_INSTR(0x0a, 0)
#define TGEM_MI_SEMAPHORE_WAIT		TGEM_MI_INSTR(0x1c, 2)
#define   TGEM_MI_SEMAPHORE_POLL	BIT(15)
#define   TGEM_MI_SEMAPHORE_SAD_SHIFT	12
#define   TGEM_MI_SEMAPHORE_SAD_MASK	GENMASK(14, 12)
#define TGEM_MI_STORE_DATA_IMM		TGEM_MI_INSTR(0x20, 2)
#define TGEM_MI_STORE_QWORD_IMM		(TGEM_MI_INSTR(0x20, 3) | BIT(21))
#define   TGEM_MI_STORE_QWORD		BIT(21)
#define TGEM_MI_COPY_MEM_MEM		TGEM_MI_INSTR(0x2e, 3)
#define TGEM_MI_BATCH_BUFFER_START	TGEM_MI_INSTR(0x31, 1)
#define   TGEM_MI_BATCH_SECOND_LEVEL	BIT(22)
#define   TGEM_MI_BATCH_PPGTT		BIT(8)
#define TGEM_XY_FAST_COPY_BLT		TGEM_2D_INSTR(0x42, 8)
#define   TGEM_FAST_COPY_SRC_TILING	GENMASK(21, 20)
#define   TGEM_FAST_COPY_DST_TILING	GENMASK(14, 13)
#define   TGEM_FAST_COPY_TILE4		GENMASK(31, 30)
#define   TGEM_FAST_COPY_DEPTH_SHIFT	24
#define   TGEM_FAST_COPY_DEPTH_MASK	GENMASK(26, 24)
#define   TGEM_FAST_COPY_PITCH_MASK	GENMASK(15, 0)

/* The longest command the engine knows, in dwords. */
#define TGEM_CMD_MAX_DWORDS		10

/**
 * enum tgem_cmd_op - What a decoded command does
 * @TGEM_CMD_NOOP: nothing (%MI_NOOP)
 * @TGEM_CMD_ARB_CHECK: a preemption point; the engine checks its stop flag
 * @TGEM_CMD_BB_END: end of the batch, or return from a second-level one
 * @TGEM_CMD_STORE_DATA_IMM: store a dword or a qword
 * @TGEM_CMD_COPY_MEM_MEM: copy one dword from memory to memory
 * @TGEM_CMD_BB_START: jump to (chain) or call (second level) a batch
 * @TGEM_CMD_SEMAPHORE_WAIT: poll a dword until a comparison holds
 * @TGEM_CMD_FAST_COPY_BLT: copy a linear rectangle (%XY_FAST_COPY_BLT)
 */
enum tgem_cmd_op {
	TGEM_CMD_NOOP,
	TGEM_CMD_ARB_CHECK,
	TGEM_CMD_BB_END,
	TGEM_CMD_STORE_DATA_IMM,
	TGEM_CMD_COPY_MEM_MEM,
	TGEM_CMD_BB_START,
	TGEM_CMD_SEMAPHORE_WAIT,
	TGEM_CMD_FAST_COPY_BLT,
};

/**
 * enum tgem_cmd_compare - MI_SEMAPHORE_WAIT compare operations
 *
 * The semaphore passes when (value at the address) OP (inline data).
 *
 * @TGEM_SAD_GT_SDD: greater than
 * @TGEM_SAD_GTE_SDD: greater than or equal
 * @TGEM_SAD_LT_SDD: less than
 * @TGEM_SAD_LTE_SDD: less than or equal
 * @TGEM_SAD_EQ_SDD: equal
 * @TGEM_SAD_NEQ_SDD: not equal
 */
enum tgem_cmd_compare {
	TGEM_SAD_GT_SDD = 0,
	TGEM_SAD_GTE_SDD = 1,
	TGEM_SAD_LT_SDD = 2,
	TGEM_SAD_LTE_SDD = 3,
	TGEM_SAD_EQ_SDD = 4,
	TGEM_SAD_NEQ_SDD = 5,
};

/**
 * struct tgem_cmd - One decoded command
 */
struct tgem_cmd {
	/** @op: what the command does */
	enum tgem_cmd_op op;
	/** @len: its length in dwords, header included */
	u32 len;
	union {
		/** @sdi: %TGEM_CMD_STORE_DATA_IMM */
		struct {
			/** @sdi.addr: where to store */
			u64 addr;
			/** @sdi.value: what; the low @sdi.size bytes */
			u64 value;
			/** @sdi.size: 4 or 8 bytes */
			u32 size;
		} sdi;
		/** @copy: %TGEM_CMD_COPY_MEM_MEM */
		struct {
			/** @copy.dst: destination dword */
			u64 dst;
			/** @copy.src: source dword */
			u64 src;
		} copy;
		/** @bb: %TGEM_CMD_BB_START */
		struct {
			/** @bb.addr: the batch to run */
			u64 addr;
			/** @bb.second_level: call it and return at its end */
			bool second_level;
		} bb;
		/** @sem: %TGEM_CMD_SEMAPHORE_WAIT */
		struct {
			/** @sem.addr: the semaphore dword */
			u64 addr;
			/** @sem.data: the inline data to compare with */
			u32 data;
			/** @sem.compare: the comparison */
			enum tgem_cmd_compare compare;
		} sem;
		/** @blt: %TGEM_CMD_FAST_COPY_BLT */
		struct {
			/** @blt.dst: destination surface */
			u64 dst;
			/** @blt.src: source surface */
			u64 src;
			/** @blt.dst_pitch: bytes per destination row */
			u32 dst_pitch;
			/** @blt.src_pitch: bytes per source row */
			u32 src_pitch;
			/** @blt.cpp: bytes per pixel: 1, 2, 4 or 8 */
			u32 cpp;
			/** @blt.dst_x1: first destination column */
			u16 dst_x1;
			/** @blt.dst_y1: first destination row */
			u16 dst_y1;
			/** @blt.dst_x2: destination column past the end */
			u16 dst_x2;
			/** @blt.dst_y2: destination row past the end */
			u16 dst_y2;
			/** @blt.src_x1: first source column */
			u16 src_x1;
			/** @blt.src_y1: first source row */
			u16 src_y1;
		} blt;
	};
};

int tgem_cmd_length(u32 header);
int tgem_cmd_decode(const u32 *dw, u32 num_dw, struct tgem_cmd *cmd);
bool tgem_cmd_compare(enum tgem_cmd_compare compare, u32 sad, u32 sdd);

#endif
