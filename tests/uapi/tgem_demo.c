// SPDX-License-Identifier: MIT
/*
 * tgem_demo.c - a short tour of the tgem render driver
 *
 * Finds the tgem render node, prints what DRM_IOCTL_VERSION and
 * DRM_IOCTL_TGEM_DEVICE_QUERY report (config parameters, memory regions),
 * then does one buffer round trip: create a 64 MiB system-memory BO, mmap
 * it, time the first write over it (page faults included, minor fault count
 * from getrusage()), time reading it back and checking every word, close.
 * Last it runs work: a batch with relocations that stores into and copies
 * between a system BO and a VRAM BO (a second system BO without VRAM),
 * submitted with DRM_IOCTL_TGEM_EXECBUF, then again with NO_RELOC; it
 * prints the addresses the kernel picked, what the engine wrote, the
 * relocation counters of debugfs (when readable) and each round trip.
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

#include "tgem_mi.h"
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

struct demo_batch {
	uint32_t dw[64];
	unsigned int n;
	struct drm_tgem_relocation_entry relocs[8];
	unsigned int nrelocs;
};

/* A command whose 64-bit address follows its header: 8-byte align it. */
static void demo_cmd(struct demo_batch *b, uint32_t header)
{
	if (!(b->n & 1))
		b->dw[b->n++] = MI_NOOP;
	b->dw[b->n++] = header;
}

/* An address to be relocated: target index (HANDLE_LUT) + delta. */
static void demo_addr(struct demo_batch *b, uint32_t index, uint64_t delta)
{
	struct drm_tgem_relocation_entry *r = &b->relocs[b->nrelocs++];

	memset(r, 0, sizeof(*r));
	r->target_handle = index;
	r->offset = b->n * 4;
	r->delta = delta;
	b->dw[b->n++] = 0;
	b->dw[b->n++] = 0;
}

static void demo_stats(const char *path, const char *when)
{
	struct tgem_exec_stats s;

	if (!path[0] || tgem_exec_stats_read(path, &s))
		return;
	printf("  %-22s relocations applied %lld, skipped %lld; execbufs %lld\n",
	       when, s.relocs_applied, s.relocs_skipped, s.execbufs);
}

static void exec_demo(int fd, int has_vram)
{
	const uint32_t places[2] = { DRM_TGEM_PLACEMENT_SYSTEM,
				     has_vram ? DRM_TGEM_PLACEMENT_VRAM :
						DRM_TGEM_PLACEMENT_SYSTEM };
	const char *names[3] = { "system BO", has_vram ? "VRAM BO" : "system BO 2",
				 "batch" };
	struct drm_tgem_exec_object objs[3];
	struct drm_tgem_execbuf eb;
	struct demo_batch b = {};
	uint32_t handles[3], ctx, i;
	volatile uint32_t *sys, *dst;
	char stats_path[256] = "";
	int64_t t0, t_submit, t_total;
	uint64_t size = 4096;
	uint32_t *bb;
	int ret, pass;

	printf("\nexecbuf: a batch with relocations on the software engine\n");
	for (i = 0; i < 3; i++) {
		size = 4096;
		ret = tgem_bo_create(fd, &size, i < 2 ? places[i] :
				     DRM_TGEM_PLACEMENT_SYSTEM, 0, &handles[i]);
		if (ret)
			die("GEM_CREATE(%s): %s", names[i], strerror(-ret));
	}
	ret = tgem_ctx_create(fd, &ctx);
	if (ret)
		die("CONTEXT_CREATE: %s", strerror(-ret));
	if (tgem_exec_stats_path(stats_path, sizeof(stats_path)))
		stats_path[0] = 0;

	sys = tgem_bo_map(fd, handles[0], 4096);
	dst = tgem_bo_map(fd, handles[1], 4096);
	bb = tgem_bo_map(fd, handles[2], 4096);
	if (sys == MAP_FAILED || dst == MAP_FAILED || bb == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	sys[0x40 / 4] = 0x5eed0001;

	/* Targets by index in the object list (HANDLE_LUT). */
	demo_cmd(&b, MI_STORE_DWORD_IMM);
	demo_addr(&b, 0, 0x0);
	b.dw[b.n++] = 0xc0de0001;
	demo_cmd(&b, MI_STORE_QWORD_IMM);
	demo_addr(&b, 1, 0x8);
	b.dw[b.n++] = 0x89abcdef;
	b.dw[b.n++] = 0x01234567;
	demo_cmd(&b, MI_COPY_MEM_MEM);
	demo_addr(&b, 1, 0x10);
	demo_addr(&b, 0, 0x40);
	demo_cmd(&b, MI_COPY_MEM_MEM);
	demo_addr(&b, 0, 0x18);
	demo_addr(&b, 1, 0x8);
	b.dw[b.n++] = MI_BATCH_BUFFER_END;
	if (b.n & 1)
		b.dw[b.n++] = MI_NOOP;
	memcpy(bb, b.dw, b.n * 4);

	printf("  batch: %u dwords, %u relocations:\n", b.n, b.nrelocs);
	printf("    MI_STORE_DATA_IMM  dword 0xc0de0001           -> %s + 0x0\n", names[0]);
	printf("    MI_STORE_DATA_IMM  qword 0x0123456789abcdef   -> %s + 0x8\n", names[1]);
	printf("    MI_COPY_MEM_MEM    %s + 0x40             -> %s + 0x10\n", names[0], names[1]);
	printf("    MI_COPY_MEM_MEM    %s + 0x8 (a dword)      -> %s + 0x18\n", names[1], names[0]);
	printf("    MI_BATCH_BUFFER_END\n");

	memset(objs, 0, sizeof(objs));
	for (i = 0; i < 3; i++)
		objs[i].handle = handles[i];
	objs[0].flags = DRM_TGEM_EXEC_OBJECT_WRITE;
	objs[1].flags = DRM_TGEM_EXEC_OBJECT_WRITE;
	objs[2].relocs_ptr = (uintptr_t)b.relocs;
	objs[2].relocation_count = b.nrelocs;
	memset(&eb, 0, sizeof(eb));
	eb.objects_ptr = (uintptr_t)objs;
	eb.num_objects = 3;
	eb.batch_index = 2;
	eb.batch_len = b.n * 4;
	eb.ctx_id = ctx;
	eb.flags = DRM_TGEM_EXEC_HANDLE_LUT;

	demo_stats(stats_path, "before:");
	for (pass = 0; pass < 2; pass++) {
		if (pass) {
			sys[0] = sys[6] = 0;
			dst[2] = dst[3] = dst[4] = 0;
			eb.flags |= DRM_TGEM_EXEC_NO_RELOC;
		}
		t0 = tgem_now_ns();
		ret = tgem_execbuf(fd, &eb);
		t_submit = tgem_now_ns() - t0;
		if (ret)
			die("EXECBUF: %s", strerror(-ret));
		ret = tgem_bo_wait(fd, handles[0], tgem_now_ns() + 10000000000ll);
		if (!ret)
			ret = tgem_bo_wait(fd, handles[1], tgem_now_ns() + 10000000000ll);
		t_total = tgem_now_ns() - t0;
		if (ret)
			die("GEM_WAIT: %s", strerror(-ret));

		printf("  %s:\n", pass ? "resubmitted with NO_RELOC" : "submitted");
		if (!pass)
			for (i = 0; i < 3; i++)
				printf("    %-12s handle %u at GPU address %#llx\n", names[i],
				       handles[i], (unsigned long long)objs[i].offset);
		printf("    %s + 0x0:  %#010x   %s + 0x8:  %#010x%08x\n", names[0],
		       sys[0], names[1], dst[3], dst[2]);
		printf("    %s + 0x10: %#010x   %s + 0x18: %#010x\n", names[1],
		       dst[4], names[0], sys[6]);
		if (sys[0] != 0xc0de0001 || dst[2] != 0x89abcdef ||
		    dst[3] != 0x01234567 || dst[4] != 0x5eed0001 ||
		    sys[6] != 0x89abcdef)
			die("the engine's results are wrong");
		printf("    round trip: %.1f us to queue, %.1f us until done\n",
		       t_submit / 1e3, t_total / 1e3);
		demo_stats(stats_path, pass ? "after NO_RELOC:" : "after:");
	}

	munmap((void *)sys, 4096);
	munmap((void *)dst, 4096);
	munmap(bb, 4096);
	tgem_ctx_destroy(fd, ctx);
	for (i = 0; i < 3; i++)
		tgem_gem_close(fd, handles[i]);
}

int main(void)
{
	struct tgem_config cfg;
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
	if (tgem_query_config(fd, &cfg))
		die("DEVICE_QUERY(CONFIG) failed");
	exec_demo(fd, !!(cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM));

	close(fd);
	printf("\ndone\n");
	return 0;
}
