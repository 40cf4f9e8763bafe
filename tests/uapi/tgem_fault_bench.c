// SPDX-License-Identifier: MIT
/*
 * tgem_fault_bench.c - first-touch throughput and fault counts, 64 MiB
 *
 * Rows: tgem VRAM (default, MADV_SEQUENTIAL, MADV_RANDOM), a tgem system
 * BO, anonymous memory with THP (MADV_HUGEPAGE), and vgem (drm_gem_shmem,
 * through its primary node's dumb-buffer mmap). Each row maps a fresh
 * 64 MiB buffer and times one memset() over it, which takes every first
 * fault; the minimum of a few runs is kept. Fault counts are the process's
 * minor faults (getrusage()) during the memset. Under TCG absolute MiB/s
 * mean little, so the last column is the ratio to anonymous THP memory
 * measured in the same run.
 *
 * A benchmark, not a test: it prints a table and only fails if it cannot
 * run at all.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tgem_util.h"

#define SIZE	(64ul << 20)
#define RUNS	3

struct row {
	const char *name;
	double mibs;
	long faults;
	int ran;
};

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Time one memset over a fresh mapping; keep the fastest run. */
static void measure(struct row *r, void *p)
{
	int64_t t0, t1;
	long f0, f1;
	double mibs;

	f0 = minflt();
	t0 = tgem_now_ns();
	memset(p, 0x5a, SIZE);
	t1 = tgem_now_ns();
	f1 = minflt();

	mibs = (double)SIZE / (1 << 20) / ((double)(t1 - t0) / 1e9);
	if (!r->ran || mibs > r->mibs) {
		r->mibs = mibs;
		r->faults = f1 - f0;
	}
	r->ran = 1;
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
	measure(r, p);
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

int main(void)
{
	struct row rows[] = {
		{ .name = "anon THP (baseline)" },
		{ .name = "tgem VRAM default" },
		{ .name = "tgem VRAM sequential" },
		{ .name = "tgem VRAM random" },
		{ .name = "tgem system default" },
		{ .name = "tgem system sequential" },
		{ .name = "vgem (shmem)" },
	};
	struct tgem_config cfg;
	int fd, vgem, i, ret = 0;

	fd = tgem_open(NULL, 0);
	if (fd < 0 || tgem_query_config(fd, &cfg)) {
		fprintf(stderr, "tgem_fault_bench: no tgem device\n");
		return 1;
	}
	/* vgem's dumb buffers are only on its primary node. */
	vgem = tgem_open_node("/dev/dri/card", 0, 15, "vgem", NULL, 0);

	for (i = 0; i < RUNS && !ret; i++) {
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
	}
	if (ret) {
		fprintf(stderr, "tgem_fault_bench: %s\n", strerror(-ret));
		return 1;
	}

	printf("first touch of 64 MiB (memset), best of %d runs\n", RUNS);
	printf("%-24s %10s %8s %10s\n", "row", "MiB/s", "faults", "vs anon");
	for (i = 0; i < (int)(sizeof(rows) / sizeof(rows[0])); i++) {
		if (!rows[i].ran) {
			printf("%-24s %10s\n", rows[i].name, "n/a");
			continue;
		}
		printf("%-24s %10.1f %8ld %9.2fx\n", rows[i].name, rows[i].mibs,
		       rows[i].faults, rows[i].mibs / rows[0].mibs);
	}
	return 0;
}
