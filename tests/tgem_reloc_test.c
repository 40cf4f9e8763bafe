// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_reloc: the relocation engine apart from the ioctl.
 * Table-driven checks of one entry (aligned, unaligned, the last 8 bytes
 * of a BO, past the end, flags, unknown targets), the byte sizes of
 * relocation counts and their overflow, the target table, the chunking,
 * presumed offsets equal and unequal, and the reloc cache on system pages
 * and on VRAM pages (the VRAM cases skip without an ivshmem device; see
 * tgem_kunit_vram_device_create()). Relocations are applied from kernel
 * arrays here; the user-memory reads are the uAPI suite's business.
 */

#include <linux/dma-resv.h>
#include <linux/sizes.h>

#include <drm/ttm/ttm_placement.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "execbuf/tgem_gpuvm.h"
#include "execbuf/tgem_reloc.h"
#include "execbuf/tgem_reloc_cache.h"
#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_kmap.h"

#define TGEM_RELOC_SEED		0x5e10c
/* Where the test's three targets are "bound". */
#define TGEM_RELOC_ADDR0	0x10000ull
#define TGEM_RELOC_ADDR1	0x7fffffff0000ull
#define TGEM_RELOC_ADDR2	0xffff800000000000ull

static const struct drm_tgem_exec_object tgem_reloc_uobjs[] = {
	{ .handle = 7 }, { .handle = 3 }, { .handle = 12 },
};

static void tgem_reloc_set_fini_action(void *set)
{
	tgem_reloc_set_fini(set);
}

/* Three targets, handles 7, 3 and 12, each 4 pages, bound as above. */
static struct tgem_reloc_set *tgem_reloc_test_set(struct kunit *test, bool lut)
{
	struct tgem_reloc_set *set;

	set = kunit_kzalloc(test, sizeof(*set), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, set);
	KUNIT_ASSERT_EQ(test, tgem_reloc_set_init(set, tgem_reloc_uobjs, 3, lut), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_reloc_set_fini_action, set), 0);
	set->objs[0].addr = TGEM_RELOC_ADDR0;
	set->objs[1].addr = TGEM_RELOC_ADDR1;
	set->objs[2].addr = TGEM_RELOC_ADDR2;
	set->objs[0].size = 4 * PAGE_SIZE;
	set->objs[1].size = 4 * PAGE_SIZE;
	set->objs[2].size = 4 * PAGE_SIZE;
	return set;
}

struct tgem_reloc_check_case {
	const char *desc;
	u64 offset;
	u32 flags;
	u32 target;
	u64 dst_size;
	int ret;
};

static const struct tgem_reloc_check_case tgem_reloc_check_cases[] = {
	{ "aligned, at 0", 0, 0, 7, PAGE_SIZE, 0 },
	{ "aligned, mid page", 0x808, 0, 3, PAGE_SIZE, 1 },
	{ "aligned, across pages of a bigger BO", PAGE_SIZE + 8, 0, 12, 2 * PAGE_SIZE, 2 },
	{ "unaligned by 4", 4, 0, 7, PAGE_SIZE, -EINVAL },
	{ "unaligned by 1", 0x101, 0, 7, PAGE_SIZE, -EINVAL },
	{ "last 8 bytes", PAGE_SIZE - 8, 0, 7, PAGE_SIZE, 0 },
	{ "last 4 bytes", PAGE_SIZE - 4, 0, 7, PAGE_SIZE, -EINVAL },
	{ "at the end", PAGE_SIZE, 0, 7, PAGE_SIZE, -EINVAL },
	{ "past the end", 2 * PAGE_SIZE, 0, 7, PAGE_SIZE, -EINVAL },
	{ "offset that wraps", U64_MAX - 7, 0, 7, PAGE_SIZE, -EINVAL },
	{ "nonzero flags", 0, 1, 7, PAGE_SIZE, -EINVAL },
	{ "unknown target", 0, 0, 8, PAGE_SIZE, -ENOENT },
	{ "target handle 0", 0, 0, 0, PAGE_SIZE, -ENOENT },
};

KUNIT_ARRAY_PARAM_DESC(tgem_reloc_check, tgem_reloc_check_cases, desc);

/* One entry: alignment, the last 8 bytes, the end, flags and targets. */
static void tgem_reloc_check_case(struct kunit *test)
{
	const struct tgem_reloc_check_case *c = test->param_value;
	struct tgem_reloc_set *set = tgem_reloc_test_set(test, false);
	struct drm_tgem_relocation_entry r = {
		.target_handle = c->target,
		.flags = c->flags,
		.offset = c->offset,
	};

	KUNIT_EXPECT_EQ(test, tgem_reloc_check(set, &r, c->dst_size), c->ret);
}

/* Handles map to their index; HANDLE_LUT takes indices; duplicates fail. */
static void tgem_reloc_targets(struct kunit *test)
{
	struct tgem_reloc_set *set = tgem_reloc_test_set(test, false);
	struct tgem_reloc_set *lut = tgem_reloc_test_set(test, true);
	const struct drm_tgem_exec_object dup[] = {
		{ .handle = 5 }, { .handle = 9 }, { .handle = 5 },
	};
	struct tgem_reloc_set bad = {};

	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(set, 7), 0);
	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(set, 3), 1);
	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(set, 12), 2);
	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(set, 2), -ENOENT);
	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(set, U32_MAX), -ENOENT);

	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(lut, 0), 0);
	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(lut, 2), 2);
	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(lut, 3), -ENOENT);
	KUNIT_EXPECT_EQ(test, tgem_reloc_set_lookup(lut, 7), -ENOENT);

	KUNIT_EXPECT_EQ(test, tgem_reloc_set_init(&bad, dup, 3, false), -EINVAL);
	KUNIT_EXPECT_NULL(test, bad.objs);
	KUNIT_EXPECT_EQ(test, tgem_reloc_set_init(&bad, dup, 3, true), -EINVAL);
	KUNIT_EXPECT_NULL(test, bad.by_handle);
}

/* Counts whose byte size, or whose sum, would overflow are refused. */
static void tgem_reloc_count_overflow(struct kunit *test)
{
	struct drm_tgem_exec_object objs[2] = {};
	size_t bytes = 0;
	u64 total = 0;

	KUNIT_EXPECT_EQ(test, tgem_reloc_array_bytes(0, &bytes), 0);
	KUNIT_EXPECT_EQ(test, bytes, 0);
	KUNIT_EXPECT_EQ(test, tgem_reloc_array_bytes(DRM_TGEM_EXEC_MAX_RELOCS, &bytes), 0);
	KUNIT_EXPECT_EQ(test, bytes, (size_t)DRM_TGEM_EXEC_MAX_RELOCS * 32);
	bytes = 1;
	KUNIT_EXPECT_EQ(test, tgem_reloc_array_bytes(DRM_TGEM_EXEC_MAX_RELOCS + 1ull, &bytes),
			-EINVAL);
	/* U32_MAX entries are 128 GiB: the 32-bit size of CVE-2013-0913 wraps. */
	KUNIT_EXPECT_EQ(test, tgem_reloc_array_bytes(U32_MAX, &bytes), -EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_reloc_array_bytes(U64_MAX, &bytes), -EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_reloc_array_bytes(U64_MAX / 32 + 1, &bytes), -EINVAL);
	KUNIT_EXPECT_EQ(test, bytes, 1);

	objs[0].relocation_count = DRM_TGEM_EXEC_MAX_RELOCS / 2;
	objs[1].relocation_count = DRM_TGEM_EXEC_MAX_RELOCS / 2;
	KUNIT_EXPECT_EQ(test, tgem_reloc_total(objs, 2, &total), 0);
	KUNIT_EXPECT_EQ(test, total, DRM_TGEM_EXEC_MAX_RELOCS);
	objs[1].relocation_count++;
	KUNIT_EXPECT_EQ(test, tgem_reloc_total(objs, 2, &total), -EINVAL);
	/* Two counts that sum to 2^32: zero in 32 bits. */
	objs[0].relocation_count = 0x80000000u;
	objs[1].relocation_count = 0x80000000u;
	KUNIT_EXPECT_EQ(test, tgem_reloc_total(objs, 2, &total), -EINVAL);
	objs[0].relocation_count = U32_MAX;
	objs[1].relocation_count = 1;
	KUNIT_EXPECT_EQ(test, tgem_reloc_total(objs, 2, &total), -EINVAL);
	KUNIT_EXPECT_EQ(test, total, DRM_TGEM_EXEC_MAX_RELOCS);
}

/* Chunks cover an array exactly, one page of entries at a time. */
static void tgem_reloc_chunking(struct kunit *test)
{
	static const u32 counts[] = { 0, 1, TGEM_RELOC_CHUNK - 1, TGEM_RELOC_CHUNK,
				      TGEM_RELOC_CHUNK + 1, 1000, 100000 };
	u32 i, done, n, reads;

	KUNIT_EXPECT_EQ(test, TGEM_RELOC_CHUNK * sizeof(struct drm_tgem_relocation_entry),
			PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		reads = 0;
		for (done = 0; (n = tgem_reloc_chunk(counts[i], done)); done += n) {
			KUNIT_EXPECT_LE(test, n, TGEM_RELOC_CHUNK);
			reads++;
		}
		KUNIT_EXPECT_EQ(test, done, counts[i]);
		KUNIT_EXPECT_EQ(test, reads, DIV_ROUND_UP(counts[i], TGEM_RELOC_CHUNK));
	}
}

/* The value written is the canonical target address plus delta. */
static void tgem_reloc_values(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tgem_reloc_value(0x10000, 0x40), 0x10040);
	KUNIT_EXPECT_EQ(test, tgem_reloc_value(TGEM_RELOC_ADDR2, 8),
			0xffff800000000008ull);
	/* Past 2^47 the result turns canonical. */
	KUNIT_EXPECT_EQ(test, tgem_reloc_value(0x7ffffffff000ull, 0x1000),
			0xffff800000000000ull);
	/* A negative delta, modulo 2^64. */
	KUNIT_EXPECT_EQ(test, tgem_reloc_value(0x10000, (u64)-16), 0xfff0);
}

static struct tgem_bo *tgem_reloc_test_bo(struct kunit *test,
					  struct tgem_device *tdev, u64 size,
					  u32 placement)
{
	struct tgem_bo *bo = tgem_kunit_bo_create(test, tdev, size, placement, 0);

	/* Every word holds the pattern: a stray or missing write shows. */
	tgem_kunit_bo_fill(test, bo, TGEM_RELOC_SEED);
	return bo;
}

static u64 tgem_reloc_test_read(struct kunit *test, struct tgem_bo *bo, u64 offset)
{
	u64 v = 0;

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	KUNIT_EXPECT_EQ(test, tgem_bo_access_locked(bo, offset, &v, sizeof(v), false), 0);
	dma_resv_unlock(bo->ttm.base.resv);
	return v;
}

static u64 tgem_reloc_test_pattern(u64 offset)
{
	return tgem_kunit_pattern(TGEM_RELOC_SEED, offset) |
	       (u64)tgem_kunit_pattern(TGEM_RELOC_SEED, offset + 4) << 32;
}

static int tgem_reloc_test_apply(struct kunit *test, struct tgem_bo *bo,
				 const struct tgem_reloc_set *set,
				 const struct drm_tgem_relocation_entry *relocs,
				 u32 count, struct tgem_reloc_stats *stats,
				 u64 *maps)
{
	struct tgem_reloc_src src = { .kernel = relocs, .count = count };
	struct drm_tgem_relocation_entry *buf;
	struct tgem_reloc_cache cache;
	int ret;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	tgem_reloc_cache_init(&cache);
	tgem_reloc_cache_set_bo(&cache, bo);
	ret = tgem_reloc_validate(set, &src, bo->ttm.base.size, buf);
	if (!ret)
		ret = tgem_reloc_apply(set, &src, bo->ttm.base.size, &cache, buf, stats);
	if (maps)
		*maps = cache.maps;
	tgem_reloc_cache_fini(&cache);
	dma_resv_unlock(bo->ttm.base.resv);
	return ret;
}

struct tgem_reloc_presumed_case {
	const char *desc;
	u32 target;
	u64 presumed;
	bool written;
};

static const struct tgem_reloc_presumed_case tgem_reloc_presumed_cases[] = {
	{ "presumed equal", 3, TGEM_RELOC_ADDR1, false },
	{ "presumed unequal", 3, TGEM_RELOC_ADDR0, true },
	{ "presumed 0", 3, 0, true },
	{ "presumed equal, upper half", 12, TGEM_RELOC_ADDR2, false },
	{ "presumed in 48-bit form, not canonical", 12,
	  TGEM_RELOC_ADDR2 & (BIT_ULL(48) - 1), true },
};

KUNIT_ARRAY_PARAM_DESC(tgem_reloc_presumed, tgem_reloc_presumed_cases, desc);

/* A right presumed offset skips the write, a wrong one does not. */
static void tgem_reloc_presumed(struct kunit *test)
{
	const struct tgem_reloc_presumed_case *c = test->param_value;
	struct tgem_reloc_set *set = tgem_reloc_test_set(test, false);
	struct tgem_bo *bo = tgem_reloc_test_bo(test, test->priv, PAGE_SIZE,
						DRM_TGEM_PLACEMENT_SYSTEM);
	struct drm_tgem_relocation_entry r = {
		.target_handle = c->target, .offset = 0x100, .delta = 0x20,
		.presumed_offset = c->presumed,
	};
	struct tgem_reloc_stats stats = {};
	u64 addr = set->objs[tgem_reloc_set_lookup(set, c->target)].addr;

	KUNIT_ASSERT_EQ(test, tgem_reloc_test_apply(test, bo, set, &r, 1, &stats, NULL), 0);
	KUNIT_EXPECT_EQ(test, stats.applied, c->written);
	KUNIT_EXPECT_EQ(test, stats.skipped, !c->written);
	KUNIT_EXPECT_EQ(test, tgem_reloc_test_read(test, bo, 0x100),
			c->written ? tgem_reloc_value(addr, 0x20) :
				     tgem_reloc_test_pattern(0x100));
	/* Its neighbours are untouched. */
	KUNIT_EXPECT_EQ(test, tgem_reloc_test_read(test, bo, 0xf8),
			tgem_reloc_test_pattern(0xf8));
	KUNIT_EXPECT_EQ(test, tgem_reloc_test_read(test, bo, 0x108),
			tgem_reloc_test_pattern(0x108));
}

/* A bad entry anywhere fails validation before anything is written. */
static void tgem_reloc_no_partial_write(struct kunit *test)
{
	struct tgem_reloc_set *set = tgem_reloc_test_set(test, true);
	struct tgem_bo *bo = tgem_reloc_test_bo(test, test->priv, PAGE_SIZE,
						DRM_TGEM_PLACEMENT_SYSTEM);
	struct drm_tgem_relocation_entry *r;
	struct tgem_reloc_stats stats = {};
	u32 i, n = 2 * TGEM_RELOC_CHUNK + 3;

	r = kunit_kcalloc(test, n, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < n; i++) {
		r[i].target_handle = i % 3;
		r[i].offset = (i * 8) % PAGE_SIZE;
	}
	r[n - 1].offset = PAGE_SIZE;	/* past the end, in the third chunk */

	KUNIT_EXPECT_EQ(test, tgem_reloc_test_apply(test, bo, set, r, n, &stats, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, stats.applied, 0);
	tgem_kunit_bo_expect(test, bo, TGEM_RELOC_SEED);

	r[n - 1].offset = 0;
	r[n - 1].target_handle = 3;	/* no such index */
	KUNIT_EXPECT_EQ(test, tgem_reloc_test_apply(test, bo, set, r, n, &stats, NULL),
			-ENOENT);
	tgem_kunit_bo_expect(test, bo, TGEM_RELOC_SEED);
}

/*
 * Many relocations over several chunks and pages of a BO: every one lands,
 * and the cache maps a page once per run of relocations into it.
 */
static void tgem_reloc_apply_many(struct kunit *test, struct tgem_device *tdev,
				  u32 placement, u32 mem_type)
{
	const u32 pages = 5, per_page = 300, n = pages * per_page;
	struct tgem_reloc_set *set = tgem_reloc_test_set(test, true);
	struct drm_tgem_relocation_entry *r;
	struct tgem_reloc_stats stats = {};
	struct tgem_bo *bo;
	u64 maps, want, got;
	u32 i;

	bo = tgem_reloc_test_bo(test, tdev, pages * PAGE_SIZE, placement);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_mem_type(test, bo), mem_type);

	r = kunit_kcalloc(test, n, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	/* Page by page, in a scrambled order within each page. */
	for (i = 0; i < n; i++) {
		r[i].target_handle = i % 3;
		r[i].offset = (u64)(i / per_page) * PAGE_SIZE +
			      ((i * 37) % per_page) * 8;
		r[i].delta = i;
	}
	/* The last one goes back to page 0: one more mapping. */
	r[n - 1].offset = 8 * 511;

	KUNIT_ASSERT_EQ(test, tgem_reloc_test_apply(test, bo, set, r, n, &stats, &maps), 0);
	KUNIT_EXPECT_EQ(test, stats.applied, n);
	KUNIT_EXPECT_EQ(test, stats.skipped, 0);
	KUNIT_EXPECT_EQ(test, maps, pages + 1);

	for (i = 0; i < n; i++) {
		want = tgem_reloc_value(set->objs[i % 3].addr, i);
		got = tgem_reloc_test_read(test, bo, r[i].offset);
		if (got != want) {
			KUNIT_FAIL(test, "relocation %u at %#llx: %#llx, not %#llx",
				   i, r[i].offset, got, want);
			break;
		}
	}
	/* A word no relocation wrote keeps the pattern. */
	KUNIT_EXPECT_EQ(test, tgem_reloc_test_read(test, bo, PAGE_SIZE + 8 * 400),
			tgem_reloc_test_pattern(PAGE_SIZE + 8 * 400));
}

static void tgem_reloc_cache_system(struct kunit *test)
{
	tgem_reloc_apply_many(test, test->priv, DRM_TGEM_PLACEMENT_SYSTEM, TTM_PL_SYSTEM);
}

static void tgem_reloc_cache_vram(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);

	tgem_reloc_apply_many(test, tdev, DRM_TGEM_PLACEMENT_VRAM, TTM_PL_VRAM);
}

/* The cache maps VRAM as iomem, and consecutive writes share a page. */
static void tgem_reloc_cache_vram_pages(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);
	struct tgem_bo *bo = tgem_reloc_test_bo(test, tdev, 3 * PAGE_SIZE,
						DRM_TGEM_PLACEMENT_VRAM);
	struct tgem_reloc_cache cache;

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	tgem_reloc_cache_init(&cache);
	tgem_reloc_cache_set_bo(&cache, bo);
	KUNIT_EXPECT_EQ(test, tgem_reloc_cache_write_locked(&cache, 0, 1), 0);
	KUNIT_EXPECT_TRUE(test, cache.map.is_iomem);
	KUNIT_EXPECT_EQ(test, tgem_reloc_cache_write_locked(&cache, 8, 2), 0);
	KUNIT_EXPECT_EQ(test, cache.maps, 1);
	KUNIT_EXPECT_EQ(test, tgem_reloc_cache_write_locked(&cache, 3 * PAGE_SIZE - 8, 3), 0);
	KUNIT_EXPECT_EQ(test, cache.maps, 2);
	KUNIT_EXPECT_EQ(test, cache.page, 2);
	tgem_reloc_cache_fini(&cache);
	KUNIT_EXPECT_FALSE(test, cache.mapped);
	dma_resv_unlock(bo->ttm.base.resv);

	KUNIT_EXPECT_EQ(test, tgem_reloc_test_read(test, bo, 0), 1);
	KUNIT_EXPECT_EQ(test, tgem_reloc_test_read(test, bo, 8), 2);
	KUNIT_EXPECT_EQ(test, tgem_reloc_test_read(test, bo, 3 * PAGE_SIZE - 8), 3);
	KUNIT_EXPECT_EQ(test, tgem_reloc_test_read(test, bo, 16), tgem_reloc_test_pattern(16));
}

/* A system BO with no pages is refused, not populated under the cache. */
static void tgem_reloc_cache_unpopulated(struct kunit *test)
{
	struct tgem_bo *bo = tgem_kunit_bo_create(test, test->priv, PAGE_SIZE,
						  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	struct tgem_reloc_cache cache;

	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	tgem_reloc_cache_init(&cache);
	tgem_reloc_cache_set_bo(&cache, bo);
	KUNIT_EXPECT_EQ(test, tgem_reloc_cache_write_locked(&cache, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, cache.maps, 0);
	tgem_reloc_cache_fini(&cache);
	dma_resv_unlock(bo->ttm.base.resv);
}

static int tgem_reloc_test_init(struct kunit *test)
{
	test->priv = tgem_kunit_device_create(test);
	return 0;
}

static struct kunit_case tgem_reloc_tests[] = {
	KUNIT_CASE_PARAM(tgem_reloc_check_case, tgem_reloc_check_gen_params),
	KUNIT_CASE(tgem_reloc_targets),
	KUNIT_CASE(tgem_reloc_count_overflow),
	KUNIT_CASE(tgem_reloc_chunking),
	KUNIT_CASE(tgem_reloc_values),
	KUNIT_CASE_PARAM(tgem_reloc_presumed, tgem_reloc_presumed_gen_params),
	KUNIT_CASE(tgem_reloc_no_partial_write),
	KUNIT_CASE(tgem_reloc_cache_system),
	KUNIT_CASE(tgem_reloc_cache_vram),
	KUNIT_CASE(tgem_reloc_cache_vram_pages),
	KUNIT_CASE(tgem_reloc_cache_unpopulated),
	{}
};

static struct kunit_suite tgem_reloc_suite = {
	.name = "tgem_reloc",
	.init = tgem_reloc_test_init,
	.test_cases = tgem_reloc_tests,
};

kunit_test_suite(tgem_reloc_suite);
