/* SPDX-License-Identifier: MIT */
/*
 * tgem_bench_stats.h - statistics and summary lines shared by the benchmarks
 *
 * A benchmark measures each figure over several runs, the two sides of a
 * comparison interleaved in every run (A, B, A, B, ...), so that drift of
 * the host hits both sides alike. For each figure it then calls
 * bench_report(), which prints two lines that scripts/bench.sh collects
 * into the summary table of make bench:
 *
 *   bench: <key> median=<v> min=<v> max=<v> goal=<op><v>
 *   bench-info: <key>|<runs>|<what>|<tgem's value>|<baseline's value>|<note>
 *
 * The first is the machine-readable result, with a key that never changes
 * meaning. The second feeds the table: what is measured, the medians of
 * both sides with their units, and a note when the spread of the runs is
 * wider than the distance from the median to the goal (then a single
 * number would claim more than the runs show). A new benchmark adds a row
 * by calling bench_report() with a new key; bench.sh needs no change.
 *
 * Header only; every function is static.
 */

#ifndef TGEM_BENCH_STATS_H
#define TGEM_BENCH_STATS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_MAX_RUNS	99

/** struct bench_stats - min, median and max of one figure over its runs */
struct bench_stats {
	double min, median, max;
	int runs;
};

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Statistics of @n values (at most BENCH_MAX_RUNS); @v is left unsorted. */
static inline struct bench_stats bench_stats(const double *v, int n)
{
	struct bench_stats s = { .runs = n };
	double sorted[BENCH_MAX_RUNS];

	if (n < 1 || n > BENCH_MAX_RUNS)
		return s;
	memcpy(sorted, v, sizeof(*v) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(*sorted), bench_cmp_double);
	s.min = sorted[0];
	s.max = sorted[n - 1];
	s.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	return s;
}

/*
 * Whether the median meets @goal, read as "<op><value>" with op one of
 * ">=" or "<=".
 */
static inline int bench_goal_met(const char *goal, double v)
{
	double g = strtod(goal + 2, NULL);

	return goal[0] == '>' ? v >= g : v <= g;
}

/*
 * Print the two summary lines of one figure. @key: the stable key; @what:
 * what is measured; @tgem, @base: the medians of both sides with units
 * ("-" when the figure is not a comparison); @goal: "<op><value>".
 */
static inline void bench_report(const char *key, const char *what,
				const char *tgem, const char *base,
				const char *goal, const double *v, int n)
{
	struct bench_stats s = bench_stats(v, n);
	double margin = s.median - strtod(goal + 2, NULL);
	const char *note = "";

	if (margin < 0)
		margin = -margin;
	if (s.runs > 1 && s.max - s.min > margin)
		note = "spread wider than the margin to the goal";

	printf("bench: %s median=%.3f min=%.3f max=%.3f goal=%s\n",
	       key, s.median, s.min, s.max, goal);
	printf("bench-info: %s|%d|%s|%s|%s|%s\n", key, s.runs, what, tgem, base,
	       note);
}

#endif /* TGEM_BENCH_STATS_H */
