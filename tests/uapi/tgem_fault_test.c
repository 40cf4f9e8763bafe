// SPDX-License-Identifier: MIT
/*
 * tgem_fault_test.c - kselftest for tgem's CPU fault path
 *
 * Asserts what "CPU faults" and "Prefault policy" in the driver promise:
 * how many faults a first touch takes and how many PTEs or PMDs each one
 * maps (read from the debugfs file tgem_fault_stats, and from getrusage()),
 * that a batch stops at a page that is already mapped, that moves zap the
 * mapping and the next access refaults in the new place, and the list of
 * things a mapping must survive: GEM_CLOSE, fork(), mremap(), partial
 * munmap(), /proc/<pid>/mem, and eviction racing with access.
 *
 * The vram_1g_* tests map 1 GiB BOs with huge PUDs and need at least
 * 2 GiB of VRAM; make check runs them in a boot of their own (mode pud,
 * see Documentation/testing.rst) and they skip elsewhere.
 *
 * Needs root (debugfs) and a tgem device; VRAM tests skip without VRAM.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tgem_util.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define SZ_2M		(2u << 20)
#define SZ_4M		(4u << 20)
#define SZ_64M		(64u << 20)
#define PLACE_SYS	DRM_TGEM_PLACEMENT_SYSTEM
#define PLACE_VRAM	DRM_TGEM_PLACEMENT_VRAM
#define FLAG_CONTIG	DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS

static char stats_path[256];

struct fault_stats {
	long long pte_faults, ptes, pmd_faults, pmds, pud_faults, puds, minflt;
};

static long minflt_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* The device's counters; @s->minflt is left for the caller to fill. */
static int read_stats(struct fault_stats *s)
{
	const struct tgem_stat_key keys[] = {
		{ "pte_faults", &s->pte_faults },
		{ "ptes", &s->ptes },
		{ "pmd_faults", &s->pmd_faults },
		{ "pmds", &s->pmds },
		{ "pud_faults", &s->pud_faults },
		{ "puds", &s->puds },
	};

	s->minflt = 0;
	return tgem_stats_read(stats_path, keys, sizeof(keys) / sizeof(keys[0]));
}

static void stats_delta(struct fault_stats *d, const struct fault_stats *a,
			const struct fault_stats *b)
{
	d->pte_faults = b->pte_faults - a->pte_faults;
	d->ptes = b->ptes - a->ptes;
	d->pmd_faults = b->pmd_faults - a->pmd_faults;
	d->pmds = b->pmds - a->pmds;
	d->pud_faults = b->pud_faults - a->pud_faults;
	d->puds = b->puds - a->puds;
	d->minflt = b->minflt - a->minflt;
}

/* Page-granular pattern, so any sub-range can be checked on its own. */
static void fill_pages(uint8_t *p, size_t first, size_t n, uint8_t seed)
{
	size_t i;

	for (i = first; i < first + n; i++)
		memset(p + i * 4096, (uint8_t)(i ^ seed), 4096);
}

static int pages_ok(const uint8_t *p, size_t first, size_t n, uint8_t seed)
{
	size_t i, j;

	for (i = first; i < first + n; i++)
		for (j = 0; j < 4096; j++)
			if (p[i * 4096 + j] != (uint8_t)(i ^ seed))
				return 0;
	return 1;
}

/* Touch one byte of every page in order; returns the fault deltas. */
static void touch_pages(volatile uint8_t *p, size_t size, struct fault_stats *d)
{
	struct fault_stats a, b;
	long f0, f1;
	size_t off;

	/* Minor faults only around the loop: reading debugfs faults too. */
	read_stats(&a);
	f0 = minflt_now();
	for (off = 0; off < size; off += 4096)
		p[off] = (uint8_t)(off >> 12);
	f1 = minflt_now();
	read_stats(&b);
	a.minflt = f0;
	b.minflt = f1;
	stats_delta(d, &a, &b);
}

FIXTURE(fault) {
	int fd;
	int has_vram;
};

FIXTURE_SETUP(fault)
{
	struct tgem_config cfg;

	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd) TH_LOG("no tgem render node");
	ASSERT_EQ(0, tgem_query_config(self->fd, &cfg));
	self->has_vram = !!(cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM);
}

FIXTURE_TEARDOWN(fault)
{
	close(self->fd);
}

static uint32_t create(struct __test_metadata *_metadata, int fd,
		       uint64_t size, uint32_t placement, uint32_t flags)
{
	uint32_t handle = 0;

	ASSERT_EQ(0, tgem_bo_create(fd, &size, placement, flags, &handle));
	return handle;
}

static uint8_t *map(struct __test_metadata *_metadata, int fd,
		    uint32_t handle, size_t size)
{
	void *p = tgem_bo_map(fd, handle, size);

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return p;
}

static int migrate(int fd, uint32_t handle, uint32_t region)
{
	struct drm_tgem_gem_migrate m = { .handle = handle, .region = region };

	return tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_MIGRATE, &m);
}

static int region_of(int fd, uint32_t handle)
{
	struct drm_tgem_gem_info info = { .handle = handle };
	int ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_INFO, &info);

	return ret ? ret : (int)info.region;
}

/* --- fault counts ------------------------------------------------------ */

TEST_F(fault, vram_sequential_huge)
{
	struct fault_stats d;
	uint32_t h;
	uint8_t *p;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	h = create(_metadata, self->fd, SZ_64M, PLACE_VRAM, FLAG_CONTIG);
	p = map(_metadata, self->fd, h, SZ_64M);
	EXPECT_EQ(0u, (uintptr_t)p % SZ_2M) TH_LOG("mapping not PMD aligned");
	ASSERT_EQ(0, madvise(p, SZ_64M, MADV_SEQUENTIAL));

	touch_pages(p, SZ_64M, &d);
	EXPECT_EQ(32, d.pmd_faults);
	EXPECT_EQ(32, d.pmds);
	EXPECT_EQ(0, d.pte_faults);
	EXPECT_EQ(32, d.minflt);

	tgem_fill(p, SZ_64M, 0xa1);
	EXPECT_EQ(-1, tgem_check(p, SZ_64M, 0xa1));
	munmap(p, SZ_64M);
	tgem_gem_close(self->fd, h);
}

/*
 * Map @size bytes of BO @h at an address one page past a 2 MiB boundary:
 * its 2 MiB ranges then never line up with the BO's 2 MiB runs, so every
 * fault maps by PTEs. *@area is the whole reservation, for munmap().
 */
static uint8_t *map_off_pmd(struct __test_metadata *_metadata, int fd,
			    uint32_t h, size_t size, uint8_t **area)
{
	uint64_t offset;
	uint8_t *p;

	ASSERT_EQ(0, tgem_bo_mmap_offset(fd, h, &offset));
	*area = mmap(NULL, size + 2 * SZ_2M, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, *area);
	p = (uint8_t *)(((uintptr_t)*area + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1)) + 4096;
	p = mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)offset);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return p;
}

/*
 * The PTE windows of a system BO, in a mapping whose 2 MiB ranges do not
 * line up with the BO's (see map_off_pmd()): 16 pages per fault, cut at
 * every PMD boundary. The 16,384 pages span 33 PMDs (511 pages, 31 whole
 * ones, 1 page): 32 + 31 * 32 + 1 = 1025 faults, no huge one.
 */
TEST_F(fault, system_default_window)
{
	struct fault_stats d;
	uint8_t *p, *area;
	uint32_t h;

	h = create(_metadata, self->fd, SZ_64M, PLACE_SYS, 0);
	p = map_off_pmd(_metadata, self->fd, h, SZ_64M, &area);

	touch_pages(p, SZ_64M, &d);
	EXPECT_EQ(1025, d.pte_faults);
	EXPECT_EQ(16384, d.ptes);
	EXPECT_EQ(0, d.pmd_faults);
	EXPECT_EQ(1025, d.minflt);
	munmap(area, SZ_64M + 2 * SZ_2M);
	tgem_gem_close(self->fd, h);
}

/* The same with MADV_SEQUENTIAL: one fault per PMD, 33. */
TEST_F(fault, system_sequential_window)
{
	struct fault_stats d;
	uint8_t *p, *area;
	uint32_t h;

	h = create(_metadata, self->fd, SZ_64M, PLACE_SYS, 0);
	p = map_off_pmd(_metadata, self->fd, h, SZ_64M, &area);
	ASSERT_EQ(0, madvise(p, SZ_64M, MADV_SEQUENTIAL));

	touch_pages(p, SZ_64M, &d);
	EXPECT_EQ(33, d.pte_faults);
	EXPECT_EQ(16384, d.ptes);
	EXPECT_EQ(0, d.pmd_faults);
	munmap(area, SZ_64M + 2 * SZ_2M);
	tgem_gem_close(self->fd, h);
}

/*
 * A system BO's pages come in 2 MiB runs where the page allocator has
 * them, and each such run of an aligned mapping is one huge fault: the
 * first touch populates the BO (as a PTE fault would) and maps the PMD.
 * Which ranges are runs is the allocator's choice, but a freshly booted
 * test VM has free 2 MiB blocks for most of 64 MiB; every other range maps
 * by PTE windows of 16 pages. Then the bytes: a pattern written through
 * the PMDs reads back, also through a second, unaligned mapping (PTEs of
 * the same pages), and after a partial mprotect() cut one PMD.
 */
TEST_F(fault, system_default_huge)
{
	uint8_t *p, *q, *area;
	struct fault_stats d;
	uint32_t h;

	h = create(_metadata, self->fd, SZ_64M, PLACE_SYS, 0);
	p = map(_metadata, self->fd, h, SZ_64M);
	ASSERT_EQ(0u, (uintptr_t)p % SZ_2M) TH_LOG("mapping not PMD aligned");

	touch_pages(p, SZ_64M, &d);
	EXPECT_LE(16, d.pmd_faults) TH_LOG("%lld of 32 ranges huge", d.pmd_faults);
	EXPECT_EQ(d.pmd_faults, d.pmds);
	EXPECT_EQ(32 * (32 - d.pmd_faults), d.pte_faults);
	EXPECT_EQ(512 * (32 - d.pmd_faults), d.ptes);
	EXPECT_EQ(d.pmd_faults + d.pte_faults, d.minflt);

	fill_pages(p, 0, SZ_64M / 4096, 0x3c);
	q = map_off_pmd(_metadata, self->fd, h, SZ_64M, &area);
	EXPECT_TRUE(pages_ok(q, 0, SZ_64M / 4096, 0x3c));
	ASSERT_EQ(0, mprotect(p + 3 * (1u << 20), 4096, PROT_READ));
	EXPECT_TRUE(pages_ok(p, 0, SZ_64M / 4096, 0x3c));
	fill_pages(q, 256, 1024, 0xc3);
	EXPECT_TRUE(pages_ok(p, 256, 1024, 0xc3));
	munmap(area, SZ_64M + 2 * SZ_2M);
	munmap(p, SZ_64M);
	tgem_gem_close(self->fd, h);
}

/*
 * Without a hint, every first touch of contiguous VRAM is a huge fault:
 * one per 2 MiB, none falls back to PTEs.
 */
TEST_F(fault, vram_default_huge)
{
	struct fault_stats d;
	uint32_t h;
	uint8_t *p;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	h = create(_metadata, self->fd, SZ_64M, PLACE_VRAM, FLAG_CONTIG);
	p = map(_metadata, self->fd, h, SZ_64M);
	ASSERT_EQ(0u, (uintptr_t)p % SZ_2M) TH_LOG("mapping not PMD aligned");

	touch_pages(p, SZ_64M, &d);
	EXPECT_EQ(32, d.pmd_faults);
	EXPECT_EQ(32, d.pmds);
	EXPECT_EQ(0, d.pte_faults);
	EXPECT_EQ(0, d.ptes);
	EXPECT_EQ(32, d.minflt);
	munmap(p, SZ_64M);
	tgem_gem_close(self->fd, h);
}

TEST_F(fault, vram_random_exact)
{
	struct fault_stats a, b, d;
	static uint8_t seen[SZ_64M / 4096];
	unsigned int touched = 0;
	uint32_t h, rng = 12345;
	volatile uint8_t *p;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	h = create(_metadata, self->fd, SZ_64M, PLACE_VRAM, FLAG_CONTIG);
	p = map(_metadata, self->fd, h, SZ_64M);
	ASSERT_EQ(0, madvise((void *)p, SZ_64M, MADV_RANDOM));
	memset(seen, 0, sizeof(seen));

	read_stats(&a);
	while (touched < 100) {
		uint32_t page;

		rng = rng * 1103515245u + 12345u;
		page = (rng >> 8) % (SZ_64M / 4096);
		if (seen[page])
			continue;
		seen[page] = 1;
		p[(size_t)page * 4096] = 1;
		touched++;
	}
	read_stats(&b);
	stats_delta(&d, &a, &b);
	EXPECT_EQ(100, d.pte_faults);
	EXPECT_EQ(100, d.ptes);
	EXPECT_EQ(0, d.pmd_faults);
	munmap((void *)p, SZ_64M);
	tgem_gem_close(self->fd, h);
}

TEST_F(fault, batch_stops_at_mapped_page)
{
	struct fault_stats a, b;
	volatile uint8_t *p;
	uint32_t h;

	h = create(_metadata, self->fd, SZ_4M, PLACE_SYS, 0);
	p = map(_metadata, self->fd, h, SZ_4M);
	/* PMD aligned, so no window below is cut by a PMD boundary. */
	ASSERT_EQ(0u, (uintptr_t)p % SZ_2M);

	ASSERT_EQ(0, madvise((void *)p, SZ_4M, MADV_RANDOM));
	read_stats(&a);
	p[5 * 4096] = 5;			/* maps page 5 only */
	read_stats(&b);
	EXPECT_EQ(1, b.ptes - a.ptes);

	ASSERT_EQ(0, madvise((void *)p, SZ_4M, MADV_NORMAL));
	read_stats(&a);
	p[0] = 0;				/* window 16, stops at page 5 */
	read_stats(&b);
	EXPECT_EQ(1, b.pte_faults - a.pte_faults);
	EXPECT_EQ(5, b.ptes - a.ptes);

	read_stats(&a);
	p[6 * 4096] = 6;			/* 6..21: nothing mapped there */
	read_stats(&b);
	EXPECT_EQ(16, b.ptes - a.ptes);
	munmap((void *)p, SZ_4M);
	tgem_gem_close(self->fd, h);
}

/* --- 1 GiB: huge PUDs ---------------------------------------------------- */

#define SZ_1G		(1ul << 30)
#define GIB_PAGES	(SZ_1G / 4096)
/* Pages spot-checked across a GiB: the first, the last, and a prime stride. */
#define SPOT_STRIDE	4099

static int has_2g_vram(int fd)
{
	uint64_t used, total;

	return !tgem_region_usage(fd, 1, &used, &total) && total >= 2 * SZ_1G;
}

#define NEED_2G_VRAM(fd) do {							\
	if (!has_2g_vram(fd))							\
		SKIP(return, "VRAM < 2 GiB: no free 1 GiB block for a PUD (make check runs these in its pud boot)"); \
} while (0)

static void fill_spots(uint8_t *p, uint8_t seed)
{
	size_t i;

	for (i = 0; i < GIB_PAGES; i += SPOT_STRIDE)
		fill_pages(p, i, 1, seed);
	fill_pages(p, GIB_PAGES - 1, 1, seed);
}

static int spots_ok(const uint8_t *p, uint8_t seed)
{
	size_t i;

	for (i = 0; i < GIB_PAGES; i += SPOT_STRIDE)
		if (!pages_ok(p, i, 1, seed))
			return 0;
	return pages_ok(p, GIB_PAGES - 1, 1, seed);
}

/* Spot-check under the counters; returns the deltas in @d. */
static int spots_ok_counted(const uint8_t *p, uint8_t seed, struct fault_stats *d)
{
	struct fault_stats a, b;
	int ok;

	read_stats(&a);
	ok = spots_ok(p, seed);
	read_stats(&b);
	stats_delta(d, &a, &b);
	return ok;
}

/*
 * A 1 GiB BO in one 1 GiB block, mapped 1 GiB aligned: the sequential
 * first touch is one fault, one PUD. Data written through the PUD reads
 * back, also after a round trip to system memory; each MIGRATE zaps the
 * PUD (the next access faults), and back in VRAM a GiB that was not
 * touched meanwhile is one PUD again.
 */
TEST_F_TIMEOUT(fault, vram_1g_one_fault, 300)
{
	struct fault_stats d;
	uint32_t h;
	uint8_t *p;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	NEED_2G_VRAM(self->fd);
	h = create(_metadata, self->fd, SZ_1G, PLACE_VRAM | PLACE_SYS, 0);
	ASSERT_EQ(1, region_of(self->fd, h));
	p = map(_metadata, self->fd, h, SZ_1G);
	ASSERT_EQ(0u, (uintptr_t)p % SZ_1G) TH_LOG("mapping not PUD aligned");

	touch_pages(p, SZ_1G, &d);
	EXPECT_EQ(1, d.pud_faults);
	EXPECT_EQ(1, d.puds);
	EXPECT_EQ(0, d.pmd_faults);
	EXPECT_EQ(0, d.pte_faults);
	EXPECT_EQ(1, d.minflt);
	fill_spots(p, 0x3c);
	EXPECT_TRUE(spots_ok(p, 0x3c));

	/* Out and back untouched: the PUD was zapped, one PUD fault again. */
	ASSERT_EQ(0, migrate(self->fd, h, 0));
	ASSERT_EQ(0, region_of(self->fd, h));
	ASSERT_EQ(0, migrate(self->fd, h, 1));
	ASSERT_EQ(1, region_of(self->fd, h));
	touch_pages(p, SZ_1G, &d);
	EXPECT_EQ(1, d.pud_faults) TH_LOG("PUD not zapped by the move, or not remapped");
	EXPECT_EQ(1, d.puds);
	EXPECT_EQ(0, d.pmd_faults + d.pte_faults);
	/* touch_pages() wrote page numbers into byte 0 of each page. */
	fill_spots(p, 0x4d);

	/* In system memory the spots read back through PTEs. */
	ASSERT_EQ(0, migrate(self->fd, h, 0));
	EXPECT_TRUE(spots_ok_counted(p, 0x4d, &d));
	EXPECT_LT(0, d.pte_faults) TH_LOG("no refault after the move");
	EXPECT_EQ(0, d.pud_faults + d.pmd_faults);

	/* And back in VRAM, where that GiB now has page tables for good. */
	ASSERT_EQ(0, migrate(self->fd, h, 1));
	EXPECT_TRUE(spots_ok_counted(p, 0x4d, &d));
	EXPECT_LT(0, d.pte_faults + d.pmd_faults);
	EXPECT_EQ(0, d.pud_faults);
	munmap(p, SZ_1G);
	tgem_gem_close(self->fd, h);
}

TEST_F_TIMEOUT(fault, vram_1g_random_no_pud, 300)
{
	struct fault_stats d;
	uint32_t h;
	uint8_t *p;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	NEED_2G_VRAM(self->fd);
	h = create(_metadata, self->fd, SZ_1G, PLACE_VRAM, 0);
	p = map(_metadata, self->fd, h, SZ_1G);
	ASSERT_EQ(0u, (uintptr_t)p % SZ_1G);
	ASSERT_EQ(0, madvise(p, SZ_1G, MADV_RANDOM));

	fill_spots(p, 0x5e);
	EXPECT_TRUE(spots_ok_counted(p, 0x5e, &d));
	touch_pages(p, 64 * 4096, &d);
	EXPECT_EQ(0, d.pud_faults);
	EXPECT_EQ(0, d.pmd_faults);
	/* Page 0 was spot-filled already: 63 new single-page faults. */
	EXPECT_EQ(63, d.pte_faults);
	EXPECT_EQ(63, d.ptes);
	munmap(p, SZ_1G);
	tgem_gem_close(self->fd, h);
}

/*
 * Cutting and moving a PUD-mapped GiB, which 6.12 cannot do to a PUD
 * itself: a hole punched into it, a part made read-only, and the whole
 * mapping moved by mremap() to an address that is not 1 GiB aligned and
 * back to one that is. tgem zaps the PUD first (may_split, open); the
 * data stays, the GiB refaults, and the kernel log stays clean (no "bad
 * pud", no VM_BUG_ON: the splat scan checks).
 */
TEST_F_TIMEOUT(fault, vram_1g_cut_and_move, 300)
{
	const size_t hole = 25600, hole_pages = 1024;	/* 100 MiB in, 4 MiB */
	uint8_t *area, *p, *q;
	struct fault_stats d;
	uint32_t h;
	size_t i;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	NEED_2G_VRAM(self->fd);
	h = create(_metadata, self->fd, SZ_1G, PLACE_VRAM, 0);

	/* A hole and a read-only part in one PUD-mapped GiB. */
	p = map(_metadata, self->fd, h, SZ_1G);
	ASSERT_EQ(0u, (uintptr_t)p % SZ_1G);
	touch_pages(p, SZ_1G, &d);
	ASSERT_EQ(1, d.pud_faults);
	fill_spots(p, 0x81);
	ASSERT_EQ(0, munmap(p + hole * 4096, hole_pages * 4096));
	ASSERT_EQ(0, mprotect(p + SZ_1G / 2, SZ_2M, PROT_READ));
	for (i = 0; i < GIB_PAGES; i += SPOT_STRIDE)
		if (i < hole || i >= hole + hole_pages)
			EXPECT_TRUE(pages_ok(p, i, 1, 0x81)) TH_LOG("page %zu", i);
	EXPECT_TRUE(pages_ok(p, GIB_PAGES - 1, 1, 0x81));
	munmap(p, SZ_1G);

	/* Moved whole, PUD-mapped, to 2 MiB past a GiB boundary and back. */
	p = map(_metadata, self->fd, h, SZ_1G);
	touch_pages(p, SZ_1G, &d);
	ASSERT_EQ(1, d.pud_faults);
	fill_spots(p, 0x92);
	/* Room for [q + 2 MiB, q + 1 GiB + 2 MiB) and [q + 2 GiB, q + 3 GiB). */
	area = mmap(NULL, 4 * SZ_1G, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	q = (uint8_t *)(((uintptr_t)area + SZ_1G - 1) & ~(uintptr_t)(SZ_1G - 1));
	p = mremap(p, SZ_1G, SZ_1G, MREMAP_MAYMOVE | MREMAP_FIXED, q + SZ_2M);
	ASSERT_EQ(q + SZ_2M, p) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_TRUE(spots_ok_counted(p, 0x92, &d));
	EXPECT_EQ(0, d.pud_faults);
	EXPECT_LT(0, d.pmd_faults) TH_LOG("the old PUD moved along");

	p = mremap(p, SZ_1G, SZ_1G, MREMAP_MAYMOVE | MREMAP_FIXED, q + 2 * SZ_1G);
	ASSERT_EQ(q + 2 * SZ_1G, p) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_TRUE(spots_ok_counted(p, 0x92, &d));
	EXPECT_EQ(1, d.pud_faults) TH_LOG("1 GiB aligned again: one PUD");
	EXPECT_EQ(0, d.pmd_faults + d.pte_faults);
	fill_spots(p, 0xa3);
	EXPECT_TRUE(spots_ok(p, 0xa3));
	munmap(area, 4 * SZ_1G);
	tgem_gem_close(self->fd, h);
}

/* 2 MiB aligned, 1 GiB misaligned: every GiB straddles two PUDs. */
TEST_F_TIMEOUT(fault, vram_1g_unaligned_mapping_pmds, 300)
{
	struct fault_stats d;
	uint64_t offset;
	uint8_t *area, *p;
	uint32_t h;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	NEED_2G_VRAM(self->fd);
	h = create(_metadata, self->fd, SZ_1G, PLACE_VRAM, 0);
	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, h, &offset));
	area = mmap(NULL, 3 * SZ_1G, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	p = (uint8_t *)(((uintptr_t)area + SZ_1G - 1) & ~(uintptr_t)(SZ_1G - 1)) + SZ_2M;
	p = mmap(p, SZ_1G, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, self->fd,
		 (off_t)offset);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));

	touch_pages(p, SZ_64M, &d);
	EXPECT_EQ(0, d.pud_faults);
	EXPECT_EQ(32, d.pmd_faults);
	EXPECT_EQ(0, d.pte_faults);
	fill_spots(p, 0x6f);
	EXPECT_TRUE(spots_ok(p, 0x6f));
	munmap(area, 3 * SZ_1G);
	tgem_gem_close(self->fd, h);
}

/*
 * No free 1 GiB block: one page used in each half of 2 GiB of VRAM,
 * whatever halves the buddy allocator picks (fill one half, all but a
 * page of the other, take that page; free the first half and take a page
 * of it; free the rest). The 1 GiB BO then gets smaller blocks, each at
 * least 2 MiB, and maps by PMDs only.
 */
TEST_F_TIMEOUT(fault, vram_1g_scattered_pmds, 300)
{
	uint32_t half, rest, page1, page2, h;
	struct fault_stats d;
	uint64_t used, total;
	uint8_t *p;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	NEED_2G_VRAM(self->fd);
	ASSERT_EQ(0, tgem_region_usage(self->fd, 1, &used, &total));
	ASSERT_EQ(2 * SZ_1G, total) TH_LOG("the layout below needs exactly 2 GiB");
	ASSERT_EQ(0u, used) TH_LOG("VRAM not empty: the layout below needs it so");
	half = create(_metadata, self->fd, SZ_1G, PLACE_VRAM, 0);
	rest = create(_metadata, self->fd, SZ_1G - 4096, PLACE_VRAM, 0);
	page1 = create(_metadata, self->fd, 4096, PLACE_VRAM, 0);
	tgem_gem_close(self->fd, half);
	page2 = create(_metadata, self->fd, 4096, PLACE_VRAM, 0);
	tgem_gem_close(self->fd, rest);

	h = create(_metadata, self->fd, SZ_1G, PLACE_VRAM, 0);
	p = map(_metadata, self->fd, h, SZ_1G);
	ASSERT_EQ(0u, (uintptr_t)p % SZ_1G);
	touch_pages(p, SZ_1G, &d);
	EXPECT_EQ(0, d.pud_faults) TH_LOG("a PUD over VRAM that is not one aligned GiB");
	EXPECT_EQ(512, d.pmd_faults);
	EXPECT_EQ(0, d.pte_faults);
	fill_spots(p, 0x70);
	EXPECT_TRUE(spots_ok(p, 0x70));
	munmap(p, SZ_1G);
	tgem_gem_close(self->fd, h);
	tgem_gem_close(self->fd, page1);
	tgem_gem_close(self->fd, page2);
}

/* --- correctness -------------------------------------------------------- */

TEST_F(fault, move_zaps_and_refaults)
{
	struct fault_stats a, b;
	uint32_t h;
	uint8_t *p;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	h = create(_metadata, self->fd, 8u << 20, PLACE_VRAM | PLACE_SYS, FLAG_CONTIG);
	p = map(_metadata, self->fd, h, 8u << 20);
	tgem_fill(p, 8u << 20, 0xb2);
	ASSERT_EQ(1, region_of(self->fd, h));

	ASSERT_EQ(0, migrate(self->fd, h, 0));
	ASSERT_EQ(0, region_of(self->fd, h));
	read_stats(&a);
	EXPECT_EQ(-1, tgem_check(p, 8u << 20, 0xb2));
	read_stats(&b);
	EXPECT_LT(0, b.pte_faults - a.pte_faults) TH_LOG("no refault after move");
	EXPECT_EQ(0, b.pmd_faults - a.pmd_faults);

	ASSERT_EQ(0, migrate(self->fd, h, 1));
	ASSERT_EQ(1, region_of(self->fd, h));
	read_stats(&a);
	EXPECT_EQ(-1, tgem_check(p, 8u << 20, 0xb2));
	read_stats(&b);
	EXPECT_LT(0, b.pte_faults + b.pmd_faults - a.pte_faults - a.pmd_faults);
	munmap(p, 8u << 20);
	tgem_gem_close(self->fd, h);
}

/*
 * The VMA can never reach past the BO: mmap() of more than the BO fails,
 * and mremap() cannot grow a mapping (VM_DONTEXPAND). The handler's own
 * SIGBUS for a page past the end is therefore defensive; the KUnit case
 * tgem_mmap.tgem_mmap_sigbus_past_the_end maps past the end to reach it.
 */
TEST_F(fault, no_mapping_past_the_end)
{
	uint64_t offset;
	uint32_t h;
	void *p, *q;

	h = create(_metadata, self->fd, 4 * 4096, PLACE_SYS, 0);
	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, h, &offset));
	p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)offset);
	EXPECT_EQ(MAP_FAILED, p);
	p = map(_metadata, self->fd, h, 4 * 4096);
	q = mremap(p, 4 * 4096, 8 * 4096, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	munmap(p, 4 * 4096);
	tgem_gem_close(self->fd, h);
}

TEST_F(fault, private_mapping_refused)
{
	uint64_t offset;
	uint32_t h;
	void *p;

	h = create(_metadata, self->fd, 4096, PLACE_SYS, 0);
	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, h, &offset));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd,
		 (off_t)offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	tgem_gem_close(self->fd, h);
}

static void outlives_close(struct __test_metadata *_metadata, int fd,
			   uint32_t placement, uint32_t flags)
{
	size_t size = 4u << 20;
	uint32_t h;
	uint8_t *p;

	h = create(_metadata, fd, size, placement, flags);
	p = map(_metadata, fd, h, size);
	tgem_fill(p, size / 2, 0xc3);		/* half faulted before close */
	ASSERT_EQ(0, tgem_gem_close(fd, h));
	EXPECT_EQ(-1, tgem_check(p, size / 2, 0xc3));
	tgem_fill(p, size, 0xc4);		/* the rest faults after close */
	EXPECT_EQ(-1, tgem_check(p, size, 0xc4));
	munmap(p, size);
}

TEST_F(fault, mapping_outlives_gem_close)
{
	outlives_close(_metadata, self->fd, PLACE_SYS, 0);
	if (self->has_vram)
		outlives_close(_metadata, self->fd, PLACE_VRAM, FLAG_CONTIG);
}

static void fork_shares(struct __test_metadata *_metadata, int fd,
			uint32_t placement, uint32_t flags)
{
	size_t size = 4u << 20;
	int status;
	uint32_t h;
	uint8_t *p;
	pid_t pid;

	h = create(_metadata, fd, size, placement, flags);
	p = map(_metadata, fd, h, size);
	tgem_fill(p, size, 0xd5);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (tgem_check(p, size, 0xd5) != -1)
			_exit(1);
		tgem_fill(p, size, 0xd6);	/* shared: the parent sees it */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(-1, tgem_check(p, size, 0xd6));
	munmap(p, size);
	tgem_gem_close(fd, h);
}

TEST_F(fault, fork_child_sees_same_bytes)
{
	fork_shares(_metadata, self->fd, PLACE_SYS, 0);
	if (self->has_vram)
		fork_shares(_metadata, self->fd, PLACE_VRAM, FLAG_CONTIG);
}

static void remap_and_split(struct __test_metadata *_metadata, int fd,
			    uint32_t placement, uint32_t flags)
{
	const size_t pages = 2048, hole_first = 700, hole_pages = 600;
	size_t size = pages * 4096;
	uint8_t *p, *q, *area;
	uint32_t h;

	h = create(_metadata, fd, size, placement, flags);
	p = map(_metadata, fd, h, size);
	fill_pages(p, 0, pages, 0x17);

	/* Move the whole mapping to a new, 2 MiB aligned address. */
	area = mmap(NULL, size + SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	q = (uint8_t *)(((uintptr_t)area + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1));
	q = mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	ASSERT_NE(MAP_FAILED, q) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_TRUE(pages_ok(q, 0, pages, 0x17));

	/* Punch a hole that splits a 2 MiB range and the VMA. */
	ASSERT_EQ(0, munmap(q + hole_first * 4096, hole_pages * 4096));
	EXPECT_TRUE(pages_ok(q, 0, hole_first, 0x17));
	EXPECT_TRUE(pages_ok(q, hole_first + hole_pages,
			     pages - hole_first - hole_pages, 0x17));
	fill_pages(q, 0, hole_first, 0x29);
	EXPECT_TRUE(pages_ok(q, 0, hole_first, 0x29));

	munmap(area, size + SZ_2M);	/* covers what is left of q too */
	tgem_gem_close(fd, h);
}

TEST_F(fault, mremap_and_partial_munmap)
{
	remap_and_split(_metadata, self->fd, PLACE_SYS, 0);
	if (self->has_vram)
		remap_and_split(_metadata, self->fd, PLACE_VRAM, FLAG_CONTIG);
}

static void proc_mem(struct __test_metadata *_metadata, int fd,
		     uint32_t placement, uint32_t flags)
{
	size_t size = 1u << 20;
	char buf[100];
	uint8_t *p;
	uint32_t h;
	int mem;

	h = create(_metadata, fd, size, placement, flags);
	p = map(_metadata, fd, h, size);
	memset(p, 0x5a, size);
	ASSERT_EQ(0, munmap(p, size));		/* so access goes through ->access */
	p = map(_metadata, fd, h, size);

	mem = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, mem);
	/* Straddle a page boundary, unfaulted. */
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pread(mem, buf, sizeof(buf), (off_t)(uintptr_t)(p + 4096 - 50)));
	EXPECT_EQ(0x5a, buf[0]);
	EXPECT_EQ(0x5a, buf[99]);
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pwrite(mem, buf, sizeof(buf), (off_t)(uintptr_t)(p + 8192 - 10)));
	EXPECT_EQ(0xa5, p[8192 - 10]);
	EXPECT_EQ(0xa5, p[8192 + 89]);
	EXPECT_EQ(0x5a, p[8192 + 90]);
	close(mem);
	munmap(p, size);
	tgem_gem_close(fd, h);
}

TEST_F(fault, proc_pid_mem_access)
{
	proc_mem(_metadata, self->fd, PLACE_SYS, 0);
	if (self->has_vram)
		proc_mem(_metadata, self->fd, PLACE_VRAM, 0);
}

/*
 * Every page's first word holds pattern(page, generation); the main thread
 * writes a new generation after each move and publishes it in @gen.
 */
struct racer {
	volatile uint32_t *p;
	size_t words;
	volatile uint32_t gen;
	volatile int stop;
	long bad, loops;
	size_t bad_word;
	uint32_t bad_val, bad_gen;
};

#define RACER_STRIDE	1024	/* words: one per 4 KiB page */

static uint32_t racer_pattern(size_t word, uint32_t gen)
{
	return (uint32_t)word * 2654435761u ^ gen * 0x9e3779b9u;
}

static void racer_write(struct racer *r, uint32_t gen)
{
	size_t i;

	for (i = 0; i < r->words; i += RACER_STRIDE)
		r->p[i] = racer_pattern(i, gen);
}

/*
 * A word read between two loads of @gen holds one of the generations
 * published meanwhile, or the next one being written. Memory the BO has
 * left (a stale mapping, or the old copy) keeps an older generation.
 */
static void *reader(void *arg)
{
	struct racer *r = arg;
	uint32_t g0, g1, v, g;
	size_t i;

	while (!r->stop) {
		for (i = 0; i < r->words; i += RACER_STRIDE) {
			g0 = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
			v = r->p[i];
			g1 = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
			for (g = g0; g <= g1 + 1; g++)
				if (v == racer_pattern(i, g))
					break;
			if (g > g1 + 1 && !r->bad++) {
				r->bad_word = i;
				r->bad_val = v;
				r->bad_gen = g0;
			}
		}
		r->loops++;
	}
	return NULL;
}

TEST_F(fault, access_races_with_eviction)
{
	size_t size = 8u << 20, i;
	struct racer r = { 0 };
	pthread_t t[2];
	uint32_t h;
	int n;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	h = create(_metadata, self->fd, size, PLACE_VRAM | PLACE_SYS, 0);
	r.p = (volatile uint32_t *)map(_metadata, self->fd, h, size);
	r.words = size / 4;
	racer_write(&r, 0);

	ASSERT_EQ(0, pthread_create(&t[0], NULL, reader, &r));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, reader, &r));
	for (n = 0; n < 40; n++) {
		ASSERT_EQ(0, migrate(self->fd, h, n & 1 ? 1 : 0));
		/* Writes land in the new place, or the readers see old data. */
		racer_write(&r, n + 1);
		__atomic_store_n(&r.gen, n + 1, __ATOMIC_RELEASE);
	}
	r.stop = 1;
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);

	EXPECT_EQ(0, r.bad) TH_LOG("word %zu holds %#x, generation %u or later expected",
				   r.bad_word, r.bad_val, r.bad_gen);
	EXPECT_LT(0, r.loops);
	for (i = 0; i < r.words; i += RACER_STRIDE)
		if (r.p[i] != racer_pattern(i, 40))
			break;
	EXPECT_EQ(r.words, i) TH_LOG("word %zu lost the last generation", i);
	munmap((void *)r.p, size);
	tgem_gem_close(self->fd, h);
}

struct toucher {
	volatile uint8_t *p;
	size_t pages;
	unsigned int start, stride;
	int write;
};

static void *touch_thread(void *arg)
{
	struct toucher *t = arg;
	size_t i, pg;

	for (i = 0; i < t->pages; i++) {
		pg = (t->start + i * t->stride) % t->pages;
		if (t->write)
			t->p[pg * 4096] = (uint8_t)pg;
		else
			(void)t->p[pg * 4096];
	}
	return NULL;
}

/*
 * Several threads take first faults on the same 2 MiB ranges at once,
 * some reading and some writing, so huge faults race for the same PMDs
 * and for the BO's lock. Every page must end up mapped to the right bytes
 * by one huge PMD per 2 MiB, and the kernel must not warn (the splat scan
 * checks that).
 */
TEST_F(fault, concurrent_first_touch)
{
	struct fault_stats a, b;
	struct toucher t[4];
	pthread_t th[4];
	size_t size = 16u << 20, pages = size / 4096, i;
	uint8_t *p;
	uint32_t h;
	int k;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	h = create(_metadata, self->fd, size, PLACE_VRAM, FLAG_CONTIG);
	p = map(_metadata, self->fd, h, size);
	ASSERT_EQ(0u, (uintptr_t)p % SZ_2M) TH_LOG("mapping not PMD aligned");

	read_stats(&a);
	for (k = 0; k < 4; k++) {
		t[k] = (struct toucher){ .p = p, .pages = pages, .start = k * 97,
					 .stride = k & 1 ? 1 : 513, .write = k == 0 };
		ASSERT_EQ(0, pthread_create(&th[k], NULL, touch_thread, &t[k]));
	}
	for (k = 0; k < 4; k++)
		pthread_join(th[k], NULL);
	read_stats(&b);

	/*
	 * A huge fault that finds the BO locked by another fault waits and
	 * retries: no 2 MiB range falls back to PTEs, each is mapped once.
	 */
	EXPECT_EQ(0, b.pte_faults - a.pte_faults);
	EXPECT_EQ((long long)(size / SZ_2M), b.pmds - a.pmds);

	for (i = 0; i < pages; i++)
		if (p[i * 4096] != (uint8_t)i)
			break;
	EXPECT_EQ(pages, i) TH_LOG("page %zu holds %u", i, p[i * 4096]);
	munmap(p, size);
	tgem_gem_close(self->fd, h);
}

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

/*
 * Unbinding the device while userspace still maps a VRAM BO must not
 * leave the mapping pointing at the released BAR: the driver zaps it, the
 * next access gets TTM's dummy page, and ptrace access fails cleanly. The
 * device is bound again afterwards, with a new render node.
 */
TEST_F(fault, unbind_while_mapped)
{
	char dev[64] = "", path[128], buf[16];
	size_t size = 4u << 20;
	volatile uint8_t *p;
	glob_t g;
	uint32_t h;
	int mem;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	if (glob("/sys/bus/pci/drivers/tgem/0000:*", 0, NULL, &g) || g.gl_pathc != 1)
		SKIP(return, "tgem is not bound to exactly one PCI device");
	snprintf(dev, sizeof(dev), "%s", strrchr(g.gl_pathv[0], '/') + 1);
	globfree(&g);

	h = create(_metadata, self->fd, size, PLACE_VRAM, FLAG_CONTIG);
	p = map(_metadata, self->fd, h, size);
	memset((void *)p, 0x77, size);

	ASSERT_EQ(0, sysfs_write("/sys/bus/pci/drivers/tgem/unbind", dev));
	/* Zapped: this refaults onto TTM's zeroed dummy page, not the BAR. */
	EXPECT_EQ(0, p[4096]);
	EXPECT_EQ(0, p[size - 1]);
	mem = open("/proc/self/mem", O_RDONLY);
	ASSERT_LE(0, mem);
	EXPECT_EQ(-1, pread(mem, buf, sizeof(buf), (off_t)(uintptr_t)p));
	close(mem);
	EXPECT_EQ(-ENODEV, tgem_bo_mmap_offset(self->fd, h, &(uint64_t){ 0 }));

	munmap((void *)p, size);
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/tgem/bind");
	ASSERT_EQ(0, sysfs_write(path, dev));
}

int main(int argc, char **argv)
{
	if (tgem_debugfs_path("tgem_fault_stats", stats_path, sizeof(stats_path))) {
		printf("1..0 # SKIP no tgem_fault_stats in debugfs\n");
		return KSFT_SKIP;
	}
	return test_harness_run(argc, argv);
}
