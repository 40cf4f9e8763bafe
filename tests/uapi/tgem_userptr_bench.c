// SPDX-License-Identifier: MIT
/*
 * tgem_userptr_bench - userptr validation costs (make bench, issue 9)
 *
 * Usage: tgem_userptr_bench [runs]   (default 7)
 *
 * Every execbuf has three softpinned objects: a 4 KiB batch BO, a 4 KiB
 * system BO the batch stores one dword into, and the userptr BO (each
 * userptr at an address of its own: a binding lasts while the handle
 * lives), which the
 * batch does not touch: the execbuf validates every userptr it lists
 * ("Userptr and execbuf"), so its time is the validation's plus a constant.
 * Each submission is timed from EXECBUF to the end of GEM_WAIT on the
 * stored-into BO; the EXECBUF ioctl alone, where the validation runs, is
 * printed beside it.
 *
 * userptr_reval_1page_of_1g_vs_1page: a 1 GiB read-only userptr over
 * PROT_READ anonymous memory (the zero page: no RAM used), validated once;
 * then, per run, MADV_DONTNEED of one page and a submission, against the
 * same for a one-page userptr, interleaved, 9 times per run (each run's
 * figure the median of its 9, so that one vCPU preempted on a busy host
 * spoils a sample, not the run). tgem refaults only the
 * invalidated pages, so both fault one page; the debugfs counter
 * pages_faulted is read around every timed submission and must grow by
 * exactly 1, or the benchmark fails.
 *
 * userptr_first_bind_vs_cpu_touch: per run, a fresh 64 MiB anonymous
 * mapping, a writable userptr over it, and the first submission, which
 * faults all 16,384 pages in (counter checked); against a fresh 64 MiB
 * mapping whose pages the CPU writes one byte each, interleaved. Both
 * mappings are MADV_NOHUGEPAGE, so both sides allocate and zero 16,384
 * 4 KiB pages one fault each: the ratio is the cost of hmm_range_fault()
 * and tgem's bookkeeping per page against the CPU's own page fault.
 * The figure is (CPU touch time) / (first submission time), i.e. pages/s
 * of the first validation over pages/s of the CPU touch.
 *
 * Needs root (debugfs) and a tgem device with execbuf.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tgem_mi.h"
#include "tgem_util.h"
#include "tgem_bench_stats.h"

#define PAGE		4096ul
#define BIG		(1ul << 30)
#define FIRST_SIZE	(64ul << 20)
#define REVAL_N		9
#define SEC		1000000000ll
#define ADDR(i)		((uint64_t)((i) + 1) << 32)

static char stats_path[256];

struct ctx {
	int fd;
	uint32_t ctx;
	uint32_t batch, target;
	uint32_t *target_map;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "tgem_userptr_bench: %s: %s\n", what, strerror(-err));
	return 1;
}

static long long pages_faulted(void)
{
	long long v = -1;
	const struct tgem_stat_key keys[] = { { "pages_faulted", &v } };

	if (tgem_stats_read(stats_path, keys, 1))
		return -1;
	return v;
}

static int userptr(int fd, void *ptr, size_t size, uint32_t flags,
		   uint32_t *handle)
{
	struct drm_tgem_gem_userptr args = {
		.user_ptr = (uintptr_t)ptr,
		.user_size = size,
		.flags = flags,
	};
	int ret;

	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_USERPTR, &args);
	if (!ret)
		*handle = args.handle;
	return ret;
}

/*
 * One submission with @uptr as third object; @ioctl_ns gets the EXECBUF
 * time. Checks the stored dword. Returns ns to idle, or <0.
 */
static int64_t submit(struct ctx *c, uint32_t uptr, uint64_t addr,
		      int64_t *ioctl_ns)
{
	static uint32_t seq = 1;
	struct drm_tgem_exec_object obj[3];
	struct drm_tgem_execbuf eb;
	uint32_t *cmd;
	int64_t t0, t1;
	int ret;

	cmd = tgem_bo_map(c->fd, c->batch, PAGE);
	if (cmd == MAP_FAILED)
		return -errno;
	seq++;
	cmd[0] = MI_STORE_DWORD_IMM;
	cmd[1] = (uint32_t)ADDR(1);
	cmd[2] = (uint32_t)(ADDR(1) >> 32);
	cmd[3] = seq;
	cmd[4] = MI_BATCH_BUFFER_END;
	cmd[5] = MI_NOOP;
	munmap(cmd, PAGE);

	memset(obj, 0, sizeof(obj));
	obj[0].handle = c->batch;
	obj[0].offset = ADDR(0);
	obj[0].flags = DRM_TGEM_EXEC_OBJECT_PINNED;
	obj[1].handle = c->target;
	obj[1].offset = ADDR(1);
	obj[1].flags = DRM_TGEM_EXEC_OBJECT_PINNED | DRM_TGEM_EXEC_OBJECT_WRITE;
	obj[2].handle = uptr;
	obj[2].offset = addr;
	obj[2].flags = DRM_TGEM_EXEC_OBJECT_PINNED;
	memset(&eb, 0, sizeof(eb));
	eb.objects_ptr = (uintptr_t)obj;
	eb.num_objects = 3;
	eb.ctx_id = c->ctx;
	eb.batch_index = 0;
	eb.batch_len = 24;

	t0 = tgem_now_ns();
	ret = tgem_execbuf(c->fd, &eb);
	t1 = tgem_now_ns();
	if (ret)
		return ret;
	ret = tgem_bo_wait(c->fd, c->target, t0 + 60 * SEC);
	if (ret)
		return ret;
	*ioctl_ns = t1 - t0;
	t1 = tgem_now_ns() - t0;
	if (c->target_map[0] != seq) {
		fprintf(stderr, "tgem_userptr_bench: the job stored %u, want %u\n",
			c->target_map[0], seq);
		return -EIO;
	}
	return t1;
}

/* A submission that must fault exactly @want pages. */
static int64_t submit_faulting(struct ctx *c, uint32_t uptr, uint64_t addr,
			       long long want, int64_t *ioctl_ns)
{
	long long a, z;
	int64_t ns;

	a = pages_faulted();
	ns = submit(c, uptr, addr, ioctl_ns);
	if (ns < 0)
		return ns;
	z = pages_faulted();
	if (a < 0 || z - a != want) {
		fprintf(stderr, "tgem_userptr_bench: %lld pages faulted, want %lld\n",
			z - a, want);
		return -EIO;
	}
	return ns;
}

static double med(const double *v, int n)
{
	return bench_stats(v, n).median;
}

static int reval_bench(struct ctx *c, int runs)
{
	double big[BENCH_MAX_RUNS], one[BENCH_MAX_RUNS], ratio[BENCH_MAX_RUNS];
	double big_io[BENCH_MAX_RUNS], one_io[BENCH_MAX_RUNS];
	uint32_t hbig, hone;
	uint8_t *ubig, *uone;
	char a[96], b[96];
	int64_t ns, io;
	int ret;

	ubig = mmap(NULL, BIG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_POPULATE | MAP_NORESERVE, -1, 0);
	uone = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_POPULATE, -1, 0);
	if (ubig == MAP_FAILED || uone == MAP_FAILED)
		return die("mmap", -errno);
	ret = userptr(c->fd, ubig, BIG, DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY, &hbig) ?:
	      userptr(c->fd, uone, PAGE, DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY, &hone);
	if (ret)
		return die("userptr", ret);

	/* The first validations, untimed: every page of both. */
	ns = submit_faulting(c, hbig, ADDR(2), BIG / PAGE, &io);
	if (ns < 0)
		return die("first validation of 1 GiB", (int)ns);
	printf("tgem_userptr_bench: first validation of the 1 GiB userptr: %.1f ms\n",
	       ns / 1e6);
	ns = submit_faulting(c, hone, ADDR(3), 1, &io);
	if (ns < 0)
		return die("first validation of one page", (int)ns);

	for (int r = 0; r < runs; r++) {
		double b[REVAL_N], bi[REVAL_N], o[REVAL_N], oi[REVAL_N];

		for (int i = 0; i < REVAL_N; i++) {
			/* A different page of the big range every time. */
			size_t off = (BIG / 2 + (size_t)(r * REVAL_N + i) * 4099 * PAGE) % BIG;

			if (madvise(ubig + off, PAGE, MADV_DONTNEED))
				return die("madvise", -errno);
			ns = submit_faulting(c, hbig, ADDR(2), 1, &io);
			if (ns < 0)
				return die("revalidation of 1 GiB", (int)ns);
			b[i] = (double)ns;
			bi[i] = (double)io;

			if (madvise(uone, PAGE, MADV_DONTNEED))
				return die("madvise", -errno);
			ns = submit_faulting(c, hone, ADDR(3), 1, &io);
			if (ns < 0)
				return die("revalidation of one page", (int)ns);
			o[i] = (double)ns;
			oi[i] = (double)io;
		}
		big[r] = med(b, REVAL_N);
		big_io[r] = med(bi, REVAL_N);
		one[r] = med(o, REVAL_N);
		one_io[r] = med(oi, REVAL_N);
		ratio[r] = big[r] / one[r];
	}
	printf("tgem_userptr_bench: after a one-page MADV_DONTNEED, EXECBUF to idle "
	       "(EXECBUF alone), medians: 1 GiB %.1f us (%.1f us), one page %.1f us "
	       "(%.1f us); 1 page faulted each time (pages_faulted)\n",
	       med(big, runs) / 1e3, med(big_io, runs) / 1e3,
	       med(one, runs) / 1e3, med(one_io, runs) / 1e3);
	snprintf(a, sizeof(a), "%.1f us, 1 page refaulted", med(big, runs) / 1e3);
	snprintf(b, sizeof(b), "%.1f us, 1 page refaulted", med(one, runs) / 1e3);
	bench_report("userptr_reval_1page_of_1g_vs_1page",
		     "execbuf after a one-page MADV_DONTNEED: 1 GiB userptr vs one-page userptr",
		     a, b, "<=2", ratio, runs);

	tgem_gem_close(c->fd, hbig);
	tgem_gem_close(c->fd, hone);
	munmap(ubig, BIG);
	munmap(uone, PAGE);
	return 0;
}

static void *fresh_map(void)
{
	void *p = mmap(NULL, FIRST_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, FIRST_SIZE, MADV_NOHUGEPAGE);
	return p;
}

static int first_bind_bench(struct ctx *c, int runs)
{
	double bind[BENCH_MAX_RUNS], touch[BENCH_MAX_RUNS], ratio[BENCH_MAX_RUNS];
	const double pages = FIRST_SIZE / PAGE;
	char a[96], b[96];
	int64_t ns, io, t0;
	uint32_t h;
	int ret;

	for (int r = 0; r < runs; r++) {
		volatile uint8_t *q;
		uint8_t *p;

		p = fresh_map();
		if (!p)
			return die("mmap", -errno);
		ret = userptr(c->fd, p, FIRST_SIZE, 0, &h);
		if (ret)
			return die("userptr", ret);
		ns = submit_faulting(c, h, ADDR(2), FIRST_SIZE / PAGE, &io);
		if (ns < 0)
			return die("first validation of 64 MiB", (int)ns);
		bind[r] = (double)ns;
		tgem_gem_close(c->fd, h);
		munmap(p, FIRST_SIZE);

		q = fresh_map();
		if (!q)
			return die("mmap", -errno);
		t0 = tgem_now_ns();
		for (size_t i = 0; i < FIRST_SIZE; i += PAGE)
			q[i] = 1;
		touch[r] = (double)(tgem_now_ns() - t0);
		munmap((void *)q, FIRST_SIZE);
		ratio[r] = touch[r] / bind[r];
	}
	printf("tgem_userptr_bench: 64 MiB, 16384 pages, medians: first validation "
	       "(EXECBUF to idle) %.1f ms, CPU touch %.1f ms\n",
	       med(bind, runs) / 1e6, med(touch, runs) / 1e6);
	snprintf(a, sizeof(a), "%.0f kpages/s", pages / med(bind, runs) * 1e6);
	snprintf(b, sizeof(b), "%.0f kpages/s (CPU touch)", pages / med(touch, runs) * 1e6);
	bench_report("userptr_first_bind_vs_cpu_touch",
		     "first validation of a 64 MiB userptr vs the CPU touching each page",
		     a, b, ">=0.5", ratio, runs);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7;
	struct tgem_config cfg;
	struct ctx c;
	uint64_t size = PAGE;
	int ret;

	if (runs < 1 || runs > BENCH_MAX_RUNS) {
		fprintf(stderr, "usage: tgem_userptr_bench [runs 1..%d]\n", BENCH_MAX_RUNS);
		return 2;
	}
	memset(&c, 0, sizeof(c));
	c.fd = tgem_open(NULL, 0);
	if (c.fd < 0 || tgem_query_config(c.fd, &cfg))
		return die("open tgem", c.fd < 0 ? c.fd : -EINVAL);
	if (!(cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_EXECBUF)) {
		printf("tgem_userptr_bench: device has no execbuf, skipped\n");
		return 0;
	}
	if (tgem_debugfs_path("tgem_userptr_stats", stats_path, sizeof(stats_path)))
		return die("no tgem_userptr_stats in debugfs", -ENOENT);
	ret = tgem_ctx_create(c.fd, &c.ctx) ?:
	      tgem_bo_create(c.fd, &size, DRM_TGEM_PLACEMENT_SYSTEM, 0, &c.batch);
	if (ret)
		return die("setup", ret);
	size = PAGE;
	ret = tgem_bo_create(c.fd, &size, DRM_TGEM_PLACEMENT_SYSTEM, 0, &c.target);
	if (ret)
		return die("setup", ret);
	c.target_map = tgem_bo_map(c.fd, c.target, PAGE);
	if (c.target_map == MAP_FAILED)
		return die("map", -errno);

	printf("tgem_userptr_bench: %d interleaved runs\n", runs);
	if (reval_bench(&c, runs) || first_bind_bench(&c, runs))
		return 1;

	munmap(c.target_map, PAGE);
	tgem_gem_close(c.fd, c.target);
	tgem_gem_close(c.fd, c.batch);
	tgem_ctx_destroy(c.fd, c.ctx);
	close(c.fd);
	return 0;
}
