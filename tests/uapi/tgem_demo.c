// SPDX-License-Identifier: MIT
/*
 * tgem_demo.c - a short tour of the tgem render driver
 *
 * Finds the tgem render node, prints what DRM_IOCTL_VERSION and
 * DRM_IOCTL_TGEM_DEVICE_QUERY report (config parameters, memory regions),
 * then does one buffer round trip: create a 64 MiB system-memory BO, mmap
 * it, time the first write over it (page faults included, minor fault count
 * from getrusage()), time reading it back and checking every word, close.
 *
 * Exits 0 on success; on any failure prints what failed and exits 1.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tgem_util.h"

#define DEMO_BO_SIZE	(64ull << 20)
#define DEMO_SEED	0x7e6e0001u

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "tgem_demo: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const char *config_name(uint32_t i)
{
	switch (i) {
	case DRM_TGEM_QUERY_CONFIG_FLAGS:
		return "flags";
	case DRM_TGEM_QUERY_CONFIG_MIN_ALIGNMENT:
		return "min_alignment";
	case DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE:
		return "max_bo_size";
	default:
		return "(unknown)";
	}
}

static const char *class_name(uint16_t mem_class)
{
	switch (mem_class) {
	case DRM_TGEM_MEM_CLASS_SYSMEM:
		return "sysmem";
	case DRM_TGEM_MEM_CLASS_VRAM:
		return "vram";
	default:
		return "unknown";
	}
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static void print_version(int fd, const char *node)
{
	struct tgem_version v;
	int ret;

	ret = tgem_get_version(fd, &v);
	if (ret)
		die("DRM_IOCTL_VERSION: %s", strerror(-ret));

	printf("device:  %s\n", node);
	printf("driver:  %s %d.%d.%d (%s)\n", v.name, v.major, v.minor,
	       v.patchlevel, v.date);
	printf("desc:    %s\n", v.desc);
}

static void print_config(int fd)
{
	struct drm_tgem_query_config *c;
	uint32_t size, i;
	int ret;

	ret = tgem_query(fd, DRM_TGEM_DEVICE_QUERY_CONFIG, (void **)&c, &size);
	if (ret)
		die("DEVICE_QUERY(CONFIG): %s", strerror(-ret));
	if (size < sizeof(*c) + (size_t)c->num_params * sizeof(c->info[0]))
		die("DEVICE_QUERY(CONFIG): %u params do not fit in %u bytes",
		    c->num_params, size);

	printf("\nconfig (%u params):\n", c->num_params);
	for (i = 0; i < c->num_params; i++)
		printf("  [%u] %-14s %#llx (%llu)\n", i, config_name(i),
		       (unsigned long long)c->info[i],
		       (unsigned long long)c->info[i]);
	if (c->num_params > DRM_TGEM_QUERY_CONFIG_FLAGS)
		printf("  has_vram: %s\n",
		       c->info[DRM_TGEM_QUERY_CONFIG_FLAGS] &
		       DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM ? "yes" : "no");
	free(c);
}

static void print_regions(int fd)
{
	struct drm_tgem_query_mem_regions *r;
	uint32_t i;
	int ret;

	ret = tgem_query_regions(fd, &r);
	if (ret)
		die("DEVICE_QUERY(MEM_REGIONS): %s", strerror(-ret));

	printf("\nmemory regions (%u):\n", r->num_regions);
	printf("  %-6s %-4s %12s %12s %12s %9s\n", "class", "inst",
	       "total MiB", "used MiB", "cpu-vis MiB", "min page");
	for (i = 0; i < r->num_regions; i++) {
		const struct drm_tgem_mem_region *m = &r->regions[i];

		printf("  %-6s %-4u %12.1f %12.1f %12.1f %9u\n",
		       class_name(m->mem_class), m->instance,
		       mib(m->total_size), mib(m->used),
		       mib(m->cpu_visible_size), m->min_page_size);
	}
	free(r);
}

static long minor_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		die("getrusage: %s", strerror(errno));
	return ru.ru_minflt;
}

/* MiB tgem holds in system memory, or -1 if the query fails. */
static double sysmem_used_mib(int fd)
{
	struct drm_tgem_query_mem_regions *r;
	double used;

	if (tgem_query_regions(fd, &r))
		return -1.0;
	used = r->num_regions ? mib(r->regions[0].used) : -1.0;
	free(r);
	return used;
}

static double rate(uint64_t bytes, int64_t ns)
{
	return ns > 0 ? mib(bytes) * 1e9 / (double)ns : 0.0;
}

static void bo_round_trip(int fd)
{
	uint64_t size = DEMO_BO_SIZE;
	int64_t t0, t_write, t_read;
	double used0, used1;
	long flt0, flt;
	uint32_t handle;
	ssize_t bad;
	void *ptr;
	int ret;

	ret = tgem_bo_create(fd, &size, DRM_TGEM_PLACEMENT_SYSTEM, 0, &handle);
	if (ret)
		die("GEM_CREATE(%llu bytes): %s",
		    (unsigned long long)DEMO_BO_SIZE, strerror(-ret));
	if (size != DEMO_BO_SIZE)
		die("GEM_CREATE: asked %llu bytes, got %llu",
		    (unsigned long long)DEMO_BO_SIZE,
		    (unsigned long long)size);

	ptr = tgem_bo_map(fd, handle, size);
	if (ptr == MAP_FAILED)
		die("mmap of BO %u: %s", handle, strerror(errno));

	printf("\nBO round trip: %.0f MiB system BO, handle %u\n", mib(size),
	       handle);

	used0 = sysmem_used_mib(fd);
	flt0 = minor_faults();
	t0 = tgem_now_ns();
	tgem_fill(ptr, size, DEMO_SEED);
	t_write = tgem_now_ns() - t0;
	flt = minor_faults() - flt0;
	used1 = sysmem_used_mib(fd);

	t0 = tgem_now_ns();
	bad = tgem_check(ptr, size, DEMO_SEED);
	t_read = tgem_now_ns() - t0;
	if (bad >= 0)
		die("read back: mismatch at byte offset %zd", bad);

	printf("  first write: %8.2f ms %9.1f MiB/s  %ld minor faults (%.1f KiB/fault)\n",
	       t_write / 1e6, rate(size, t_write), flt,
	       flt > 0 ? (double)size / 1024.0 / (double)flt : 0.0);
	printf("  read+verify: %8.2f ms %9.1f MiB/s  ok\n",
	       t_read / 1e6, rate(size, t_read));
	printf("  sysmem used: %.1f MiB before first write, %.1f MiB after\n",
	       used0, used1);

	if (munmap(ptr, size))
		die("munmap: %s", strerror(errno));
	ret = tgem_gem_close(fd, handle);
	if (ret)
		die("GEM_CLOSE(%u): %s", handle, strerror(-ret));
}

int main(void)
{
	char node[32];
	int fd;

	fd = tgem_open(node, sizeof(node));
	if (fd < 0)
		die("no tgem render node in /dev/dri/renderD%d..%d (is the module loaded?)",
		    TGEM_RENDER_MIN, TGEM_RENDER_MAX);

	print_version(fd, node);
	print_config(fd);
	print_regions(fd);
	bo_round_trip(fd);

	close(fd);
	printf("\ndone\n");
	return 0;
}
