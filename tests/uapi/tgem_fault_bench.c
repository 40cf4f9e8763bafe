// SPDX-License-Identifier: MIT
/*
 * tgem_fault_bench.c - first-touch throughput and fault counts, 64 MiB
 *
 * Rows: tgem VRAM (default, MADV_SEQUENTIAL, MADV_RANDOM), a tgem system
 * BO, anonymous memory with THP (MADV_HUGEPAGE), and vgem (drm_gem_shmem,
 * through its primary node's dumb-buffer mmap). Each row maps a fresh
 * 64 MiB buffer and times one memset() over it, which takes every first
 * fault. Fault counts are the process's minor faults (getrusage()) during
 * the memset. The sequential VRAM row then times a second memset() over
 * the same, now mapped range (the retouch): first touch over retouch is
 * what the faults cost, with the same memset() on both sides.
 *
 * Where that ratio's gap comes from: the same row also times a "cold"
 * retouch, a third memset() over the same mapping after this CPU has run
 * another process (QEMU's TCG drops its whole software TLB on every CR3
 * load, so every 4 KiB page then pays a TLB fill again, and no fault); and
 * with at least 2 GiB of VRAM, a 1 GiB VRAM BO is first-touched (one fault,
 * one PUD) and retouched the same way. If a first touch of a GiB with one
 * fault is as far behind its retouch as 64 MiB with 32 faults, the gap is
 * the first access to each page, not tgem's faults.
 *
 * Every run measures every row once, in the same order, so the rows
 * alternate (A, B, A, B, ...) and host drift hits all of them. Under TCG
 * absolute MiB/s mean little: each ratio is taken within one run, and
 * min, median and max are printed over the runs, with the summary lines of
 * make bench (tgem_bench_stats.h).
 *
 * Usage: tgem_fault_bench [runs]      (default 7)
 *
 * A benchmark, not a test: it prints a table and only fails if it cannot
 * run at all.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tgem_bench_stats.h"
#include "tgem_util.h"

#define SIZE	(64ul << 20)
#define SIZE_1G	(1ul << 30)
#define RUNS	7

struct row {
	const char *name;
	double mibs[BENCH_MAX_RUNS];
	double faults[BENCH_MAX_RUNS];
	double retouch_mibs[BENCH_MAX_RUNS];
	double cold_mibs[BENCH_MAX_RUNS];
	int ran;
};

/* The run in progress: measure() fills slot @run of a row. */
static int run;

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static double memset_mibs_n(void *p, int c, size_t size)
{
	int64_t t0, t1;

	t0 = tgem_now_ns();
	memset(p, c, size);
	t1 = tgem_now_ns();
	return (double)size / (1 << 20) / ((double)(t1 - t0) / 1e9);
}

/*
 * A process pinned to our CPU that answers every byte we send it: a round
 * trip switches this CPU's address space twice, which makes TCG flush its
 * software TLB (a CR3 load). Pinned to CPU 0, as we are while it runs.
 */
static int ping[2] = { -1, -1 }, pong[2] = { -1, -1 };

static int tlb_buddy_start(void)
{
	cpu_set_t cpu0;
	pid_t pid;
	char c;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0) || pipe(ping) || pipe(pong))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		while (read(ping[0], &c, 1) == 1 && c)
			if (write(pong[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	return 0;
}

static void tlb_flush_by_switch(void)
{
	char c = 1;

	if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
		fprintf(stderr, "tgem_fault_bench: TLB buddy gone\n");
}

static void tlb_buddy_stop(void)
{
	char c = 0;

	if (ping[1] >= 0 && write(ping[1], &c, 1) == 1)
		wait(NULL);
}

/*
 * Time one memset over a fresh mapping (the first touch) and, with
 * @retouch, a second one over the same range, already mapped, and a third
 * one after a TLB flush (the cold retouch).
 */
static void measure_retouch_n(struct row *r, void *p, int retouch, size_t size)
{
	long f0;

	f0 = minflt();
	r->mibs[run] = memset_mibs_n(p, 0x5a, size);
	r->faults[run] = (double)(minflt() - f0);
	if (retouch) {
		r->retouch_mibs[run] = memset_mibs_n(p, 0xa5, size);
		tlb_flush_by_switch();
		r->cold_mibs[run] = memset_mibs_n(p, 0x5a, size);
	}
	r->ran = run + 1;
}

static void measure_retouch(struct row *r, void *p, int retouch)
{
	measure_retouch_n(r, p, retouch, SIZE);
}

static void measure(struct row *r, void *p)
{
	measure_retouch(r, p, 0);
}

/* First touch of a 1 GiB VRAM BO: one fault and one PUD where it fits. */
static int run_tgem_1g(int fd, struct row *r)
{
	uint64_t size = SIZE_1G;
	uint32_t handle;
	void *p;
	int ret;

	ret = tgem_bo_create(fd, &size, DRM_TGEM_PLACEMENT_VRAM, 0, &handle);
	if (ret)
		return ret;
	p = tgem_bo_map(fd, handle, SIZE_1G);
	if (p == MAP_FAILED) {
		ret = -errno;
		tgem_gem_close(fd, handle);
		return ret;
	}
	measure_retouch_n(r, p, 1, SIZE_1G);
	munmap(p, SIZE_1G);
	tgem_gem_close(fd, handle);
	return 0;
}

static int has_2g_vram(int fd)
{
	uint64_t used, total;

	return !tgem_region_usage(fd, 1, &used, &total) && total >= 2 * SIZE_1G;
}

static void *align_2m(size_t size, void **area)
{
	*area = mmap(NULL, size + (2ul << 20), PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*area == MAP_FAILED)
		return MAP_FAILED;
	return (void *)(((uintptr_t)*area + (2ul << 20) - 1) & ~((2ul << 20) - 1));
}

static int run_anon(struct row *r)
{
	void *area, *p;

	p = align_2m(SIZE, &area);
	if (p == MAP_FAILED)
		return -errno;
	p = mmap(p, SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	madvise(p, SIZE, MADV_HUGEPAGE);
	measure(r, p);
	munmap(area, SIZE + (2ul << 20));
	return 0;
}

static int run_tgem(int fd, struct row *r, uint32_t placement, uint32_t flags,
		    int advice)
{
	uint64_t size = SIZE;
	uint32_t handle;
	void *p;
	int ret;

	ret = tgem_bo_create(fd, &size, placement, flags, &handle);
	if (ret)
		return ret;
	p = tgem_bo_map(fd, handle, SIZE);
	if (p == MAP_FAILED) {
		ret = -errno;
		tgem_gem_close(fd, handle);
		return ret;
	}
	if (advice >= 0)
		madvise(p, SIZE, advice);
	measure_retouch(r, p, advice == MADV_SEQUENTIAL);
	munmap(p, SIZE);
	tgem_gem_close(fd, handle);
	return 0;
}

static int run_vgem(int fd, struct row *r)
{
	struct drm_mode_create_dumb create = {
		.width = 4096, .height = SIZE / 4096, .bpp = 8,
	};
	struct drm_mode_map_dumb map = { 0 };
	struct drm_mode_destroy_dumb destroy = { 0 };
	void *p;
	int ret;

	ret = tgem_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	if (ret)
		return ret;
	map.handle = create.handle;
	destroy.handle = create.handle;
	ret = tgem_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map);
	if (!ret) {
		p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)map.offset);
		if (p == MAP_FAILED) {
			ret = -errno;
		} else {
			measure(r, p);
			munmap(p, SIZE);
		}
	}
	tgem_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	return ret;
}

/* @rv over @bv, run by run. */
static void ratios(const double *rv, const double *bv, int n, double *out)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = rv[i] / bv[i];
}

int main(int argc, char **argv)
{
	struct row rows[] = {
		{ .name = "anon THP (baseline)" },
		{ .name = "tgem VRAM default" },
		{ .name = "tgem VRAM sequential" },
		{ .name = "tgem VRAM random" },
		{ .name = "tgem system default" },
		{ .name = "tgem system sequential" },
		{ .name = "vgem (shmem)" },
		{ .name = "tgem VRAM 1 GiB" },
	};
	const int nrows = (int)(sizeof(rows) / sizeof(rows[0]));
	struct row *anon = &rows[0], *seq = &rows[2], *gib = &rows[7];
	double v[BENCH_MAX_RUNS];
	struct tgem_config cfg;
	int fd, vgem, i, ret = 0, nruns = RUNS;
	char t[48], b[48];

	if (argc > 1)
		nruns = atoi(argv[1]);
	if (argc > 2 || nruns < 1 || nruns > BENCH_MAX_RUNS) {
		fprintf(stderr, "usage: tgem_fault_bench [runs (1..%d)]\n",
			BENCH_MAX_RUNS);
		return 1;
	}

	fd = tgem_open(NULL, 0);
	if (fd < 0 || tgem_query_config(fd, &cfg)) {
		fprintf(stderr, "tgem_fault_bench: no tgem device\n");
		return 1;
	}
	/* vgem's dumb buffers are only on its primary node. */
	vgem = tgem_open_node("/dev/dri/card", 0, 15, "vgem", NULL, 0);
	ret = tlb_buddy_start();
	if (ret) {
		fprintf(stderr, "tgem_fault_bench: %s\n", strerror(-ret));
		return 1;
	}

	for (run = 0; run < nruns && !ret; run++) {
		ret = run_anon(&rows[0]);
		if (!ret && (cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM)) {
			uint32_t vram = DRM_TGEM_PLACEMENT_VRAM;
			uint32_t contig = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS;

			ret = run_tgem(fd, &rows[1], vram, contig, -1) ?:
			      run_tgem(fd, &rows[2], vram, contig, MADV_SEQUENTIAL) ?:
			      run_tgem(fd, &rows[3], vram, contig, MADV_RANDOM);
		}
		if (!ret)
			ret = run_tgem(fd, &rows[4], DRM_TGEM_PLACEMENT_SYSTEM, 0, -1) ?:
			      run_tgem(fd, &rows[5], DRM_TGEM_PLACEMENT_SYSTEM, 0,
				       MADV_SEQUENTIAL);
		if (!ret && vgem >= 0)
			ret = run_vgem(vgem, &rows[6]);
		if (!ret && has_2g_vram(fd))
			ret = run_tgem_1g(fd, gib);
	}
	tlb_buddy_stop();
	if (ret) {
		fprintf(stderr, "tgem_fault_bench: %s\n", strerror(-ret));
		return 1;
	}

	printf("first touch of 64 MiB (memset), %d runs; medians, and min..max of\n"
	       "the ratio to anonymous THP memory in the same run\n\n", nruns);
	printf("%-24s %8s %7s %22s\n", "row", "MiB/s", "faults",
	       "vs anon min/med/max");
	for (i = 0; i < nrows; i++) {
		struct bench_stats m, f, q;

		if (rows[i].ran != nruns) {
			printf("%-24s %8s\n", rows[i].name, "n/a");
			continue;
		}
		m = bench_stats(rows[i].mibs, nruns);
		f = bench_stats(rows[i].faults, nruns);
		ratios(rows[i].mibs, anon->mibs, nruns, v);
		q = bench_stats(v, nruns);
		printf("%-24s %8.1f %7.0f %6.2f/%6.2f/%6.2fx\n", rows[i].name,
		       m.median, f.median, q.min, q.median, q.max);
	}
	if (seq->ran != nruns)
		return 0;
	printf("%-24s %8.1f %7s   (second memset, same mapping)\n",
	       "tgem VRAM seq. retouch",
	       bench_stats(seq->retouch_mibs, nruns).median, "-");
	printf("%-24s %8.1f %7s   (third memset, after a TLB flush)\n",
	       "tgem VRAM seq. cold", bench_stats(seq->cold_mibs, nruns).median, "-");
	if (gib->ran == nruns) {
		ratios(gib->mibs, gib->retouch_mibs, nruns, v);
		printf("%-24s %8.1f %7s   first over retouch %.3f\n",
		       "tgem VRAM 1 GiB retouch",
		       bench_stats(gib->retouch_mibs, nruns).median, "-",
		       bench_stats(v, nruns).median);
		ratios(gib->mibs, gib->cold_mibs, nruns, v);
		printf("%-24s %8.1f %7s   first over cold retouch %.3f\n",
		       "tgem VRAM 1 GiB cold",
		       bench_stats(gib->cold_mibs, nruns).median, "-",
		       bench_stats(v, nruns).median);
	}
	printf("\n");

	snprintf(t, sizeof(t), "%.0f faults",
		 bench_stats(seq->faults, nruns).median);
	snprintf(b, sizeof(b), "anon THP: %.0f",
		 bench_stats(anon->faults, nruns).median);
	bench_report("fault_vram_seq_faults",
		     "faults for 64 MiB of VRAM, MADV_SEQUENTIAL first touch",
		     t, b, "<=32", seq->faults, nruns);

	ratios(seq->mibs, anon->mibs, nruns, v);
	snprintf(t, sizeof(t), "%.0f MiB/s", bench_stats(seq->mibs, nruns).median);
	snprintf(b, sizeof(b), "%.0f MiB/s (anon THP)",
		 bench_stats(anon->mibs, nruns).median);
	bench_report("fault_vram_seq_vs_thp",
		     "first touch of 64 MiB VRAM over anon THP", t, b, ">=1.0",
		     v, nruns);

	ratios(seq->mibs, seq->retouch_mibs, nruns, v);
	snprintf(b, sizeof(b), "%.0f MiB/s (retouch)",
		 bench_stats(seq->retouch_mibs, nruns).median);
	bench_report("fault_first_vs_retouch",
		     "first touch of 64 MiB VRAM over a second pass", t, b,
		     ">=0.9", v, nruns);

	/*
	 * The same, against a pass whose 4 KiB pages all miss the emulator's
	 * TLB as the first touch's do: what the faults themselves cost.
	 */
	ratios(seq->mibs, seq->cold_mibs, nruns, v);
	snprintf(b, sizeof(b), "%.0f MiB/s (cold retouch)",
		 bench_stats(seq->cold_mibs, nruns).median);
	bench_report("fault_first_vs_cold_retouch",
		     "first touch of 64 MiB VRAM over a pass after a TLB flush",
		     t, b, ">=0.9", v, nruns);

	if (gib->ran != nruns) {
		printf("fault_vram_1g_faults: n/a, needs at least 2 GiB of VRAM\n");
		return 0;
	}
	snprintf(t, sizeof(t), "%.0f faults", bench_stats(gib->faults, nruns).median);
	bench_report("fault_vram_1g_faults",
		     "faults for a 1 GiB VRAM BO, first touch (PUD)", t,
		     "2 MiB PMDs: 512", "<=1", gib->faults, nruns);
	return 0;
}
