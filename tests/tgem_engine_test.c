// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_engine: the executor (engine/tgem_engine.c) on fake
 * memory. Each map is a kernel buffer; the fake backend fails the test if
 * the executor ever asks it for a range outside a map, so "nothing
 * outside the job's maps is touched" is checked on every access. The stop
 * check counts its calls and can stop the batch, or change memory (to
 * release a semaphore), at a given call. The blit cases run twice: with
 * the bounce-buffer path (no &tgem_engine_ops.copy) and with a fake copy
 * op, which fails the test if it is ever handed overlapping ranges.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include <kunit/test.h>

#include "engine/tgem_cmd.h"
#include "engine/tgem_engine.h"
#include "engine/tgem_job_types.h"

#define FAKE_MAPS	5
#define FAKE_SIZE	4096

/* Map layout: gpu address, writable. M4 directly follows M1. */
#define M_BATCH		0	/* 0x10000, read-only: the first batch */
#define M_DATA		1	/* 0x20000, writable */
#define M_RO		2	/* 0x30000, read-only data */
#define M_BATCH2	3	/* 0x40000, read-only: a second batch */
#define M_DATA2		4	/* 0x21000, writable, adjacent to M_DATA */

static const u64 fake_addr[FAKE_MAPS] = {
	0x10000, 0x20000, 0x30000, 0x40000, 0x21000,
};

struct fake_mem {
	struct kunit *test;
	struct tgem_job_map maps[FAKE_MAPS];	/* sorted for the executor */
	u8 *buf[FAKE_MAPS];			/* by M_* index */
	unsigned int checks;
	unsigned int stop_at;		/* 0: never */
	int stop_err;
	unsigned int poke_at;		/* 0: never */
	u64 poke_addr;
	u32 poke_value;
	int fail_err;			/* the backend's error, if nonzero */
	unsigned int writes;
	unsigned int copies;
	const struct tgem_engine_ops *ops;	/* NULL: fake_ops */
};

static u8 *fake_ptr(struct fake_mem *mem, u64 addr)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAPS; i++)
		if (addr >= fake_addr[i] && addr < fake_addr[i] + FAKE_SIZE)
			return mem->buf[i] + (addr - fake_addr[i]);
	return NULL;
}

static u8 *fake_map_buf(struct fake_mem *mem, const struct tgem_job_map *map,
			u64 offset, u32 len)
{
	u8 *p = fake_ptr(mem, map->gpu_addr);

	KUNIT_ASSERT_NOT_NULL(mem->test, p);
	KUNIT_ASSERT_LE_MSG(mem->test, offset + len, map->size,
			    "access past the end of a map");
	return p + offset;
}

static int fake_read(void *priv, const struct tgem_job_map *map, u64 offset,
		     void *buf, u32 len)
{
	struct fake_mem *mem = priv;

	if (mem->fail_err)
		return mem->fail_err;
	memcpy(buf, fake_map_buf(mem, map, offset, len), len);
	return 0;
}

static int fake_write(void *priv, const struct tgem_job_map *map, u64 offset,
		      const void *buf, u32 len)
{
	struct fake_mem *mem = priv;

	KUNIT_ASSERT_TRUE_MSG(mem->test, map->writable,
			      "write to a read-only map reached the backend");
	if (mem->fail_err)
		return mem->fail_err;
	memcpy(fake_map_buf(mem, map, offset, len), buf, len);
	mem->writes++;
	return 0;
}

static int fake_check(void *priv)
{
	struct fake_mem *mem = priv;

	mem->checks++;
	if (mem->poke_at && mem->checks == mem->poke_at)
		*(__le32 *)fake_ptr(mem, mem->poke_addr) =
			cpu_to_le32(mem->poke_value);
	if (mem->stop_at && mem->checks >= mem->stop_at)
		return mem->stop_err;
	return 0;
}

static int fake_copy(void *priv, const struct tgem_job_map *dst,
		     u64 dst_offset, const struct tgem_job_map *src,
		     u64 src_offset, u32 len)
{
	struct fake_mem *mem = priv;
	u8 *d, *s;

	KUNIT_ASSERT_TRUE_MSG(mem->test, dst->writable,
			      "copy to a read-only map reached the backend");
	if (mem->fail_err)
		return mem->fail_err;
	d = fake_map_buf(mem, dst, dst_offset, len);
	s = fake_map_buf(mem, src, src_offset, len);
	KUNIT_ASSERT_TRUE_MSG(mem->test, d + len <= s || s + len <= d,
			      "overlapping copy reached the backend");
	memcpy(d, s, len);
	mem->writes++;
	mem->copies++;
	return 0;
}

static const struct tgem_engine_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
	.check = fake_check,
};

static const struct tgem_engine_ops fake_copy_ops = {
	.read = fake_read,
	.write = fake_write,
	.copy = fake_copy,
	.check = fake_check,
};

/* The two ways a blit reaches memory. */
static const struct tgem_engine_blit_path {
	const char *desc;
	const struct tgem_engine_ops *ops;
} tgem_engine_blit_paths[] = {
	{ "bounce buffer", &fake_ops },
	{ "copy op", &fake_copy_ops },
};

KUNIT_ARRAY_PARAM_DESC(tgem_engine_blit_path, tgem_engine_blit_paths, desc);

static struct fake_mem *fake_mem_create(struct kunit *test)
{
	struct fake_mem *mem;
	unsigned int i, j;

	mem = kunit_kzalloc(test, sizeof(*mem), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	mem->test = test;
	mem->stop_err = -ETIMEDOUT;

	for (i = 0; i < FAKE_MAPS; i++) {
		mem->buf[i] = kunit_kzalloc(test, FAKE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mem->buf[i]);
	}

	/* Sorted by address: BATCH, DATA, DATA2, RO, BATCH2. */
	for (i = 0, j = 0; j < FAKE_MAPS; j++) {
		static const int order[] = { M_BATCH, M_DATA, M_DATA2, M_RO,
					     M_BATCH2 };
		int m = order[j];

		mem->maps[i++] = (struct tgem_job_map){
			.gpu_addr = fake_addr[m],
			.size = FAKE_SIZE,
			.writable = m == M_DATA || m == M_DATA2,
		};
	}
	return mem;
}

static u32 fake_get(struct fake_mem *mem, u64 addr)
{
	return le32_to_cpu(*(__le32 *)fake_ptr(mem, addr));
}

static void fake_put(struct fake_mem *mem, u64 addr, u32 value)
{
	*(__le32 *)fake_ptr(mem, addr) = cpu_to_le32(value);
}

/* Write @n dwords at @addr; return the address after them. */
static u64 emit(struct fake_mem *mem, u64 addr, const u32 *dw, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fake_put(mem, addr + 4 * i, dw[i]);
	return addr + 4 * n;
}

#define EMIT(mem, addr, ...) ({						\
	const u32 dw__[] = { __VA_ARGS__ };				\
	emit(mem, addr, dw__, ARRAY_SIZE(dw__));			\
})

#define BBE		TGEM_MI_BATCH_BUFFER_END
#define SDI		TGEM_MI_STORE_DATA_IMM
#define SQI		TGEM_MI_STORE_QWORD_IMM
#define BBS		(TGEM_MI_BATCH_BUFFER_START | TGEM_MI_BATCH_PPGTT)
#define CALL		(TGEM_MI_BATCH_BUFFER_START | TGEM_MI_BATCH_SECOND_LEVEL)
#define LO(a)		lower_32_bits(a)
#define HI(a)		upper_32_bits(a)
#define SEM_WAIT(op)	(TGEM_MI_SEMAPHORE_WAIT | TGEM_MI_SEMAPHORE_POLL | \
			 ((op) << TGEM_MI_SEMAPHORE_SAD_SHIFT))

#define BATCH		0x10000ull
#define DATA		0x20000ull
#define DATA2		0x21000ull
#define RO		0x30000ull
#define BATCH2		0x40000ull

static int run(struct fake_mem *mem, struct tgem_engine_exec *ex)
{
	*ex = (struct tgem_engine_exec){
		.ops = mem->ops ?: &fake_ops,
		.priv = mem,
		.maps = mem->maps,
		.num_maps = FAKE_MAPS,
		.batch_addr = BATCH,
		.batch_len = FAKE_SIZE,
	};
	return tgem_engine_exec(ex);
}

static void tgem_engine_empty(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	EMIT(mem, BATCH,
	     BBE);
	KUNIT_EXPECT_EQ(test, run(mem, &ex), 0);
	KUNIT_EXPECT_EQ(test, ex.num_cmds, 1);
	KUNIT_EXPECT_EQ(test, mem->writes, 0);
}

static void tgem_engine_noop_arb_check(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	EMIT(mem, BATCH,
	     TGEM_MI_NOOP,
	     TGEM_MI_NOOP | BIT(22) | 7,
	     TGEM_MI_ARB_CHECK,
	     TGEM_MI_NOOP,
	     BBE);
	KUNIT_EXPECT_EQ(test, run(mem, &ex), 0);
	KUNIT_EXPECT_EQ(test, ex.num_cmds, 5);
	/* Asked before every command. */
	KUNIT_EXPECT_EQ(test, mem->checks, 5);

	/* A stop request ends the batch at the next command. */
	mem->checks = 0;
	mem->stop_at = 3;
	KUNIT_EXPECT_EQ(test, run(mem, &ex), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ex.num_cmds, 2);
}

static void tgem_engine_store(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	EMIT(mem, BATCH,
	     SDI, LO(DATA + 8), HI(DATA + 8), 0xcafef00d,
	     SQI, LO(DATA + 16), HI(DATA + 16), 0x89abcdef, 0x01234567,
	     TGEM_MI_INSTR(0x20, 3), (u32)(DATA + 28), 0, 0x11, 0x22,
	     SDI, LO(DATA2 + FAKE_SIZE - 4), HI(DATA2 + FAKE_SIZE - 4), 0x600d,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);

	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 4), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 8), 0xcafef00d);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 12), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 16), 0x89abcdef);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 20), 0x01234567);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 28), 0x11);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 32), 0x22);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA2 + FAKE_SIZE - 4), 0x600d);
}

static void tgem_engine_store_across_maps(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	/* DATA2 follows DATA: a qword over the seam lands in both. */
	EMIT(mem, BATCH,
	     TGEM_MI_INSTR(0x20, 3), (u32)(DATA2 - 4), 0, 1, 2,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA2 - 4), 1);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA2), 2);
}

static void tgem_engine_copy_mem_mem(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	/* Copy RO + 64 to DATA + 4, then copy the copy to DATA2. */
	fake_put(mem, RO + 64, 0x5eed5eed);
	EMIT(mem, BATCH,
	     TGEM_MI_COPY_MEM_MEM, (u32)(DATA + 4), 0, (u32)(RO + 64), 0,
	     TGEM_MI_COPY_MEM_MEM, (u32)DATA2, 0, (u32)(DATA + 4), 0,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 4), 0x5eed5eed);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA2), 0x5eed5eed);
	KUNIT_EXPECT_EQ(test, fake_get(mem, RO + 64), 0x5eed5eed);
}

static void tgem_engine_chain(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	EMIT(mem, BATCH,
	     SDI, LO(DATA), HI(DATA), 1,
	     BBS, LO(BATCH2), HI(BATCH2),
	     SDI, LO(DATA), HI(DATA), 0xbad,
	     BBE);
	EMIT(mem, BATCH2,
	     SDI, LO(DATA + 4), HI(DATA + 4), 2,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA), 1);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 4), 2);
	KUNIT_EXPECT_EQ(test, ex.num_cmds, 4);
}

static void tgem_engine_second_level(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	/* Call BATCH2, then BATCH2 + 32, which chains to BATCH2. */
	EMIT(mem, BATCH,
	     SDI, LO(DATA), HI(DATA), 10,
	     CALL, LO(BATCH2), HI(BATCH2),
	     SDI, LO(DATA + 8), HI(DATA + 8), 20,
	     CALL, LO(BATCH2 + 32), HI(BATCH2 + 32),
	     SDI, LO(DATA + 12), HI(DATA + 12), 30,
	     BBE);
	EMIT(mem, BATCH2,
	     SDI, LO(DATA + 4), HI(DATA + 4), 11,
	     BBE);
	/* A second-level batch may chain (to BATCH2, which ends it). */
	EMIT(mem, BATCH2 + 32,
	     BBS, LO(BATCH2), HI(BATCH2));
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA), 10);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 4), 11);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 8), 20);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 12), 30);
	/* 2 + 2 (BATCH2) + 2 + 1 (chain) + 2 (BATCH2) + 2 */
	KUNIT_EXPECT_EQ(test, ex.num_cmds, 11);
}

static void tgem_engine_nested_call(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	EMIT(mem, BATCH,
	     CALL, LO(BATCH2), HI(BATCH2),
	     BBE);
	EMIT(mem, BATCH2,
	     CALL, LO(BATCH2 + 64), HI(BATCH2 + 64),
	     BBE);
	EMIT(mem, BATCH2 + 64,
	     BBE);
	KUNIT_EXPECT_EQ(test, run(mem, &ex), -EINVAL);
	KUNIT_EXPECT_EQ(test, ex.fault_addr, BATCH2);
}

static void tgem_engine_loop_stopped(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	/* An endless loop: store, then jump back. Only the stop check ends it. */
	EMIT(mem, BATCH,
	     SDI, LO(DATA), HI(DATA), 1,
	     TGEM_MI_ARB_CHECK,
	     BBS, LO(BATCH), HI(BATCH));
	mem->stop_at = 3000;
	KUNIT_EXPECT_EQ(test, run(mem, &ex), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ex.num_cmds, 2999);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA), 1);

	/* A loop made of a second-level call of itself ... chained. */
	mem->checks = 0;
	mem->stop_err = -EIO;
	EMIT(mem, BATCH,
	     CALL, LO(BATCH2), HI(BATCH2),
	     BBE);
	EMIT(mem, BATCH2,
	     BBS, LO(BATCH2), HI(BATCH2));
	KUNIT_EXPECT_EQ(test, run(mem, &ex), -EIO);
	KUNIT_EXPECT_EQ(test, mem->checks, 3000);
}

struct tgem_engine_sem_case {
	const char *desc;
	enum tgem_cmd_compare op;
	u32 data;
	u32 start;	/* value in memory at the start: must not pass */
	u32 pass;	/* value written later: must pass */
};

static const struct tgem_engine_sem_case tgem_engine_sem_cases[] = {
	{ "SAD > SDD", TGEM_SAD_GT_SDD, 5, 5, 6 },
	{ "SAD >= SDD", TGEM_SAD_GTE_SDD, 5, 4, 5 },
	{ "SAD < SDD", TGEM_SAD_LT_SDD, 5, 5, 4 },
	{ "SAD <= SDD", TGEM_SAD_LTE_SDD, 5, 6, 5 },
	{ "SAD == SDD", TGEM_SAD_EQ_SDD, 5, 4, 5 },
	{ "SAD != SDD", TGEM_SAD_NEQ_SDD, 5, 5, 0 },
	{ "SAD > SDD unsigned", TGEM_SAD_GT_SDD, 1, 0, U32_MAX },
};

KUNIT_ARRAY_PARAM_DESC(tgem_engine_sem, tgem_engine_sem_cases, desc);

static void tgem_engine_semaphore(struct kunit *test)
{
	const struct tgem_engine_sem_case *c = test->param_value;
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	EMIT(mem, BATCH,
	     SEM_WAIT(c->op), c->data, LO(DATA), HI(DATA),
	     SDI, LO(DATA + 4), HI(DATA + 4), 1,
	     BBE);

	/* Passing at once: no poll. */
	fake_put(mem, DATA, c->pass);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 4), 1);
	KUNIT_EXPECT_EQ(test, mem->checks, 3);

	/* Not passing: polls (each poll asks the check) until released. */
	fake_put(mem, DATA, c->start);
	fake_put(mem, DATA + 4, 0);
	mem->checks = 0;
	mem->poke_at = 50;
	mem->poke_addr = DATA;
	mem->poke_value = c->pass;
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 4), 1);
	KUNIT_EXPECT_EQ(test, mem->checks, 52);

	/* Never passing: only the stop check ends it; nothing after runs. */
	fake_put(mem, DATA, c->start);
	fake_put(mem, DATA + 4, 0);
	mem->checks = 0;
	mem->poke_at = 0;
	mem->stop_at = 200;
	KUNIT_EXPECT_EQ(test, run(mem, &ex), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA + 4), 0);
}

static void tgem_engine_semaphore_other_map(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	/* Semaphores may sit in read-only memory; outside every map they fault. */
	fake_put(mem, RO, 3);
	EMIT(mem, BATCH,
	     SEM_WAIT(TGEM_SAD_EQ_SDD), 3, LO(RO), HI(RO),
	     SEM_WAIT(TGEM_SAD_EQ_SDD), 3, LO(0x8000), HI(0x8000),
	     BBE);
	KUNIT_EXPECT_EQ(test, run(mem, &ex), -EFAULT);
	KUNIT_EXPECT_EQ(test, ex.fault_addr, 0x8000);
}

/* The ops of a blit case's parameter. */
static struct fake_mem *fake_mem_create_blit(struct kunit *test)
{
	const struct tgem_engine_blit_path *path = test->param_value;
	struct fake_mem *mem = fake_mem_create(test);

	mem->ops = path->ops;
	return mem;
}

static void tgem_engine_blit(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create_blit(test);
	struct tgem_engine_exec ex;
	unsigned int x, y;

	/* Source: 16 x 8 pixels of 32 bits, pitch 64; pixel = y << 8 | x. */
	for (y = 0; y < 8; y++)
		for (x = 0; x < 16; x++)
			fake_put(mem, RO + y * 64 + x * 4, y << 8 | x);

	/* Copy the 5 x 3 block at (2, 1) to (4, 2) of a pitch-128 surface. */
	EMIT(mem, BATCH,
	     TGEM_XY_FAST_COPY_BLT, (3 << TGEM_FAST_COPY_DEPTH_SHIFT) | 128,
	     (2 << 16) | 4, (5 << 16) | 9, (u32)DATA, 0,
	     (1 << 16) | 2, 64, (u32)RO, 0,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);

	for (y = 0; y < 8; y++) {
		for (x = 0; x < 32; x++) {
			u32 got = fake_get(mem, DATA + y * 128 + x * 4);
			bool inside = y >= 2 && y < 5 && x >= 4 && x < 9;
			u32 want = inside ? (y - 1) << 8 | (x - 2) : 0;

			KUNIT_EXPECT_EQ_MSG(test, got, want, "pixel %u,%u", x, y);
		}
	}
}

static void tgem_engine_blit_bytes(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create_blit(test);
	struct tgem_engine_exec ex;
	unsigned int i;

	/* 8 bpp, one row of 1000 bytes: more than one internal chunk. */
	for (i = 0; i < 1000; i++)
		mem->buf[M_RO][i] = i * 7;

	EMIT(mem, BATCH,
	     TGEM_XY_FAST_COPY_BLT, 0, 0, (1 << 16) | 1000, (u32)(DATA + 3000), 0,
	     0, 0, (u32)RO, 0,
	     /* an empty rectangle does nothing */
	     TGEM_XY_FAST_COPY_BLT, 0, (1 << 16) | 5, (1 << 16) | 5, (u32)DATA, 0,
	     0, 0, (u32)RO, 0,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);

	for (i = 0; i < 1000; i++)
		KUNIT_EXPECT_EQ(test, *fake_ptr(mem, DATA + 3000 + i),
				(u8)(i * 7));
	KUNIT_EXPECT_EQ(test, mem->buf[M_DATA][0], 0);
	/* With the copy op: one call for the one row. */
	if (mem->ops == &fake_copy_ops)
		KUNIT_EXPECT_EQ(test, mem->copies, 1);
}

/*
 * Source and destination in the same map: extents that touch are fine,
 * and each row is copied once, top to bottom.
 */
static void tgem_engine_blit_same_map(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create_blit(test);
	struct tgem_engine_exec ex;
	unsigned int i;

	for (i = 0; i < 64; i++)
		mem->buf[M_DATA][i] = i + 1;
	/* 4 rows of 16 bytes, pitch 16: DATA[0, 64) to DATA[64, 128). */
	EMIT(mem, BATCH,
	     TGEM_XY_FAST_COPY_BLT, 16, 0, (4 << 16) | 16, (u32)(DATA + 64), 0,
	     0, 16, (u32)DATA, 0,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, mem->buf[M_DATA][64 + i], i + 1);
	KUNIT_EXPECT_EQ(test, mem->buf[M_DATA][128], 0);
}

/*
 * Rectangles of one surface that interleave without sharing a byte: the
 * left half of 4 rows of 64 bytes (pitch 64) copied to the right half.
 * The outer extents overlap, the rows do not; the blit runs. Before the
 * engine compared rows, it faulted this with -EINVAL.
 */
static void tgem_engine_blit_interleaved(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create_blit(test);
	struct tgem_engine_exec ex;
	unsigned int x, y;

	for (y = 0; y < 4; y++)
		for (x = 0; x < 32; x++)
			mem->buf[M_DATA][y * 64 + x] = y * 32 + x + 1;
	EMIT(mem, BATCH,
	     TGEM_XY_FAST_COPY_BLT, 64, 32, (4 << 16) | 64, (u32)DATA, 0,
	     0, 64, (u32)DATA, 0,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	for (y = 0; y < 4; y++) {
		for (x = 0; x < 32; x++) {
			KUNIT_EXPECT_EQ(test, mem->buf[M_DATA][y * 64 + x],
					y * 32 + x + 1);
			KUNIT_EXPECT_EQ(test, mem->buf[M_DATA][y * 64 + 32 + x],
					y * 32 + x + 1);
		}
	}
	KUNIT_EXPECT_EQ(test, mem->buf[M_DATA][256], 0);
}

/*
 * Rows over two adjacent maps, DATA and DATA2, one of them split between
 * the two.
 */
static void tgem_engine_blit_rows_across_maps(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create_blit(test);
	struct tgem_engine_exec ex;
	unsigned int i;

	for (i = 0; i < FAKE_SIZE; i++)
		mem->buf[M_RO][i] = i * 13 + 5;
	/*
	 * 127 rows of 64 bytes (8 x 64-bit pixels), pitch 64, from DATA + 32:
	 * row 63 is DATA's last 32 bytes and DATA2's first 32.
	 */
	EMIT(mem, BATCH,
	     TGEM_XY_FAST_COPY_BLT, (4 << TGEM_FAST_COPY_DEPTH_SHIFT) | 64,
	     0, (127 << 16) | 8, (u32)(DATA + 32), 0,
	     0, 16, (u32)RO, 0,
	     BBE);
	KUNIT_ASSERT_EQ(test, run(mem, &ex), 0);
	/* Source pitch 16 < row 64: rows overlap in the source, that is fine. */
	for (i = 0; i < 127 * 64; i++) {
		u32 row = i / 64, col = i % 64;
		u8 want = (u8)((row * 16 + col) * 13 + 5);

		KUNIT_ASSERT_EQ_MSG(test, *fake_ptr(mem, DATA + 32 + i), want,
				    "byte %u", i);
	}
	KUNIT_EXPECT_EQ(test, mem->buf[M_DATA][31], 0);
	KUNIT_EXPECT_EQ(test, mem->buf[M_DATA2][FAKE_SIZE - 1], 0);
	/* With the copy op: one call per row, two for the split one. */
	if (mem->ops == &fake_copy_ops)
		KUNIT_EXPECT_EQ(test, mem->copies, 128);
}

struct tgem_engine_fault_case {
	const char *desc;
	u32 dw[12];
	unsigned int n;
	int err;
	u64 fault_addr;	/* 0: not checked */
};

#define FAULT(d, e, a, ...) {						\
	.desc = d, .dw = { __VA_ARGS__ },				\
	.n = ARRAY_SIZE(((u32[]){ __VA_ARGS__ })), .err = e,		\
	.fault_addr = a							\
}

static const struct tgem_engine_fault_case tgem_engine_fault_cases[] = {
	FAULT("store to a read-only map", -EFAULT, RO + 8,
	      SDI, LO(RO + 8), HI(RO + 8), 1, BBE),
	FAULT("store to the batch", -EFAULT, BATCH,
	      SDI, LO(BATCH), HI(BATCH), 1, BBE),
	FAULT("store outside every map", -EFAULT, 0x50000,
	      SDI, LO(0x50000), HI(0x50000), 1, BBE),
	FAULT("store to page 0", -EFAULT, 0, SDI, LO(0), HI(0), 1, BBE),
	FAULT("store above 4 GiB", -EFAULT, 0x100020000ull,
	      SDI, LO(0x100020000ull), HI(0x100020000ull), 1, BBE),
	FAULT("qword over the end of a map", -EFAULT, DATA2 + FAKE_SIZE,
	      TGEM_MI_INSTR(0x20, 3), (u32)(DATA2 + FAKE_SIZE - 4), 0, 1, 2,
	      BBE),
	FAULT("copy from outside", -EFAULT, 0x7000,
	      TGEM_MI_COPY_MEM_MEM, (u32)DATA, 0, 0x7000, 0, BBE),
	FAULT("copy to read-only", -EFAULT, RO,
	      TGEM_MI_COPY_MEM_MEM, (u32)RO, 0, (u32)DATA, 0, BBE),
	FAULT("jump outside", -EFAULT, 0x90000,
	      BBS, LO(0x90000), HI(0x90000)),
	FAULT("blit to read-only", -EFAULT, RO,
	      TGEM_XY_FAST_COPY_BLT, 0, 0, (1 << 16) | 4, (u32)RO, 0, 0, 0,
	      (u32)DATA, 0, BBE),
	/* Rows 0-7 would land in DATA and DATA2; row 8 faults first. */
	FAULT("blit rows past the map", -EFAULT, DATA2 + FAKE_SIZE,
	      TGEM_XY_FAST_COPY_BLT, 1024, 0, (9 << 16) | 4, (u32)DATA, 0,
	      0, 0, (u32)RO, 0, BBE),
	/* The last source row starts past the end of RO. */
	FAULT("blit last source row outside", -EFAULT, RO + FAKE_SIZE,
	      TGEM_XY_FAST_COPY_BLT, 16, 0, (5 << 16) | 4, (u32)DATA, 0,
	      0, 1024, (u32)RO, 0, BBE),
	/* The last destination row reaches the read-only map. */
	/* Row 0 in DATA2, row 1 (pitch 0xf000) in the read-only map. */
	FAULT("blit last row into read-only", -EFAULT, RO,
	      TGEM_XY_FAST_COPY_BLT, 0xf000, 0, (2 << 16) | 4,
	      (u32)DATA2, 0, 0, 0, (u32)BATCH2, 0, BBE),
	FAULT("blit overlapping in a row", -EINVAL, DATA + 4,
	      TGEM_XY_FAST_COPY_BLT, 0, 0, (1 << 16) | 16, (u32)(DATA + 4), 0,
	      0, 0, (u32)DATA, 0, BBE),
	/*
	 * Destination rows 0-3 at pitch 1 KiB; the source (pitch 0) shares
	 * bytes with row 1 only, which is where the fault is.
	 */
	FAULT("blit overlapping across rows", -EINVAL, DATA + 1024,
	      TGEM_XY_FAST_COPY_BLT, 1024, 0, (4 << 16) | 16, (u32)DATA, 0,
	      0, 0, (u32)(DATA + 1024 + 8), 0, BBE),
	/* Source rows at pitch 48 under destination rows at pitch 64. */
	FAULT("blit overlapping a later source row", -EINVAL, DATA + 128,
	      TGEM_XY_FAST_COPY_BLT, 64, 0, (4 << 16) | 16, (u32)(DATA + 128), 0,
	      0, 48, (u32)(DATA + 40), 0, BBE),
	FAULT("unknown opcode", -EINVAL, BATCH + 4, TGEM_MI_NOOP,
	      TGEM_MI_INSTR(0x22, 1), 0x2000, 0, BBE),
	FAULT("3D command", -EINVAL, BATCH, 3u << 29, BBE),
	FAULT("semaphore signal mode", -EINVAL, BATCH,
	      TGEM_MI_SEMAPHORE_WAIT, 0, (u32)DATA, 0, BBE),
	FAULT("no batch end", -EINVAL, BATCH + FAKE_SIZE, TGEM_MI_NOOP),
};

KUNIT_ARRAY_PARAM_DESC(tgem_engine_fault, tgem_engine_fault_cases, desc);

static void tgem_engine_faults(struct kunit *test)
{
	const struct tgem_engine_fault_case *c = test->param_value;
	unsigned int i, p;

	/* Both blit paths; the other commands do not care. */
	for (p = 0; p < ARRAY_SIZE(tgem_engine_blit_paths); p++) {
		struct fake_mem *mem = fake_mem_create(test);
		struct tgem_engine_exec ex;

		mem->ops = tgem_engine_blit_paths[p].ops;
		emit(mem, BATCH, c->dw, c->n);
		if (!strcmp(c->desc, "no batch end"))
			memset(mem->buf[M_BATCH], 0, FAKE_SIZE);	/* all MI_NOOP */

		KUNIT_EXPECT_EQ(test, run(mem, &ex), c->err);
		if (c->fault_addr || c->err == -EFAULT)
			KUNIT_EXPECT_EQ(test, ex.fault_addr, c->fault_addr);

		/* A faulting command changes nothing: no write at all. */
		KUNIT_EXPECT_EQ_MSG(test, mem->writes, 0, "%s",
				    tgem_engine_blit_paths[p].desc);
		for (i = 0; i < FAKE_SIZE; i++) {
			KUNIT_ASSERT_EQ(test, mem->buf[M_DATA][i], 0);
			KUNIT_ASSERT_EQ(test, mem->buf[M_DATA2][i], 0);
			KUNIT_ASSERT_EQ(test, mem->buf[M_RO][i], 0);
		}
	}
}

static void tgem_engine_truncated_batch(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex = {
		.ops = &fake_ops,
		.priv = mem,
		.maps = mem->maps,
		.num_maps = FAKE_MAPS,
		.batch_addr = BATCH,
		.batch_len = 12,	/* cuts the SDI after 3 dwords */
	};

	EMIT(mem, BATCH,
	     SDI, LO(DATA), HI(DATA), 1,
	     BBE);
	KUNIT_EXPECT_EQ(test, tgem_engine_exec(&ex), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA), 0);

	/* The length bounds the first-level batch only, not a chained one. */
	ex.batch_len = 12;
	ex.num_cmds = 0;
	EMIT(mem, BATCH,
	     BBS, LO(BATCH2), HI(BATCH2));
	EMIT(mem, BATCH2,
	     SDI, LO(DATA), HI(DATA), 1,
	     BBE);
	KUNIT_EXPECT_EQ(test, tgem_engine_exec(&ex), 0);
	KUNIT_EXPECT_EQ(test, fake_get(mem, DATA), 1);

	/* A batch that ends at the very end of its map still runs. */
	ex.batch_addr = BATCH2 + FAKE_SIZE - 4;
	ex.batch_len = 4;
	EMIT(mem, BATCH2 + FAKE_SIZE - 4,
	     BBE);
	KUNIT_EXPECT_EQ(test, tgem_engine_exec(&ex), 0);
}

static void tgem_engine_backend_error(struct kunit *test)
{
	struct fake_mem *mem = fake_mem_create(test);
	struct tgem_engine_exec ex;

	EMIT(mem, BATCH,
	     SDI, LO(DATA), HI(DATA), 1,
	     BBE);
	mem->fail_err = -ENODEV;
	KUNIT_EXPECT_EQ(test, run(mem, &ex), -ENODEV);
	KUNIT_EXPECT_EQ(test, mem->writes, 0);
}

static struct kunit_case tgem_engine_cases[] = {
	KUNIT_CASE(tgem_engine_empty),
	KUNIT_CASE(tgem_engine_noop_arb_check),
	KUNIT_CASE(tgem_engine_store),
	KUNIT_CASE(tgem_engine_store_across_maps),
	KUNIT_CASE(tgem_engine_copy_mem_mem),
	KUNIT_CASE(tgem_engine_chain),
	KUNIT_CASE(tgem_engine_second_level),
	KUNIT_CASE(tgem_engine_nested_call),
	KUNIT_CASE(tgem_engine_loop_stopped),
	KUNIT_CASE_PARAM(tgem_engine_semaphore, tgem_engine_sem_gen_params),
	KUNIT_CASE(tgem_engine_semaphore_other_map),
	KUNIT_CASE_PARAM(tgem_engine_blit, tgem_engine_blit_path_gen_params),
	KUNIT_CASE_PARAM(tgem_engine_blit_bytes, tgem_engine_blit_path_gen_params),
	KUNIT_CASE_PARAM(tgem_engine_blit_same_map,
			 tgem_engine_blit_path_gen_params),
	KUNIT_CASE_PARAM(tgem_engine_blit_interleaved,
			 tgem_engine_blit_path_gen_params),
	KUNIT_CASE_PARAM(tgem_engine_blit_rows_across_maps,
			 tgem_engine_blit_path_gen_params),
	KUNIT_CASE_PARAM(tgem_engine_faults, tgem_engine_fault_gen_params),
	KUNIT_CASE(tgem_engine_truncated_batch),
	KUNIT_CASE(tgem_engine_backend_error),
	{}
};

static struct kunit_suite tgem_engine_suite = {
	.name = "tgem_engine",
	.test_cases = tgem_engine_cases,
};

kunit_test_suite(tgem_engine_suite);
