// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_userptr_range: the stale-range bookkeeping of userptr
 * BOs (adding with merges, clearing with splits, the fixed-size overflow
 * rule), the clipping of an MMU notifier range to the pages of a userptr,
 * and the address and size checks of the userptr ioctl. Pure logic: no
 * device, no mm.
 *
 * The central property, checked against a bitmap model over random
 * operations: the set always covers every page the model says is stale
 * (never calls a stale page valid), and as long as it never ran out of
 * slots it is exactly the model.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sizes.h>

#include "userptr/tgem_userptr_range.h"

#define R(s, e)	((struct tgem_userptr_range){ .start = (s), .end = (e) })

/* Check that @s holds exactly the @n ranges of @want, in order. */
static void expect_ranges(struct kunit *test, const struct tgem_userptr_ranges *s,
			  const struct tgem_userptr_range *want, unsigned int n)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, s->count, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, s->r[i].start, want[i].start, "range %u", i);
		KUNIT_EXPECT_EQ_MSG(test, s->r[i].end, want[i].end, "range %u", i);
	}
}

/* Sorted, non-empty, disjoint and not touching: the invariant of a set. */
static void expect_canonical(struct kunit *test, const struct tgem_userptr_ranges *s)
{
	unsigned int i;

	KUNIT_EXPECT_LE(test, s->count, TGEM_USERPTR_RANGES_MAX);
	for (i = 0; i < s->count; i++) {
		KUNIT_EXPECT_LT(test, s->r[i].start, s->r[i].end);
		if (i)
			KUNIT_EXPECT_GT(test, s->r[i].start, s->r[i - 1].end);
	}
}

static void tgem_userptr_range_add_merge(struct kunit *test)
{
	struct tgem_userptr_ranges s;

	tgem_userptr_ranges_init(&s);
	KUNIT_EXPECT_TRUE(test, tgem_userptr_ranges_empty(&s));

	tgem_userptr_ranges_add(&s, 10, 20);
	tgem_userptr_ranges_add(&s, 30, 40);
	tgem_userptr_ranges_add(&s, 0, 2);	/* before everything */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(0, 2), R(10, 20), R(30, 40) }, 3);

	tgem_userptr_ranges_add(&s, 15, 25);	/* overlaps the end of one */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(0, 2), R(10, 25), R(30, 40) }, 3);

	tgem_userptr_ranges_add(&s, 5, 10);	/* touches the start of one */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(0, 2), R(5, 25), R(30, 40) }, 3);

	tgem_userptr_ranges_add(&s, 12, 13);	/* inside one: no change */
	tgem_userptr_ranges_add(&s, 7, 7);	/* empty: no change */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(0, 2), R(5, 25), R(30, 40) }, 3);

	tgem_userptr_ranges_add(&s, 2, 30);	/* bridges all three */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){ R(0, 40) }, 1);
	KUNIT_EXPECT_EQ(test, tgem_userptr_ranges_pages(&s), 40);
}

static void tgem_userptr_range_add_edge_pages(struct kunit *test)
{
	struct tgem_userptr_ranges s;

	tgem_userptr_ranges_init(&s);
	/* The first and last page of a 100-page userptr, one at a time. */
	tgem_userptr_ranges_add(&s, 99, 100);
	tgem_userptr_ranges_add(&s, 0, 1);
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(0, 1), R(99, 100) }, 2);
	KUNIT_EXPECT_TRUE(test, tgem_userptr_ranges_contains(&s, 0));
	KUNIT_EXPECT_FALSE(test, tgem_userptr_ranges_contains(&s, 1));
	KUNIT_EXPECT_FALSE(test, tgem_userptr_ranges_contains(&s, 98));
	KUNIT_EXPECT_TRUE(test, tgem_userptr_ranges_contains(&s, 99));
	KUNIT_EXPECT_FALSE(test, tgem_userptr_ranges_contains(&s, 100));

	/* Neighbouring single pages become one range. */
	tgem_userptr_ranges_add(&s, 1, 2);
	tgem_userptr_ranges_add(&s, 98, 99);
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(0, 2), R(98, 100) }, 2);
	KUNIT_EXPECT_EQ(test, tgem_userptr_ranges_pages(&s), 4);
}

static void tgem_userptr_range_clear_split(struct kunit *test)
{
	struct tgem_userptr_ranges s;

	tgem_userptr_ranges_init(&s);
	tgem_userptr_ranges_add(&s, 0, 100);

	tgem_userptr_ranges_clear(&s, 40, 41);	/* one page from the middle */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(0, 40), R(41, 100) }, 2);

	tgem_userptr_ranges_clear(&s, 0, 1);	/* the first page */
	tgem_userptr_ranges_clear(&s, 99, 100);	/* the last page */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(1, 40), R(41, 99) }, 2);

	tgem_userptr_ranges_clear(&s, 30, 50);	/* across the hole */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(1, 30), R(50, 99) }, 2);

	tgem_userptr_ranges_clear(&s, 100, 200);	/* past the end: nothing */
	tgem_userptr_ranges_clear(&s, 35, 45);		/* in the hole: nothing */
	tgem_userptr_ranges_clear(&s, 20, 20);		/* empty: nothing */
	expect_ranges(test, &s, (struct tgem_userptr_range[]){
		R(1, 30), R(50, 99) }, 2);

	tgem_userptr_ranges_clear(&s, 0, 1000);
	KUNIT_EXPECT_TRUE(test, tgem_userptr_ranges_empty(&s));
	KUNIT_EXPECT_EQ(test, tgem_userptr_ranges_pages(&s), 0);
}

/* Full set: the next range merges the closest pair, losing no page. */
static void tgem_userptr_range_overflow_add(struct kunit *test)
{
	struct tgem_userptr_ranges s;
	unsigned int i;

	tgem_userptr_ranges_init(&s);
	/* Ranges of 1 page at 100*i, with one narrower gap between 7 and 8. */
	for (i = 0; i < TGEM_USERPTR_RANGES_MAX; i++) {
		pgoff_t start = 100 * i - (i >= 8 ? 50 : 0);

		tgem_userptr_ranges_add(&s, start, start + 1);
	}
	KUNIT_ASSERT_EQ(test, s.count, TGEM_USERPTR_RANGES_MAX);

	/* One more, far away: pages 700 and 750 merge across their gap. */
	tgem_userptr_ranges_add(&s, 10000, 10001);
	expect_canonical(test, &s);
	KUNIT_EXPECT_EQ(test, s.count, TGEM_USERPTR_RANGES_MAX);
	KUNIT_EXPECT_EQ(test, s.r[7].start, 700);
	KUNIT_EXPECT_EQ(test, s.r[7].end, 751);
	for (i = 0; i < TGEM_USERPTR_RANGES_MAX; i++) {
		pgoff_t start = 100 * i - (i >= 8 ? 50 : 0);

		KUNIT_EXPECT_TRUE(test, tgem_userptr_ranges_contains(&s, start));
	}
	KUNIT_EXPECT_TRUE(test, tgem_userptr_ranges_contains(&s, 10000));
	KUNIT_EXPECT_EQ(test, tgem_userptr_ranges_pages(&s),
			TGEM_USERPTR_RANGES_MAX + 1 + 49);
}

/* Full set: a split that does not fit leaves the set covering more. */
static void tgem_userptr_range_overflow_clear(struct kunit *test)
{
	struct tgem_userptr_ranges s;
	unsigned int i;

	tgem_userptr_ranges_init(&s);
	for (i = 0; i < TGEM_USERPTR_RANGES_MAX; i++)
		tgem_userptr_ranges_add(&s, 100 * i, 100 * i + 10);
	KUNIT_ASSERT_EQ(test, s.count, TGEM_USERPTR_RANGES_MAX);

	/* Split [500, 510) at 505: 17 pieces, the closest pair rejoins. */
	tgem_userptr_ranges_clear(&s, 505, 506);
	expect_canonical(test, &s);
	KUNIT_EXPECT_EQ(test, s.count, TGEM_USERPTR_RANGES_MAX);
	/* Every page that is still stale is still in the set. */
	for (i = 0; i < TGEM_USERPTR_RANGES_MAX * 100; i++)
		if (i % 100 < 10 && i != 505)
			KUNIT_EXPECT_TRUE_MSG(test, tgem_userptr_ranges_contains(&s, i),
					      "page %u lost", i);
	/* Clearing a whole range still frees its slot. */
	tgem_userptr_ranges_clear(&s, 0, 10);
	KUNIT_EXPECT_EQ(test, s.count, TGEM_USERPTR_RANGES_MAX - 1);
	KUNIT_EXPECT_FALSE(test, tgem_userptr_ranges_contains(&s, 0));
}

#define MODEL_PAGES	256

/*
 * Random adds and clears against a bitmap. The set must cover the model;
 * until it first runs out of slots it must equal it.
 */
static void tgem_userptr_range_model(struct kunit *test)
{
	struct rnd_state rnd;
	struct tgem_userptr_ranges s;
	DECLARE_BITMAP(model, MODEL_PAGES);
	bool exact = true;
	unsigned int op, p;

	prandom_seed_state(&rnd, 0x7e6eu);
	tgem_userptr_ranges_init(&s);
	bitmap_zero(model, MODEL_PAGES);

	for (op = 0; op < 2000; op++) {
		u32 a = prandom_u32_state(&rnd) % MODEL_PAGES;
		u32 len = prandom_u32_state(&rnd) % 24;
		u32 b = min_t(u32, a + len, MODEL_PAGES);
		bool add = prandom_u32_state(&rnd) % 3 != 0;

		if (add) {
			if (s.count == TGEM_USERPTR_RANGES_MAX)
				exact = false;
			tgem_userptr_ranges_add(&s, a, b);
			bitmap_set(model, a, b - a);
		} else {
			/* A clear can only split one range, needing one slot. */
			if (s.count == TGEM_USERPTR_RANGES_MAX)
				exact = false;
			tgem_userptr_ranges_clear(&s, a, b);
			bitmap_clear(model, a, b - a);
		}

		expect_canonical(test, &s);
		for (p = 0; p < MODEL_PAGES; p++) {
			bool in = tgem_userptr_ranges_contains(&s, p);

			if (test_bit(p, model) && !in)
				KUNIT_FAIL(test, "op %u: stale page %u not in the set", op, p);
			if (exact && !test_bit(p, model) && in)
				KUNIT_FAIL(test, "op %u: valid page %u in the set", op, p);
		}
		if (!exact && bitmap_empty(model, MODEL_PAGES) &&
		    tgem_userptr_ranges_empty(&s))
			exact = true;
		if (op % 97 == 0) {
			/* Start over now and then, so "exact" gets checked again. */
			tgem_userptr_ranges_clear(&s, 0, MODEL_PAGES);
			bitmap_zero(model, MODEL_PAGES);
			exact = true;
		}
		if (test->status == KUNIT_FAILURE)
			return;
	}
}

struct tgem_userptr_clip_case {
	const char *desc;
	u64 start, end;		/* byte range, relative to the userptr */
	bool hit;
	pgoff_t first, last;	/* pages [first, last) */
};

#define UP_ADDR		(SZ_1G)
#define UP_PAGES	16

static const struct tgem_userptr_clip_case tgem_userptr_clip_cases[] = {
	{ "exact", 0, UP_PAGES * PAGE_SIZE, true, 0, UP_PAGES },
	{ "the whole address space", -(s64)UP_ADDR, U64_MAX - UP_ADDR, true, 0, UP_PAGES },
	{ "first page", 0, PAGE_SIZE, true, 0, 1 },
	{ "last page", (UP_PAGES - 1) * PAGE_SIZE, UP_PAGES * PAGE_SIZE, true,
	  UP_PAGES - 1, UP_PAGES },
	{ "one byte inside page 3", 3 * PAGE_SIZE + 7, 3 * PAGE_SIZE + 8, true, 3, 4 },
	{ "straddling pages 4 and 5", 5 * PAGE_SIZE - 1, 5 * PAGE_SIZE + 1, true, 4, 6 },
	{ "starting before", -(s64)PAGE_SIZE, 2 * PAGE_SIZE, true, 0, 2 },
	{ "ending after", 14 * PAGE_SIZE, 40 * PAGE_SIZE, true, 14, UP_PAGES },
	{ "ending where it starts", -(s64)PAGE_SIZE, 0, false, 0, 0 },
	{ "starting where it ends", UP_PAGES * PAGE_SIZE, (UP_PAGES + 1) * PAGE_SIZE,
	  false, 0, 0 },
	{ "far away", 100 * PAGE_SIZE, 200 * PAGE_SIZE, false, 0, 0 },
};

KUNIT_ARRAY_PARAM_DESC(tgem_userptr_clip, tgem_userptr_clip_cases, desc);

static void tgem_userptr_range_clip_test(struct kunit *test)
{
	const struct tgem_userptr_clip_case *c = test->param_value;
	struct tgem_userptr_range r = R(12345, 12345);
	bool hit;

	hit = tgem_userptr_range_clip(UP_ADDR, UP_PAGES, UP_ADDR + c->start,
				      UP_ADDR + c->end, &r);
	KUNIT_ASSERT_EQ(test, hit, c->hit);
	if (!hit) {
		KUNIT_EXPECT_EQ(test, r.start, 12345);	/* untouched */
		return;
	}
	KUNIT_EXPECT_EQ(test, r.start, c->first);
	KUNIT_EXPECT_EQ(test, r.end, c->last);
}

struct tgem_userptr_check_case {
	const char *desc;
	u64 addr, size;
	int ret;
};

#define MAX_SIZE	(SZ_1G)

static const struct tgem_userptr_check_case tgem_userptr_check_cases[] = {
	{ "one page", SZ_1M, PAGE_SIZE, 0 },
	{ "the largest size", SZ_1M, MAX_SIZE, 0 },
	{ "at address 0", 0, PAGE_SIZE, 0 },	/* access_ok() decides */
	{ "zero size", SZ_1M, 0, -EINVAL },
	{ "unaligned address", SZ_1M + 1, PAGE_SIZE, -EINVAL },
	{ "address off by a page's last byte", SZ_1M + PAGE_SIZE - 1, PAGE_SIZE, -EINVAL },
	{ "unaligned size", SZ_1M, PAGE_SIZE + 1, -EINVAL },
	{ "size below a page", SZ_1M, 1, -EINVAL },
	{ "one page too large", SZ_1M, MAX_SIZE + PAGE_SIZE, -EINVAL },
	{ "huge size", SZ_1M, U64_MAX & PAGE_MASK, -EINVAL },
	{ "ends at 2^64", 0ULL - PAGE_SIZE, PAGE_SIZE, -EFAULT },
	{ "wraps around", 0ULL - PAGE_SIZE, 2 * PAGE_SIZE, -EFAULT },
};

KUNIT_ARRAY_PARAM_DESC(tgem_userptr_check, tgem_userptr_check_cases, desc);

static void tgem_userptr_range_check_test(struct kunit *test)
{
	const struct tgem_userptr_check_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, tgem_userptr_range_check(c->addr, c->size, MAX_SIZE),
			c->ret);
}

static struct kunit_case tgem_userptr_range_cases[] = {
	KUNIT_CASE(tgem_userptr_range_add_merge),
	KUNIT_CASE(tgem_userptr_range_add_edge_pages),
	KUNIT_CASE(tgem_userptr_range_clear_split),
	KUNIT_CASE(tgem_userptr_range_overflow_add),
	KUNIT_CASE(tgem_userptr_range_overflow_clear),
	KUNIT_CASE(tgem_userptr_range_model),
	KUNIT_CASE_PARAM(tgem_userptr_range_clip_test, tgem_userptr_clip_gen_params),
	KUNIT_CASE_PARAM(tgem_userptr_range_check_test, tgem_userptr_check_gen_params),
	{}
};

static struct kunit_suite tgem_userptr_range_suite = {
	.name = "tgem_userptr_range",
	.test_cases = tgem_userptr_range_cases,
};

kunit_test_suite(tgem_userptr_range_suite);
