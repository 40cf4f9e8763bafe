// SPDX-License-Identifier: MIT
/*
 * tgem_prime_test.c - kselftest suite for PRIME between tgem and vgem
 *
 * A vgem BO imported into tgem and a tgem BO imported into vgem, each
 * written by one side and read by the other (tgem through the engine,
 * vgem through its mmap); self-import giving back the same handle; a tgem
 * job held by the fence vgem put on a buffer it exported; the sync_file
 * export and import of a tgem dma-buf; the CPU mapping of an imported BO
 * (the exporter's); MIGRATE of an imported BO; bad file descriptors; and
 * closing everything in odd orders (kmemleak checks for leaks in the VM).
 *
 * Ordering is proven, not timed: a job that must wait is checked not to
 * have run after a job on another context, submitted later, has finished.
 * Needs tgem and vgem (modprobe vgem); skips without vgem.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include "vgem_drm.h"

#include "tgem_mi.h"
#include "tgem_util.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define PAGE		4096u
#define NPAGES		4u
#define BO_SIZE		(NPAGES * PAGE)
#define SEC		1000000000ll
#define PLACE_SYS	DRM_TGEM_PLACEMENT_SYSTEM
#define PLACE_VRAM	DRM_TGEM_PLACEMENT_VRAM

/* Softpinned at 1 MiB times the handle: no two BOs of a file overlap. */
#define ADDR(h)		(0x100000ull * (h))

/* --- PRIME and vgem helpers ------------------------------------------ */

static int prime_export(int fd, uint32_t handle, int *dmabuf)
{
	struct drm_prime_handle p = {
		.handle = handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
	};
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

/* A vgem BO of BO_SIZE (dumb buffers: vgem's primary node only). */
static uint32_t vgem_create(struct __test_metadata *_metadata, int vgem)
{
	struct drm_mode_create_dumb c = {
		.width = PAGE / 4,
		.height = NPAGES,
		.bpp = 32,
	};

	ASSERT_EQ(0, tgem_ioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &c));
	ASSERT_LE(BO_SIZE, c.size);
	return c.handle;
}

/* vgem's CPU mapping of one of its handles, own or imported. */
static uint32_t *vgem_map(struct __test_metadata *_metadata, int vgem,
			  uint32_t handle)
{
	struct drm_mode_map_dumb m = { .handle = handle };
	void *p;

	ASSERT_EQ(0, tgem_ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &m));
	p = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vgem,
		 m.offset);
	ASSERT_NE(MAP_FAILED, p);
	return p;
}

/* An unsignalled fence on a vgem BO, of writer usage. */
static uint32_t vgem_fence(struct __test_metadata *_metadata, int vgem,
			   uint32_t handle)
{
	struct drm_vgem_fence_attach a = {
		.handle = handle,
		.flags = VGEM_FENCE_WRITE,
	};

	ASSERT_EQ(0, tgem_ioctl(vgem, DRM_IOCTL_VGEM_FENCE_ATTACH, &a));
	return a.out_fence;
}

static void vgem_signal(struct __test_metadata *_metadata, int vgem,
			uint32_t fence)
{
	struct drm_vgem_fence_signal s = { .fence = fence };

	ASSERT_EQ(0, tgem_ioctl(vgem, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s));
}

/* --- tgem helpers ---------------------------------------------------- */

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

/* A batch BO of @fd holding @b. */
static uint32_t batch(struct __test_metadata *_metadata, int fd,
		      struct tgem_batch *b)
{
	uint32_t h = create(_metadata, fd, PLACE_SYS);
	uint32_t *p = map(_metadata, fd, h);

	tgem_emit(b, MI_BATCH_BUFFER_END);
	memcpy(p, b->dw, b->n * 4);
	munmap(p, BO_SIZE);
	return h;
}

/*
 * Execbuf the batch in BO @bb with the @n BOs of @h, every one softpinned
 * at ADDR(handle); @writable is a mask over @h.
 */
static int submit(int fd, uint32_t ctx, uint32_t bb, const struct tgem_batch *b,
		  const uint32_t *h, unsigned int n, uint32_t writable)
{
	struct drm_tgem_exec_object objs[8];
	struct drm_tgem_execbuf eb;
	unsigned int i;

	memset(objs, 0, sizeof(objs));
	for (i = 0; i < n; i++) {
		objs[i].handle = h[i];
		objs[i].offset = ADDR(h[i]);
		objs[i].flags = DRM_TGEM_EXEC_OBJECT_PINNED;
		if (writable & (1u << i))
			objs[i].flags |= DRM_TGEM_EXEC_OBJECT_WRITE;
	}
	objs[n].handle = bb;
	objs[n].offset = ADDR(bb);
	objs[n].flags = DRM_TGEM_EXEC_OBJECT_PINNED;

	memset(&eb, 0, sizeof(eb));
	eb.objects_ptr = (uintptr_t)objs;
	eb.num_objects = n + 1;
	eb.batch_index = n;
	eb.batch_len = b->n * 4;
	eb.ctx_id = ctx;
	return tgem_execbuf(fd, &eb);
}

static int wait_idle(int fd, uint32_t handle, int64_t ns)
{
	return tgem_bo_wait(fd, handle, tgem_now_ns() + ns);
}

/*
 * Proof that the engine is running other work: a store on context @ctx
 * into a BO of its own, waited for.
 */
static void engine_runs(struct __test_metadata *_metadata, int fd, uint32_t ctx)
{
	struct tgem_batch b = {};
	uint32_t t, bb, *p;

	t = create(_metadata, fd, PLACE_SYS);
	tgem_store_dword(&b, ADDR(t), 0x600d);
	bb = batch(_metadata, fd, &b);
	ASSERT_EQ(0, submit(fd, ctx, bb, &b, &t, 1, 1));
	ASSERT_EQ(0, wait_idle(fd, t, 20 * SEC));
	p = map(_metadata, fd, t);
	ASSERT_EQ(0x600du, p[0]);
	munmap(p, BO_SIZE);
	ASSERT_EQ(0, tgem_gem_close(fd, t));
	ASSERT_EQ(0, tgem_gem_close(fd, bb));
}

/* --- the suite ------------------------------------------------------- */

FIXTURE(prime) {
	int fd;
	int vgem;
	int has_vram;
	uint32_t ctx;
	uint32_t ctx2;
};

FIXTURE_SETUP(prime)
{
	struct tgem_config cfg;

	self->vgem = -1;
	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd) TH_LOG("no tgem render node");
	ASSERT_EQ(0, tgem_query_config(self->fd, &cfg));
	self->has_vram = !!(cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM);
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &self->ctx));
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &self->ctx2));

	self->vgem = tgem_open_node("/dev/dri/card", 0, 15, "vgem", NULL, 0);
	if (self->vgem < 0)
		SKIP(return, "vgem is not loaded");
}

FIXTURE_TEARDOWN(prime)
{
	if (self->vgem >= 0)
		close(self->vgem);
	close(self->fd);
}

/*
 * vgem -> tgem: vgem writes its BO through its mmap; tgem imports it and
 * the engine copies a word of each page into a tgem BO (reads the import)
 * and stores a word into each page of it (writes the import); vgem's
 * mapping then sees the stores.
 */
TEST_F(prime, vgem_bo_in_tgem_jobs)
{
	static uint32_t copy[BO_SIZE / 4];
	uint32_t hv, hi, dst, bb, *pv, *pd, pg;
	struct tgem_batch b = {};
	uint32_t objs[2];
	int dmabuf;

	hv = vgem_create(_metadata, self->vgem);
	pv = vgem_map(_metadata, self->vgem, hv);
	tgem_fill(pv, BO_SIZE, 0x7e57);
	memcpy(copy, pv, BO_SIZE);

	ASSERT_EQ(0, prime_export(self->vgem, hv, &dmabuf));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf, &hi));
	ASSERT_EQ(0, close(dmabuf));

	dst = create(_metadata, self->fd, PLACE_SYS);
	for (pg = 0; pg < NPAGES; pg++) {
		tgem_emit(&b, MI_COPY_MEM_MEM);
		tgem_emit_addr(&b, ADDR(dst) + pg * 4);
		tgem_emit_addr(&b, ADDR(hi) + pg * PAGE + 8);
		tgem_store_dword(&b, ADDR(hi) + pg * PAGE + 4, 0xc0de0000 | pg);
	}
	bb = batch(_metadata, self->fd, &b);
	objs[0] = hi;
	objs[1] = dst;
	ASSERT_EQ(0, submit(self->fd, self->ctx, bb, &b, objs, 2, 3));
	ASSERT_EQ(0, wait_idle(self->fd, hi, 20 * SEC));
	ASSERT_EQ(0, wait_idle(self->fd, dst, 20 * SEC));

	pd = map(_metadata, self->fd, dst);
	for (pg = 0; pg < NPAGES; pg++) {
		EXPECT_EQ(copy[pg * PAGE / 4 + 2], pd[pg]);
		EXPECT_EQ(0xc0de0000 | pg, pv[pg * PAGE / 4 + 1]);
		/* Nothing else of the page changed. */
		pv[pg * PAGE / 4 + 1] = copy[pg * PAGE / 4 + 1];
	}
	EXPECT_EQ(0, memcmp(copy, pv, BO_SIZE));
	munmap(pd, BO_SIZE);

	munmap(pv, BO_SIZE);
	ASSERT_EQ(0, tgem_gem_close(self->fd, hi));
	ASSERT_EQ(0, tgem_gem_close(self->vgem, hv));
	ASSERT_EQ(0, tgem_gem_close(self->fd, dst));
	ASSERT_EQ(0, tgem_gem_close(self->fd, bb));
}

/*
 * CPU access to a dma-buf through its own mmap, bracketed by
 * DMA_BUF_IOCTL_SYNC as the dma-buf documentation asks. An importer's
 * CPU mapping is this one: vgem forwards the mmap of an import to the
 * exporter (and MAP_DUMB refuses imports).
 */
static uint32_t *dmabuf_map(struct __test_metadata *_metadata, int dmabuf)
{
	void *p = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       dmabuf, 0);

	ASSERT_NE(MAP_FAILED, p);
	return p;
}

static void dmabuf_sync(struct __test_metadata *_metadata, int dmabuf,
			uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	ASSERT_EQ(0, ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &s));
}

/*
 * tgem -> vgem, for a system BO and (with VRAM) a BO created in VRAM,
 * which vgem's attachment moves to system memory and pins there. vgem
 * puts a writer fence on its import, which is tgem's dma_resv: a tgem
 * store into the BO waits for it (a later job on another context finishes
 * first). After vgem signals, the importer's mapping reads the stores; it
 * writes, and the engine copies what it wrote into another BO.
 */
static void tgem_to_vgem(struct __test_metadata *_metadata, int fd, int vgem,
			 uint32_t ctx, uint32_t ctx2, uint32_t placement)
{
	struct tgem_batch w = {}, r = {};
	uint32_t t, dst, hv, bbw, bbr, pg, fence, *pv, *pd;
	uint32_t objs[2];
	int dmabuf;

	t = create(_metadata, fd, placement);
	dst = create(_metadata, fd, PLACE_SYS);
	ASSERT_EQ(0, prime_export(fd, t, &dmabuf));
	ASSERT_EQ(0, prime_import(vgem, dmabuf, &hv));
	fence = vgem_fence(_metadata, vgem, hv);

	for (pg = 0; pg < NPAGES; pg++)
		tgem_store_dword(&w, ADDR(t) + pg * PAGE + 12, 0xbeef0000 | pg);
	bbw = batch(_metadata, fd, &w);
	ASSERT_EQ(0, submit(fd, ctx, bbw, &w, &t, 1, 1));

	pv = dmabuf_map(_metadata, dmabuf);
	engine_runs(_metadata, fd, ctx2);
	EXPECT_EQ(0u, pv[3]);
	EXPECT_EQ(-ETIME, wait_idle(fd, t, 0));
	vgem_signal(_metadata, vgem, fence);
	ASSERT_EQ(0, wait_idle(fd, t, 20 * SEC));

	dmabuf_sync(_metadata, dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	for (pg = 0; pg < NPAGES; pg++) {
		EXPECT_EQ(0xbeef0000 | pg, pv[pg * PAGE / 4 + 3]);
		EXPECT_EQ(0u, pv[pg * PAGE / 4 + 4]);
		pv[pg * PAGE / 4 + 5] = 0xfeed0000 | pg;
	}
	dmabuf_sync(_metadata, dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);

	for (pg = 0; pg < NPAGES; pg++) {
		tgem_emit(&r, MI_COPY_MEM_MEM);
		tgem_emit_addr(&r, ADDR(dst) + pg * 4);
		tgem_emit_addr(&r, ADDR(t) + pg * PAGE + 20);
	}
	bbr = batch(_metadata, fd, &r);
	objs[0] = t;
	objs[1] = dst;
	ASSERT_EQ(0, submit(fd, ctx, bbr, &r, objs, 2, 2));
	ASSERT_EQ(0, wait_idle(fd, dst, 20 * SEC));
	pd = map(_metadata, fd, dst);
	for (pg = 0; pg < NPAGES; pg++)
		EXPECT_EQ(0xfeed0000 | pg, pd[pg]);
	munmap(pd, BO_SIZE);

	/* Attached, so pinned in system memory: no MIGRATE to VRAM. */
	if (placement & PLACE_VRAM)
		EXPECT_EQ(-EBUSY, tgem_bo_migrate(fd, t, 1));

	munmap(pv, BO_SIZE);
	ASSERT_EQ(0, close(dmabuf));
	ASSERT_EQ(0, tgem_gem_close(vgem, hv));
	/* Detached: it may go back to VRAM. */
	if (placement & PLACE_VRAM)
		EXPECT_EQ(0, tgem_bo_migrate(fd, t, 1));
	ASSERT_EQ(0, tgem_gem_close(fd, t));
	ASSERT_EQ(0, tgem_gem_close(fd, dst));
	ASSERT_EQ(0, tgem_gem_close(fd, bbw));
	ASSERT_EQ(0, tgem_gem_close(fd, bbr));
}

TEST_F(prime, tgem_bo_in_vgem_system)
{
	tgem_to_vgem(_metadata, self->fd, self->vgem, self->ctx, self->ctx2,
		     PLACE_SYS);
}

TEST_F(prime, tgem_bo_in_vgem_from_vram)
{
	if (!self->has_vram)
		SKIP(return, "no VRAM");
	tgem_to_vgem(_metadata, self->fd, self->vgem, self->ctx, self->ctx2,
		     PLACE_VRAM | PLACE_SYS);
}

/*
 * Self-import gives back the same handle in the exporting file, and one
 * handle per file elsewhere, however many times it is imported; and a
 * vgem import exported again comes back to tgem as the original handle.
 */
TEST_F(prime, self_import_same_handle)
{
	uint32_t h, h1, h2, h3, hv, hback;
	int fd2, dmabuf, again;

	h = create(_metadata, self->fd, PLACE_SYS);
	ASSERT_EQ(0, prime_export(self->fd, h, &dmabuf));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf, &h1));
	EXPECT_EQ(h, h1);

	fd2 = tgem_open(NULL, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, prime_import(fd2, dmabuf, &h2));
	ASSERT_EQ(0, prime_import(fd2, dmabuf, &h3));
	EXPECT_EQ(h2, h3);

	ASSERT_EQ(0, prime_import(self->vgem, dmabuf, &hv));
	ASSERT_EQ(0, prime_export(self->vgem, hv, &again));
	ASSERT_EQ(0, prime_import(self->fd, again, &hback));
	EXPECT_EQ(h, hback);

	ASSERT_EQ(0, close(again));
	ASSERT_EQ(0, close(dmabuf));
	ASSERT_EQ(0, tgem_gem_close(self->vgem, hv));
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, tgem_gem_close(self->fd, h));
	/* One handle, however often imported: it is gone now (GEM_CLOSE's
	 * errno for an unknown handle is EINVAL).
	 */
	EXPECT_EQ(-EINVAL, tgem_gem_close(self->fd, h1));
}

/*
 * The exporter's fence holds a tgem job: vgem puts an unsignalled writer
 * fence on its BO, tgem imports it and submits a store into it. A later
 * job on another context finishes while the store has not happened; it
 * happens once vgem signals. (vgem signals a fence by itself after 10 s:
 * everything before the signal here takes far less.)
 */
TEST_F(prime, import_waits_for_exporter_fence)
{
	uint32_t hv, hi, bb, fence, *pv;
	struct tgem_batch b = {};
	int dmabuf;

	hv = vgem_create(_metadata, self->vgem);
	pv = vgem_map(_metadata, self->vgem, hv);
	memset(pv, 0, BO_SIZE);
	ASSERT_EQ(0, prime_export(self->vgem, hv, &dmabuf));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf, &hi));
	ASSERT_EQ(0, close(dmabuf));

	tgem_store_dword(&b, ADDR(hi) + 64, 0x5eed);
	bb = batch(_metadata, self->fd, &b);

	fence = vgem_fence(_metadata, self->vgem, hv);
	ASSERT_EQ(0, submit(self->fd, self->ctx, bb, &b, &hi, 1, 1));

	engine_runs(_metadata, self->fd, self->ctx2);
	EXPECT_EQ(0u, pv[16]);
	EXPECT_EQ(-ETIME, wait_idle(self->fd, hi, 0));

	vgem_signal(_metadata, self->vgem, fence);
	ASSERT_EQ(0, wait_idle(self->fd, hi, 20 * SEC));
	EXPECT_EQ(0x5eedu, pv[16]);

	munmap(pv, BO_SIZE);
	ASSERT_EQ(0, tgem_gem_close(self->fd, hi));
	ASSERT_EQ(0, tgem_gem_close(self->fd, bb));
	ASSERT_EQ(0, tgem_gem_close(self->vgem, hv));
}

/*
 * DMA_BUF_IOCTL_EXPORT_SYNC_FILE on a tgem dma-buf with a job in flight:
 * the job waits on a semaphore the test releases, so the sync_file cannot
 * have signalled before; it signals once the job is done, and the job's
 * store is then there.
 */
TEST_F(prime, export_sync_file_signals_with_job)
{
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_READ };
	uint32_t t, sem, bb, *pt, *ps;
	struct tgem_batch b = {};
	struct pollfd pfd;
	uint32_t objs[2];
	int dmabuf;

	t = create(_metadata, self->fd, PLACE_SYS);
	sem = create(_metadata, self->fd, PLACE_SYS);
	ps = map(_metadata, self->fd, sem);
	pt = map(_metadata, self->fd, t);

	tgem_emit(&b, MI_SEMAPHORE_WAIT | SAD(SAD_EQ_SDD));
	tgem_emit(&b, 1);
	tgem_emit_addr(&b, ADDR(sem));
	tgem_store_dword(&b, ADDR(t), 0xd0e5);
	bb = batch(_metadata, self->fd, &b);

	ASSERT_EQ(0, prime_export(self->fd, t, &dmabuf));
	objs[0] = t;
	objs[1] = sem;
	ASSERT_EQ(0, submit(self->fd, self->ctx, bb, &b, objs, 2, 1));

	ASSERT_EQ(0, ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex));
	pfd.fd = ex.fd;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0u, pt[0]);

	ps[0] = 1;
	ASSERT_EQ(1, poll(&pfd, 1, 20000));
	EXPECT_EQ(0xd0e5u, pt[0]);

	ASSERT_EQ(0, close(ex.fd));
	ASSERT_EQ(0, close(dmabuf));
	munmap(pt, BO_SIZE);
	munmap(ps, BO_SIZE);
	ASSERT_EQ(0, tgem_gem_close(self->fd, t));
	ASSERT_EQ(0, tgem_gem_close(self->fd, sem));
	ASSERT_EQ(0, tgem_gem_close(self->fd, bb));
}

/*
 * DMA_BUF_IOCTL_IMPORT_SYNC_FILE of an unsignalled fence (vgem's, taken
 * out of a vgem dma-buf with EXPORT_SYNC_FILE) into a tgem dma-buf, as a
 * writer: the next tgem job writing the BO waits for it.
 */
TEST_F(prime, import_sync_file_holds_next_job)
{
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_READ };
	struct dma_buf_import_sync_file im = { .flags = DMA_BUF_SYNC_WRITE };
	uint32_t hv, fence, t, bb, *pt;
	struct tgem_batch b = {};
	struct pollfd pfd;
	int vbuf, tbuf;

	hv = vgem_create(_metadata, self->vgem);
	fence = vgem_fence(_metadata, self->vgem, hv);
	ASSERT_EQ(0, prime_export(self->vgem, hv, &vbuf));
	ASSERT_EQ(0, ioctl(vbuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex));
	pfd.fd = ex.fd;
	pfd.events = POLLIN;
	ASSERT_EQ(0, poll(&pfd, 1, 0));

	t = create(_metadata, self->fd, PLACE_SYS);
	pt = map(_metadata, self->fd, t);
	ASSERT_EQ(0, prime_export(self->fd, t, &tbuf));
	im.fd = ex.fd;
	ASSERT_EQ(0, ioctl(tbuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im));

	tgem_store_dword(&b, ADDR(t) + 8, 0x1f1f);
	bb = batch(_metadata, self->fd, &b);
	ASSERT_EQ(0, submit(self->fd, self->ctx, bb, &b, &t, 1, 1));

	engine_runs(_metadata, self->fd, self->ctx2);
	EXPECT_EQ(0u, pt[2]);
	EXPECT_EQ(-ETIME, wait_idle(self->fd, t, 0));

	vgem_signal(_metadata, self->vgem, fence);
	ASSERT_EQ(0, wait_idle(self->fd, t, 20 * SEC));
	EXPECT_EQ(0x1f1fu, pt[2]);

	/* Bad flags and a bad fd are the dma-buf core's EINVAL. */
	im.flags = 0;
	EXPECT_EQ(-1, ioctl(tbuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im));
	EXPECT_EQ(EINVAL, errno);
	im.flags = DMA_BUF_SYNC_WRITE;
	im.fd = -1;
	EXPECT_EQ(-1, ioctl(tbuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, close(ex.fd));
	ASSERT_EQ(0, close(vbuf));
	ASSERT_EQ(0, close(tbuf));
	munmap(pt, BO_SIZE);
	ASSERT_EQ(0, tgem_gem_close(self->fd, t));
	ASSERT_EQ(0, tgem_gem_close(self->fd, bb));
	ASSERT_EQ(0, tgem_gem_close(self->vgem, hv));
}

/*
 * The CPU mapping of an imported BO is the exporter's (dma_buf_mmap()):
 * tgem's offset maps vgem's pages, both ways; a mapping larger than the
 * BO, or from inside it, is refused.
 */
TEST_F(prime, mmap_imported_is_exporters)
{
	uint32_t hv, hi, *pv, *pi, *p1;
	uint64_t off;
	int dmabuf;

	hv = vgem_create(_metadata, self->vgem);
	pv = vgem_map(_metadata, self->vgem, hv);
	tgem_fill(pv, BO_SIZE, 0xabba);
	ASSERT_EQ(0, prime_export(self->vgem, hv, &dmabuf));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf, &hi));
	ASSERT_EQ(0, close(dmabuf));

	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, hi, &off));
	pi = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, pi);
	EXPECT_EQ(-1, tgem_check(pi, BO_SIZE, 0xabba));
	pi[7] = 0x77;
	EXPECT_EQ(0x77u, pv[7]);

	/* As for every GEM BO, an offset is mapped only from its start. */
	p1 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, off + 2 * PAGE);
	EXPECT_EQ(MAP_FAILED, p1);
	if (p1 != MAP_FAILED)
		munmap(p1, PAGE);

	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * BO_SIZE, PROT_READ, MAP_SHARED,
				   self->fd, off));

	/* The mapping outlives the handle: it holds the dma-buf. */
	ASSERT_EQ(0, tgem_gem_close(self->fd, hi));
	ASSERT_EQ(0, tgem_gem_close(self->vgem, hv));
	EXPECT_EQ(0x77u, pi[7]);
	munmap(pi, BO_SIZE);
	munmap(pv, BO_SIZE);
}

/* An imported BO lives in system memory only. */
TEST_F(prime, migrate_imported)
{
	struct drm_tgem_gem_info info = {};
	uint32_t hv, hi;
	int dmabuf;

	hv = vgem_create(_metadata, self->vgem);
	ASSERT_EQ(0, prime_export(self->vgem, hv, &dmabuf));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf, &hi));
	ASSERT_EQ(0, close(dmabuf));

	EXPECT_EQ(-EINVAL, tgem_bo_migrate(self->fd, hi, 1));
	EXPECT_EQ(0, tgem_bo_migrate(self->fd, hi, 0));
	ASSERT_EQ(0, tgem_bo_info(self->fd, hi, &info));
	EXPECT_EQ((uint32_t)PLACE_SYS, info.placement);
	EXPECT_EQ(0u, info.region);
	EXPECT_EQ((uint64_t)BO_SIZE, info.size);

	ASSERT_EQ(0, tgem_gem_close(self->fd, hi));
	ASSERT_EQ(0, tgem_gem_close(self->vgem, hv));
}

/* Not a dma-buf: EBADF for no file, EINVAL for another kind of file. */
TEST_F(prime, import_bad_fd)
{
	uint32_t h = 0;
	int fds[2];

	EXPECT_EQ(-EBADF, prime_import(self->fd, -1, &h));
	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, close(fds[1]));
	EXPECT_EQ(-EBADF, prime_import(self->fd, fds[1], &h));
	EXPECT_EQ(-EINVAL, prime_import(self->fd, fds[0], &h));
	EXPECT_EQ(-EINVAL, prime_import(self->fd, self->fd, &h));
	ASSERT_EQ(0, close(fds[0]));
}

/*
 * Odd orders. An import outlives its dma-buf fd, the exporter's handle
 * and the exporter's file, and still runs in a job; an export outlives
 * the exporting file while vgem holds it; mappings outlive all of it. What
 * leaks, kmemleak reports at the end of the run; tgem's system memory
 * goes back to where it was.
 */
TEST_F(prime, close_in_odd_orders)
{
	uint32_t hv, hi, t, hv2, bb, *pv, *pt;
	uint64_t used0, used, total;
	struct tgem_batch b = {};
	int vgem2, fd2, dmabuf;

	ASSERT_EQ(0, tgem_region_usage(self->fd, 0, &used0, &total));

	/* vgem's side goes first, entirely. */
	vgem2 = tgem_open_node("/dev/dri/card", 0, 15, "vgem", NULL, 0);
	ASSERT_LE(0, vgem2);
	hv = vgem_create(_metadata, vgem2);
	pv = vgem_map(_metadata, vgem2, hv);
	ASSERT_EQ(0, prime_export(vgem2, hv, &dmabuf));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf, &hi));
	ASSERT_EQ(0, close(dmabuf));
	ASSERT_EQ(0, tgem_gem_close(vgem2, hv));
	ASSERT_EQ(0, close(vgem2));

	tgem_store_dword(&b, ADDR(hi), 0x0dd);
	bb = batch(_metadata, self->fd, &b);
	ASSERT_EQ(0, submit(self->fd, self->ctx, bb, &b, &hi, 1, 1));
	/* Closed while the job may still run: the job holds it. */
	ASSERT_EQ(0, tgem_gem_close(self->fd, hi));
	ASSERT_EQ(0, wait_idle(self->fd, bb, 20 * SEC));
	EXPECT_EQ(0x0ddu, pv[0]);
	munmap(pv, BO_SIZE);

	/* tgem's side goes first: its file, then vgem's import. */
	fd2 = tgem_open(NULL, 0);
	ASSERT_LE(0, fd2);
	t = create(_metadata, fd2, PLACE_SYS);
	pt = map(_metadata, fd2, t);
	pt[3] = 0x33;
	ASSERT_EQ(0, prime_export(fd2, t, &dmabuf));
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, prime_import(self->vgem, dmabuf, &hv2));
	pv = dmabuf_map(_metadata, dmabuf);
	ASSERT_EQ(0, close(dmabuf));
	ASSERT_EQ(0, tgem_gem_close(self->vgem, hv2));
	EXPECT_EQ(0x33u, pv[3]);
	munmap(pv, BO_SIZE);
	EXPECT_EQ(0x33u, pt[3]);
	munmap(pt, BO_SIZE);

	ASSERT_EQ(0, tgem_gem_close(self->fd, bb));
	/* Freeing is deferred (TTM's delayed delete): allow it a moment. */
	for (int i = 0; i < 200; i++) {
		ASSERT_EQ(0, tgem_region_usage(self->fd, 0, &used, &total));
		if (used <= used0)
			break;
		usleep(10000);
	}
	EXPECT_LE(used, used0);
}

TEST_HARNESS_MAIN
