// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_iter: the VRAM cursor and the page iterators, with no
 * device. The cursor runs over allocations of a private buddy allocator
 * whose layout each test knows, and every page offset it gives is compared
 * with one worked out from that layout. The copy and clear loops run
 * between arrays of system pages.
 */

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/gpu_buddy.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/list_sort.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/string.h>

#include <kunit/resource.h>
#include <kunit/test.h>

#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_iter.h"

/* The private allocator: 2 MiB of pages, more than any layout below uses. */
#define TGEM_ITER_MM_PAGES	512
#define TGEM_ITER_MAX_BLOCKS	8

/* A buddy allocator and one allocation from it, freed by a KUnit action. */
struct tgem_iter_alloc {
	struct gpu_buddy mm;
	/* The allocation's blocks, sorted by offset as the VRAM manager does. */
	struct list_head blocks;
	/* Blocks a test keeps allocated around the allocation. */
	struct list_head filler;
};

static void tgem_iter_alloc_fini(void *arg)
{
	struct tgem_iter_alloc *a = arg;

	gpu_buddy_free_list(&a->mm, &a->blocks, 0);
	gpu_buddy_free_list(&a->mm, &a->filler, 0);
	gpu_buddy_fini(&a->mm);
}

static struct tgem_iter_alloc *tgem_iter_alloc_init(struct kunit *test)
{
	struct tgem_iter_alloc *a;
	int ret;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	INIT_LIST_HEAD(&a->blocks);
	INIT_LIST_HEAD(&a->filler);

	ret = gpu_buddy_init(&a->mm, (u64)TGEM_ITER_MM_PAGES << PAGE_SHIFT,
			     PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, tgem_iter_alloc_fini, a);
	KUNIT_ASSERT_EQ(test, ret, 0);

	return a;
}

/* Offset order: the cursor must follow the list whatever its order. */
static int tgem_iter_block_cmp(void *priv, const struct list_head *a,
			       const struct list_head *b)
{
	u64 oa = gpu_buddy_block_offset(list_entry(a, struct gpu_buddy_block, link));
	u64 ob = gpu_buddy_block_offset(list_entry(b, struct gpu_buddy_block, link));

	return oa < ob ? -1 : oa > ob;
}

/* One block of a layout: pages [pgoff, pgoff + 2^order) of the allocator. */
struct tgem_iter_extent {
	u32 pgoff;
	u32 order;
};

struct tgem_iter_layout_case {
	const char *desc;
	/* Allocated in this order, which need not be the offset order. */
	struct tgem_iter_extent blocks[TGEM_ITER_MAX_BLOCKS];
	unsigned int nblocks;
};

static const struct tgem_iter_layout_case tgem_iter_layout_cases[] = {
	{
		.desc = "one block",
		.blocks = { { 16, 4 } },
		.nblocks = 1,
	},
	{
		.desc = "adjacent blocks",
		.blocks = { { 4, 2 }, { 8, 3 }, { 16, 4 } },
		.nblocks = 3,
	},
	{
		.desc = "single pages with gaps",
		.blocks = { { 9, 0 }, { 1, 0 }, { 5, 0 }, { 3, 0 }, { 7, 0 } },
		.nblocks = 5,
	},
	{
		.desc = "mixed orders out of order",
		.blocks = {
			{ 256, 8 }, { 33, 0 }, { 2, 1 }, { 64, 6 },
			{ 0, 0 }, { 16, 4 }, { 4, 2 },
		},
		.nblocks = 7,
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_iter_layout, tgem_iter_layout_cases, desc);

/*
 * What the cursor should say, worked out from the layout alone: for each
 * page of the allocation its VRAM page and the page after its block.
 */
struct tgem_iter_expect {
	pgoff_t num_pages;
	u64 *offset;
	pgoff_t *block_end;
};

/*
 * Allocate each extent of @c as one block at exactly its place, then sort
 * the list by offset. Fills @exp from the extents, sorted on their own.
 */
static struct tgem_iter_alloc *
tgem_iter_alloc_layout(struct kunit *test,
		       const struct tgem_iter_layout_case *c,
		       struct tgem_iter_expect *exp)
{
	struct tgem_iter_extent sorted[TGEM_ITER_MAX_BLOCKS];
	struct tgem_iter_alloc *a = tgem_iter_alloc_init(test);
	unsigned int i, j;
	pgoff_t n = 0;

	for (i = 0; i < c->nblocks; i++) {
		u64 start = (u64)c->blocks[i].pgoff << PAGE_SHIFT;
		u64 size = PAGE_SIZE << c->blocks[i].order;
		struct gpu_buddy_block *block;
		LIST_HEAD(one);
		bool singular;
		int ret;

		/* start + size == end: exactly this range. */
		ret = gpu_buddy_alloc_blocks(&a->mm, start, start + size, size,
					     PAGE_SIZE, &one, 0);
		KUNIT_ASSERT_EQ(test, ret, 0);
		singular = list_is_singular(&one);
		block = list_first_entry(&one, struct gpu_buddy_block, link);
		/* Hand the blocks to the cleanup action before any assert. */
		list_splice_tail(&one, &a->blocks);

		KUNIT_ASSERT_TRUE(test, singular);
		KUNIT_ASSERT_EQ(test, gpu_buddy_block_offset(block), start);
		KUNIT_ASSERT_EQ(test, gpu_buddy_block_size(&a->mm, block), size);
	}
	list_sort(NULL, &a->blocks, tgem_iter_block_cmp);

	/* Insertion sort of the table: independent of list_sort(). */
	for (i = 0; i < c->nblocks; i++) {
		struct tgem_iter_extent e = c->blocks[i];

		for (j = i; j > 0 && sorted[j - 1].pgoff > e.pgoff; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = e;
		n += 1UL << e.order;
	}

	exp->num_pages = n;
	exp->offset = kunit_kmalloc_array(test, n, sizeof(*exp->offset), GFP_KERNEL);
	exp->block_end = kunit_kmalloc_array(test, n, sizeof(*exp->block_end),
					     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp->offset);
	KUNIT_ASSERT_NOT_NULL(test, exp->block_end);

	n = 0;
	for (i = 0; i < c->nblocks; i++) {
		pgoff_t pages = 1UL << sorted[i].order;

		for (j = 0; j < pages; j++) {
			exp->offset[n + j] = (u64)(sorted[i].pgoff + j) << PAGE_SHIFT;
			exp->block_end[n + j] = n + pages;
		}
		n += pages;
	}

	return a;
}

/* Check the cursor's offset for page @i; count and remember failures. */
static void tgem_iter_check_offset(struct tgem_vram_cursor *cur,
				   const struct tgem_iter_expect *exp,
				   pgoff_t i, pgoff_t *bad, pgoff_t *first)
{
	if (tgem_vram_cursor_offset(cur, i) != exp->offset[i] && !(*bad)++)
		*first = i;
}

/* Walking forward, every page has the VRAM offset the layout gives it. */
static void tgem_iter_cursor_forward(struct kunit *test)
{
	const struct tgem_iter_layout_case *c = test->param_value;
	struct tgem_vram_cursor cur;
	struct tgem_iter_expect exp;
	struct tgem_iter_alloc *a;
	pgoff_t i, bad = 0, first = 0;

	a = tgem_iter_alloc_layout(test, c, &exp);
	tgem_vram_cursor_init(&cur, &a->mm, &a->blocks);

	for (i = 0; i < exp.num_pages; i++)
		tgem_iter_check_offset(&cur, &exp, i, &bad, &first);

	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%lu of %lu pages wrong, first page %lu",
			    bad, exp.num_pages, first);
	/* The same cursor, asked again about the last page, agrees. */
	KUNIT_EXPECT_EQ(test, tgem_vram_cursor_offset(&cur, exp.num_pages - 1),
			exp.offset[exp.num_pages - 1]);
}

/*
 * One cursor asked in any order gives the same answers: walking backwards
 * from the last page, and zigzagging between the two ends, so that almost
 * every step seeks back across blocks.
 */
static void tgem_iter_cursor_seek_back(struct kunit *test)
{
	const struct tgem_iter_layout_case *c = test->param_value;
	struct tgem_vram_cursor cur;
	struct tgem_iter_expect exp;
	struct tgem_iter_alloc *a;
	pgoff_t i, n, bad = 0, first = 0;

	a = tgem_iter_alloc_layout(test, c, &exp);
	n = exp.num_pages;
	tgem_vram_cursor_init(&cur, &a->mm, &a->blocks);

	for (i = n; i-- > 0;)
		tgem_iter_check_offset(&cur, &exp, i, &bad, &first);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "backwards: %lu pages wrong, first page %lu",
			    bad, first);

	bad = 0;
	for (i = 0; i < n; i++) {
		tgem_iter_check_offset(&cur, &exp, n - 1 - i, &bad, &first);
		tgem_iter_check_offset(&cur, &exp, i, &bad, &first);
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "zigzag: %lu pages wrong, first page %lu",
			    bad, first);
}

/*
 * tgem_vram_cursor_run() counts the pages to the end of the page's block:
 * the whole block at its first page, 1 at its last, and never across into
 * the next block, even when that block follows in VRAM.
 */
static void tgem_iter_cursor_run(struct kunit *test)
{
	const struct tgem_iter_layout_case *c = test->param_value;
	struct tgem_vram_cursor cur;
	struct tgem_iter_expect exp;
	struct tgem_iter_alloc *a;
	pgoff_t i, n, bad = 0, first = 0;

	a = tgem_iter_alloc_layout(test, c, &exp);
	n = exp.num_pages;
	tgem_vram_cursor_init(&cur, &a->mm, &a->blocks);

	for (i = 0; i < n; i++) {
		if (tgem_vram_cursor_run(&cur, i) != exp.block_end[i] - i && !bad++)
			first = i;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%lu runs wrong, first at page %lu",
			    bad, first);

	/* Block boundaries, asked out of order. */
	KUNIT_EXPECT_EQ(test, tgem_vram_cursor_run(&cur, n - 1), 1);
	KUNIT_EXPECT_EQ(test, tgem_vram_cursor_run(&cur, 0), exp.block_end[0]);
	for (i = 1; i < n; i++) {
		if (exp.block_end[i] == exp.block_end[i - 1])
			continue;
		/* Page i starts a block; page i - 1 ends the previous one. */
		KUNIT_EXPECT_EQ(test, tgem_vram_cursor_run(&cur, i),
				exp.block_end[i] - i);
		KUNIT_EXPECT_EQ(test, tgem_vram_cursor_run(&cur, i - 1), 1);
	}

	/* Within a run, pages follow each other in VRAM. */
	for (i = 0; i < n; i++) {
		pgoff_t run = tgem_vram_cursor_run(&cur, i);
		u64 start = tgem_vram_cursor_offset(&cur, i);

		/* Never ask past the end: the cursor would warn. */
		if (!run || run > n - i) {
			KUNIT_FAIL(test, "run of %lu pages at page %lu of %lu", run, i, n);
			break;
		}
		if (tgem_vram_cursor_offset(&cur, i + run - 1) !=
		    start + ((u64)(run - 1) << PAGE_SHIFT)) {
			KUNIT_FAIL(test, "run of %lu pages at page %lu is not contiguous",
				   run, i);
			break;
		}
	}
}

/*
 * An allocation the buddy allocator chose itself, in holes of several
 * sizes: the cursor gives every page of the allocation once, in
 * increasing order, each a page of a hole, and agrees with a page-by-page
 * flattening of the block list.
 */
static void tgem_iter_cursor_fragmented(struct kunit *test)
{
	/* Holes as blocks; every other page of the allocator is taken. */
	static const struct tgem_iter_extent holes[] = {
		{ 3, 0 }, { 8, 3 }, { 18, 1 }, { 32, 4 }, { 60, 2 },
		{ 97, 0 }, { 128, 6 }, { 300, 2 }, { 511, 0 },
	};
	/* Less than the 101 pages of holes, and more than any one hole. */
	const pgoff_t want = 99;
	DECLARE_BITMAP(in_hole, TGEM_ITER_MM_PAGES);
	pgoff_t i, n, bad = 0, first = 0;
	struct gpu_buddy_block *block;
	struct tgem_vram_cursor cur;
	struct tgem_iter_alloc *a;
	u64 *flat, prev = 0;
	unsigned int h;
	int ret;

	a = tgem_iter_alloc_init(test);

	bitmap_zero(in_hole, TGEM_ITER_MM_PAGES);
	for (h = 0; h < ARRAY_SIZE(holes); h++)
		bitmap_set(in_hole, holes[h].pgoff, 1U << holes[h].order);
	for (i = 0; i < TGEM_ITER_MM_PAGES; i++) {
		if (test_bit(i, in_hole))
			continue;
		ret = gpu_buddy_alloc_blocks(&a->mm, (u64)i << PAGE_SHIFT,
					     (u64)(i + 1) << PAGE_SHIFT, PAGE_SIZE,
					     PAGE_SIZE, &a->filler, 0);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}

	ret = gpu_buddy_alloc_blocks(&a->mm, 0, (u64)TGEM_ITER_MM_PAGES << PAGE_SHIFT,
				     (u64)want << PAGE_SHIFT, PAGE_SIZE,
				     &a->blocks, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	list_sort(NULL, &a->blocks, tgem_iter_block_cmp);
	KUNIT_ASSERT_GT(test, list_count_nodes(&a->blocks), 2);

	flat = kunit_kmalloc_array(test, want, sizeof(*flat), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, flat);
	n = 0;
	list_for_each_entry(block, &a->blocks, link) {
		u64 off, size = gpu_buddy_block_size(&a->mm, block);

		for (off = 0; off < size; off += PAGE_SIZE) {
			KUNIT_ASSERT_LT(test, n, want);
			flat[n++] = gpu_buddy_block_offset(block) + off;
		}
	}
	KUNIT_ASSERT_EQ(test, n, want);

	tgem_vram_cursor_init(&cur, &a->mm, &a->blocks);
	for (i = 0; i < want; i++) {
		u64 off = tgem_vram_cursor_offset(&cur, i);

		if ((off != flat[i] || off >= (u64)TGEM_ITER_MM_PAGES << PAGE_SHIFT ||
		     !test_bit(off >> PAGE_SHIFT, in_hole) ||
		     (i && off <= prev)) && !bad++)
			first = i;
		prev = off;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%lu of %lu pages wrong, first page %lu",
			    bad, want, first);
}

static void tgem_iter_index_fini(void *index)
{
	tgem_vram_index_fini(index);
}

/* An index of @a's blocks that the test end frees. */
static struct tgem_vram_index *tgem_iter_index(struct kunit *test,
					       struct tgem_iter_alloc *a)
{
	struct tgem_vram_index *index;
	int ret;

	index = kunit_kzalloc(test, sizeof(*index), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, index);
	ret = tgem_vram_index_build(index, &a->mm, &a->blocks, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, tgem_iter_index_fini, index);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, index->count, list_count_nodes(&a->blocks));
	return index;
}

/*
 * An indexed cursor gives the same offsets and runs as the layout, in
 * every order of asking: forwards, backwards, zigzag and scattered.
 */
static void tgem_iter_cursor_indexed(struct kunit *test)
{
	const struct tgem_iter_layout_case *c = test->param_value;
	struct tgem_vram_index *index;
	struct tgem_vram_cursor cur;
	struct tgem_iter_expect exp;
	struct tgem_iter_alloc *a;
	pgoff_t i, n, bad = 0, first = 0;

	a = tgem_iter_alloc_layout(test, c, &exp);
	n = exp.num_pages;
	index = tgem_iter_index(test, a);
	tgem_vram_cursor_init_indexed(&cur, &a->mm, &a->blocks, index);

	for (i = 0; i < n; i++)
		tgem_iter_check_offset(&cur, &exp, i, &bad, &first);
	for (i = n; i-- > 0;)
		tgem_iter_check_offset(&cur, &exp, i, &bad, &first);
	for (i = 0; i < n; i++) {
		tgem_iter_check_offset(&cur, &exp, n - 1 - i, &bad, &first);
		tgem_iter_check_offset(&cur, &exp, i, &bad, &first);
	}
	/* 7919 is prime and larger than any layout: every page once. */
	for (i = 0; i < n; i++)
		tgem_iter_check_offset(&cur, &exp, (i * 7919) % n, &bad, &first);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%lu answers wrong, first for page %lu",
			    bad, first);

	bad = 0;
	for (i = n; i-- > 0;) {
		if (tgem_vram_cursor_run(&cur, i) != exp.block_end[i] - i && !bad++)
			first = i;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%lu runs wrong, first at page %lu",
			    bad, first);
}

/*
 * What a seek costs. The fault path and the short-term mappings seek to
 * an arbitrary page of the BO, under the page-table lock: with an index
 * that is a binary search, never a walk over the blocks before it. An
 * allocation of 256 single pages: from a fresh cursor, a seek to the last
 * page looks at no more than log2(256) + 1 index entries, where the list
 * walk takes 255 steps; a backwards walk over every page stays within
 * that bound per page, where the list walk is quadratic.
 */
static void tgem_iter_cursor_seek_cost(struct kunit *test)
{
	const pgoff_t n = TGEM_ITER_MM_PAGES / 2;
	struct tgem_vram_index *index;
	struct tgem_vram_cursor cur, lin;
	struct tgem_iter_alloc *a;
	pgoff_t i;
	int ret;

	a = tgem_iter_alloc_init(test);
	/* Take every odd page, so the allocation gets every even one alone. */
	for (i = 1; i < TGEM_ITER_MM_PAGES; i += 2) {
		ret = gpu_buddy_alloc_blocks(&a->mm, (u64)i << PAGE_SHIFT,
					     (u64)(i + 1) << PAGE_SHIFT, PAGE_SIZE,
					     PAGE_SIZE, &a->filler, 0);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	ret = gpu_buddy_alloc_blocks(&a->mm, 0, (u64)TGEM_ITER_MM_PAGES << PAGE_SHIFT,
				     (u64)n << PAGE_SHIFT, PAGE_SIZE, &a->blocks, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, list_count_nodes(&a->blocks), n);
	list_sort(NULL, &a->blocks, tgem_iter_block_cmp);
	index = tgem_iter_index(test, a);

	tgem_vram_cursor_init_indexed(&cur, &a->mm, &a->blocks, index);
	tgem_vram_cursor_init(&lin, &a->mm, &a->blocks);
	KUNIT_EXPECT_EQ(test, tgem_vram_cursor_offset(&cur, n - 1),
			(u64)(2 * (n - 1)) << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, tgem_vram_cursor_offset(&lin, n - 1),
			(u64)(2 * (n - 1)) << PAGE_SHIFT);
	KUNIT_EXPECT_LE(test, cur.steps, ilog2(n) + 1);
	KUNIT_EXPECT_EQ(test, lin.steps, n - 1);

	cur.steps = 0;
	for (i = n; i-- > 0;)
		KUNIT_ASSERT_EQ(test, tgem_vram_cursor_offset(&cur, i), (u64)(2 * i) << PAGE_SHIFT);
	KUNIT_EXPECT_LE(test, cur.steps, n * (ilog2(n) + 2));

	/* Forwards, page after page, one step each. */
	cur.steps = 0;
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, tgem_vram_cursor_offset(&cur, i), (u64)(2 * i) << PAGE_SHIFT);
	KUNIT_EXPECT_LE(test, cur.steps, n + ilog2(n) + 1);
}

/* An array of pages that a KUnit action frees. */
struct tgem_iter_pages {
	unsigned long count;
	struct page **pages;
};

static void tgem_iter_pages_free(void *arg)
{
	struct tgem_iter_pages *p = arg;
	unsigned long i;

	for (i = 0; i < p->count; i++)
		if (p->pages[i])
			__free_page(p->pages[i]);
}

static struct page **tgem_iter_pages_alloc(struct kunit *test,
					   unsigned long count)
{
	struct tgem_iter_pages *p;
	unsigned long i;
	int ret;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->pages = kunit_kcalloc(test, count, sizeof(*p->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p->pages);
	p->count = count;
	ret = kunit_add_action_or_reset(test, tgem_iter_pages_free, p);
	KUNIT_ASSERT_EQ(test, ret, 0);

	for (i = 0; i < count; i++) {
		p->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p->pages[i]);
	}
	return p->pages;
}

/*
 * @count pages as a populated tt holds them: in runs of 1 << @order
 * physically consecutive pages (split, each freed on its own), the first
 * run cut to its last @first pages.
 */
static struct page **tgem_iter_pages_alloc_runs(struct kunit *test,
						unsigned long count,
						unsigned int order,
						unsigned long first)
{
	struct tgem_iter_pages *p;
	unsigned long i = 0, j, skip;
	int ret;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->pages = kunit_kcalloc(test, count, sizeof(*p->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p->pages);
	p->count = count;
	ret = kunit_add_action_or_reset(test, tgem_iter_pages_free, p);
	KUNIT_ASSERT_EQ(test, ret, 0);

	for (skip = (1ul << order) - first; i < count; skip = 0) {
		struct page *block = alloc_pages(GFP_KERNEL, order);

		KUNIT_ASSERT_NOT_NULL(test, block);
		split_page(block, order);
		for (j = 0; j < 1ul << order; j++) {
			if (j >= skip && i < count)
				p->pages[i++] = block + j;
			else
				__free_page(block + j);
		}
	}
	return p->pages;
}

static void tgem_iter_page_fill(struct page *page, u32 seed, pgoff_t i)
{
	u32 *vaddr = kmap_local_page(page);
	unsigned int w;

	for (w = 0; w < PAGE_SIZE / sizeof(u32); w++)
		vaddr[w] = tgem_kunit_pattern(seed, ((u64)i << PAGE_SHIFT) + w * sizeof(u32));
	kunmap_local(vaddr);
}

static bool tgem_iter_page_is(struct page *page, u32 seed, pgoff_t i)
{
	u32 *vaddr = kmap_local_page(page);
	bool same = true;
	unsigned int w;

	for (w = 0; w < PAGE_SIZE / sizeof(u32) && same; w++)
		same = vaddr[w] == tgem_kunit_pattern(seed, ((u64)i << PAGE_SHIFT) +
						      w * sizeof(u32));
	kunmap_local(vaddr);
	return same;
}

struct tgem_iter_count_case {
	const char *desc;
	pgoff_t num_pages;
};

static const struct tgem_iter_count_case tgem_iter_count_cases[] = {
	{ .desc = "1 page", .num_pages = 1 },
	{ .desc = "3 pages", .num_pages = 3 },
	{ .desc = "255 pages", .num_pages = 255 },
	{ .desc = "1024 pages", .num_pages = 1024 },
};

KUNIT_ARRAY_PARAM_DESC(tgem_iter_count, tgem_iter_count_cases, desc);

#define TGEM_ITER_SRC_SEED	0x5eed
#define TGEM_ITER_DIRT_SEED	0xd1e7

/*
 * tgem_page_copy() between two system iterators copies exactly the pages
 * asked for, each to the same index, and leaves the source alone and the
 * page after the range untouched.
 */
static void tgem_iter_page_copy_tt(struct kunit *test)
{
	const struct tgem_iter_count_case *c = test->param_value;
	pgoff_t i, n = c->num_pages, bad_dst = 0, bad_src = 0;
	struct tgem_page_iter_tt src_it, dst_it;
	struct page **src, **dst;

	/* One more page on each side: the copy must stop before it. */
	src = tgem_iter_pages_alloc(test, n + 1);
	dst = tgem_iter_pages_alloc(test, n + 1);
	for (i = 0; i <= n; i++) {
		tgem_iter_page_fill(src[i], TGEM_ITER_SRC_SEED, i);
		tgem_iter_page_fill(dst[i], TGEM_ITER_DIRT_SEED, i);
	}

	tgem_page_copy(tgem_page_iter_tt_init(&dst_it, dst),
		       tgem_page_iter_tt_init(&src_it, src), n);

	for (i = 0; i < n; i++) {
		bad_dst += !tgem_iter_page_is(dst[i], TGEM_ITER_SRC_SEED, i);
		bad_src += !tgem_iter_page_is(src[i], TGEM_ITER_SRC_SEED, i);
	}
	KUNIT_EXPECT_EQ_MSG(test, bad_dst, 0, "%lu of %lu pages not copied",
			    bad_dst, n);
	KUNIT_EXPECT_EQ_MSG(test, bad_src, 0, "%lu source pages changed", bad_src);
	KUNIT_EXPECT_TRUE_MSG(test, tgem_iter_page_is(dst[n], TGEM_ITER_DIRT_SEED, n),
			      "the page after the range was written");
}

/*
 * tgem_page_iter_run() of system pages says how many pages from a page on
 * follow it physically, never more, and in the direct map at least the
 * split run they come from; tgem_page_copy() between two sides whose
 * runs end at different pages copies every page to its own index.
 */
static void tgem_iter_page_copy_runs(struct kunit *test)
{
	const pgoff_t n = 300;
	pgoff_t i, k, r, bad_run = 0, bad_dst = 0;
	struct tgem_page_iter_tt src_it, dst_it;
	struct page **src, **dst;

	/* Runs of 64 from page 0; runs of 16 from page 5. */
	src = tgem_iter_pages_alloc_runs(test, n + 1, 6, 64);
	dst = tgem_iter_pages_alloc_runs(test, n + 1, 4, 5);
	tgem_page_iter_tt_init(&src_it, src);
	tgem_page_iter_tt_init(&dst_it, dst);

	for (i = 0; i < n; i++) {
		r = tgem_page_iter_run(&src_it.base, i, n - i);
		for (k = 1; k < r; k++)
			bad_run += page_to_pfn(src[i + k]) != page_to_pfn(src[i]) + k;
		if (!IS_ENABLED(CONFIG_HIGHMEM))
			bad_run += r < min(64 - i % 64, n - i);
		bad_run += r < 1 || r > n - i;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad_run, 0, "%lu wrong runs", bad_run);
	KUNIT_EXPECT_EQ(test, tgem_page_iter_run(&src_it.base, 0, 7), 7);
	if (!IS_ENABLED(CONFIG_HIGHMEM))
		KUNIT_EXPECT_GE(test, tgem_page_iter_run(&dst_it.base, 5, n), 16);

	for (i = 0; i <= n; i++) {
		tgem_iter_page_fill(src[i], TGEM_ITER_SRC_SEED, i);
		tgem_iter_page_fill(dst[i], TGEM_ITER_DIRT_SEED, i);
	}
	tgem_page_copy(&dst_it.base, &src_it.base, n);
	for (i = 0; i < n; i++)
		bad_dst += !tgem_iter_page_is(dst[i], TGEM_ITER_SRC_SEED, i);
	KUNIT_EXPECT_EQ_MSG(test, bad_dst, 0, "%lu of %lu pages not copied",
			    bad_dst, n);
	KUNIT_EXPECT_TRUE_MSG(test, tgem_iter_page_is(dst[n], TGEM_ITER_DIRT_SEED, n),
			      "the page after the range was written");
}

/*
 * tgem_page_clear() zeroes exactly the pages asked for and leaves the page
 * after the range untouched.
 */
static void tgem_iter_page_clear_tt(struct kunit *test)
{
	const struct tgem_iter_count_case *c = test->param_value;
	pgoff_t i, n = c->num_pages, bad = 0;
	struct tgem_page_iter_tt it;
	struct page **pages;

	pages = tgem_iter_pages_alloc(test, n + 1);
	for (i = 0; i <= n; i++)
		tgem_iter_page_fill(pages[i], TGEM_ITER_DIRT_SEED, i);

	tgem_page_clear(tgem_page_iter_tt_init(&it, pages), n);

	for (i = 0; i < n; i++)
		bad += !tgem_iter_page_is(pages[i], 0, i);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%lu of %lu pages not zeroed", bad, n);
	KUNIT_EXPECT_TRUE_MSG(test, tgem_iter_page_is(pages[n], TGEM_ITER_DIRT_SEED, n),
			      "the page after the range was cleared");
}

static struct kunit_case tgem_iter_tests[] = {
	KUNIT_CASE_PARAM(tgem_iter_cursor_forward, tgem_iter_layout_gen_params),
	KUNIT_CASE_PARAM(tgem_iter_cursor_seek_back, tgem_iter_layout_gen_params),
	KUNIT_CASE_PARAM(tgem_iter_cursor_run, tgem_iter_layout_gen_params),
	KUNIT_CASE(tgem_iter_cursor_fragmented),
	KUNIT_CASE_PARAM(tgem_iter_cursor_indexed, tgem_iter_layout_gen_params),
	KUNIT_CASE(tgem_iter_cursor_seek_cost),
	KUNIT_CASE_PARAM(tgem_iter_page_copy_tt, tgem_iter_count_gen_params),
	KUNIT_CASE_PARAM(tgem_iter_page_clear_tt, tgem_iter_count_gen_params),
	KUNIT_CASE(tgem_iter_page_copy_runs),
	{}
};

static struct kunit_suite tgem_iter_suite = {
	.name = "tgem_iter",
	.test_cases = tgem_iter_tests,
};

kunit_test_suite(tgem_iter_suite);
