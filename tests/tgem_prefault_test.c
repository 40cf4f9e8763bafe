// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_prefault: the prefault policy, a pure function from the
 * VMA's madvise() hint, the fault address and the BO's size to the number
 * of pages one CPU fault maps, and the decision whether a fault may map a
 * huge PMD or PUD.
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

/* A VMA that starts on a PUD boundary and maps 2 GiB of a 2 GiB BO. */
#define GIB_VMA_START	BIT(40)
#define GIB_VMA_END	(GIB_VMA_START + 2 * PUD_SIZE)
#define GIB_BO_PAGES	(2 * PUD_SIZE >> PAGE_SHIFT)

struct tgem_prefault_huge_case {
	const char *desc;
	unsigned int order;
	unsigned long vm_flags;
	unsigned long address;
	unsigned long vm_start;
	unsigned long vm_end;
	pgoff_t vma_bo_pgoff;
	pgoff_t bo_pages;
	bool fits;
	pgoff_t bo_pgoff;
};

static const struct tgem_prefault_huge_case tgem_prefault_huge_cases[] = {
	{ "PUD: first GiB", PUD_ORDER, 0, GIB_VMA_START + 12345,
	  GIB_VMA_START, GIB_VMA_END, 0, GIB_BO_PAGES, true, 0 },
	{ "PUD: second GiB, sequential hint", PUD_ORDER, VM_SEQ_READ,
	  GIB_VMA_END - 1, GIB_VMA_START, GIB_VMA_END, 0, GIB_BO_PAGES, true,
	  PUD_SIZE >> PAGE_SHIFT },
	{ "PUD: random hint falls back", PUD_ORDER, VM_RAND_READ,
	  GIB_VMA_START, GIB_VMA_START, GIB_VMA_END, 0, GIB_BO_PAGES, false, 0 },
	{ "PMD: random hint falls back", PMD_ORDER, VM_RAND_READ,
	  GIB_VMA_START, GIB_VMA_START, GIB_VMA_END, 0, GIB_BO_PAGES, false, 0 },
	{ "PUD: VMA starts 2 MiB into the GiB", PUD_ORDER, 0,
	  GIB_VMA_START + PUD_SIZE - 1, GIB_VMA_START + PMD_SIZE, GIB_VMA_END,
	  0, GIB_BO_PAGES, false, 0 },
	{ "PMD: VMA starts 2 MiB into the GiB", PMD_ORDER, 0,
	  GIB_VMA_START + PMD_SIZE, GIB_VMA_START + PMD_SIZE, GIB_VMA_END,
	  0, GIB_BO_PAGES, true, 0 },
	{ "PUD: VMA ends before the GiB does", PUD_ORDER, 0, GIB_VMA_START,
	  GIB_VMA_START, GIB_VMA_START + PUD_SIZE - PAGE_SIZE, 0, GIB_BO_PAGES,
	  false, 0 },
	{ "PUD: BO ends before the GiB does", PUD_ORDER, 0, GIB_VMA_START,
	  GIB_VMA_START, GIB_VMA_END, 0, (PUD_SIZE >> PAGE_SHIFT) - 1, false, 0 },
	{ "PUD: mapping from BO page 512", PUD_ORDER, 0, GIB_VMA_START,
	  GIB_VMA_START, GIB_VMA_END, 512, GIB_BO_PAGES + 512, true, 512 },
	{ "PUD: mapping from BO page 512, past the BO", PUD_ORDER, 0,
	  GIB_VMA_END - 1, GIB_VMA_START, GIB_VMA_END, 512, GIB_BO_PAGES,
	  false, 0 },
	{ "PTE order is not huge", 0, 0, GIB_VMA_START, GIB_VMA_START,
	  GIB_VMA_END, 0, GIB_BO_PAGES, false, 0 },
	{ "P4D order is not offered", PUD_ORDER + 9, 0, GIB_VMA_START,
	  GIB_VMA_START, GIB_VMA_END, 0, GIB_BO_PAGES, false, 0 },
};

static void tgem_prefault_huge_case_desc(const struct tgem_prefault_huge_case *c,
					 char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tgem_prefault_huge, tgem_prefault_huge_cases,
		  tgem_prefault_huge_case_desc);

static void tgem_prefault_huge_fits_test(struct kunit *test)
{
	const struct tgem_prefault_huge_case *c = test->param_value;
	struct tgem_prefault_huge_req req = {
		.order = c->order,
		.vm_flags = c->vm_flags,
		.address = c->address,
		.vm_start = c->vm_start,
		.vm_end = c->vm_end,
		.vma_bo_pgoff = c->vma_bo_pgoff,
		.bo_pages = c->bo_pages,
	};
	pgoff_t bo_pgoff = ~0UL;
	bool fits = tgem_prefault_huge_fits(&req, &bo_pgoff);

	if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP) && c->order == PUD_ORDER)
		kunit_skip(test, "no PUD pfnmaps on this architecture");
	KUNIT_EXPECT_EQ(test, fits, c->fits);
	if (c->fits)
		KUNIT_EXPECT_EQ(test, bo_pgoff, c->bo_pgoff);
}

/* Alignment and contiguity of the VRAM behind a huge range. */
static void tgem_prefault_huge_backed_test(struct kunit *test)
{
	const pgoff_t gib = PUD_SIZE >> PAGE_SHIFT, mib2 = PMD_SIZE >> PAGE_SHIFT;

	KUNIT_EXPECT_TRUE(test, tgem_prefault_huge_backed(PUD_ORDER, 3 * PUD_SIZE, gib));
	KUNIT_EXPECT_TRUE(test, tgem_prefault_huge_backed(PUD_ORDER, PUD_SIZE, 2 * gib));
	/* One page short of a GiB: PMDs only. */
	KUNIT_EXPECT_FALSE(test, tgem_prefault_huge_backed(PUD_ORDER, PUD_SIZE, gib - 1));
	KUNIT_EXPECT_TRUE(test, tgem_prefault_huge_backed(PMD_ORDER, PUD_SIZE, gib - 1));
	/* 2 MiB aligned but not 1 GiB aligned. */
	KUNIT_EXPECT_FALSE(test, tgem_prefault_huge_backed(PUD_ORDER, PUD_SIZE + PMD_SIZE, gib));
	KUNIT_EXPECT_TRUE(test, tgem_prefault_huge_backed(PMD_ORDER, PUD_SIZE + PMD_SIZE, mib2));
	KUNIT_EXPECT_FALSE(test, tgem_prefault_huge_backed(PMD_ORDER, PMD_SIZE + PAGE_SIZE, mib2));
	KUNIT_EXPECT_FALSE(test, tgem_prefault_huge_backed(PMD_ORDER, PMD_SIZE, mib2 - 1));
}

/*
 * Sequential first touch of a 2 GiB BO mapped 1 GiB aligned, in a 1 GiB
 * block each: one huge fault per GiB, the first offer of the core taken.
 */
static void tgem_prefault_huge_walk_test(struct kunit *test)
{
	unsigned long addr = GIB_VMA_START;
	unsigned int faults = 0;

	if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP))
		kunit_skip(test, "no PUD pfnmaps on this architecture");
	while (addr < GIB_VMA_END) {
		struct tgem_prefault_huge_req req = {
			.order = PUD_ORDER,
			.address = addr,
			.vm_start = GIB_VMA_START,
			.vm_end = GIB_VMA_END,
			.bo_pages = GIB_BO_PAGES,
		};
		pgoff_t pgoff;

		KUNIT_ASSERT_TRUE(test, tgem_prefault_huge_fits(&req, &pgoff));
		KUNIT_ASSERT_TRUE(test, tgem_prefault_huge_backed(PUD_ORDER,
								  (u64)pgoff << PAGE_SHIFT,
								  GIB_BO_PAGES - pgoff));
		addr += PUD_SIZE;
		faults++;
	}
	KUNIT_EXPECT_EQ(test, faults, 2);
}

static struct kunit_case tgem_prefault_tests[] = {
	KUNIT_CASE_PARAM(tgem_prefault_window_test, tgem_prefault_gen_params),
	KUNIT_CASE(tgem_prefault_params_test),
	KUNIT_CASE(tgem_prefault_sequential_walk_test),
	KUNIT_CASE_PARAM(tgem_prefault_huge_fits_test, tgem_prefault_huge_gen_params),
	KUNIT_CASE(tgem_prefault_huge_backed_test),
	KUNIT_CASE(tgem_prefault_huge_walk_test),
	{}
};

static struct kunit_suite tgem_prefault_suite = {
	.name = "tgem_prefault",
	.test_cases = tgem_prefault_tests,
};

kunit_test_suite(tgem_prefault_suite);
