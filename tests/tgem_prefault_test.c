// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_prefault: the prefault policy, a pure function from the
 * VMA's madvise() hint, the fault address and the BO's size to the number
 * of pages one CPU fault maps.
 */

#include <kunit/test.h>
#include <linux/mm.h>

#include "gem/tgem_prefault.h"

/* A VMA that starts on a PMD boundary, far from its end. */
#define VMA_START	(64UL << 20)
#define BIG_VMA_END	(VMA_START + (256UL << 20))

struct tgem_prefault_case {
	const char *desc;
	unsigned long vm_flags;
	unsigned long address;
	unsigned long vm_end;
	pgoff_t bo_pgoff;
	pgoff_t bo_pages;
	unsigned int expected;
};

static const struct tgem_prefault_case tgem_prefault_cases[] = {
	{ "random: only the faulting page", VM_RAND_READ, VMA_START,
	  BIG_VMA_END, 0, 16384, 1 },
	{ "random wins over sequential", VM_RAND_READ | VM_SEQ_READ, VMA_START,
	  BIG_VMA_END, 0, 16384, 1 },
	{ "default: 16 pages", 0, VMA_START, BIG_VMA_END, 0, 16384, 16 },
	{ "sequential: 512 pages", VM_SEQ_READ, VMA_START, BIG_VMA_END, 0,
	  16384, 512 },
	{ "default: cut at the end of the BO", 0, VMA_START, BIG_VMA_END, 10,
	  13, 3 },
	{ "sequential: cut at the end of the BO", VM_SEQ_READ, VMA_START,
	  BIG_VMA_END, 100, 300, 200 },
	{ "default: cut at the end of the VMA", 0, VMA_START,
	  VMA_START + 5 * PAGE_SIZE, 0, 16384, 5 },
	{ "sequential: cut at the next PMD boundary", VM_SEQ_READ,
	  VMA_START + 500 * PAGE_SIZE, BIG_VMA_END, 500, 16384, 12 },
	{ "default: cut at the next PMD boundary", 0,
	  VMA_START + 510 * PAGE_SIZE, BIG_VMA_END, 510, 16384, 2 },
	{ "last page of the BO", VM_SEQ_READ, VMA_START, BIG_VMA_END, 99, 100, 1 },
	{ "page past the BO: nothing", 0, VMA_START, BIG_VMA_END, 100, 100, 0 },
	{ "address past the VMA: nothing", 0, BIG_VMA_END, BIG_VMA_END, 0,
	  16384, 0 },
};

static void tgem_prefault_case_desc(const struct tgem_prefault_case *c,
				    char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tgem_prefault, tgem_prefault_cases, tgem_prefault_case_desc);

static void tgem_prefault_window_test(struct kunit *test)
{
	const struct tgem_prefault_case *c = test->param_value;
	struct tgem_prefault_req req = {
		.vm_flags = c->vm_flags,
		.address = c->address,
		.vm_end = c->vm_end,
		.bo_pgoff = c->bo_pgoff,
		.bo_pages = c->bo_pages,
		.default_pages = 16,
		.seq_pages = 512,
	};

	KUNIT_EXPECT_EQ(test, tgem_prefault_pages(&req), c->expected);
}

/* The module parameters feed the policy: other window sizes are honoured. */
static void tgem_prefault_params_test(struct kunit *test)
{
	struct tgem_prefault_req req = {
		.address = VMA_START,
		.vm_end = BIG_VMA_END,
		.bo_pages = 16384,
		.default_pages = 64,
		.seq_pages = 128,
	};

	KUNIT_EXPECT_EQ(test, tgem_prefault_pages(&req), 64);
	req.vm_flags = VM_SEQ_READ;
	KUNIT_EXPECT_EQ(test, tgem_prefault_pages(&req), 128);
	/* A zero window still maps the faulting page. */
	req.seq_pages = 0;
	KUNIT_EXPECT_EQ(test, tgem_prefault_pages(&req), 1);
}

/* Sequential first touch of 64 MiB: one fault per 2 MiB with the defaults. */
static void tgem_prefault_sequential_walk_test(struct kunit *test)
{
	const pgoff_t bo_pages = (64UL << 20) >> PAGE_SHIFT;
	unsigned int faults[2] = { 0, 0 };
	unsigned long flags[2] = { 0, VM_SEQ_READ };
	int i;

	for (i = 0; i < 2; i++) {
		pgoff_t pgoff = 0;

		while (pgoff < bo_pages) {
			struct tgem_prefault_req req = {
				.vm_flags = flags[i],
				.address = VMA_START + (pgoff << PAGE_SHIFT),
				.vm_end = VMA_START + (bo_pages << PAGE_SHIFT),
				.bo_pgoff = pgoff,
				.bo_pages = bo_pages,
				.default_pages = 16,
				.seq_pages = 512,
			};
			unsigned int n = tgem_prefault_pages(&req);

			KUNIT_ASSERT_GT(test, n, 0);
			pgoff += n;
			faults[i]++;
		}
	}

	KUNIT_EXPECT_EQ(test, faults[0], 1024);
	KUNIT_EXPECT_EQ(test, faults[1], 32);
}

static struct kunit_case tgem_prefault_tests[] = {
	KUNIT_CASE_PARAM(tgem_prefault_window_test, tgem_prefault_gen_params),
	KUNIT_CASE(tgem_prefault_params_test),
	KUNIT_CASE(tgem_prefault_sequential_walk_test),
	{}
};

static struct kunit_suite tgem_prefault_suite = {
	.name = "tgem_prefault",
	.test_cases = tgem_prefault_tests,
};

kunit_test_suite(tgem_prefault_suite);
