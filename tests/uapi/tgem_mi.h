/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The tgem authors
 *
 * The commands of tgem's software engine (Intel gen8+ MI encodings with
 * 64-bit addresses, as engine/tgem_cmd.c decodes them), and a small batch
 * builder for tests that write absolute GPU addresses (softpin).
 */
#ifndef _TGEM_MI_H_
#define _TGEM_MI_H_

#include <stdint.h>

#define MI_INSTR(op, len)	(((uint32_t)(op) << 23) | (len))
#define MI_NOOP			MI_INSTR(0x00, 0)
#define MI_ARB_CHECK		MI_INSTR(0x05, 0)
#define MI_BATCH_BUFFER_END	MI_INSTR(0x0a, 0)
#define MI_SEMAPHORE_WAIT	(MI_INSTR(0x1c, 2) | (1u << 15))
#define   SAD(op)		((uint32_t)(op) << 12)
#define   SAD_GT_SDD		0
#define   SAD_GTE_SDD		1
#define   SAD_LT_SDD		2
#define   SAD_LTE_SDD		3
#define   SAD_EQ_SDD		4
#define   SAD_NEQ_SDD		5
#define MI_STORE_DWORD_IMM	MI_INSTR(0x20, 2)
#define MI_STORE_QWORD_IMM	(MI_INSTR(0x20, 3) | (1u << 21))
#define MI_COPY_MEM_MEM		MI_INSTR(0x2e, 3)
#define MI_BATCH_BUFFER_START	MI_INSTR(0x31, 1)
#define   MI_BATCH_PPGTT	(1u << 8)
#define   MI_BATCH_SECOND_LEVEL	(1u << 22)
#define XY_FAST_COPY_BLT	((2u << 29) | (0x42u << 22) | 8)
#define   BLT_DEPTH_32		(3u << 24)

/* A batch of at most 1024 dwords, addresses written as they are. */
struct tgem_batch {
	uint32_t dw[1024];
	unsigned int n;
};

static inline void tgem_emit(struct tgem_batch *b, uint32_t v)
{
	b->dw[b->n++] = v;
}

static inline void tgem_emit_addr(struct tgem_batch *b, uint64_t addr)
{
	tgem_emit(b, (uint32_t)addr);
	tgem_emit(b, (uint32_t)(addr >> 32));
}

static inline void tgem_store_dword(struct tgem_batch *b, uint64_t addr,
				    uint32_t v)
{
	tgem_emit(b, MI_STORE_DWORD_IMM);
	tgem_emit_addr(b, addr);
	tgem_emit(b, v);
}

#endif
