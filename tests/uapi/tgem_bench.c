// SPDX-License-Identifier: MIT
/*
 * tgem_bench.c - run tgem's move benchmark and print a table
 *
 * The benchmark runs in the kernel, in the test-only module tgem_bench.ko
 * (tests/tgem_bench.c, "The move benchmark"): on a tgem device of its own,
 * it times tgem's move path from system memory to VRAM and back against
 * plain memcpy_toio()/memcpy_fromio() copies of the same size, and the
 * eviction of 1,000 one-page BOs. This program writes the size to
 * /sys/kernel/debug/tgem_bench/move once per run, reads the "key value"
 * results back after each run, and prints every run, then min, median and
 * max of each ratio over the runs, the parts of a move out of VRAM, and
 * the summary lines of make bench (tgem_bench_stats.h). Each run times
 * tgem's move and then the baseline, so the two sides alternate
 * (A, B, A, B, ...) and host drift hits both. One more run before them is
 * not counted: in the first runs of a fresh VM every copy is slower.
 *
 * Usage: tgem_bench [MiB [runs]]      (default: 64 MiB, 7 runs)
 *
 * Needs root, a mounted debugfs, the tgem_bench module loaded, and the
 * ivshmem device free of drivers (unbind tgem from it first; the module
 * never touches a device someone else uses). Exits 0 on success, 1 on any
 * failure, including an eviction that did not make exactly one move per
 * BO.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tgem_bench_stats.h"

#define BENCH_FILE	"/sys/kernel/debug/tgem_bench/move"
#define MAX_RUNS	BENCH_MAX_RUNS

/* One run's results, as the kernel reports them (-1: not reported). */
struct bench_run {
	double size_mib;
	double tgem_to_vram_mibps;
	double tgem_to_sys_mibps;
	double tgem_to_vram_ns;
	double tgem_to_sys_ns;
	double toio_mibps;
	double fromio_mibps;
	double fromio_ns;
	double ratio_to_vram;
	double ratio_to_sys;
	double iter_to_vram_mibps;
	double iter_to_sys_mibps;
	double iter_to_sys_ns;
	double ratio_iter_to_vram;
	double ratio_iter_to_sys;
	double alloc_sys_ns;
	double alloc_sys_zero_ns;
	double iter_to_fresh_ns;
	double fresh_mibps;
	double fresh_ns;
	double ratio_to_fresh;
	double evict_bos;
	double evict_ns;
	double evict_ns_per_bo;
	double evict_moves;
	double cpu_erms;
	double cpu_fsrm;
	double cpu_rep_good;
};

static const struct {
	const char *key;
	size_t offset;
	int optional;
} bench_keys[] = {
#define K(k, f) { k, offsetof(struct bench_run, f), 0 }
#define OPT(k, f) { k, offsetof(struct bench_run, f), 1 }
	K("size_mib", size_mib),
	K("tgem_sys_to_vram_mibps", tgem_to_vram_mibps),
	K("tgem_vram_to_sys_mibps", tgem_to_sys_mibps),
	K("tgem_sys_to_vram_ns", tgem_to_vram_ns),
	K("tgem_vram_to_sys_ns", tgem_to_sys_ns),
	K("memcpy_toio_mibps", toio_mibps),
	K("memcpy_fromio_mibps", fromio_mibps),
	K("memcpy_fromio_ns", fromio_ns),
	K("ratio_sys_to_vram", ratio_to_vram),
	K("ratio_vram_to_sys", ratio_to_sys),
	K("iter_sys_to_vram_mibps", iter_to_vram_mibps),
	K("iter_vram_to_sys_mibps", iter_to_sys_mibps),
	K("iter_vram_to_sys_ns", iter_to_sys_ns),
	K("ratio_iter_sys_to_vram", ratio_iter_to_vram),
	K("ratio_iter_vram_to_sys", ratio_iter_to_sys),
	K("alloc_sys_ns", alloc_sys_ns),
	K("alloc_sys_zero_ns", alloc_sys_zero_ns),
	K("iter_vram_to_fresh_ns", iter_to_fresh_ns),
	K("memcpy_vram_to_fresh_mibps", fresh_mibps),
	K("memcpy_vram_to_fresh_ns", fresh_ns),
	K("ratio_vram_to_fresh", ratio_to_fresh),
	K("evict_bos", evict_bos),
	K("evict_ns", evict_ns),
	K("evict_ns_per_bo", evict_ns_per_bo),
	K("evict_moves", evict_moves),
	OPT("cpu_erms", cpu_erms),
	OPT("cpu_fsrm", cpu_fsrm),
	OPT("cpu_rep_good", cpu_rep_good),
#undef K
#undef OPT
};

#define NUM_KEYS (sizeof(bench_keys) / sizeof(bench_keys[0]))

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "tgem_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double *field(struct bench_run *r, size_t k)
{
	return (double *)((char *)r + bench_keys[k].offset);
}

static void run_once(const char *file, unsigned int mib, struct bench_run *r)
{
	char buf[8192], cmd[32], key[64], val[64];
	ssize_t n, total = 0;
	char *line, *save;
	size_t k;
	int fd;

	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s (is debugfs mounted, tgem_bench loaded, are we root?)",
		    file, strerror(errno));
	n = snprintf(cmd, sizeof(cmd), "%u\n", mib);
	if (write(fd, cmd, (size_t)n) != n)
		die("running the benchmark (%u MiB): %s%s", mib, strerror(errno),
		    errno == EBUSY ? " (a driver holds the ivshmem device: unbind tgem from it)" :
		    errno == ENODEV ? " (no ivshmem-plain device to use as VRAM)" : "");
	close(fd);

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", file, strerror(errno));
	while ((n = read(fd, buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
		total += n;
	if (n < 0)
		die("read %s: %s", file, strerror(errno));
	close(fd);
	buf[total] = 0;

	for (k = 0; k < NUM_KEYS; k++)
		*field(r, k) = -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %63s", key, val) != 2)
			continue;
		for (k = 0; k < NUM_KEYS; k++)
			if (!strcmp(key, bench_keys[k].key))
				*field(r, k) = strtod(val, NULL);
	}
	for (k = 0; k < NUM_KEYS; k++)
		if (*field(r, k) < 0 && !bench_keys[k].optional)
			die("%s: no \"%s\" in the results", file, bench_keys[k].key);
}

/* Statistics of one field over the runs. */
static struct bench_stats stats_of(const struct bench_run *runs, int n,
				   size_t offset)
{
	double v[MAX_RUNS];
	int i;

	for (i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&runs[i] + offset);
	return bench_stats(v, n);
}

#define STATS(f) stats_of(runs, nruns, offsetof(struct bench_run, f))

static void report(const char *key, const char *what, const struct bench_run *runs,
		   int nruns, size_t ratio, size_t tgem, size_t base)
{
	char t[32], b[32];
	double v[MAX_RUNS];
	int i;

	for (i = 0; i < nruns; i++)
		v[i] = *(const double *)((const char *)&runs[i] + ratio);
	snprintf(t, sizeof(t), "%.0f MiB/s", stats_of(runs, nruns, tgem).median);
	snprintf(b, sizeof(b), "%.0f MiB/s", stats_of(runs, nruns, base).median);
	bench_report(key, what, t, b, ">=0.9", v, nruns);
}

static void print_ratio(const char *name, struct bench_stats s)
{
	printf("| %-28s | %5.3f | %6.3f | %5.3f | %4d |\n", name, s.min, s.median,
	       s.max, s.runs);
}

int main(int argc, char **argv)
{
	struct bench_run runs[MAX_RUNS];
	unsigned int mib = 64;
	const char *file = BENCH_FILE;
	int i, nruns = 7, bad = 0;
	double ms = 1e6;
	char what[96];

	if (argc > 1)
		mib = (unsigned int)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		nruns = atoi(argv[2]);
	if (argc > 3 || !mib || nruns < 1 || nruns > MAX_RUNS)
		die("usage: tgem_bench [MiB [runs (1..%d)]]", MAX_RUNS);

	printf("tgem move benchmark: %u MiB, %d run%s, %s\n\n", mib, nruns,
	       nruns == 1 ? "" : "s", file);

	printf("run  sys->VRAM MiB/s              VRAM->sys MiB/s (memcpy: fresh, warm pages)   evict 1000 BOs\n");
	printf("     move  memcpy  ratio   iter   move  fresh   ratio   warm   iter   ns/BO    moves\n");
	/* One run first, not counted: the VM and its caches warm up. */
	run_once(file, mib, &runs[0]);
	for (i = 0; i < nruns; i++) {
		struct bench_run *r = &runs[i];

		run_once(file, mib, r);
		printf("%3d %6.0f %7.0f %6.3f %6.0f %6.0f %6.0f %6.3f %6.0f %6.0f %7.0f  %7.0f\n",
		       i + 1, r->tgem_to_vram_mibps, r->toio_mibps,
		       r->ratio_to_vram, r->iter_to_vram_mibps,
		       r->tgem_to_sys_mibps, r->fresh_mibps, r->ratio_to_fresh,
		       r->fromio_mibps, r->iter_to_sys_mibps,
		       r->evict_ns_per_bo, r->evict_moves);
		fflush(stdout);
		if (r->size_mib != mib || r->evict_moves != r->evict_bos)
			bad = 1;
	}

	printf("\nratios over %d run%s, %u MiB (tgem's MiB/s over the baseline's\n"
	       "in the same run; memcpy is memcpy_toio() into VRAM and\n"
	       "drm_memcpy_from_wc() out of it, the primitives tgem's copy uses;\n"
	       "a whole move out of VRAM is compared with a copy into fresh\n"
	       "pages, like its own destination):\n\n",
	       nruns, nruns == 1 ? "" : "s", mib);
	printf("| ratio                        |   min | median |   max | runs |\n");
	printf("|------------------------------|------:|-------:|------:|-----:|\n");
	print_ratio("whole move sys -> VRAM", STATS(ratio_to_vram));
	print_ratio("whole move VRAM -> sys", STATS(ratio_to_fresh));
	print_ratio("  (over memcpy to warm pages)", STATS(ratio_to_sys));
	print_ratio("copy loop alone sys -> VRAM", STATS(ratio_iter_to_vram));
	print_ratio("copy loop alone VRAM -> sys", STATS(ratio_iter_to_sys));

	printf("\nwhere a move out of VRAM spends its time (medians, ms for %u MiB):\n\n", mib);
	printf("| part                                           |       ms |\n");
	printf("|------------------------------------------------|---------:|\n");
	printf("| whole move VRAM -> sys (tgem_bo_migrate)       | %8.2f |\n",
	       STATS(tgem_to_sys_ns).median / ms);
	printf("| populate the destination pages (not zeroed)    | %8.2f |\n",
	       STATS(alloc_sys_ns).median / ms);
	printf("| copy loop into those fresh pages               | %8.2f |\n",
	       STATS(iter_to_fresh_ns).median / ms);
	printf("| copy loop into warm pages                      | %8.2f |\n",
	       STATS(iter_to_sys_ns).median / ms);
	printf("| baseline copy into fresh pages                 | %8.2f |\n",
	       STATS(fresh_ns).median / ms);
	printf("| baseline copy into warm pages                  | %8.2f |\n",
	       STATS(fromio_ns).median / ms);
	printf("| (populating with zeroing, as a new BO does)    | %8.2f |\n",
	       STATS(alloc_sys_zero_ns).median / ms);
	printf("\nevict %.0f one-page BOs: %.0f ns per BO (median), %.0f moves\n",
	       STATS(evict_bos).median, STATS(evict_ns_per_bo).median,
	       STATS(evict_moves).median);
	if (runs[0].cpu_erms >= 0)
		printf("cpu: erms=%.0f fsrm=%.0f rep_good=%.0f (kernel's view; erms or fsrm\n"
		       "make memcpy/memset/clear_page use rep movsb/stosb)\n",
		       runs[0].cpu_erms, runs[0].cpu_fsrm, runs[0].cpu_rep_good);

	printf("\n");
	snprintf(what, sizeof(what), "whole move sys->VRAM over memcpy, %u MiB", mib);
	report("move_sys_to_vram", what, runs, nruns,
	       offsetof(struct bench_run, ratio_to_vram),
	       offsetof(struct bench_run, tgem_to_vram_mibps),
	       offsetof(struct bench_run, toio_mibps));
	snprintf(what, sizeof(what), "whole move VRAM->sys over memcpy, %u MiB", mib);
	report("move_vram_to_sys", what, runs, nruns,
	       offsetof(struct bench_run, ratio_to_fresh),
	       offsetof(struct bench_run, tgem_to_sys_mibps),
	       offsetof(struct bench_run, fresh_mibps));
	snprintf(what, sizeof(what), "copy loop sys->VRAM over memcpy, %u MiB", mib);
	report("copy_loop_sys_to_vram", what, runs, nruns,
	       offsetof(struct bench_run, ratio_iter_to_vram),
	       offsetof(struct bench_run, iter_to_vram_mibps),
	       offsetof(struct bench_run, toio_mibps));
	snprintf(what, sizeof(what), "copy loop VRAM->sys over memcpy, %u MiB", mib);
	report("copy_loop_vram_to_sys", what, runs, nruns,
	       offsetof(struct bench_run, ratio_iter_to_sys),
	       offsetof(struct bench_run, iter_to_sys_mibps),
	       offsetof(struct bench_run, fromio_mibps));

	if (bad)
		die("a run did not measure what it should (size or eviction moves)");
	return 0;
}
