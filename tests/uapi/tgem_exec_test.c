// SPDX-License-Identifier: MIT
/*
 * tgem_exec_test.c - kselftest suite for DRM_IOCTL_TGEM_EXECBUF
 *
 * Modelled on IGT's gem_exec_reloc, gem_reloc_overflow and gem_bad_reloc:
 * every errno of the execbuf uAPI, with checks that a refused execbuf
 * changed nothing; stores into system and VRAM BOs read back through
 * mmap; relocations into VRAM; a relocation array inside an mmapped tgem
 * BO (the slow path); a read-only relocation array; NO_RELOC doing no
 * relocation work at all (the debugfs counters of tgem_exec_stats);
 * softpin; MIGRATE after an execbuf; a banned context; 1,000 execbufs
 * from 2 threads on 2 contexts with every result checked; two handles of
 * one BO in a file (GEM_OPEN of a flink name, on the primary node);
 * GEM_CLOSE racing EXECBUF; implicit sync between two contexts.
 *
 * Needs root (debugfs) and a tgem device; VRAM tests skip without VRAM.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tgem_mi.h"
#include "tgem_util.h"

#pragma GCC diagnostic ignored "-Wclobbered"
/* ASSERT_EQ(0, x) compares an int literal with __u64 fields. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define PAGE		4096u
#define PLACE_SYS	DRM_TGEM_PLACEMENT_SYSTEM
#define PLACE_VRAM	DRM_TGEM_PLACEMENT_VRAM
#define OBJ_WRITE	DRM_TGEM_EXEC_OBJECT_WRITE
#define OBJ_PINNED	DRM_TGEM_EXEC_OBJECT_PINNED
#define SEC		1000000000ll
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static char stats_path[256];

/*
 * A batch being written, with its relocations. Addresses sit at 8-byte
 * aligned offsets (relocations must be), so a command whose address
 * follows its header starts at an odd dword, after a MI_NOOP if needed.
 */
struct batch {
	uint32_t dw[1024];
	unsigned int n;
	struct drm_tgem_relocation_entry relocs[64];
	unsigned int nrelocs;
};

static void emit(struct batch *b, uint32_t v)
{
	b->dw[b->n++] = v;
}

/* Start a command whose address is its second dword. */
static void emit_cmd(struct batch *b, uint32_t header)
{
	if (!(b->n & 1))
		emit(b, MI_NOOP);
	emit(b, header);
}

/* An address: @addr now, and a relocation to @target + @delta. */
static void emit_addr(struct batch *b, uint32_t target, uint64_t delta,
		      uint64_t presumed)
{
	struct drm_tgem_relocation_entry *r = &b->relocs[b->nrelocs++];
	uint64_t addr = presumed + delta;

	memset(r, 0, sizeof(*r));
	r->target_handle = target;
	r->offset = b->n * 4;
	r->delta = delta;
	r->presumed_offset = presumed;
	emit(b, (uint32_t)addr);
	emit(b, (uint32_t)(addr >> 32));
}

static void emit_store_dword(struct batch *b, uint32_t target, uint64_t delta,
			     uint64_t presumed, uint32_t value)
{
	emit_cmd(b, MI_STORE_DWORD_IMM);
	emit_addr(b, target, delta, presumed);
	emit(b, value);
}

static void emit_store_qword(struct batch *b, uint32_t target, uint64_t delta,
			     uint64_t presumed, uint64_t value)
{
	emit_cmd(b, MI_STORE_QWORD_IMM);
	emit_addr(b, target, delta, presumed);
	emit(b, (uint32_t)value);
	emit(b, (uint32_t)(value >> 32));
}

static void emit_copy(struct batch *b, uint32_t dst, uint64_t dst_delta,
		      uint32_t src, uint64_t src_delta)
{
	emit_cmd(b, MI_COPY_MEM_MEM);
	emit_addr(b, dst, dst_delta, 0);
	emit_addr(b, src, src_delta, 0);
}

static unsigned int emit_end(struct batch *b)
{
	emit(b, MI_BATCH_BUFFER_END);
	if (b->n & 1)
		emit(b, MI_NOOP);
	return b->n * 4;
}

FIXTURE(exec) {
	int fd;
	int has_vram;
	uint32_t ctx;
};

FIXTURE_SETUP(exec)
{
	struct tgem_config cfg;

	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd) TH_LOG("no tgem render node");
	ASSERT_EQ(0, tgem_query_config(self->fd, &cfg));
	self->has_vram = !!(cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM);
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &self->ctx));
}

FIXTURE_TEARDOWN(exec)
{
	close(self->fd);
}

static uint32_t create(struct __test_metadata *_metadata, int fd,
		       uint64_t size, uint32_t placement)
{
	uint32_t handle = 0;

	ASSERT_EQ(0, tgem_bo_create(fd, &size, placement, 0, &handle));
	return handle;
}

static void *map(struct __test_metadata *_metadata, int fd, uint32_t handle,
		 size_t size)
{
	void *p = tgem_bo_map(fd, handle, size);

	ASSERT_NE(MAP_FAILED, p);
	return p;
}

/* Write @b into @handle at @offset, through a mapping. */
static void upload(struct __test_metadata *_metadata, int fd, uint32_t handle,
		   uint64_t offset, const struct batch *b)
{
	uint8_t *p = map(_metadata, fd, handle, offset + b->n * 4);

	memcpy(p + offset, b->dw, b->n * 4);
	munmap(p, offset + b->n * 4);
}

static int wait_idle(int fd, uint32_t handle)
{
	return tgem_bo_wait(fd, handle, tgem_now_ns() + 20 * SEC);
}

static void stats(struct __test_metadata *_metadata, struct tgem_exec_stats *s)
{
	ASSERT_EQ(0, tgem_exec_stats_read(stats_path, s));
}

static void exec_init(struct drm_tgem_execbuf *eb,
		      struct drm_tgem_exec_object *objs, uint32_t n,
		      uint32_t batch_index, uint32_t batch_len, uint32_t ctx)
{
	memset(eb, 0, sizeof(*eb));
	eb->objects_ptr = (uintptr_t)objs;
	eb->num_objects = n;
	eb->batch_index = batch_index;
	eb->batch_len = batch_len;
	eb->ctx_id = ctx;
}

static void obj_init(struct drm_tgem_exec_object *o, uint32_t handle,
		     uint32_t flags, const struct batch *b)
{
	memset(o, 0, sizeof(*o));
	o->handle = handle;
	o->flags = flags;
	if (b && b->nrelocs) {
		o->relocs_ptr = (uintptr_t)b->relocs;
		o->relocation_count = b->nrelocs;
	}
}

/*
 * Store a dword and a qword into @target (created in @placement), copy
 * one of them within it, run, and read it back through mmap.
 */
static void store_and_check(struct __test_metadata *_metadata, int fd,
			    uint32_t ctx, uint32_t target_place,
			    uint32_t batch_place)
{
	uint32_t target = create(_metadata, fd, PAGE, target_place);
	uint32_t bb = create(_metadata, fd, PAGE, batch_place);
	struct drm_tgem_exec_object objs[2];
	struct drm_tgem_execbuf eb;
	struct batch b = {};
	volatile uint32_t *p;
	unsigned int len, i;

	emit_store_dword(&b, target, 0x40, 0, 0xdeadbeef);
	emit_store_qword(&b, target, 0x80, 0, 0x0123456789abcdefull);
	emit_copy(&b, target, 0xff8, target, 0x40);
	len = emit_end(&b);
	upload(_metadata, fd, bb, 0, &b);

	obj_init(&objs[0], target, OBJ_WRITE, NULL);
	obj_init(&objs[1], bb, 0, &b);
	exec_init(&eb, objs, 2, 1, len, ctx);
	ASSERT_EQ(0, tgem_execbuf(fd, &eb));
	ASSERT_EQ(0, wait_idle(fd, target));

	/* Where the kernel put them, and what it told the relocations. */
	ASSERT_NE(0, objs[0].offset);
	ASSERT_NE(0, objs[1].offset);
	ASSERT_EQ(0, objs[0].offset % PAGE);
	for (i = 0; i < b.nrelocs; i++)
		ASSERT_EQ(objs[0].offset, b.relocs[i].presumed_offset);

	p = map(_metadata, fd, target, PAGE);
	ASSERT_EQ(0xdeadbeef, p[0x40 / 4]);
	ASSERT_EQ(0x89abcdef, p[0x80 / 4]);
	ASSERT_EQ(0x01234567, p[0x84 / 4]);
	ASSERT_EQ(0xdeadbeef, p[0xff8 / 4]);
	ASSERT_EQ(0, p[0x44 / 4]);
	ASSERT_EQ(0, p[0]);
	munmap((void *)p, PAGE);
}

TEST_F(exec, store_system)
{
	store_and_check(_metadata, self->fd, self->ctx, PLACE_SYS, PLACE_SYS);
}

TEST_F(exec, store_vram)
{
	if (!self->has_vram)
		SKIP(return, "no VRAM");
	store_and_check(_metadata, self->fd, self->ctx, PLACE_VRAM, PLACE_SYS);
}

/* The batch itself in VRAM: its relocations are written into VRAM. */
TEST_F(exec, relocations_into_vram)
{
	if (!self->has_vram)
		SKIP(return, "no VRAM");
	store_and_check(_metadata, self->fd, self->ctx, PLACE_SYS, PLACE_VRAM);
	store_and_check(_metadata, self->fd, self->ctx, PLACE_VRAM, PLACE_VRAM);
}

/* Copy between a system BO and a VRAM BO, both ways. */
TEST_F(exec, copy_system_vram)
{
	uint32_t sys, vram, bb;
	struct drm_tgem_exec_object objs[3];
	struct drm_tgem_execbuf eb;
	struct batch b = {};
	volatile uint32_t *ps, *pv;
	unsigned int len;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	sys = create(_metadata, self->fd, PAGE, PLACE_SYS);
	vram = create(_metadata, self->fd, PAGE, PLACE_VRAM);
	bb = create(_metadata, self->fd, PAGE, PLACE_SYS);
	ps = map(_metadata, self->fd, sys, PAGE);
	pv = map(_metadata, self->fd, vram, PAGE);
	ps[0] = 0x5157e300;
	pv[1] = 0x7a3e0001;

	/* HANDLE_LUT: targets by index. */
	emit_copy(&b, 1, 0x100, 0, 0);
	emit_copy(&b, 0, 0x104, 1, 4);
	len = emit_end(&b);
	upload(_metadata, self->fd, bb, 0, &b);
	obj_init(&objs[0], sys, OBJ_WRITE, NULL);
	obj_init(&objs[1], vram, OBJ_WRITE, NULL);
	obj_init(&objs[2], bb, 0, &b);
	exec_init(&eb, objs, 3, 2, len, self->ctx);
	eb.flags = DRM_TGEM_EXEC_HANDLE_LUT;
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	ASSERT_EQ(0, wait_idle(self->fd, sys));
	ASSERT_EQ(0, wait_idle(self->fd, vram));
	ASSERT_EQ(0x5157e300, pv[0x100 / 4]);
	ASSERT_EQ(0x7a3e0001, ps[0x104 / 4]);
	munmap((void *)ps, PAGE);
	munmap((void *)pv, PAGE);
}

/*
 * Expect @eb to fail with @err, changing nothing: no counter moves, no
 * offset of @objs (the caller's array, whatever @eb points at) is
 * written, and @target (if any) still reads zero.
 */
static void expect_refused(struct __test_metadata *_metadata, int fd,
			   struct drm_tgem_execbuf *eb,
			   const struct drm_tgem_exec_object *objs,
			   uint32_t nobjs, int err, uint32_t target)
{
	struct tgem_exec_stats a, s;
	uint64_t offsets[8] = {};
	uint32_t i, n = nobjs < 8 ? nobjs : 8;
	volatile uint32_t *p;

	for (i = 0; i < n && objs; i++)
		offsets[i] = objs[i].offset;
	stats(_metadata, &a);
	ASSERT_EQ(-err, tgem_execbuf(fd, eb));
	stats(_metadata, &s);
	ASSERT_EQ(a.execbufs, s.execbufs);
	ASSERT_EQ(a.relocs_applied, s.relocs_applied);
	for (i = 0; i < n && objs; i++)
		ASSERT_EQ(offsets[i], objs[i].offset);
	if (target) {
		ASSERT_EQ(0, wait_idle(fd, target));
		p = map(_metadata, fd, target, PAGE);
		for (i = 0; i < PAGE / 4; i++)
			ASSERT_EQ(0, p[i]);
		munmap((void *)p, PAGE);
	}
}

/* A batch storing into @target, for the errno tests. */
static void bad_setup(struct __test_metadata *_metadata, int fd,
		      uint32_t *target, uint32_t *bb, struct batch *b,
		      unsigned int *len)
{
	*target = create(_metadata, fd, PAGE, PLACE_SYS);
	*bb = create(_metadata, fd, PAGE, PLACE_SYS);
	memset(b, 0, sizeof(*b));
	emit_store_dword(b, *target, 0, 0, 1);
	emit_store_dword(b, *target, 8, 0, 2);
	*len = emit_end(b);
	upload(_metadata, fd, *bb, 0, b);
}

TEST_F(exec, bad_arguments)
{
	struct drm_tgem_exec_object objs[2];
	struct drm_tgem_execbuf eb;
	uint32_t target, bb;
	unsigned int len;
	struct batch b;

	bad_setup(_metadata, self->fd, &target, &bb, &b, &len);
	obj_init(&objs[0], target, OBJ_WRITE, NULL);
	obj_init(&objs[1], bb, 0, &b);

#define REFUSED(err, field, value) do {					\
		exec_init(&eb, objs, 2, 1, len, self->ctx);		\
		eb.field = value;					\
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), err, target);	\
	} while (0)

	REFUSED(EINVAL, extensions, 1);
	REFUSED(EINVAL, reserved[0], 1);
	REFUSED(EINVAL, reserved[1], 1);
	REFUSED(EINVAL, num_syncs, DRM_TGEM_EXEC_MAX_SYNCS + 1);
	REFUSED(EINVAL, syncs, (uintptr_t)&eb);
	REFUSED(EINVAL, flags, 1u << 2);
	REFUSED(EINVAL, flags, 1u << 31);
	REFUSED(EINVAL, num_objects, 0);
	REFUSED(EINVAL, num_objects, DRM_TGEM_EXEC_MAX_OBJECTS + 1);
	REFUSED(EINVAL, num_objects, UINT32_MAX);
	REFUSED(EINVAL, batch_index, 2);
	REFUSED(EINVAL, batch_index, UINT32_MAX);
	REFUSED(EINVAL, batch_start, 4);
	REFUSED(EINVAL, batch_start, PAGE);
	REFUSED(EINVAL, batch_start, UINT64_MAX - 7);
	REFUSED(EINVAL, batch_len, 0);
	REFUSED(EINVAL, batch_len, 6);
	REFUSED(EINVAL, batch_len, PAGE + 4);
	REFUSED(EFAULT, objects_ptr, 0);
	REFUSED(EFAULT, objects_ptr, -(uint64_t)PAGE);
	REFUSED(ENOENT, ctx_id, 0);
	REFUSED(ENOENT, ctx_id, self->ctx + 1000);
#undef REFUSED

	/* Start plus length past the end; exactly to the end is fine. */
	exec_init(&eb, objs, 2, 1, 16, self->ctx);
	eb.batch_start = PAGE - 8;
	expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), EINVAL, target);

	/* A destroyed context. */
	{
		uint32_t ctx;

		ASSERT_EQ(0, tgem_ctx_create(self->fd, &ctx));
		ASSERT_EQ(0, tgem_ctx_destroy(self->fd, ctx));
		exec_init(&eb, objs, 2, 1, len, ctx);
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), ENOENT, target);
	}

	/* And the same execbuf, fixed, runs. */
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
}

TEST_F(exec, bad_objects)
{
	struct drm_tgem_exec_object objs[3];
	struct drm_tgem_execbuf eb;
	uint32_t target, bb;
	unsigned int len;
	struct batch b;

	bad_setup(_metadata, self->fd, &target, &bb, &b, &len);

#define REFUSED_OBJ(err, field, value) do {				\
		obj_init(&objs[0], target, OBJ_WRITE, NULL);		\
		obj_init(&objs[1], bb, 0, &b);				\
		objs[0].field = value;					\
		exec_init(&eb, objs, 2, 1, len, self->ctx);		\
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), err, target);	\
	} while (0)

	REFUSED_OBJ(ENOENT, handle, 0);
	REFUSED_OBJ(ENOENT, handle, 0x7fff);
	REFUSED_OBJ(EINVAL, handle, bb);		/* duplicate handle */
	REFUSED_OBJ(EINVAL, flags, 1u << 3);
	REFUSED_OBJ(EINVAL, flags, 1u << 31);
	REFUSED_OBJ(EINVAL, pad, 1);
	REFUSED_OBJ(EINVAL, reserved[0], 1);
	REFUSED_OBJ(EINVAL, reserved[1], 1);
#undef REFUSED_OBJ

	/* The same handle twice, apart. */
	obj_init(&objs[0], target, OBJ_WRITE, NULL);
	obj_init(&objs[1], bb, 0, &b);
	obj_init(&objs[2], target, 0, NULL);
	exec_init(&eb, objs, 3, 1, len, self->ctx);
	expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), EINVAL, target);

	/* A closed handle. */
	{
		uint32_t gone = create(_metadata, self->fd, PAGE, PLACE_SYS);

		ASSERT_EQ(0, tgem_gem_close(self->fd, gone));
		obj_init(&objs[2], gone, 0, NULL);
		exec_init(&eb, objs, 3, 1, len, self->ctx);
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), ENOENT, target);
	}
}

/* Each relocation error, on the last entry: the first is valid. */
TEST_F(exec, bad_relocations)
{
	struct drm_tgem_exec_object objs[2];
	struct drm_tgem_execbuf eb;
	uint32_t target, bb;
	unsigned int len;
	struct batch b;

	bad_setup(_metadata, self->fd, &target, &bb, &b, &len);

#define REFUSED_RELOC(err, field, value) do {				\
		struct batch c = b;					\
		c.relocs[1].field = value;				\
		obj_init(&objs[0], target, OBJ_WRITE, NULL);		\
		obj_init(&objs[1], bb, 0, &c);				\
		exec_init(&eb, objs, 2, 1, len, self->ctx);		\
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), err, target);	\
		ASSERT_EQ(0, c.relocs[0].presumed_offset);		\
	} while (0)

	REFUSED_RELOC(EINVAL, offset, b.relocs[1].offset + 4);	/* unaligned */
	REFUSED_RELOC(EINVAL, offset, 1);
	REFUSED_RELOC(EINVAL, offset, PAGE - 4);		/* crosses the end */
	REFUSED_RELOC(EINVAL, offset, PAGE);			/* past the end */
	REFUSED_RELOC(EINVAL, offset, 64 * PAGE);
	REFUSED_RELOC(EINVAL, offset, UINT64_MAX - 7);		/* wraps */
	REFUSED_RELOC(EINVAL, flags, 1);
	REFUSED_RELOC(ENOENT, target_handle, 0);
	REFUSED_RELOC(ENOENT, target_handle, 0x7fff);
#undef REFUSED_RELOC

	/* A target that is a BO of the file but not of the execbuf. */
	{
		struct batch c = b;

		c.relocs[1].target_handle = create(_metadata, self->fd, PAGE, PLACE_SYS);
		obj_init(&objs[0], target, OBJ_WRITE, NULL);
		obj_init(&objs[1], bb, 0, &c);
		exec_init(&eb, objs, 2, 1, len, self->ctx);
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), ENOENT, target);
	}

	/* HANDLE_LUT: an index past the object array. */
	{
		struct batch c = b;

		c.relocs[0].target_handle = 0;
		c.relocs[1].target_handle = 2;
		obj_init(&objs[0], target, OBJ_WRITE, NULL);
		obj_init(&objs[1], bb, 0, &c);
		exec_init(&eb, objs, 2, 1, len, self->ctx);
		eb.flags = DRM_TGEM_EXEC_HANDLE_LUT;
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), ENOENT, target);
	}

	/* The last 8 bytes of the batch BO, past its commands, are fine. */
	{
		uint32_t bb2 = create(_metadata, self->fd, PAGE, PLACE_SYS);
		volatile uint64_t *q;
		struct batch c = {};

		emit_store_dword(&c, target, 0, 0, 1);
		len = emit_end(&c);
		c.relocs[c.nrelocs] = c.relocs[0];
		c.relocs[c.nrelocs++].offset = PAGE - 8;
		upload(_metadata, self->fd, bb2, 0, &c);
		obj_init(&objs[0], target, OBJ_WRITE, NULL);
		obj_init(&objs[1], bb2, 0, &c);
		exec_init(&eb, objs, 2, 1, len, self->ctx);
		ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
		ASSERT_EQ(0, wait_idle(self->fd, bb2));
		q = map(_metadata, self->fd, bb2, PAGE);
		ASSERT_EQ(objs[0].offset, q[PAGE / 8 - 1]);
		munmap((void *)q, PAGE);
	}
}

/* gem_reloc_overflow: counts whose byte sizes overflow, bad pointers. */
TEST_F(exec, relocation_count_overflow)
{
	struct drm_tgem_exec_object objs[3];
	struct drm_tgem_execbuf eb;
	uint32_t target, bb, other;
	unsigned int len;
	struct batch b;

	bad_setup(_metadata, self->fd, &target, &bb, &b, &len);
	other = create(_metadata, self->fd, PAGE, PLACE_SYS);

#define REFUSED_COUNT(err, c0, c2) do {					\
		obj_init(&objs[0], target, OBJ_WRITE, NULL);		\
		obj_init(&objs[1], bb, 0, &b);				\
		obj_init(&objs[2], other, 0, &b);			\
		objs[0].relocs_ptr = (uintptr_t)b.relocs;		\
		objs[0].relocation_count = c0;				\
		objs[2].relocation_count = c2;				\
		exec_init(&eb, objs, 3, 1, len, self->ctx);		\
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), err, target);	\
	} while (0)

	REFUSED_COUNT(EINVAL, UINT32_MAX, 1);
	REFUSED_COUNT(EINVAL, 0x80000000u, 0x80000000u);
	REFUSED_COUNT(EINVAL, DRM_TGEM_EXEC_MAX_RELOCS + 1, 1);
	REFUSED_COUNT(EINVAL, DRM_TGEM_EXEC_MAX_RELOCS / 2 + 1, DRM_TGEM_EXEC_MAX_RELOCS / 2);
#undef REFUSED_COUNT

	/*
	 * Within the bounds, but the array runs into unmapped memory: one
	 * page of valid entries, then a hole. The fast path faults, the
	 * slow path's copy faults too.
	 */
	{
		struct drm_tgem_relocation_entry *r;
		unsigned int i, per_page = PAGE / sizeof(*r);

		r = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, r);
		for (i = 0; i < per_page; i++)
			r[i] = b.relocs[i % b.nrelocs];
		ASSERT_EQ(0, munmap((uint8_t *)r + PAGE, PAGE));
		obj_init(&objs[0], target, OBJ_WRITE, NULL);
		obj_init(&objs[1], bb, 0, &b);
		objs[1].relocs_ptr = (uintptr_t)r;
		objs[1].relocation_count = 2 * per_page;
		exec_init(&eb, objs, 2, 1, len, self->ctx);
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), EFAULT, target);
		munmap(r, PAGE);
	}

	/* A relocation pointer into kernel space or unmapped memory. */
	obj_init(&objs[0], target, OBJ_WRITE, NULL);
	obj_init(&objs[1], bb, 0, &b);
	objs[1].relocs_ptr = -(uint64_t)PAGE;
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), EFAULT, target);
	{
		void *hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, hole);
		objs[1].relocs_ptr = (uintptr_t)hole;
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), EFAULT, target);
		munmap(hole, PAGE);
	}
}

/* The engine's errors are not execbuf's: a banned context gives EIO. */
TEST_F_TIMEOUT(exec, banned_context, 120)
{
	struct drm_tgem_exec_object objs[1];
	struct drm_tgem_execbuf eb;
	uint32_t bb, ctx;
	struct batch b = {};
	unsigned int len;
	int ret = 0, i;

	ASSERT_EQ(0, tgem_ctx_create(self->fd, &ctx));
	bb = create(_metadata, self->fd, PAGE, PLACE_SYS);
	/* A batch that jumps to itself forever. */
	emit_cmd(&b, MI_BATCH_BUFFER_START);
	emit_addr(&b, bb, 0, 0);
	len = emit_end(&b);
	upload(_metadata, self->fd, bb, 0, &b);
	obj_init(&objs[0], bb, 0, &b);
	exec_init(&eb, objs, 1, 0, len, ctx);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));

	/* The job times out (tgem.job_timeout_ms) and bans its context. */
	for (i = 0; i < 600; i++) {
		usleep(100000);
		ret = tgem_execbuf(self->fd, &eb);
		if (ret == -EIO)
			break;
	}
	ASSERT_EQ(-EIO, ret);
	/* Another context still works. */
	store_and_check(_metadata, self->fd, self->ctx, PLACE_SYS, PLACE_SYS);
}

/* A relocation array in memory it cannot write back to: still runs. */
TEST_F(exec, readonly_relocations)
{
	uint32_t target = create(_metadata, self->fd, PAGE, PLACE_SYS);
	uint32_t bb = create(_metadata, self->fd, PAGE, PLACE_SYS);
	struct drm_tgem_exec_object objs[2];
	struct drm_tgem_relocation_entry *ro;
	struct drm_tgem_execbuf eb;
	struct batch b = {};
	volatile uint32_t *p;
	unsigned int len;

	emit_store_dword(&b, target, 0x10, 0, 0x0badc0de);
	len = emit_end(&b);
	upload(_metadata, self->fd, bb, 0, &b);

	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro, b.relocs, sizeof(b.relocs[0]) * b.nrelocs);
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));

	obj_init(&objs[0], target, OBJ_WRITE, NULL);
	obj_init(&objs[1], bb, 0, &b);
	objs[1].relocs_ptr = (uintptr_t)ro;
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	ASSERT_EQ(0, wait_idle(self->fd, target));

	/* Not written back, but applied, and the offsets were written. */
	ASSERT_EQ(0, ro[0].presumed_offset);
	ASSERT_NE(0, objs[0].offset);
	p = map(_metadata, self->fd, target, PAGE);
	ASSERT_EQ(0x0badc0de, p[0x10 / 4]);
	munmap((void *)p, PAGE);
	munmap(ro, PAGE);
}

/*
 * The relocation array lives in a tgem BO that is in the execbuf, mmapped
 * twice: written through one mapping, passed through the other, which
 * has never been touched. Reading it with page faults disabled under the
 * BO's lock fails; the slow path must drop the locks, fault it in (the
 * fault handler takes that very lock) and finish, without deadlock.
 */
TEST_F(exec, relocations_in_mmapped_bo)
{
	uint32_t target = create(_metadata, self->fd, PAGE, PLACE_SYS);
	uint32_t bb = create(_metadata, self->fd, PAGE, PLACE_SYS);
	uint32_t rbo = create(_metadata, self->fd, PAGE, PLACE_SYS);
	struct drm_tgem_relocation_entry *wr, *rd;
	struct drm_tgem_exec_object objs[3];
	struct tgem_exec_stats a, s;
	struct drm_tgem_execbuf eb;
	struct batch b = {};
	volatile uint32_t *p;
	unsigned int len;

	emit_store_dword(&b, target, 0x20, 0, 0x51057a7e);
	emit_store_qword(&b, target, 0x28, 0, 0x1122334455667788ull);
	len = emit_end(&b);
	upload(_metadata, self->fd, bb, 0, &b);

	wr = map(_metadata, self->fd, rbo, PAGE);
	memcpy(wr, b.relocs, sizeof(b.relocs[0]) * b.nrelocs);
	rd = map(_metadata, self->fd, rbo, PAGE);

	obj_init(&objs[0], target, OBJ_WRITE, NULL);
	obj_init(&objs[1], bb, 0, &b);
	objs[1].relocs_ptr = (uintptr_t)rd;
	obj_init(&objs[2], rbo, 0, NULL);
	exec_init(&eb, objs, 3, 1, len, self->ctx);
	stats(_metadata, &a);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	stats(_metadata, &s);
	ASSERT_EQ(0, wait_idle(self->fd, target));

	ASSERT_EQ(a.slow_paths + 1, s.slow_paths);
	ASSERT_EQ(a.relocs_applied + 2, s.relocs_applied);
	/* Written back through the second mapping, seen through the first. */
	ASSERT_EQ(objs[0].offset, wr[0].presumed_offset);
	ASSERT_EQ(objs[0].offset, wr[1].presumed_offset);
	p = map(_metadata, self->fd, target, PAGE);
	ASSERT_EQ(0x51057a7e, p[0x20 / 4]);
	ASSERT_EQ(0x55667788, p[0x28 / 4]);
	ASSERT_EQ(0x11223344, p[0x2c / 4]);
	munmap((void *)p, PAGE);
	munmap(wr, PAGE);
	munmap(rd, PAGE);
}

/*
 * gem_exec_reloc's NO_RELOC: the first execbuf relocates and reports the
 * addresses; resubmitted with NO_RELOC and those addresses it does no
 * relocation work; resubmitted without it, it reads and skips them all.
 */
TEST_F(exec, no_reloc_does_no_work)
{
	struct drm_prime_handle ph = {};
	uint32_t target = create(_metadata, self->fd, PAGE, PLACE_SYS);
	uint32_t bb = create(_metadata, self->fd, PAGE, PLACE_SYS);
	struct drm_tgem_exec_object objs[2];
	struct tgem_exec_stats a, s;
	struct drm_tgem_execbuf eb;
	struct batch b = {};
	volatile uint32_t *p;
	unsigned int len, i, n = 40;

	for (i = 0; i < n; i++)
		emit_store_dword(&b, target, i * 8, 0, i + 1);
	len = emit_end(&b);
	upload(_metadata, self->fd, bb, 0, &b);

	obj_init(&objs[0], target, OBJ_WRITE, NULL);
	obj_init(&objs[1], bb, 0, &b);
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	stats(_metadata, &a);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	stats(_metadata, &s);
	ASSERT_EQ(a.relocs_applied + n, s.relocs_applied);
	ASSERT_EQ(a.relocs_skipped, s.relocs_skipped);
	for (i = 0; i < n; i++)
		ASSERT_EQ(objs[0].offset, b.relocs[i].presumed_offset);

	/* NO_RELOC, every address right: not one relocation read. */
	ASSERT_EQ(0, wait_idle(self->fd, target));
	p = map(_metadata, self->fd, target, PAGE);
	memset((void *)p, 0, PAGE);
	eb.flags = DRM_TGEM_EXEC_NO_RELOC;
	stats(_metadata, &a);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	stats(_metadata, &s);
	ASSERT_EQ(a.execbufs + 1, s.execbufs);
	ASSERT_EQ(a.relocs_applied, s.relocs_applied);
	ASSERT_EQ(a.relocs_skipped, s.relocs_skipped);
	ASSERT_EQ(a.slow_paths, s.slow_paths);
	ASSERT_EQ(0, wait_idle(self->fd, target));
	for (i = 0; i < n; i++)
		ASSERT_EQ(i + 1, p[i * 2]);

	/* NO_RELOC with a garbage relocation array: still not read. */
	objs[1].relocs_ptr = 8;	/* unreadable */
	stats(_metadata, &a);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	stats(_metadata, &s);
	ASSERT_EQ(a.relocs_applied, s.relocs_applied);
	ASSERT_EQ(a.relocs_skipped, s.relocs_skipped);
	objs[1].relocs_ptr = (uintptr_t)b.relocs;

	/* Without NO_RELOC: all read, all skipped. */
	eb.flags = 0;
	stats(_metadata, &a);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	stats(_metadata, &s);
	ASSERT_EQ(a.relocs_applied, s.relocs_applied);
	ASSERT_EQ(a.relocs_skipped + n, s.relocs_skipped);

	/* NO_RELOC, but userspace is wrong about one object: relocated. */
	objs[0].offset += 64 * PAGE;
	eb.flags = DRM_TGEM_EXEC_NO_RELOC;
	stats(_metadata, &a);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	stats(_metadata, &s);
	ASSERT_EQ(a.relocs_skipped + n, s.relocs_skipped);

	/*
	 * Closing the target's last handle unbinds it: imported again under
	 * a new handle, NO_RELOC cannot skip, even if the address comes out
	 * the same.
	 */
	ASSERT_EQ(0, wait_idle(self->fd, target));
	ph.handle = target;
	ph.flags = DRM_CLOEXEC;
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph));
	ASSERT_EQ(0, tgem_gem_close(self->fd, target));
	ph.handle = 0;
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph));
	close(ph.fd);
	target = ph.handle;
	for (i = 0; i < n; i++)
		b.relocs[i].target_handle = target;
	objs[0].handle = target;
	stats(_metadata, &a);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	stats(_metadata, &s);
	ASSERT_EQ(a.relocs_applied + a.relocs_skipped + n,
		  s.relocs_applied + s.relocs_skipped);

	ASSERT_EQ(0, wait_idle(self->fd, target));
	munmap((void *)p, PAGE);
}

/* Softpin: the batch holds absolute addresses, no relocation at all. */
TEST_F(exec, softpin)
{
	uint32_t target = create(_metadata, self->fd, 2 * PAGE, PLACE_SYS);
	uint32_t bb = create(_metadata, self->fd, PAGE, PLACE_SYS);
	uint32_t other = create(_metadata, self->fd, PAGE, PLACE_SYS);
	const uint64_t upper = 0xffff800000200000ull;
	struct drm_tgem_exec_object objs[2];
	struct drm_tgem_execbuf eb;
	struct batch b = {};
	volatile uint32_t *p;
	unsigned int len;

	emit_store_dword(&b, target, 0x10, 0x100000, 0xc0ffee);
	emit_store_dword(&b, target, PAGE + 0x10, 0x100000, 0xc0ffee2);
	b.nrelocs = 0;
	len = emit_end(&b);
	upload(_metadata, self->fd, bb, 0, &b);

	obj_init(&objs[0], target, OBJ_WRITE | OBJ_PINNED, NULL);
	objs[0].offset = 0x100000;
	obj_init(&objs[1], bb, OBJ_PINNED, NULL);
	objs[1].offset = upper;
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	ASSERT_EQ(0x100000, objs[0].offset);
	ASSERT_EQ(upper, objs[1].offset);
	ASSERT_EQ(0, wait_idle(self->fd, target));
	p = map(_metadata, self->fd, target, 2 * PAGE);
	ASSERT_EQ(0xc0ffee, p[0x10 / 4]);
	ASSERT_EQ(0xc0ffee2, p[(PAGE + 0x10) / 4]);
	munmap((void *)p, 2 * PAGE);

	/* Another BO over the target's second page: ENOSPC. */
	obj_init(&objs[0], other, OBJ_PINNED, NULL);
	objs[0].offset = 0x101000;
	obj_init(&objs[1], bb, OBJ_PINNED, NULL);
	objs[1].offset = upper;
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), ENOSPC, 0);

#define REFUSED_PIN(err, addr) do {					\
		obj_init(&objs[0], other, OBJ_PINNED, NULL);		\
		objs[0].offset = addr;					\
		obj_init(&objs[1], bb, OBJ_PINNED, NULL);		\
		objs[1].offset = upper;					\
		exec_init(&eb, objs, 2, 1, len, self->ctx);		\
		expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), err, 0);	\
	} while (0)

	REFUSED_PIN(EINVAL, 0);				/* page 0 */
	REFUSED_PIN(EINVAL, 0x300008);			/* misaligned */
	REFUSED_PIN(EINVAL, 0x0000800000000000ull);	/* not canonical */
	REFUSED_PIN(EINVAL, 0x0001000000000000ull);	/* past the space */
#undef REFUSED_PIN

	/* The last page of the space is fine; the range after it is not. */
	obj_init(&objs[0], other, OBJ_PINNED, NULL);
	objs[0].offset = -(uint64_t)PAGE;
	obj_init(&objs[1], bb, OBJ_PINNED, NULL);
	objs[1].offset = upper;
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	obj_init(&objs[0], target, OBJ_PINNED, NULL);
	objs[0].offset = -(uint64_t)PAGE;
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	expect_refused(_metadata, self->fd, &eb, objs, ARRAY_SIZE(objs), EINVAL, 0);
}

/* Data written by a batch survives MIGRATE, and the address stays. */
TEST_F(exec, migrate_after_execbuf)
{
	uint32_t target, bb;
	struct drm_tgem_exec_object objs[2];
	struct tgem_exec_stats a, s;
	struct drm_tgem_execbuf eb;
	struct batch b = {};
	volatile uint32_t *p;
	unsigned int len, i;
	uint64_t first;

	if (!self->has_vram)
		SKIP(return, "no VRAM");
	target = create(_metadata, self->fd, 16 * PAGE, PLACE_SYS | PLACE_VRAM);
	bb = create(_metadata, self->fd, PAGE, PLACE_SYS);
	for (i = 0; i < 16; i++)
		emit_store_dword(&b, target, i * PAGE + 4 * i, 0, 0xa0000000 + i);
	len = emit_end(&b);
	upload(_metadata, self->fd, bb, 0, &b);

	obj_init(&objs[0], target, OBJ_WRITE, NULL);
	obj_init(&objs[1], bb, 0, &b);
	exec_init(&eb, objs, 2, 1, len, self->ctx);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	first = objs[0].offset;
	/* No wait: MIGRATE must wait for the job itself. */
	ASSERT_EQ(0, tgem_bo_migrate(self->fd, target, 0));
	p = map(_metadata, self->fd, target, 16 * PAGE);
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0xa0000000 + i, p[(i * PAGE + 4 * i) / 4]);

	/* Back to VRAM, and again: same address, nothing to relocate. */
	memset((void *)p, 0, 16 * PAGE);
	ASSERT_EQ(0, tgem_bo_migrate(self->fd, target, 1));
	eb.flags = DRM_TGEM_EXEC_NO_RELOC;
	stats(_metadata, &a);
	ASSERT_EQ(0, tgem_execbuf(self->fd, &eb));
	stats(_metadata, &s);
	ASSERT_EQ(first, objs[0].offset);
	ASSERT_EQ(a.relocs_applied, s.relocs_applied);
	ASSERT_EQ(0, tgem_bo_migrate(self->fd, target, 0));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0xa0000000 + i, p[(i * PAGE + 4 * i) / 4]);
	munmap((void *)p, 16 * PAGE);
}

/* 1,000 execbufs from 2 threads, 2 contexts, every result checked. */
#define THREAD_EXECS	500
#define SLOT		64

struct thread_arg {
	int fd;
	uint32_t ctx;
	uint32_t seed;
	int err;
	char what[128];
};

static void *exec_thread(void *data)
{
	struct thread_arg *t = data;
	struct drm_tgem_exec_object objs[2];
	uint32_t result = 0, bb = 0;
	uint64_t size = THREAD_EXECS * 8, bsize = THREAD_EXECS * SLOT;
	struct drm_tgem_execbuf eb;
	volatile uint32_t *p = MAP_FAILED;
	uint8_t *bp = MAP_FAILED;
	uint64_t presumed = 0;
	struct batch b;
	unsigned int i, len;
	int ret;

#define FAIL(...) do {						\
		snprintf(t->what, sizeof(t->what), __VA_ARGS__);	\
		t->err = 1;					\
		goto out;					\
	} while (0)

	if (tgem_bo_create(t->fd, &size, PLACE_SYS, 0, &result) ||
	    tgem_bo_create(t->fd, &bsize, PLACE_SYS, 0, &bb))
		FAIL("create");
	bp = tgem_bo_map(t->fd, bb, bsize);
	if (bp == MAP_FAILED)
		FAIL("map");

	for (i = 0; i < THREAD_EXECS; i++) {
		/* Each execbuf runs its own slot of the batch BO. */
		memset(&b, 0, sizeof(b));
		emit(&b, MI_NOOP);
		emit_store_dword(&b, result, i * 8, presumed, t->seed + i);
		len = emit_end(&b);
		if (len > SLOT)
			FAIL("slot too small");
		memcpy(bp + i * SLOT, b.dw, len);
		/* Relocation offsets are from the start of the BO. */
		b.relocs[0].offset += i * SLOT;

		memset(objs, 0, sizeof(objs));
		objs[0].handle = result;
		objs[0].flags = OBJ_WRITE;
		objs[0].offset = presumed;
		objs[1].handle = bb;
		objs[1].relocs_ptr = (uintptr_t)b.relocs;
		objs[1].relocation_count = b.nrelocs;
		exec_init(&eb, objs, 2, 1, len, t->ctx);
		eb.batch_start = i * SLOT;
		ret = tgem_execbuf(t->fd, &eb);
		if (ret)
			FAIL("execbuf %u: %d", i, ret);
		if (presumed && objs[0].offset != presumed)
			FAIL("execbuf %u moved the result BO", i);
		presumed = objs[0].offset;
	}

	if (tgem_bo_wait(t->fd, result, tgem_now_ns() + 60 * SEC))
		FAIL("wait");
	p = tgem_bo_map(t->fd, result, size);
	if (p == MAP_FAILED)
		FAIL("map result");
	for (i = 0; i < THREAD_EXECS; i++)
		if (p[i * 2] != t->seed + i)
			FAIL("slot %u: %#x, not %#x", i, p[i * 2], t->seed + i);
out:
	if (p != MAP_FAILED)
		munmap((void *)p, size);
	if (bp != MAP_FAILED)
		munmap(bp, bsize);
	return NULL;
#undef FAIL
}

TEST_F_TIMEOUT(exec, thousand_execbufs_two_threads, 600)
{
	struct thread_arg t[2] = {};
	pthread_t th[2];
	int i;

	for (i = 0; i < 2; i++) {
		t[i].fd = self->fd;
		t[i].seed = 0x10000 * (i + 1);
		ASSERT_EQ(0, tgem_ctx_create(self->fd, &t[i].ctx));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, exec_thread, &t[i]));
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, t[i].err) TH_LOG("thread %d: %s", i, t[i].what);
}

/* A one-page batch BO that only ends, pinned at @addr by exec_end_with(). */
static uint32_t end_batch(struct __test_metadata *_metadata, int fd,
			  unsigned int *len)
{
	struct batch b = {};
	uint32_t bb = create(_metadata, fd, PAGE, PLACE_SYS);

	*len = emit_end(&b);
	upload(_metadata, fd, bb, 0, &b);
	return bb;
}

/* Run @bb, pinned at @bb_addr, with @handle (pinned at @addr if nonzero). */
static int exec_end_with(int fd, uint32_t ctx, uint32_t handle, uint64_t *addr,
			 uint32_t bb, uint64_t bb_addr, unsigned int len)
{
	struct drm_tgem_exec_object objs[2];
	struct drm_tgem_execbuf eb;
	int ret;

	obj_init(&objs[0], handle, *addr ? OBJ_PINNED : 0, NULL);
	objs[0].offset = *addr;
	obj_init(&objs[1], bb, OBJ_PINNED, NULL);
	objs[1].offset = bb_addr;
	exec_init(&eb, objs, 2, 1, len, ctx);
	ret = tgem_execbuf(fd, &eb);
	if (!ret)
		*addr = objs[0].offset;
	return ret;
}

#define BB_ADDR		0x40000000ull

/*
 * Two handles to one BO in one file (GEM_OPEN of its flink name, on the
 * primary node): closing one keeps the BO bound at its address, closing
 * both frees the address.
 */
TEST_F(exec, dup_handle_keeps_binding)
{
	struct drm_gem_flink flink = {};
	struct drm_gem_open op = {};
	uint64_t addr = 0, probe;
	uint32_t ctx, bo, other, bb;
	unsigned int len;
	int fd, ret;

	fd = tgem_open_node("/dev/dri/card", 0, 63, TGEM_DRIVER_NAME, NULL, 0);
	if (fd < 0)
		SKIP(return, "no tgem primary node");
	ASSERT_EQ(0, tgem_ctx_create(fd, &ctx));
	bo = create(_metadata, fd, PAGE, PLACE_SYS);
	other = create(_metadata, fd, PAGE, PLACE_SYS);
	bb = end_batch(_metadata, fd, &len);
	flink.handle = bo;
	ret = tgem_ioctl(fd, DRM_IOCTL_GEM_FLINK, &flink);
	if (ret == -EACCES) {
		close(fd);
		SKIP(return, "not authenticated on the primary node");
	}
	ASSERT_EQ(0, ret);
	op.name = flink.name;
	ASSERT_EQ(0, tgem_ioctl(fd, DRM_IOCTL_GEM_OPEN, &op));
	ASSERT_NE(bo, op.handle);

	ASSERT_EQ(0, exec_end_with(fd, ctx, op.handle, &addr, bb, BB_ADDR, len));
	ASSERT_EQ(0, tgem_gem_close(fd, op.handle));
	/* Still bound: its range is taken, and it stays where it was. */
	probe = addr;
	ASSERT_EQ(-ENOSPC, exec_end_with(fd, ctx, other, &probe, bb, BB_ADDR, len));
	probe = 0;
	ASSERT_EQ(0, exec_end_with(fd, ctx, bo, &probe, bb, BB_ADDR, len));
	ASSERT_EQ(addr, probe);

	ASSERT_EQ(0, tgem_gem_close(fd, bo));
	probe = addr;
	ASSERT_EQ(0, exec_end_with(fd, ctx, other, &probe, bb, BB_ADDR, len));
	ASSERT_EQ(0, wait_idle(fd, bb));
	close(fd);
}

/* GEM_CLOSE racing EXECBUF of the same handle, for a bounded time. */
struct close_race {
	int fd;
	uint32_t ctx, bb;
	unsigned int len;
	volatile uint32_t handle;
	volatile int stop;
	long execs, enoent;
	int err;
};

static void *close_race_exec(void *data)
{
	struct close_race *r = data;
	uint64_t addr;
	int ret;

	while (!r->stop) {
		addr = 0;
		ret = exec_end_with(r->fd, r->ctx, r->handle, &addr, r->bb,
				    BB_ADDR, r->len);
		if (ret == -ENOENT) {
			r->enoent++;
		} else if (ret) {
			r->err = ret;
			break;
		}
		r->execs++;
	}
	return NULL;
}

/*
 * The execbuf's bind may come after the close hook of the BO's last
 * handle; then it must fail (ENOENT), not leave a binding that nothing
 * unbinds until the file closes. Afterwards the lowest address is free.
 */
TEST_F_TIMEOUT(exec, gem_close_vs_execbuf, 120)
{
	struct close_race r = { .fd = self->fd, .ctx = self->ctx };
	uint64_t size = PAGE, addr = 0;
	int64_t end = tgem_now_ns() + 3 * SEC;
	uint32_t handle, probe;
	long closes = 0;
	pthread_t th;

	r.bb = end_batch(_metadata, self->fd, &r.len);
	/* Handle 0 names no BO: ENOENT until the first one exists. */
	ASSERT_EQ(0, pthread_create(&th, NULL, close_race_exec, &r));
	while (tgem_now_ns() < end && !r.err) {
		size = PAGE;
		if (tgem_bo_create(self->fd, &size, PLACE_SYS, 0, &handle))
			break;
		r.handle = handle;
		/* Let the execbuf thread find this handle, sometimes. */
		if (closes & 1)
			sched_yield();
		if (tgem_gem_close(self->fd, handle))
			break;
		closes++;
	}
	r.stop = 1;
	pthread_join(th, NULL);
	ASSERT_EQ(0, r.err);
	ASSERT_LT(0, r.execs);
	TH_LOG("%ld closes, %ld execbufs, %ld ENOENT", closes, r.execs, r.enoent);
	ASSERT_EQ(0, wait_idle(self->fd, r.bb));

	/* Every BO but the batch is closed: nothing may hold an address. */
	probe = create(_metadata, self->fd, PAGE, PLACE_SYS);
	ASSERT_EQ(0, exec_end_with(self->fd, self->ctx, probe, &addr, r.bb,
				   BB_ADDR, r.len));
	ASSERT_EQ(PAGE, addr);
	ASSERT_EQ(0, wait_idle(self->fd, r.bb));
}

/* Write a tgem_batch to the start of @handle. */
static void upload_mi(struct __test_metadata *_metadata, int fd,
		      uint32_t handle, const struct tgem_batch *b)
{
	uint32_t *p = map(_metadata, fd, handle, PAGE);

	memcpy(p, b->dw, b->n * 4);
	munmap(p, PAGE);
}

/*
 * Implicit sync between two contexts of one file: a job of context b that
 * writes a BO must wait until the job of context a that reads it has
 * finished, not only until that job was handed to the engine. Context a
 * spins on a semaphore in the BO until the CPU releases it. drm_sched
 * lets a dependency on a job of the same scheduler end at "scheduled"
 * unless the fence says DONT_PIPELINE; before tgem_job_arm() set that,
 * context b's store landed while context a still spun.
 */
TEST_F(exec, implicit_sync_across_contexts)
{
	uint32_t ctx_b, sem, flag, t, bb_spin, bb_store, hs[3], ht[3];
	struct tgem_batch spin = {}, st = {};
	volatile uint32_t *sp, *fp, *tp;
	int64_t start;

	ASSERT_EQ(0, tgem_ctx_create(self->fd, &ctx_b));
	sem = create(_metadata, self->fd, PAGE, PLACE_SYS);
	flag = create(_metadata, self->fd, PAGE, PLACE_SYS);
	t = create(_metadata, self->fd, PAGE, PLACE_SYS);
	bb_spin = create(_metadata, self->fd, PAGE, PLACE_SYS);
	bb_store = create(_metadata, self->fd, PAGE, PLACE_SYS);

	tgem_store_dword(&spin, TGEM_PIN_ADDR(flag), 1);
	tgem_emit(&spin, MI_SEMAPHORE_WAIT | SAD(SAD_EQ_SDD));
	tgem_emit(&spin, 1);
	tgem_emit_addr(&spin, TGEM_PIN_ADDR(sem));
	tgem_emit(&spin, MI_BATCH_BUFFER_END);
	upload_mi(_metadata, self->fd, bb_spin, &spin);
	tgem_store_dword(&st, TGEM_PIN_ADDR(t), 0x5eed);
	tgem_emit(&st, MI_BATCH_BUFFER_END);
	upload_mi(_metadata, self->fd, bb_store, &st);

	sp = map(_metadata, self->fd, sem, PAGE);
	fp = map(_metadata, self->fd, flag, PAGE);
	tp = map(_metadata, self->fd, t, PAGE);
	hs[0] = bb_spin, hs[1] = sem, hs[2] = flag;
	ht[0] = bb_store, ht[1] = sem, ht[2] = t;
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, hs, 3, 0, 1u << 2,
					spin.n * 4));
	for (start = tgem_now_ns(); *fp != 1 && tgem_now_ns() - start < 20 * SEC;)
		usleep(1000);
	ASSERT_EQ(1u, *fp) TH_LOG("the spinning batch never started");

	/* Context b writes the semaphore BO: it must wait. */
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, ctx_b, ht, 3, 0, 3u << 1,
					st.n * 4));
	usleep(300000);
	EXPECT_EQ(-ETIME, tgem_bo_wait(self->fd, t, 0));
	EXPECT_EQ(0u, tp[0]) TH_LOG("context b ran while context a still read");

	sp[0] = 1;
	ASSERT_EQ(0, wait_idle(self->fd, t));
	EXPECT_EQ(0x5eedu, tp[0]);
	munmap((void *)sp, PAGE);
	munmap((void *)fp, PAGE);
	munmap((void *)tp, PAGE);
}

int main(int argc, char **argv)
{
	if (tgem_exec_stats_path(stats_path, sizeof(stats_path))) {
		printf("1..0 # SKIP no tgem_exec_stats in debugfs\n");
		return KSFT_SKIP;
	}
	return test_harness_run(argc, argv);
}
