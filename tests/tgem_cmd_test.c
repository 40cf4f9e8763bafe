// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_cmd: the command decoder (engine/tgem_cmd.c). Every
 * opcode decodes to the right fields; every multi-dword command cut short
 * is -ENODATA; unknown opcodes and fields the engine refuses are -EINVAL;
 * the six semaphore compare ops evaluate as the PRM says.
 */

#include <linux/kernel.h>

#include <kunit/test.h>

#include "engine/tgem_cmd.h"

#define LO(a)		lower_32_bits(a)
#define HI(a)		upper_32_bits(a)

/* A 48-bit address with both halves nonzero. */
#define ADDR_A	0x0000123456789ab0ull
#define ADDR_B	0x00007fff00001000ull

static void tgem_cmd_noop(struct kunit *test)
{
	u32 dw[] = { TGEM_MI_NOOP };
	u32 id[] = { TGEM_MI_NOOP | BIT(22) | 0x1234 };
	struct tgem_cmd cmd;

	KUNIT_EXPECT_EQ(test, tgem_cmd_decode(dw, 1, &cmd), 1);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_NOOP);
	KUNIT_EXPECT_EQ(test, cmd.len, 1);
	/* The identification-number bits do not matter. */
	KUNIT_EXPECT_EQ(test, tgem_cmd_decode(id, 1, &cmd), 1);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_NOOP);
}

static void tgem_cmd_arb_check_bb_end(struct kunit *test)
{
	u32 arb[] = { TGEM_MI_ARB_CHECK };
	u32 end[] = { TGEM_MI_BATCH_BUFFER_END, 0xdeadbeef };
	struct tgem_cmd cmd;

	KUNIT_EXPECT_EQ(test, tgem_cmd_decode(arb, 1, &cmd), 1);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_ARB_CHECK);
	/* Trailing dwords belong to the next command. */
	KUNIT_EXPECT_EQ(test, tgem_cmd_decode(end, 2, &cmd), 1);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_BB_END);
}

static void tgem_cmd_store_dword(struct kunit *test)
{
	u32 dw[] = { TGEM_MI_STORE_DATA_IMM, LO(ADDR_A) | 4, HI(ADDR_A),
		     0xcafef00d };
	struct tgem_cmd cmd;

	KUNIT_EXPECT_EQ(test, tgem_cmd_length(dw[0]), 4);
	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(dw, ARRAY_SIZE(dw), &cmd), 4);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_STORE_DATA_IMM);
	KUNIT_EXPECT_EQ(test, cmd.sdi.addr, ADDR_A | 4);
	KUNIT_EXPECT_EQ(test, cmd.sdi.size, 4);
	KUNIT_EXPECT_EQ(test, cmd.sdi.value, 0xcafef00dull);
}

static void tgem_cmd_store_qword(struct kunit *test)
{
	u32 dw[] = { TGEM_MI_STORE_QWORD_IMM, LO(ADDR_A), HI(ADDR_A),
		     0x89abcdef, 0x01234567 };
	/* Length 3 without the qword bit stores two dwords: same effect. */
	u32 two[] = { TGEM_MI_INSTR(0x20, 3), LO(ADDR_A) | 4, HI(ADDR_A),
		      1, 2 };
	struct tgem_cmd cmd;

	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(dw, ARRAY_SIZE(dw), &cmd), 5);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_STORE_DATA_IMM);
	KUNIT_EXPECT_EQ(test, cmd.sdi.addr, ADDR_A);
	KUNIT_EXPECT_EQ(test, cmd.sdi.size, 8);
	KUNIT_EXPECT_EQ(test, cmd.sdi.value, 0x0123456789abcdefull);

	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(two, ARRAY_SIZE(two), &cmd), 5);
	KUNIT_EXPECT_EQ(test, cmd.sdi.addr, ADDR_A | 4);
	KUNIT_EXPECT_EQ(test, cmd.sdi.value, 0x0000000200000001ull);
}

static void tgem_cmd_copy_mem_mem(struct kunit *test)
{
	u32 dw[] = { TGEM_MI_COPY_MEM_MEM, LO(ADDR_A), HI(ADDR_A),
		     LO(ADDR_B), HI(ADDR_B) };
	struct tgem_cmd cmd;

	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(dw, ARRAY_SIZE(dw), &cmd), 5);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_COPY_MEM_MEM);
	/* The destination comes first, as in the PRM. */
	KUNIT_EXPECT_EQ(test, cmd.copy.dst, ADDR_A);
	KUNIT_EXPECT_EQ(test, cmd.copy.src, ADDR_B);
}

static void tgem_cmd_bb_start(struct kunit *test)
{
	u32 chain[] = { TGEM_MI_BATCH_BUFFER_START | TGEM_MI_BATCH_PPGTT,
			LO(ADDR_B), HI(ADDR_B) };
	u32 call[] = { TGEM_MI_BATCH_BUFFER_START | TGEM_MI_BATCH_SECOND_LEVEL,
		       LO(ADDR_A), HI(ADDR_A) | 0xffff0000 };
	struct tgem_cmd cmd;

	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(chain, 3, &cmd), 3);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_BB_START);
	KUNIT_EXPECT_EQ(test, cmd.bb.addr, ADDR_B);
	KUNIT_EXPECT_FALSE(test, cmd.bb.second_level);

	/* The sign extension of a canonical address is ignored. */
	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(call, 3, &cmd), 3);
	KUNIT_EXPECT_EQ(test, cmd.bb.addr, ADDR_A);
	KUNIT_EXPECT_TRUE(test, cmd.bb.second_level);
}

static void tgem_cmd_semaphore(struct kunit *test)
{
	u32 dw[] = { TGEM_MI_SEMAPHORE_WAIT | TGEM_MI_SEMAPHORE_POLL |
		     (TGEM_SAD_LTE_SDD << TGEM_MI_SEMAPHORE_SAD_SHIFT),
		     77, LO(ADDR_A), HI(ADDR_A) };
	u32 token[] = { TGEM_MI_INSTR(0x1c, 3) | TGEM_MI_SEMAPHORE_POLL |
			(TGEM_SAD_NEQ_SDD << TGEM_MI_SEMAPHORE_SAD_SHIFT),
			5, LO(ADDR_B), HI(ADDR_B), 0 };
	struct tgem_cmd cmd;

	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(dw, 4, &cmd), 4);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_SEMAPHORE_WAIT);
	KUNIT_EXPECT_EQ(test, cmd.sem.addr, ADDR_A);
	KUNIT_EXPECT_EQ(test, cmd.sem.data, 77);
	KUNIT_EXPECT_EQ(test, cmd.sem.compare, TGEM_SAD_LTE_SDD);

	/* The gen12 form with a token dword. */
	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(token, 5, &cmd), 5);
	KUNIT_EXPECT_EQ(test, cmd.sem.addr, ADDR_B);
	KUNIT_EXPECT_EQ(test, cmd.sem.compare, TGEM_SAD_NEQ_SDD);
}

static void tgem_cmd_fast_copy(struct kunit *test)
{
	u32 dw[] = { TGEM_XY_FAST_COPY_BLT,
		     (3 << TGEM_FAST_COPY_DEPTH_SHIFT) | 4096,
		     (2 << 16) | 1, (10 << 16) | 33,
		     LO(ADDR_A), HI(ADDR_A),
		     (4 << 16) | 3, 256,
		     LO(ADDR_B), HI(ADDR_B) };
	struct tgem_cmd cmd;

	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(dw, ARRAY_SIZE(dw), &cmd), 10);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_FAST_COPY_BLT);
	KUNIT_EXPECT_EQ(test, cmd.blt.cpp, 4);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_pitch, 4096);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_x1, 1);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_y1, 2);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_x2, 33);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_y2, 10);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst, ADDR_A);
	KUNIT_EXPECT_EQ(test, cmd.blt.src_x1, 3);
	KUNIT_EXPECT_EQ(test, cmd.blt.src_y1, 4);
	KUNIT_EXPECT_EQ(test, cmd.blt.src_pitch, 256);
	KUNIT_EXPECT_EQ(test, cmd.blt.src, ADDR_B);
}

/*
 * The limits of the subset: every field at its largest decodes exactly
 * (16-bit pitches and coordinates, 64-bit pixels: a row of at most
 * 65,535 x 8 bytes, at most 65,535 rows), bits 31:16 of the high address
 * dwords are ignored.
 */
static void tgem_cmd_fast_copy_limits(struct kunit *test)
{
	u32 dw[] = { TGEM_XY_FAST_COPY_BLT,
		     (4 << TGEM_FAST_COPY_DEPTH_SHIFT) | 0xffff,
		     0xffffffff, 0xffffffff,
		     0xfffffffc, 0xffffffff,
		     0xffffffff, 0xffff,
		     0x1000, 0xabcd0001 };
	struct tgem_cmd cmd;

	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(dw, ARRAY_SIZE(dw), &cmd), 10);
	KUNIT_EXPECT_EQ(test, cmd.op, TGEM_CMD_FAST_COPY_BLT);
	KUNIT_EXPECT_EQ(test, cmd.blt.cpp, 8);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_pitch, 0xffff);
	KUNIT_EXPECT_EQ(test, cmd.blt.src_pitch, 0xffff);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_x1, 0xffff);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_y1, 0xffff);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_x2, 0xffff);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst_y2, 0xffff);
	KUNIT_EXPECT_EQ(test, cmd.blt.src_x1, 0xffff);
	KUNIT_EXPECT_EQ(test, cmd.blt.src_y1, 0xffff);
	KUNIT_EXPECT_EQ(test, cmd.blt.dst, 0xfffffffffffcull);
	KUNIT_EXPECT_EQ(test, cmd.blt.src, 0x000100001000ull);

	/* Bits 23:16 of DW7 are not a pitch: the source pitch is 16 bits. */
	dw[7] = 0x00ff0040;
	KUNIT_ASSERT_EQ(test, tgem_cmd_decode(dw, ARRAY_SIZE(dw), &cmd), 10);
	KUNIT_EXPECT_EQ(test, cmd.blt.src_pitch, 0x40);
}

static void tgem_cmd_fast_copy_depths(struct kunit *test)
{
	static const struct { u32 depth, cpp; } depths[] = {
		{ 0, 1 }, { 1, 2 }, { 2, 0 }, { 3, 4 }, { 4, 8 },
		{ 5, 0 }, { 6, 0 }, { 7, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(depths); i++) {
		u32 dw[10] = { TGEM_XY_FAST_COPY_BLT,
			       depths[i].depth << TGEM_FAST_COPY_DEPTH_SHIFT };
		struct tgem_cmd cmd;
		int ret = tgem_cmd_decode(dw, 10, &cmd);

		if (depths[i].cpp) {
			KUNIT_EXPECT_EQ(test, ret, 10);
			KUNIT_EXPECT_EQ(test, cmd.blt.cpp, depths[i].cpp);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "depth %u",
					    depths[i].depth);
		}
	}
}

/* Every multi-dword command, complete; cut short, each must be -ENODATA. */
static const u32 tgem_cmd_full[][TGEM_CMD_MAX_DWORDS] = {
	{ TGEM_MI_STORE_DATA_IMM, 0x1000, 0, 1 },
	{ TGEM_MI_STORE_QWORD_IMM, 0x1000, 0, 1, 2 },
	{ TGEM_MI_COPY_MEM_MEM, 0x1000, 0, 0x2000, 0 },
	{ TGEM_MI_BATCH_BUFFER_START, 0x1000, 0 },
	{ TGEM_MI_SEMAPHORE_WAIT | TGEM_MI_SEMAPHORE_POLL, 1, 0x1000, 0 },
	{ TGEM_XY_FAST_COPY_BLT, 3 << TGEM_FAST_COPY_DEPTH_SHIFT, 0, 0,
	  0x1000, 0, 0, 0, 0x2000, 0 },
};

static void tgem_cmd_truncated(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tgem_cmd_full); i++) {
		const u32 *dw = tgem_cmd_full[i];
		int len = tgem_cmd_length(dw[0]);
		struct tgem_cmd cmd;
		int n;

		KUNIT_ASSERT_GT(test, len, 1);
		KUNIT_EXPECT_EQ(test, tgem_cmd_decode(dw, len, &cmd), len);
		for (n = 0; n < len; n++)
			KUNIT_EXPECT_EQ_MSG(test, tgem_cmd_decode(dw, n, &cmd),
					    -ENODATA, "command %u cut to %d dwords",
					    i, n);
	}
}

struct tgem_cmd_bad_case {
	const char *desc;
	u32 dw[TGEM_CMD_MAX_DWORDS];
};

static const struct tgem_cmd_bad_case tgem_cmd_bad_cases[] = {
	{ "MI_LOAD_REGISTER_IMM", { TGEM_MI_INSTR(0x22, 1), 0x2000, 0 } },
	{ "MI_USER_INTERRUPT", { TGEM_MI_INSTR(0x02, 0) } },
	{ "MI_STORE_REGISTER_MEM", { TGEM_MI_INSTR(0x24, 2), 0, 0, 0 } },
	{ "MI_FLUSH_DW", { TGEM_MI_INSTR(0x26, 3) } },
	{ "MI opcode 0x3f", { TGEM_MI_INSTR(0x3f, 0) } },
	{ "client 1", { 1u << 29 } },
	{ "client 3 (3D)", { 3u << 29 } },
	{ "client 7", { 7u << 29 } },
	{ "XY_COLOR_BLT", { TGEM_2D_INSTR(0x50, 5) } },
	{ "XY_SRC_COPY_BLT", { TGEM_2D_INSTR(0x53, 8) } },
	{ "SDI length 1", { TGEM_MI_INSTR(0x20, 1), 0x1000, 0 } },
	{ "SDI length 4", { TGEM_MI_INSTR(0x20, 4), 0x1000, 0, 1, 2, 3 } },
	{ "SDI qword bit, length 2", { TGEM_MI_STORE_DATA_IMM | BIT(21),
				       0x1000, 0, 1 } },
	{ "SDI qword, 4-byte aligned", { TGEM_MI_STORE_QWORD_IMM, 0x1004, 0,
					 1, 2 } },
	{ "SDI unaligned", { TGEM_MI_STORE_DATA_IMM, 0x1002, 0, 1 } },
	{ "COPY_MEM_MEM length 2", { TGEM_MI_INSTR(0x2e, 2), 0, 0, 0 } },
	{ "COPY_MEM_MEM unaligned dst", { TGEM_MI_COPY_MEM_MEM, 0x1001, 0,
					  0x2000, 0 } },
	{ "COPY_MEM_MEM unaligned src", { TGEM_MI_COPY_MEM_MEM, 0x1000, 0,
					  0x2003, 0 } },
	{ "BB_START length 0 (pre-gen8)", { TGEM_MI_INSTR(0x31, 0), 0x1000 } },
	{ "BB_START unaligned", { TGEM_MI_BATCH_BUFFER_START, 0x1002, 0 } },
	{ "SEMAPHORE signal mode", { TGEM_MI_SEMAPHORE_WAIT, 1, 0x1000, 0 } },
	{ "SEMAPHORE op 6", { TGEM_MI_SEMAPHORE_WAIT | TGEM_MI_SEMAPHORE_POLL |
			      (6 << 12), 1, 0x1000, 0 } },
	{ "SEMAPHORE op 7", { TGEM_MI_SEMAPHORE_WAIT | TGEM_MI_SEMAPHORE_POLL |
			      (7 << 12), 1, 0x1000, 0 } },
	{ "SEMAPHORE length 1", { TGEM_MI_INSTR(0x1c, 1), 1, 0x1000 } },
	{ "SEMAPHORE unaligned", { TGEM_MI_SEMAPHORE_WAIT |
				   TGEM_MI_SEMAPHORE_POLL, 1, 0x1001, 0 } },
	{ "FAST_COPY length 7", { TGEM_2D_INSTR(0x42, 7) } },
	{ "FAST_COPY src tiled", { TGEM_XY_FAST_COPY_BLT | (2 << 20),
				   3 << 24 } },
	{ "FAST_COPY dst tiled", { TGEM_XY_FAST_COPY_BLT | (1 << 13),
				   3 << 24 } },
	{ "FAST_COPY tile4", { TGEM_XY_FAST_COPY_BLT, (3 << 24) | BIT(31) } },
	{ "FAST_COPY unaligned dst", { TGEM_XY_FAST_COPY_BLT, 3 << 24, 0, 0,
				       0x1002, 0, 0, 0, 0x2000, 0 } },
	{ "FAST_COPY unaligned src", { TGEM_XY_FAST_COPY_BLT, 3 << 24, 0, 0,
				       0x1000, 0, 0, 0, 0x2001, 0 } },
};

KUNIT_ARRAY_PARAM_DESC(tgem_cmd_bad, tgem_cmd_bad_cases, desc);

static void tgem_cmd_refused(struct kunit *test)
{
	const struct tgem_cmd_bad_case *c = test->param_value;
	struct tgem_cmd cmd;

	KUNIT_EXPECT_EQ(test, tgem_cmd_decode(c->dw, TGEM_CMD_MAX_DWORDS, &cmd),
			-EINVAL);
}

static void tgem_cmd_compare_ops(struct kunit *test)
{
	static const struct {
		enum tgem_cmd_compare op;
		bool lt, eq, gt;	/* result for sad < sdd, ==, > */
	} ops[] = {
		{ TGEM_SAD_GT_SDD, false, false, true },
		{ TGEM_SAD_GTE_SDD, false, true, true },
		{ TGEM_SAD_LT_SDD, true, false, false },
		{ TGEM_SAD_LTE_SDD, true, true, false },
		{ TGEM_SAD_EQ_SDD, false, true, false },
		{ TGEM_SAD_NEQ_SDD, true, false, true },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		KUNIT_EXPECT_EQ(test, tgem_cmd_compare(ops[i].op, 4, 5), ops[i].lt);
		KUNIT_EXPECT_EQ(test, tgem_cmd_compare(ops[i].op, 5, 5), ops[i].eq);
		KUNIT_EXPECT_EQ(test, tgem_cmd_compare(ops[i].op, 6, 5), ops[i].gt);
		/* Unsigned: 0xffffffff is the largest value. */
		KUNIT_EXPECT_EQ(test, tgem_cmd_compare(ops[i].op, U32_MAX, 0),
				ops[i].gt);
	}
}

static struct kunit_case tgem_cmd_cases[] = {
	KUNIT_CASE(tgem_cmd_noop),
	KUNIT_CASE(tgem_cmd_arb_check_bb_end),
	KUNIT_CASE(tgem_cmd_store_dword),
	KUNIT_CASE(tgem_cmd_store_qword),
	KUNIT_CASE(tgem_cmd_copy_mem_mem),
	KUNIT_CASE(tgem_cmd_bb_start),
	KUNIT_CASE(tgem_cmd_semaphore),
	KUNIT_CASE(tgem_cmd_fast_copy),
	KUNIT_CASE(tgem_cmd_fast_copy_depths),
	KUNIT_CASE(tgem_cmd_fast_copy_limits),
	KUNIT_CASE(tgem_cmd_truncated),
	KUNIT_CASE_PARAM(tgem_cmd_refused, tgem_cmd_bad_gen_params),
	KUNIT_CASE(tgem_cmd_compare_ops),
	{}
};

static struct kunit_suite tgem_cmd_suite = {
	.name = "tgem_cmd",
	.test_cases = tgem_cmd_cases,
};

kunit_test_suite(tgem_cmd_suite);
