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
 * results back after each run, and prints every run and then the median of
 * each figure.
 *
 * Usage: tgem_bench [MiB [runs]]      (default: 64 MiB, 3 runs)
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

#define BENCH_FILE	"/sys/kernel/debug/tgem_bench/move"
#define MAX_RUNS	99

/* One run's results, as the kernel reports them. */
struct bench_run {
	double size_mib;
	double tgem_to_vram_mibps;
	double tgem_to_sys_mibps;
	double toio_mibps;
	double fromio_mibps;
	double ratio_to_vram;
	double ratio_to_sys;
	double iter_to_vram_mibps;
	double iter_to_sys_mibps;
	double ratio_iter_to_vram;
	double ratio_iter_to_sys;
	double evict_bos;
	double evict_ns;
	double evict_ns_per_bo;
	double evict_moves;
};

static const struct {
	const char *key;
	size_t offset;
} bench_keys[] = {
	{ "size_mib", offsetof(struct bench_run, size_mib) },
	{ "tgem_sys_to_vram_mibps", offsetof(struct bench_run, tgem_to_vram_mibps) },
	{ "tgem_vram_to_sys_mibps", offsetof(struct bench_run, tgem_to_sys_mibps) },
	{ "memcpy_toio_mibps", offsetof(struct bench_run, toio_mibps) },
	{ "memcpy_fromio_mibps", offsetof(struct bench_run, fromio_mibps) },
	{ "ratio_sys_to_vram", offsetof(struct bench_run, ratio_to_vram) },
	{ "ratio_vram_to_sys", offsetof(struct bench_run, ratio_to_sys) },
	{ "iter_sys_to_vram_mibps", offsetof(struct bench_run, iter_to_vram_mibps) },
	{ "iter_vram_to_sys_mibps", offsetof(struct bench_run, iter_to_sys_mibps) },
	{ "ratio_iter_sys_to_vram", offsetof(struct bench_run, ratio_iter_to_vram) },
	{ "ratio_iter_vram_to_sys", offsetof(struct bench_run, ratio_iter_to_sys) },
	{ "evict_bos", offsetof(struct bench_run, evict_bos) },
	{ "evict_ns", offsetof(struct bench_run, evict_ns) },
	{ "evict_ns_per_bo", offsetof(struct bench_run, evict_ns_per_bo) },
	{ "evict_moves", offsetof(struct bench_run, evict_moves) },
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

static void run_once(const char *file, unsigned int mib, struct bench_run *r)
{
	char buf[4096], cmd[32], key[64], val[64];
	unsigned int found = 0;
	ssize_t n, total = 0;
	char *line, *save;
	size_t i;
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

	memset(r, 0, sizeof(*r));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %63s", key, val) != 2)
			continue;
		for (i = 0; i < NUM_KEYS; i++) {
			if (strcmp(key, bench_keys[i].key))
				continue;
			*(double *)((char *)r + bench_keys[i].offset) = strtod(val, NULL);
			found |= 1u << i;
		}
	}
	if (found != (1u << NUM_KEYS) - 1)
		die("%s: results incomplete (got keys %#x)", file, found);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of one field over the runs. */
static double median(const struct bench_run *runs, int n, size_t offset)
{
	double v[MAX_RUNS];
	int i;

	for (i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&runs[i] + offset);
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct bench_run runs[MAX_RUNS], med;
	unsigned int mib = 64;
	const char *file = BENCH_FILE;
	int i, nruns = 3, bad = 0;
	size_t k;

	if (argc > 1)
		mib = (unsigned int)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		nruns = atoi(argv[2]);
	if (argc > 3 || !mib || nruns < 1 || nruns > MAX_RUNS)
		die("usage: tgem_bench [MiB [runs (1..%d)]]", MAX_RUNS);

	printf("tgem move benchmark: %u MiB, %d run%s, %s\n\n", mib, nruns,
	       nruns == 1 ? "" : "s", file);

	printf("run  sys->VRAM MiB/s              VRAM->sys MiB/s              evict 1000 BOs\n");
	printf("     move  memcpy  ratio   iter   move  memcpy  ratio   iter   ns/BO    moves\n");
	for (i = 0; i < nruns; i++) {
		struct bench_run *r = &runs[i];

		run_once(file, mib, r);
		printf("%3d %6.0f %7.0f %6.3f %6.0f %6.0f %7.0f %6.3f %6.0f %7.0f  %7.0f\n",
		       i + 1, r->tgem_to_vram_mibps, r->toio_mibps,
		       r->ratio_to_vram, r->iter_to_vram_mibps,
		       r->tgem_to_sys_mibps, r->fromio_mibps,
		       r->ratio_to_sys, r->iter_to_sys_mibps,
		       r->evict_ns_per_bo, r->evict_moves);
		fflush(stdout);
		if (r->size_mib != mib || r->evict_moves != r->evict_bos)
			bad = 1;
	}

	for (k = 0; k < NUM_KEYS; k++)
		*(double *)((char *)&med + bench_keys[k].offset) =
			median(runs, nruns, bench_keys[k].offset);

	printf("\nmedian of %d run%s, %u MiB (each column its own median;\n"
	       "ratio: the median of the per-run ratios):\n\n",
	       nruns, nruns == 1 ? "" : "s", mib);
	printf("| direction   | tgem MiB/s | memcpy MiB/s | ratio |\n");
	printf("|-------------|-----------:|-------------:|------:|\n");
	printf("| sys -> VRAM | %10.0f | %12.0f | %5.3f |\n",
	       med.tgem_to_vram_mibps, med.toio_mibps, med.ratio_to_vram);
	printf("| VRAM -> sys | %10.0f | %12.0f | %5.3f |\n",
	       med.tgem_to_sys_mibps, med.fromio_mibps, med.ratio_to_sys);
	printf("\nthe copy loop alone, on the same memory as memcpy (median):\n\n");
	printf("| direction   | iter MiB/s | memcpy MiB/s | ratio |\n");
	printf("|-------------|-----------:|-------------:|------:|\n");
	printf("| sys -> VRAM | %10.0f | %12.0f | %5.3f |\n",
	       med.iter_to_vram_mibps, med.toio_mibps, med.ratio_iter_to_vram);
	printf("| VRAM -> sys | %10.0f | %12.0f | %5.3f |\n",
	       med.iter_to_sys_mibps, med.fromio_mibps, med.ratio_iter_to_sys);
	printf("\nevict %.0f one-page BOs: %.0f ns total, %.0f ns per BO, %.0f moves\n",
	       med.evict_bos, med.evict_ns, med.evict_ns_per_bo, med.evict_moves);

	if (bad)
		die("a run did not measure what it should (size or eviction moves)");
	return 0;
}
