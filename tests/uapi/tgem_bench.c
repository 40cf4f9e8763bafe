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
#define MAX_SAMPLES	16

/* One interleaved sample of the whole move, in ns (see the module). */
struct bench_sample {
	double probe, tgem_v, base_v, tgem_s, base_s;
	double move_v, free_v, move_s, populate_s, shift_v;
};

/* One run's results, as the kernel reports them (-1: not reported). */
struct bench_run {
	struct bench_sample sample[MAX_SAMPLES];
	int nsample;
	double samples;
	double base_to_vram_mibps;
	double base_to_sys_mibps;
	double part_to_vram_move_ns;
	double part_to_vram_free_ns;
	double part_to_sys_move_ns;
	double part_to_sys_populate_ns;
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
	double ratio_to_vram_smed;
	double ratio_to_fresh_smed;
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
	K("samples", samples),
	K("base_sys_to_vram_mibps", base_to_vram_mibps),
	K("base_vram_to_sys_mibps", base_to_sys_mibps),
	K("part_to_vram_move_ns", part_to_vram_move_ns),
	K("part_to_vram_free_ns", part_to_vram_free_ns),
	K("part_to_sys_move_ns", part_to_sys_move_ns),
	K("part_to_sys_populate_ns", part_to_sys_populate_ns),
	K("tgem_sys_to_vram_mibps", tgem_to_vram_mibps),
	K("tgem_vram_to_sys_mibps", tgem_to_sys_mibps),
	K("tgem_sys_to_vram_ns", tgem_to_vram_ns),
	K("tgem_vram_to_sys_ns", tgem_to_sys_ns),
	K("memcpy_toio_mibps", toio_mibps),
	K("memcpy_fromio_mibps", fromio_mibps),
	K("memcpy_fromio_ns", fromio_ns),
	K("ratio_sys_to_vram", ratio_to_vram),
	K("ratio_vram_to_sys", ratio_to_sys),
	K("ratio_sys_to_vram_sample_median", ratio_to_vram_smed),
	K("ratio_vram_to_fresh_sample_median", ratio_to_fresh_smed),
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
	r->nsample = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct bench_sample *sm = &r->sample[r->nsample];
		int idx;

		if (r->nsample < MAX_SAMPLES &&
		    sscanf(line, "sample %d %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &idx,
			   &sm->probe, &sm->tgem_v, &sm->base_v, &sm->tgem_s,
			   &sm->base_s, &sm->move_v, &sm->free_v, &sm->move_s,
			   &sm->populate_s, &sm->shift_v) == 11) {
			r->nsample++;
			continue;
		}
		if (sscanf(line, "%63s %63s", key, val) != 2)
			continue;
		for (k = 0; k < NUM_KEYS; k++)
			if (!strcmp(key, bench_keys[k].key))
				*field(r, k) = strtod(val, NULL);
	}
	for (k = 0; k < NUM_KEYS; k++)
		if (*field(r, k) < 0 && !bench_keys[k].optional)
			die("%s: no \"%s\" in the results", file, bench_keys[k].key);
	if (r->nsample != (int)r->samples || !r->nsample)
		die("%s: %d sample lines for %.0f samples", file, r->nsample, r->samples);
}

/* Every sample of every run, pooled: the ratio @f picks, or the probe. */
static struct bench_stats pooled(const struct bench_run *runs, int nruns,
				 double (*f)(const struct bench_sample *),
				 double quiet_probe)
{
	double v[BENCH_MAX_RUNS];
	int i, j, n = 0;

	for (i = 0; i < nruns; i++)
		for (j = 0; j < runs[i].nsample && n < BENCH_MAX_RUNS; j++)
			if (!quiet_probe || runs[i].sample[j].probe <= quiet_probe)
				v[n++] = f(&runs[i].sample[j]);
	if (!n) {
		struct bench_stats s = { 0 };
		return s;
	}
	return bench_stats(v, n);
}

/* Into VRAM, the baseline is the faster plain copy (see the module's "Samples"). */
static double s_ratio_v(const struct bench_sample *s)
{
	return (s->shift_v < s->base_v ? s->shift_v : s->base_v) / s->tgem_v;
}

static double s_ratio_s(const struct bench_sample *s) { return s->base_s / s->tgem_s; }
static double s_probe(const struct bench_sample *s) { return s->probe; }
static double s_shift(const struct bench_sample *s) { return s->base_v / s->shift_v; }

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

	printf("run  whole move sys->VRAM     whole move VRAM->sys     copy loop alone   probe   evict 1000 BOs\n");
	printf("     move   base  ratio       move   base  ratio        ->VRAM  ->sys    max/min ns/BO   moves\n");
	/* One run first, not counted: the VM and its caches warm up. */
	run_once(file, mib, &runs[0]);
	for (i = 0; i < nruns; i++) {
		struct bench_run *r = &runs[i];
		double pmin, pmax;
		int j;

		run_once(file, mib, r);
		pmin = pmax = r->sample[0].probe;
		for (j = 1; j < r->nsample; j++) {
			pmin = r->sample[j].probe < pmin ? r->sample[j].probe : pmin;
			pmax = r->sample[j].probe > pmax ? r->sample[j].probe : pmax;
		}
		printf("%3d %6.0f %6.0f %6.3f    %6.0f %6.0f %6.3f        %6.3f %6.3f    %6.2f %6.0f  %6.0f\n",
		       i + 1, r->tgem_to_vram_mibps, r->base_to_vram_mibps,
		       r->ratio_to_vram, r->tgem_to_sys_mibps, r->base_to_sys_mibps,
		       r->ratio_to_fresh, r->ratio_iter_to_vram, r->ratio_iter_to_sys,
		       pmax / pmin, r->evict_ns_per_bo, r->evict_moves);
		fflush(stdout);
		if (r->size_mib != mib || r->evict_moves != r->evict_bos)
			bad = 1;
	}

	printf("\nevery sample (ms for %u MiB; probe: us for a fixed loop, larger\n"
	       "when the host gives the VM less CPU):\n\n", mib);
	printf("run/s  probe | ->VRAM tgem   base  ratio   copy   free  shift | ->sys tgem   base  ratio  popul.   copy\n");
	for (i = 0; i < nruns; i++) {
		int j;

		for (j = 0; j < runs[i].nsample; j++) {
			const struct bench_sample *m = &runs[i].sample[j];

			printf("%2d/%d %6.0f | %11.2f %6.2f %6.3f %6.2f %6.2f %6.2f | %10.2f %6.2f %6.3f %6.2f %6.2f\n",
			       i + 1, j + 1, m->probe / 1e3, m->tgem_v / ms,
			       m->base_v / ms, s_ratio_v(m), (m->move_v - m->free_v) / ms,
			       m->free_v / ms, m->shift_v / ms, m->tgem_s / ms, m->base_s / ms,
			       s_ratio_s(m), m->populate_s / ms,
			       (m->move_s - m->populate_s) / ms);
		}
	}

	printf("\nratios over %d run%s of %.0f interleaved samples each, %u MiB\n"
	       "(per run, each side's fastest sample over the other's; a sample is\n"
	       "tgem's whole move next to the plain copy of the same size,\n"
	       "alternating which goes first; memcpy_toio() into VRAM, the\n"
	       "faster of two offsets a page apart (the emulator's TLB can alias\n"
	       "either for a whole run; \"base\" and \"shift\" below),\n"
	       "drm_memcpy_from_wc() out of it into fresh pages, like the move's\n"
	       "own destination; \"every sample\" pools the ratios of single samples):\n\n",
	       nruns, nruns == 1 ? "" : "s", runs[0].samples, mib);
	printf("| ratio                        |   min | median |   max | runs |\n");
	printf("|------------------------------|------:|-------:|------:|-----:|\n");
	print_ratio("whole move sys -> VRAM", STATS(ratio_to_vram));
	print_ratio("whole move VRAM -> sys", STATS(ratio_to_fresh));
	print_ratio("  (sys -> VRAM, sample median)", STATS(ratio_to_vram_smed));
	print_ratio("  (VRAM -> sys, sample median)", STATS(ratio_to_fresh_smed));
	print_ratio("  (over memcpy to warm pages)", STATS(ratio_to_sys));
	print_ratio("copy loop alone sys -> VRAM", STATS(ratio_iter_to_vram));
	print_ratio("copy loop alone VRAM -> sys", STATS(ratio_iter_to_sys));
	{
		struct bench_stats p = pooled(runs, nruns, s_probe, 0);
		double quiet = p.min * 1.1;

		print_ratio("every sample sys -> VRAM", pooled(runs, nruns, s_ratio_v, 0));
		print_ratio("every sample VRAM -> sys", pooled(runs, nruns, s_ratio_s, 0));
		print_ratio("quiet samples sys -> VRAM", pooled(runs, nruns, s_ratio_v, quiet));
		print_ratio("quiet samples VRAM -> sys", pooled(runs, nruns, s_ratio_s, quiet));
		print_ratio("plain copy, dst +1 page / not", pooled(runs, nruns, s_shift, 0));
		printf("\nprobe over all samples: min %.0f us, median %.0f us, max %.0f us;\n"
		       "quiet samples: probe within 10%% of the fastest (%d of %d)\n",
		       p.min / 1e3, p.median / 1e3, p.max / 1e3,
		       pooled(runs, nruns, s_probe, quiet).runs, p.runs);
	}

	printf("\nwhere a whole move spends its time (ms for %u MiB; each part its\nfastest sample in a run, the median over the runs):\n\n", mib);
	printf("| part                                           |       ms |\n");
	printf("|------------------------------------------------|---------:|\n");
	printf("| whole move sys -> VRAM (tgem_bo_migrate)       | %8.2f |\n",
	       STATS(tgem_to_vram_ns).median / ms);
	printf("|   tgem_move(): copy                            | %8.2f |\n",
	       (STATS(part_to_vram_move_ns).median - STATS(part_to_vram_free_ns).median) / ms);
	printf("|   tgem_move(): freeing the system pages        | %8.2f |\n",
	       STATS(part_to_vram_free_ns).median / ms);
	printf("|   the rest (TTM, VRAM allocation)              | %8.2f |\n",
	       (STATS(tgem_to_vram_ns).median - STATS(part_to_vram_move_ns).median) / ms);
	printf("| whole move VRAM -> sys (tgem_bo_migrate)       | %8.2f |\n",
	       STATS(tgem_to_sys_ns).median / ms);
	printf("|   tgem_move(): populating the pages            | %8.2f |\n",
	       STATS(part_to_sys_populate_ns).median / ms);
	printf("|   tgem_move(): copy                            | %8.2f |\n",
	       (STATS(part_to_sys_move_ns).median - STATS(part_to_sys_populate_ns).median) / ms);
	printf("|   the rest (TTM, freeing the VRAM)             | %8.2f |\n",
	       (STATS(tgem_to_sys_ns).median - STATS(part_to_sys_move_ns).median) / ms);
	printf("| baseline copy into VRAM                        | %8.2f |\n",
	       (double)mib * 1e3 / STATS(base_to_vram_mibps).median);
	printf("| baseline copy into fresh pages                 | %8.2f |\n",
	       (double)mib * 1e3 / STATS(base_to_sys_mibps).median);
	printf("| copy loop alone into fresh pages (step 2)      | %8.2f |\n",
	       STATS(iter_to_fresh_ns).median / ms);
	printf("| populating %u MiB, not zeroed (step 2)         | %8.2f |\n", mib,
	       STATS(alloc_sys_ns).median / ms);
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
	       offsetof(struct bench_run, base_to_vram_mibps));
	snprintf(what, sizeof(what), "whole move VRAM->sys over memcpy, %u MiB", mib);
	report("move_vram_to_sys", what, runs, nruns,
	       offsetof(struct bench_run, ratio_to_fresh),
	       offsetof(struct bench_run, tgem_to_sys_mibps),
	       offsetof(struct bench_run, base_to_sys_mibps));
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
