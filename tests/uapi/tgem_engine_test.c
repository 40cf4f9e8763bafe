// SPDX-License-Identifier: MIT
/*
 * tgem_engine_test.c - kselftest suite for contexts and the software engine
 *
 * Contexts through their ioctls (every errno, ids from 1 per file); every
 * command the engine knows, end to end through DRM_IOCTL_TGEM_EXECBUF into
 * a system BO and a VRAM BO, read back through mmap; faults that change
 * nothing and do not ban; XY_FAST_COPY_BLT across pages between system
 * and VRAM BOs, and every bad blit faulting its job with nothing written;
 * two contexts meeting on a semaphore; a hanging
 * batch stopped and its context banned while another context finishes;
 * closing a file with jobs queued and running.
 *
 * The batches use softpinned addresses (DRM_TGEM_EXEC_OBJECT_PINNED), so
 * they need no relocations. Needs a tgem device; the VRAM cases skip
 * without VRAM. Run as root, the hang test shortens tgem.job_timeout_ms
 * for its duration.
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
#include <unistd.h>

#include "tgem_mi.h"
#include "tgem_util.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define PAGE		4096u
#define BO_SIZE		(4 * PAGE)
#define SEC		1000000000ll
#define PLACE_SYS	DRM_TGEM_PLACEMENT_SYSTEM
#define PLACE_VRAM	DRM_TGEM_PLACEMENT_VRAM
#define TIMEOUT_PARAM	"/sys/module/tgem/parameters/job_timeout_ms"

/*
 * Softpinned addresses: each BO at 1 MiB times its handle, so no two BOs
 * of a file overlap (a binding stays while the handle lives) and page 0
 * stays unmapped (handles start at 1).
 */
#define ADDR(h)		TGEM_PIN_ADDR(h)

static void bb_start(struct tgem_batch *b, uint64_t addr, uint32_t flags)
{
	tgem_emit(b, MI_BATCH_BUFFER_START | MI_BATCH_PPGTT | flags);
	tgem_emit_addr(b, addr);
}

static void semaphore(struct tgem_batch *b, int op, uint32_t data, uint64_t addr)
{
	tgem_emit(b, MI_SEMAPHORE_WAIT | SAD(op));
	tgem_emit(b, data);
	tgem_emit_addr(b, addr);
}

static uint32_t end(struct tgem_batch *b)
{
	tgem_emit(b, MI_BATCH_BUFFER_END);
	return b->n * 4;
}

static uint32_t create(struct __test_metadata *_metadata, int fd,
		       uint32_t placement)
{
	uint64_t size = BO_SIZE;
	uint32_t handle = 0;

	ASSERT_EQ(0, tgem_bo_create(fd, &size, placement, 0, &handle));
	return handle;
}

static uint32_t *map(struct __test_metadata *_metadata, int fd,
		     uint32_t handle)
{
	void *p = tgem_bo_map(fd, handle, BO_SIZE);

	ASSERT_NE(MAP_FAILED, p);
	return p;
}

static void upload(struct __test_metadata *_metadata, int fd, uint32_t handle,
		   uint64_t offset, const struct tgem_batch *b)
{
	uint32_t *p = map(_metadata, fd, handle);

	memcpy((char *)p + offset, b->dw, b->n * 4);
	munmap(p, BO_SIZE);
}

static int wait_idle(int fd, uint32_t handle, int64_t ns)
{
	return tgem_bo_wait(fd, handle, tgem_now_ns() + ns);
}

/* The engine's debugfs counters; -errno when debugfs is not there. */
struct engine_stats {
	long long completed;
	long long faulted;
	long long timedout;
	long long cancelled;
};

static int engine_stats(struct engine_stats *st)
{
	const struct tgem_stat_key keys[] = {
		{ "completed", &st->completed },
		{ "faulted", &st->faulted },
		{ "timedout", &st->timedout },
		{ "cancelled", &st->cancelled },
	};
	char path[256];

	memset(st, 0, sizeof(*st));
	if (tgem_debugfs_path("tgem_engine_stats", path, sizeof(path)))
		return -ENOENT;
	return tgem_stats_read(path, keys, sizeof(keys) / sizeof(keys[0]));
}

/* --- contexts -------------------------------------------------------- */

FIXTURE(ctx) {
	int fd;
};

FIXTURE_SETUP(ctx)
{
	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd) TH_LOG("no tgem render node");
}

FIXTURE_TEARDOWN(ctx)
{
	close(self->fd);
}

TEST_F(ctx, ids_start_at_one_per_file)
{
	uint32_t a = 0, b = 0, c = 0;
	int fd2;

	ASSERT_EQ(0, tgem_ctx_create(self->fd, &a));
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &b));
	ASSERT_EQ(1, a);
	ASSERT_EQ(2, b);

	/* Ids are per file: another file starts at 1 too ... */
	fd2 = tgem_open(NULL, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, tgem_ctx_create(fd2, &c));
	ASSERT_EQ(1, c);
	/* ... and cannot destroy this file's contexts. */
	ASSERT_EQ(-ENOENT, tgem_ctx_destroy(fd2, 2));
	close(fd2);

	/* Freed ids are reused, lowest first. */
	ASSERT_EQ(0, tgem_ctx_destroy(self->fd, a));
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &c));
	ASSERT_EQ(a, c);
	ASSERT_EQ(0, tgem_ctx_destroy(self->fd, b));
	ASSERT_EQ(0, tgem_ctx_destroy(self->fd, c));
}

TEST_F(ctx, create_errnos)
{
	struct drm_tgem_context_create c;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.extensions = 1;
	c.ctx_id = 0x5a5a;
	ASSERT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_CONTEXT_CREATE, &c));
	ASSERT_EQ(0x5a5a, c.ctx_id);

	for (i = 0; i < 32; i++) {
		memset(&c, 0, sizeof(c));
		c.flags = 1u << i;
		ASSERT_EQ(-EINVAL, tgem_ioctl(self->fd,
					      DRM_IOCTL_TGEM_CONTEXT_CREATE, &c));
	}
	for (i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		c.reserved[i] = 1;
		ASSERT_EQ(-EINVAL, tgem_ioctl(self->fd,
					      DRM_IOCTL_TGEM_CONTEXT_CREATE, &c));
	}
	/* None of the refused calls left a context behind. */
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_CONTEXT_CREATE, &c));
	ASSERT_EQ(1, c.ctx_id);
}

TEST_F(ctx, destroy_errnos)
{
	struct drm_tgem_context_destroy d;
	uint32_t id;

	ASSERT_EQ(0, tgem_ctx_create(self->fd, &id));

	ASSERT_EQ(-ENOENT, tgem_ctx_destroy(self->fd, 0));
	ASSERT_EQ(-ENOENT, tgem_ctx_destroy(self->fd, id + 1));
	ASSERT_EQ(-ENOENT, tgem_ctx_destroy(self->fd, UINT32_MAX));

	memset(&d, 0, sizeof(d));
	d.ctx_id = id;
	d.extensions = 1;
	ASSERT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_CONTEXT_DESTROY, &d));
	d.extensions = 0;
	d.flags = 1;
	ASSERT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_CONTEXT_DESTROY, &d));
	d.flags = 0;
	d.reserved[1] = 1;
	ASSERT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_CONTEXT_DESTROY, &d));

	/* The refused calls did not destroy it; this one does, once. */
	ASSERT_EQ(0, tgem_ctx_destroy(self->fd, id));
	ASSERT_EQ(-ENOENT, tgem_ctx_destroy(self->fd, id));
}

TEST_F(ctx, execbuf_on_destroyed_context)
{
	uint32_t bb = create(_metadata, self->fd, PLACE_SYS);
	struct tgem_batch b = {};
	uint32_t id, len;

	len = end(&b);
	upload(_metadata, self->fd, bb, 0, &b);
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &id));
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, id, &bb, 1, 0, 0, len));
	ASSERT_EQ(0, tgem_ctx_destroy(self->fd, id));
	ASSERT_EQ(-ENOENT, tgem_submit_pinned(self->fd, id, &bb, 1, 0, 0, len));
	ASSERT_EQ(-ENOENT, tgem_submit_pinned(self->fd, 0, &bb, 1, 0, 0, len));
	ASSERT_EQ(0, wait_idle(self->fd, bb, 20 * SEC));
}

TEST_F(ctx, limit_per_file)
{
	uint32_t id = 0, i;

	for (i = 1; i <= 4096; i++) {
		ASSERT_EQ(0, tgem_ctx_create(self->fd, &id));
		ASSERT_EQ(i, id);
	}
	ASSERT_EQ(-ENOSPC, tgem_ctx_create(self->fd, &id));
	ASSERT_EQ(0, tgem_ctx_destroy(self->fd, 77));
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &id));
	ASSERT_EQ(77, id);
	/* Closing the file destroys all 4096. */
}

/* --- the engine, end to end ------------------------------------------ */

FIXTURE(engine) {
	int fd;
	int has_vram;
	uint32_t ctx;
	unsigned int old_timeout;	/* to restore, or 0 */
};

FIXTURE_SETUP(engine)
{
	struct tgem_config cfg;

	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd) TH_LOG("no tgem render node");
	ASSERT_EQ(0, tgem_query_config(self->fd, &cfg));
	self->has_vram = !!(cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM);
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &self->ctx));
}

static int write_param(unsigned int v);

FIXTURE_TEARDOWN(engine)
{
	if (self->old_timeout)
		write_param(self->old_timeout);
	close(self->fd);
}

/*
 * Every command: object 0 is the batch, object 1 the target (written),
 * object 2 a read-only source. All three in @placement.
 */
static void every_command(struct __test_metadata *_metadata, int fd,
			  uint32_t ctx, uint32_t placement)
{
	uint32_t h[3] = {
		create(_metadata, fd, placement),
		create(_metadata, fd, placement),
		create(_metadata, fd, placement),
	};
	const uint64_t dst = ADDR(h[1]), src = ADDR(h[2]);
	struct tgem_batch b = {}, second = {}, chained = {};
	uint32_t *p, len;
	unsigned int i, x, y;
	int op;

	/* The source: a semaphore value, a dword to copy, a 64 x 4 image. */
	p = map(_metadata, fd, h[2]);
	p[0] = 5;
	p[1] = 0xc0b1c0b1;
	for (i = 0; i < 64 * 4; i++)
		p[PAGE / 4 + i] = 0x1000000 + i;
	munmap(p, BO_SIZE);

	tgem_emit(&b, MI_NOOP);
	tgem_emit(&b, MI_ARB_CHECK);
	tgem_store_dword(&b, dst + 0x0, 0xdeadbeef);
	tgem_emit(&b, MI_STORE_QWORD_IMM);
	tgem_emit_addr(&b, dst + 0x8);
	tgem_emit(&b, 0x89abcdef);
	tgem_emit(&b, 0x01234567);
	tgem_emit(&b, MI_COPY_MEM_MEM);
	tgem_emit_addr(&b, dst + 0x10);
	tgem_emit_addr(&b, src + 0x4);
	/* Every compare op, each true for the semaphore value 5. */
	for (op = SAD_GT_SDD; op <= SAD_NEQ_SDD; op++) {
		static const uint32_t data[] = { 4, 5, 6, 5, 5, 7 };

		semaphore(&b, op, data[op], src);
		tgem_store_dword(&b, dst + 0x20 + 4 * op, 0x100 + op);
	}
	/* A second-level batch at +0x800, which returns here. */
	bb_start(&b, ADDR(h[0]) + 0x800, MI_BATCH_SECOND_LEVEL);
	tgem_store_dword(&b, dst + 0x44, 0x44);
	/* A 32 x 3 rectangle at (8, 1) of the image to (4, 2), pitch 1 KiB. */
	tgem_emit(&b, XY_FAST_COPY_BLT);
	tgem_emit(&b, BLT_DEPTH_32 | 1024);
	tgem_emit(&b, (2u << 16) | 4);
	tgem_emit(&b, (5u << 16) | 36);
	tgem_emit_addr(&b, dst + PAGE);
	tgem_emit(&b, (1u << 16) | 8);
	tgem_emit(&b, 256);
	tgem_emit_addr(&b, src + PAGE);
	/* Chain to +0xc00, which ends the batch. */
	bb_start(&b, ADDR(h[0]) + 0xc00, 0);
	tgem_store_dword(&b, dst + 0x4c, 0xbad);	/* never runs */
	len = end(&b);

	tgem_store_dword(&second, dst + 0x40, 0x40);
	end(&second);
	tgem_store_dword(&chained, dst + 0x48, 0x48);
	end(&chained);

	upload(_metadata, fd, h[0], 0, &b);
	upload(_metadata, fd, h[0], 0x800, &second);
	upload(_metadata, fd, h[0], 0xc00, &chained);

	ASSERT_EQ(0, tgem_submit_pinned(fd, ctx, h, 3, 0, 1u << 1, len));
	ASSERT_EQ(0, wait_idle(fd, h[1], 20 * SEC));

	p = map(_metadata, fd, h[1]);
	ASSERT_EQ(0xdeadbeef, p[0]);
	ASSERT_EQ(0, p[1]);
	ASSERT_EQ(0x89abcdef, p[2]);
	ASSERT_EQ(0x01234567, p[3]);
	ASSERT_EQ(0xc0b1c0b1, p[4]);
	for (op = SAD_GT_SDD; op <= SAD_NEQ_SDD; op++)
		ASSERT_EQ(0x100 + op, p[8 + op]);
	ASSERT_EQ(0x40, p[0x40 / 4]);
	ASSERT_EQ(0x44, p[0x44 / 4]);
	ASSERT_EQ(0x48, p[0x48 / 4]);
	ASSERT_EQ(0, p[0x4c / 4]);
	for (y = 0; y < 8; y++) {
		for (x = 0; x < 256; x++) {
			uint32_t got = p[(PAGE + y * 1024) / 4 + x];
			int in = y >= 2 && y < 5 && x >= 4 && x < 36;
			uint32_t want = in ? 0x1000000 + (y - 1) * 64 + (x - 4 + 8) : 0;

			ASSERT_EQ(want, got) TH_LOG("pixel %u,%u", x, y);
		}
	}
	munmap(p, BO_SIZE);
	/* The read-only source is untouched. */
	p = map(_metadata, fd, h[2]);
	ASSERT_EQ(5, p[0]);
	munmap(p, BO_SIZE);
}

TEST_F(engine, every_command_system)
{
	every_command(_metadata, self->fd, self->ctx, PLACE_SYS);
}

TEST_F(engine, every_command_vram)
{
	if (!self->has_vram)
		SKIP(return, "no VRAM");
	every_command(_metadata, self->fd, self->ctx, PLACE_VRAM);
}

/* A fault ends the job, writes nothing more, and does not ban. */
TEST_F(engine, faults)
{
	uint32_t h[2] = { create(_metadata, self->fd, PLACE_SYS),
			  create(_metadata, self->fd, PLACE_SYS) };
	static const uint32_t bad[] = {
		MI_INSTR(0x22, 1),	/* MI_LOAD_REGISTER_IMM: unknown */
		3u << 29,		/* a 3D command */
		MI_INSTR(0x1c, 2),	/* semaphore in signal mode */
	};
	struct engine_stats st0, st;
	int have_stats = !engine_stats(&st0);
	struct tgem_batch b;
	uint32_t *p, len;
	unsigned int i;

	/* A write to an object without the WRITE flag. */
	memset(&b, 0, sizeof(b));
	tgem_store_dword(&b, ADDR(h[1]), 1);
	tgem_store_dword(&b, ADDR(h[1]) + 4, 2);
	len = end(&b);
	upload(_metadata, self->fd, h[0], 0, &b);
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h, 2, 0, 0, len));
	ASSERT_EQ(0, wait_idle(self->fd, h[0], 20 * SEC));

	/* Outside every object, then a store that would have worked. */
	memset(&b, 0, sizeof(b));
	tgem_store_dword(&b, ADDR(h[1]) + 0x80000, 1);	/* between bindings */
	tgem_store_dword(&b, ADDR(h[1]) + 8, 3);
	len = end(&b);
	upload(_metadata, self->fd, h[0], 0, &b);
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h, 2, 0, 1u << 1, len));
	ASSERT_EQ(0, wait_idle(self->fd, h[1], 20 * SEC));

	for (i = 0; i < 3; i++) {
		memset(&b, 0, sizeof(b));
		tgem_emit(&b, bad[i]);
		tgem_emit(&b, 0);
		tgem_emit(&b, 0);
		tgem_emit(&b, 0);
		tgem_store_dword(&b, ADDR(h[1]) + 12, 4);
		len = end(&b);
		upload(_metadata, self->fd, h[0], 0, &b);
		ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h, 2, 0, 1u << 1, len));
		ASSERT_EQ(0, wait_idle(self->fd, h[1], 20 * SEC));
	}

	p = map(_metadata, self->fd, h[1]);
	for (i = 0; i < BO_SIZE / 4; i++)
		ASSERT_EQ(0, p[i]) TH_LOG("dword %u written", i);
	munmap(p, BO_SIZE);
	if (have_stats) {
		ASSERT_EQ(0, engine_stats(&st));
		ASSERT_EQ(st0.faulted + 5, st.faulted);
		ASSERT_EQ(st0.completed, st.completed);
		ASSERT_EQ(st0.timedout, st.timedout);
	}

	/* Faults do not ban: the context still runs work. */
	memset(&b, 0, sizeof(b));
	tgem_store_dword(&b, ADDR(h[1]) + 16, 5);
	len = end(&b);
	upload(_metadata, self->fd, h[0], 0, &b);
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h, 2, 0, 1u << 1, len));
	ASSERT_EQ(0, wait_idle(self->fd, h[1], 20 * SEC));
	p = map(_metadata, self->fd, h[1]);
	ASSERT_EQ(5, p[4]);
	munmap(p, BO_SIZE);
}

/* --- XY_FAST_COPY_BLT, the engine's block copy ------------------------ */

#define BLT_SIZE	(64 * 1024u)
#define BLT_DEPTH_8	(0u << 24)

static uint32_t create_sz(struct __test_metadata *_metadata, int fd,
			  uint32_t placement, uint64_t size)
{
	uint32_t handle = 0;

	ASSERT_EQ(0, tgem_bo_create(fd, &size, placement, 0, &handle));
	return handle;
}

/* A linear XY_FAST_COPY_BLT of @w x @h pixels of colour depth @depth. */
static void blt(struct tgem_batch *b, uint32_t depth, uint64_t dst,
		uint32_t dst_pitch, uint32_t dx, uint32_t dy, uint32_t w,
		uint32_t h, uint64_t src, uint32_t src_pitch, uint32_t sx,
		uint32_t sy)
{
	tgem_emit(b, XY_FAST_COPY_BLT);
	tgem_emit(b, depth | dst_pitch);
	tgem_emit(b, (dy << 16) | dx);
	tgem_emit(b, ((dy + h) << 16) | (dx + w));
	tgem_emit_addr(b, dst);
	tgem_emit(b, (sy << 16) | sx);
	tgem_emit(b, src_pitch);
	tgem_emit_addr(b, src);
}

/*
 * 15 rows of 3,000 bytes, pitches 4,100 and 3,900, at unaligned x: every
 * row crosses a page boundary on both sides. Every byte of the
 * destination is checked: the rectangle holds the source's bytes, the
 * rest its old contents.
 */
static void blit_copy(struct __test_metadata *_metadata, int fd, uint32_t ctx,
		      uint32_t src_place, uint32_t dst_place)
{
	uint32_t h[3] = {
		create(_metadata, fd, PLACE_SYS),
		create_sz(_metadata, fd, dst_place, BLT_SIZE),
		create_sz(_metadata, fd, src_place, BLT_SIZE),
	};
	const uint32_t dp = 4100, sp = 3900, dx = 7, dy = 1, sx = 100, sy = 2;
	const uint32_t w = 3000, rows = 15;
	struct tgem_batch b = {};
	uint8_t *src, *dst;
	uint32_t len, x, y;

	src = tgem_bo_map(fd, h[2], BLT_SIZE);
	dst = tgem_bo_map(fd, h[1], BLT_SIZE);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(MAP_FAILED, dst);
	tgem_fill(src, BLT_SIZE, 0xb17);
	memset(dst, 0x5a, BLT_SIZE);

	blt(&b, BLT_DEPTH_8, ADDR(h[1]), dp, dx, dy, w, rows, ADDR(h[2]), sp,
	    sx, sy);
	len = end(&b);
	upload(_metadata, fd, h[0], 0, &b);
	ASSERT_EQ(0, tgem_submit_pinned(fd, ctx, h, 3, 0, 1u << 1, len));
	ASSERT_EQ(0, wait_idle(fd, h[1], 20 * SEC));

	for (y = 0; y * dp < BLT_SIZE; y++) {
		for (x = 0; x < dp && y * dp + x < BLT_SIZE; x++) {
			int in = y >= dy && y < dy + rows && x >= dx && x < dx + w;
			uint8_t want = in ? src[(y - dy + sy) * sp + x - dx + sx] : 0x5a;

			ASSERT_EQ(want, dst[y * dp + x])
				TH_LOG("byte %u of row %u, placements %u to %u",
				       x, y, src_place, dst_place);
		}
	}
	munmap(src, BLT_SIZE);
	munmap(dst, BLT_SIZE);
	for (x = 0; x < 3; x++)
		tgem_gem_close(fd, h[x]);
}

TEST_F(engine, blit_copy_system)
{
	blit_copy(_metadata, self->fd, self->ctx, PLACE_SYS, PLACE_SYS);
}

TEST_F(engine, blit_copy_vram)
{
	if (!self->has_vram)
		SKIP(return, "no VRAM");
	blit_copy(_metadata, self->fd, self->ctx, PLACE_SYS, PLACE_VRAM);
	blit_copy(_metadata, self->fd, self->ctx, PLACE_VRAM, PLACE_SYS);
	blit_copy(_metadata, self->fd, self->ctx, PLACE_VRAM, PLACE_VRAM);
}

/*
 * Every bad blit faults its job before writing a byte: the destination
 * keeps its contents, the fault counter grows by one per job, and the
 * context still runs work.
 */
TEST_F(engine, blit_bad_inputs_write_nothing)
{
	uint32_t h[3] = {
		create(_metadata, self->fd, PLACE_SYS),
		create(_metadata, self->fd, PLACE_SYS),	/* dst, BO_SIZE */
		create(_metadata, self->fd, PLACE_SYS),	/* src, BO_SIZE */
	};
	const uint64_t dst = ADDR(h[1]), src = ADDR(h[2]);
	struct engine_stats st0, st;
	int have_stats = !engine_stats(&st0);
	const int ncases = 7;
	struct tgem_batch b;
	uint32_t *p, len;
	int i;

	p = map(_metadata, self->fd, h[1]);
	memset(p, 0x77, BO_SIZE);
	munmap(p, BO_SIZE);

	for (i = 0; i < ncases; i++) {
		uint32_t writable = 1u << 1;

		memset(&b, 0, sizeof(b));
		switch (i) {
		case 0:	/* the last source row starts past the source BO */
			blt(&b, BLT_DEPTH_8, dst, 64, 0, 0, 64, 5, src, PAGE, 0, 0);
			break;
		case 1:	/* the only row runs past the end of the destination */
			blt(&b, BLT_DEPTH_8, dst + BO_SIZE - 32, 0, 0, 0, 64, 1,
			    src, 0, 0, 0);
			break;
		case 2:	/* the destination is not marked WRITE */
			blt(&b, BLT_DEPTH_8, dst, 64, 0, 0, 64, 4, src, 64, 0, 0);
			writable = 0;
			break;
		case 3:	/* source and destination overlap in one BO */
			blt(&b, BLT_DEPTH_8, dst + 8, 64, 0, 0, 64, 4, dst, 64, 0, 0);
			break;
		case 4:	/* a tiled destination is not in the subset */
			blt(&b, BLT_DEPTH_8, dst, 64, 0, 0, 64, 4, src, 64, 0, 0);
			b.dw[0] |= 1u << 13;
			break;
		case 5:	/* a destination address that is not dword aligned */
			blt(&b, BLT_DEPTH_8, dst + 2, 64, 0, 0, 64, 4, src, 64, 0, 0);
			break;
		case 6:	/* the rectangle's rows land in the gap after the BO */
			blt(&b, BLT_DEPTH_32, dst, 0xffff, 0, 0, 16, 3, src, 0, 0, 0);
			break;
		}
		len = end(&b);
		upload(_metadata, self->fd, h[0], 0, &b);
		ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h, 3, 0, writable, len));
		ASSERT_EQ(0, wait_idle(self->fd, h[1], 20 * SEC));
	}

	p = map(_metadata, self->fd, h[1]);
	for (i = 0; i < (int)(BO_SIZE / 4); i++)
		ASSERT_EQ(0x77777777u, p[i]) TH_LOG("dword %d written", i);
	munmap(p, BO_SIZE);
	if (have_stats) {
		ASSERT_EQ(0, engine_stats(&st));
		ASSERT_EQ(st0.faulted + ncases, st.faulted);
		ASSERT_EQ(st0.completed, st.completed);
	}

	/* Faults do not ban: a good blit on the same context runs. */
	memset(&b, 0, sizeof(b));
	blt(&b, BLT_DEPTH_8, dst, 64, 0, 0, 64, 4, src, 64, 0, 0);
	len = end(&b);
	upload(_metadata, self->fd, h[0], 0, &b);
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h, 3, 0, 1u << 1, len));
	ASSERT_EQ(0, wait_idle(self->fd, h[1], 20 * SEC));
	p = map(_metadata, self->fd, h[1]);
	ASSERT_EQ(0u, p[0]);	/* the source BO is zeroed */
	ASSERT_EQ(0x77777777u, p[64]);
	munmap(p, BO_SIZE);
}

/*
 * A semaphore the CPU releases: the batch polls until the dword (mapped
 * and faulted in before the submit) changes. Another context on the same
 * BO would wait for the job's fence (implicit sync), so the KUnit suite
 * tgem_sched covers two contexts meeting on a semaphore.
 */
TEST_F(engine, semaphore_released_by_cpu)
{
	uint32_t bb = create(_metadata, self->fd, PLACE_SYS);
	uint32_t sem = create(_metadata, self->fd, PLACE_SYS);
	uint32_t h[2] = { bb, sem };
	volatile uint32_t *p;
	struct tgem_batch w = {};
	uint32_t len;

	p = map(_metadata, self->fd, sem);
	p[0] = 1;
	semaphore(&w, SAD_GTE_SDD, 42, ADDR(sem));
	tgem_store_dword(&w, ADDR(sem) + 4, 43);
	len = end(&w);
	upload(_metadata, self->fd, bb, 0, &w);

	ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h, 2, 0, 1u << 1, len));
	usleep(200000);
	ASSERT_EQ(-ETIME, wait_idle(self->fd, sem, 0));
	ASSERT_EQ(0, p[1]);
	p[0] = 42;
	ASSERT_EQ(0, wait_idle(self->fd, sem, 20 * SEC));
	ASSERT_EQ(43, p[1]);
	munmap((void *)p, BO_SIZE);
}

static int read_param(unsigned int *v)
{
	FILE *f = fopen(TIMEOUT_PARAM, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%u", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int write_param(unsigned int v)
{
	FILE *f = fopen(TIMEOUT_PARAM, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fprintf(f, "%u\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/*
 * A batch that jumps to itself forever is stopped after the job timeout
 * and bans its context; a second job queued on it does not run; another
 * context's work finishes meanwhile.
 */
TEST_F(engine, hang_is_banned_while_other_context_finishes)
{
	uint32_t hang = create(_metadata, self->fd, PLACE_SYS);
	uint32_t after = create(_metadata, self->fd, PLACE_SYS);
	uint32_t ok_bb = create(_metadata, self->fd, PLACE_SYS);
	uint32_t target = create(_metadata, self->fd, PLACE_SYS);
	uint32_t target2 = create(_metadata, self->fd, PLACE_SYS);
	uint32_t h_hang[1] = { hang }, h_after[2] = { after, target2 };
	uint32_t h_ok[2] = { ok_bb, target };
	unsigned int timeout = 5000;
	struct engine_stats st0, st;
	int have_stats = !engine_stats(&st0);
	struct tgem_batch l = {}, s = {}, a = {};
	uint32_t ll, ls, la, bad, *p;
	int64_t t0, waited;

	/* Shorter than the default; the teardown restores it. */
	if (!read_param(&self->old_timeout) && !write_param(1000))
		timeout = 1000;

	ASSERT_EQ(0, tgem_ctx_create(self->fd, &bad));
	tgem_emit(&l, MI_ARB_CHECK);
	bb_start(&l, ADDR(hang), 0);
	ll = end(&l);
	tgem_store_dword(&a, ADDR(target2), 0xbad);
	la = end(&a);
	tgem_store_dword(&s, ADDR(target), 0x600d);
	ls = end(&s);
	upload(_metadata, self->fd, hang, 0, &l);
	upload(_metadata, self->fd, after, 0, &a);
	upload(_metadata, self->fd, ok_bb, 0, &s);

	t0 = tgem_now_ns();
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, bad, h_hang, 1, 0, 0, ll));
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, bad, h_after, 2, 0, 1u << 1, la));
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h_ok, 2, 0, 1u << 1, ls));

	/* The other context is not held up by the hang. */
	ASSERT_EQ(0, wait_idle(self->fd, ok_bb, 20 * SEC));
	p = map(_metadata, self->fd, target);
	ASSERT_EQ(0x600d, p[0]);
	ASSERT_EQ(-ETIME, wait_idle(self->fd, hang, 0));

	/* The hang ends after about the timeout (never before it). */
	ASSERT_EQ(0, wait_idle(self->fd, hang, 60 * SEC));
	waited = (tgem_now_ns() - t0) / 1000000;
	ASSERT_LE(timeout * 9 / 10, waited);
	munmap(p, BO_SIZE);
	ASSERT_EQ(0, wait_idle(self->fd, target2, 20 * SEC));
	/* The job queued behind it on the banned context did not run. */
	p = map(_metadata, self->fd, target2);
	ASSERT_EQ(0, p[0]);
	munmap(p, BO_SIZE);
	if (have_stats) {
		ASSERT_EQ(0, engine_stats(&st));
		ASSERT_EQ(st0.timedout + 1, st.timedout);
		ASSERT_EQ(st0.cancelled + 1, st.cancelled);
		ASSERT_EQ(st0.completed + 1, st.completed);
		ASSERT_EQ(st0.faulted, st.faulted);
	}

	ASSERT_EQ(-EIO, tgem_submit_pinned(self->fd, bad, h_ok, 2, 0, 1u << 1, ls));
	/* Destroying a banned context works; the other one still runs. */
	ASSERT_EQ(0, tgem_ctx_destroy(self->fd, bad));
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, self->ctx, h_ok, 2, 0, 1u << 1, ls));
	ASSERT_EQ(0, wait_idle(self->fd, ok_bb, 20 * SEC));
}

static int prime_export(int fd, uint32_t handle, int *dmabuf)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC };
	int ret = tgem_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	*dmabuf = p.fd;
	return ret;
}

static int prime_import(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int ret = tgem_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	*handle = p.handle;
	return ret;
}

/*
 * Close a file with work running and queued on two of its contexts:
 * context a hangs on a semaphore nobody releases, with stores queued
 * behind it; context b's stores have nothing to wait for. The stores of b
 * land (seen through a PRIME import in another file); a's hang ends at
 * its timeout and the stores behind it never run; nothing is left behind.
 */
TEST_F(engine, close_with_jobs_in_flight)
{
	uint32_t sem, t_a, t_b, bb_wait, bb_a, bb_b, ctx_a, ctx_b, imp_a, imp_b;
	uint32_t hw[2], ha[2], hb[2];
	struct engine_stats st0, st;
	int have_stats = !engine_stats(&st0);
	struct tgem_batch w = {}, sa = {}, sb = {};
	int fd2, buf_a, buf_b, i;
	uint32_t lw, ls, *p;

	fd2 = tgem_open(NULL, 0);
	ASSERT_LE(0, fd2);
	sem = create(_metadata, fd2, PLACE_SYS);
	t_a = create(_metadata, fd2, PLACE_SYS);
	t_b = create(_metadata, fd2, PLACE_SYS);
	bb_wait = create(_metadata, fd2, PLACE_SYS);
	bb_a = create(_metadata, fd2, PLACE_SYS);
	bb_b = create(_metadata, fd2, PLACE_SYS);
	ASSERT_EQ(0, prime_export(fd2, t_a, &buf_a));
	ASSERT_EQ(0, prime_export(fd2, t_b, &buf_b));
	ASSERT_EQ(0, tgem_ctx_create(fd2, &ctx_a));
	ASSERT_EQ(0, tgem_ctx_create(fd2, &ctx_b));

	semaphore(&w, SAD_EQ_SDD, 1, ADDR(sem));
	lw = end(&w);
	upload(_metadata, fd2, bb_wait, 0, &w);
	tgem_store_dword(&sa, ADDR(t_a), 0x51);
	ls = end(&sa);
	upload(_metadata, fd2, bb_a, 0, &sa);
	tgem_store_dword(&sb, ADDR(t_b), 0x51);
	end(&sb);
	upload(_metadata, fd2, bb_b, 0, &sb);

	hw[0] = bb_wait;
	hw[1] = sem;
	ha[0] = bb_a;
	ha[1] = t_a;
	hb[0] = bb_b;
	hb[1] = t_b;
	ASSERT_EQ(0, tgem_submit_pinned(fd2, ctx_a, hw, 2, 0, 0, lw));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, tgem_submit_pinned(fd2, ctx_a, ha, 2, 0, 1u << 1, ls));
		ASSERT_EQ(0, tgem_submit_pinned(fd2, ctx_b, hb, 2, 0, 1u << 1, ls));
	}
	ASSERT_EQ(0, close(fd2));

	ASSERT_EQ(0, prime_import(self->fd, buf_a, &imp_a));
	ASSERT_EQ(0, prime_import(self->fd, buf_b, &imp_b));
	close(buf_a);
	close(buf_b);

	ASSERT_EQ(0, wait_idle(self->fd, imp_b, 20 * SEC));
	p = map(_metadata, self->fd, imp_b);
	ASSERT_EQ(0x51, p[0]);
	munmap(p, BO_SIZE);

	ASSERT_EQ(0, wait_idle(self->fd, imp_a, 60 * SEC));
	p = map(_metadata, self->fd, imp_a);
	ASSERT_EQ(0, p[0]);
	munmap(p, BO_SIZE);
	if (have_stats) {
		ASSERT_EQ(0, engine_stats(&st));
		ASSERT_EQ(st0.timedout + 1, st.timedout);
		ASSERT_EQ(st0.cancelled + 8, st.cancelled);
		ASSERT_EQ(st0.completed + 8, st.completed);
	}

	/* The device still runs work. */
	every_command(_metadata, self->fd, self->ctx, PLACE_SYS);
}

TEST_HARNESS_MAIN
