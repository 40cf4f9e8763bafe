// SPDX-License-Identifier: MIT
/*
 * tgem_sync_test.c - kselftest suite for the fences of DRM_IOCTL_TGEM_EXECBUF
 *
 * Explicit synchronisation (struct drm_tgem_sync): a chain of execbufs on
 * two contexts ordered only by timeline syncobj points; a wait for a point
 * the CPU signals later (DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL) with
 * WAIT_FOR_SUBMIT; binary syncobjs; an out-fence sync_file waited with
 * poll(); an in-fence sync_file from vgem. Implicit synchronisation
 * across two tgem files sharing a BO through PRIME, and
 * DRM_TGEM_EXEC_OBJECT_ASYNC turning it off; DMA_BUF_IOCTL_EXPORT_SYNC_FILE
 * and IMPORT_SYNC_FILE on a tgem dma-buf. GEM_WAIT as a busy query.
 * Bad inputs, each with its errno, nothing signalled and no fd left open.
 *
 * Every ordering test holds its first job on a "gate": a vgem fence
 * (DRM_IOCTL_VGEM_FENCE_ATTACH on a vgem dma-buf, exported as a sync_file
 * with DMA_BUF_IOCTL_EXPORT_SYNC_FILE) that the test signals with
 * DRM_IOCTL_VGEM_FENCE_SIGNAL when it has checked that nothing ran too
 * early. So nothing depends on timing: a job that should wait but does
 * not is seen to have run while the gate is still closed. Needs vgem
 * (make check loads it); those tests skip without it.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "tgem_mi.h"
#include "tgem_util.h"
#include "vgem_drm.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define PAGE		4096u
#define SEC		1000000000ll
#define MSEC		1000000ll
/* Each BO softpinned at 1 MiB times its handle: no overlaps, page 0 free. */
#define ADDR(h)		(0x100000ull * (h))

/* --- small helpers ----------------------------------------------------- */

static uint32_t create(struct __test_metadata *_metadata, int fd)
{
	uint64_t size = PAGE;
	uint32_t handle = 0;

	ASSERT_EQ(0, tgem_bo_create(fd, &size, DRM_TGEM_PLACEMENT_SYSTEM, 0,
				    &handle));
	return handle;
}

static volatile uint32_t *map(struct __test_metadata *_metadata, int fd,
			      uint32_t handle)
{
	void *p = tgem_bo_map(fd, handle, PAGE);

	ASSERT_NE(MAP_FAILED, p);
	return p;
}

static void copy_dword(struct tgem_batch *b, uint64_t dst, uint64_t src)
{
	tgem_emit(b, MI_COPY_MEM_MEM);
	tgem_emit_addr(b, dst);
	tgem_emit_addr(b, src);
}

/* Poll the dword at @addr until it equals @value. */
static void semaphore_wait_eq(struct tgem_batch *b, uint32_t value,
			      uint64_t addr)
{
	tgem_emit(b, MI_SEMAPHORE_WAIT | SAD(SAD_EQ_SDD));
	tgem_emit(b, value);
	tgem_emit_addr(b, addr);
}

/* A batch BO of @fd holding @b, ended. Returns its handle; *len its length. */
static uint32_t batch(struct __test_metadata *_metadata, int fd,
		      struct tgem_batch *b, uint32_t *len)
{
	uint32_t bb = create(_metadata, fd);
	volatile uint32_t *p;

	tgem_emit(b, MI_BATCH_BUFFER_END);
	p = map(_metadata, fd, bb);
	memcpy((void *)p, b->dw, b->n * 4);
	munmap((void *)p, PAGE);
	*len = b->n * 4;
	return bb;
}

/*
 * One execbuf: @n data objects (@flags[i] each, softpinned) and the batch
 * @bb last; @syncs as given.
 */
static int submit(int fd, uint32_t ctx, const uint32_t *handles,
		  const uint32_t *flags, unsigned int n, uint32_t bb,
		  uint32_t len, struct drm_tgem_sync *syncs,
		  unsigned int num_syncs)
{
	struct drm_tgem_exec_object objs[8];
	struct drm_tgem_execbuf eb;
	unsigned int i;

	memset(objs, 0, sizeof(objs));
	for (i = 0; i < n; i++) {
		objs[i].handle = handles[i];
		objs[i].offset = ADDR(handles[i]);
		objs[i].flags = DRM_TGEM_EXEC_OBJECT_PINNED | flags[i];
	}
	objs[n].handle = bb;
	objs[n].offset = ADDR(bb);
	objs[n].flags = DRM_TGEM_EXEC_OBJECT_PINNED;

	memset(&eb, 0, sizeof(eb));
	eb.objects_ptr = (uintptr_t)objs;
	eb.num_objects = n + 1;
	eb.batch_index = n;
	eb.batch_len = len;
	eb.ctx_id = ctx;
	eb.syncs = (uintptr_t)syncs;
	eb.num_syncs = num_syncs;
	return tgem_execbuf(fd, &eb);
}

static struct drm_tgem_sync sync_of(uint32_t type, uint32_t flags,
				    uint32_t handle, uint64_t point)
{
	struct drm_tgem_sync s;

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.flags = flags;
	s.handle = handle;
	s.timeline_value = point;
	return s;
}

#define WAIT_SYNCOBJ(h)		sync_of(DRM_TGEM_SYNC_TYPE_SYNCOBJ, 0, (h), 0)
#define SIGNAL_SYNCOBJ(h)	sync_of(DRM_TGEM_SYNC_TYPE_SYNCOBJ, \
					DRM_TGEM_SYNC_FLAG_SIGNAL, (h), 0)
#define WAIT_POINT(h, p)	sync_of(DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ, 0, (h), (p))
#define SIGNAL_POINT(h, p)	sync_of(DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ, \
					DRM_TGEM_SYNC_FLAG_SIGNAL, (h), (p))
#define WAIT_FILE(fd)		sync_of(DRM_TGEM_SYNC_TYPE_SYNC_FILE, 0, (uint32_t)(fd), 0)
#define SIGNAL_FILE()		sync_of(DRM_TGEM_SYNC_TYPE_SYNC_FILE, \
					DRM_TGEM_SYNC_FLAG_SIGNAL, 0, 0)

static uint32_t syncobj_create_flags(struct __test_metadata *_metadata, int fd,
				     uint32_t flags)
{
	struct drm_syncobj_create c = { .flags = flags };

	ASSERT_EQ(0, tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c));
	return c.handle;
}

static uint32_t syncobj_create(struct __test_metadata *_metadata, int fd)
{
	struct drm_syncobj_create c = { 0 };

	ASSERT_EQ(0, tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c));
	return c.handle;
}

static int syncobj_cpu_signal(int fd, uint32_t handle, uint64_t point)
{
	struct drm_syncobj_timeline_array a = {
		.handles = (uintptr_t)&handle,
		.points = (uintptr_t)&point,
		.count_handles = 1,
	};

	return tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
}

/*
 * Wait for a point (0: a binary syncobj) until @timeout_ns from now.
 * 0 once signalled, -ETIME if it is there but not signalled, -EINVAL if
 * there is no fence at all (nothing was ever submitted there).
 */
static int syncobj_wait(int fd, uint32_t handle, uint64_t point,
			int64_t timeout_ns)
{
	struct drm_syncobj_timeline_wait w = {
		.handles = (uintptr_t)&handle,
		.points = (uintptr_t)&point,
		.timeout_nsec = timeout_ns ? tgem_now_ns() + timeout_ns : 0,
		.count_handles = 1,
	};

	return tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
}

/* Whether anybody put a fence at @point (0: into a binary syncobj). */
static int syncobj_has_fence(int fd, uint32_t handle, uint64_t point)
{
	struct drm_syncobj_timeline_wait w = {
		.handles = (uintptr_t)&handle,
		.points = (uintptr_t)&point,
		.count_handles = 1,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
	};
	int ret = tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);

	if (!point && ret == -EINVAL)
		return 0;
	return ret == -ETIME ? 0 : 1;
}

static int open_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* --- gates: vgem fences the test signals by hand -------------------------- */

struct gate {
	int vgem;
	uint32_t bo;
	int dmabuf;
	uint32_t fence;
	int sync_file;	/* a sync_file of the fence, -1 once handed over */
	int open;
};

static int vgem_open(void)
{
	/* vgem's dumb buffers are on its primary node. */
	return tgem_open_node("/dev/dri/card", 0, 15, "vgem", NULL, 0);
}

/* A closed gate, or -ENODEV without vgem. */
static int gate_init(struct gate *g)
{
	struct drm_mode_create_dumb dumb = { .width = 1024, .height = 1, .bpp = 32 };
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_vgem_fence_attach attach = { .flags = VGEM_FENCE_WRITE };
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };
	int ret;

	memset(g, 0, sizeof(*g));
	g->sync_file = -1;
	g->dmabuf = -1;
	g->vgem = vgem_open();
	if (g->vgem < 0)
		return -ENODEV;
	ret = tgem_ioctl(g->vgem, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
	if (ret)
		return ret;
	g->bo = dumb.handle;
	prime.handle = g->bo;
	ret = tgem_ioctl(g->vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime);
	if (ret)
		return ret;
	g->dmabuf = prime.fd;
	attach.handle = g->bo;
	ret = tgem_ioctl(g->vgem, DRM_IOCTL_VGEM_FENCE_ATTACH, &attach);
	if (ret)
		return ret;
	g->fence = attach.out_fence;
	ret = tgem_ioctl(g->dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp);
	if (ret)
		return ret;
	g->sync_file = exp.fd;
	return 0;
}

static int gate_open(struct gate *g)
{
	struct drm_vgem_fence_signal s = { .fence = g->fence };

	if (g->open)
		return 0;
	g->open = 1;
	return tgem_ioctl(g->vgem, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s);
}

static void gate_fini(struct gate *g)
{
	if (g->vgem < 0)
		return;
	gate_open(g);
	if (g->sync_file >= 0)
		close(g->sync_file);
	if (g->dmabuf >= 0)
		close(g->dmabuf);
	close(g->vgem);
}

/* Put the gate's fence into binary syncobj @handle of @fd. */
static int gate_to_syncobj(struct gate *g, int fd, uint32_t handle)
{
	struct drm_syncobj_handle h = {
		.handle = handle,
		.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
		.fd = g->sync_file,
	};

	return tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h);
}

#define GATE(g) do {							\
		int gate_ret__ = gate_init(g);				\
		if (gate_ret__ == -ENODEV)				\
			SKIP(return, "no vgem");			\
		ASSERT_EQ(0, gate_ret__);				\
	} while (0)

/* Whether a BO is busy, asked with a zero timeout: the busy query. */
static int busy(int fd, uint32_t handle)
{
	int ret = tgem_bo_wait(fd, handle, 0);

	return ret == -ETIME ? 1 : ret;
}

/* Let a job that wrongly has nothing to wait for run: a short grace. */
static void settle(void)
{
	usleep(100 * 1000);
}

/* --- fixture -------------------------------------------------------------- */

FIXTURE(sync) {
	int fd;
	uint32_t ctx;
	uint32_t ctx2;
	uint32_t data;
	volatile uint32_t *p;
	struct gate gate;
};

FIXTURE_SETUP(sync)
{
	struct tgem_config cfg;

	self->gate.vgem = -1;
	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd) TH_LOG("no tgem render node");
	ASSERT_EQ(0, tgem_query_config(self->fd, &cfg));
	ASSERT_TRUE(cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_SYNCS);
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &self->ctx));
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &self->ctx2));
	self->data = create(_metadata, self->fd);
	self->p = map(_metadata, self->fd, self->data);
}

FIXTURE_TEARDOWN(sync)
{
	gate_fini(&self->gate);
	munmap((void *)self->p, PAGE);
	close(self->fd);
}

/* --- explicit synchronisation ------------------------------------------- */

/*
 * Three jobs on two contexts, on one BO they all write, marked ASYNC so
 * that only the timeline orders them: J1 (ctx, held by the gate) stores
 * 0x11 in dword 0 and signals point 1; J2 (ctx2) waits for point 1,
 * copies dword 0 to 1, signals 2; J3 (ctx) waits for point 2, copies
 * dword 1 to 2, signals 3. Run out of order, a copy reads 0.
 */
TEST_F(sync, timeline_chain_two_contexts)
{
	const uint32_t async = DRM_TGEM_EXEC_OBJECT_WRITE | DRM_TGEM_EXEC_OBJECT_ASYNC;
	uint64_t d = ADDR(self->data);
	struct drm_tgem_sync s[2];
	struct tgem_batch b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	uint32_t bb1, bb2, bb3, len1, len2, len3, tl;

	GATE(&self->gate);
	tl = syncobj_create(_metadata, self->fd);

	tgem_store_dword(&b1, d, 0x11);
	bb1 = batch(_metadata, self->fd, &b1, &len1);
	copy_dword(&b2, d + 4, d);
	bb2 = batch(_metadata, self->fd, &b2, &len2);
	copy_dword(&b3, d + 8, d + 4);
	bb3 = batch(_metadata, self->fd, &b3, &len3);

	s[0] = WAIT_FILE(self->gate.sync_file);
	s[1] = SIGNAL_POINT(tl, 1);
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &async, 1, bb1,
			    len1, s, 2));
	s[0] = WAIT_POINT(tl, 1);
	s[1] = SIGNAL_POINT(tl, 2);
	ASSERT_EQ(0, submit(self->fd, self->ctx2, &self->data, &async, 1, bb2,
			    len2, s, 2));
	s[0] = WAIT_POINT(tl, 2);
	s[1] = SIGNAL_POINT(tl, 3);
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &async, 1, bb3,
			    len3, s, 2));

	/* Every point is there, none signalled, nothing ran. */
	settle();
	ASSERT_EQ(1, syncobj_has_fence(self->fd, tl, 3));
	ASSERT_EQ(-ETIME, syncobj_wait(self->fd, tl, 1, 0));
	ASSERT_EQ(0, self->p[0]);
	ASSERT_EQ(0, self->p[1]);
	ASSERT_EQ(0, self->p[2]);

	ASSERT_EQ(0, gate_open(&self->gate));
	ASSERT_EQ(0, syncobj_wait(self->fd, tl, 3, 20 * SEC));
	EXPECT_EQ(0x11, self->p[0]);
	EXPECT_EQ(0x11, self->p[1]);
	EXPECT_EQ(0x11, self->p[2]);
}

struct cpu_signal_exec {
	int fd;
	uint32_t ctx, data, bb, len;
	struct drm_tgem_sync s[2];
	volatile int done;
	int ret;
};

static void *cpu_signal_thread(void *arg)
{
	struct cpu_signal_exec *e = arg;
	uint32_t flags = DRM_TGEM_EXEC_OBJECT_WRITE;

	e->ret = submit(e->fd, e->ctx, &e->data, &flags, 1, e->bb, e->len, e->s, 2);
	e->done = 1;
	return NULL;
}

/*
 * A job waits for point 5, which nobody has submitted: without
 * WAIT_FOR_SUBMIT that is EINVAL and nothing runs; with it, the execbuf
 * waits until the CPU signals the point, and only then does the job run.
 */
TEST_F(sync, wait_for_point_signalled_by_cpu)
{
	struct cpu_signal_exec e = { .fd = self->fd, .ctx = self->ctx,
				     .data = self->data };
	struct tgem_batch b = { 0 };
	pthread_t thread;
	uint32_t tl;

	tl = syncobj_create(_metadata, self->fd);
	tgem_store_dword(&b, ADDR(self->data), 0x55);
	e.bb = batch(_metadata, self->fd, &b, &e.len);
	e.s[0] = WAIT_POINT(tl, 5);
	e.s[1] = SIGNAL_POINT(tl, 6);

	/* Not submitted, no flag: refused, nothing added, nothing run. */
	cpu_signal_thread(&e);
	ASSERT_EQ(-EINVAL, e.ret);
	ASSERT_EQ(0, syncobj_has_fence(self->fd, tl, 6));
	ASSERT_EQ(0, busy(self->fd, self->data));

	e.done = 0;
	e.s[0].flags = DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT;
	ASSERT_EQ(0, pthread_create(&thread, NULL, cpu_signal_thread, &e));
	settle();
	settle();
	/* Still waiting for the point: not queued, not run. */
	EXPECT_EQ(0, e.done);
	EXPECT_EQ(0, self->p[0]);
	EXPECT_EQ(0, syncobj_has_fence(self->fd, tl, 6));

	ASSERT_EQ(0, syncobj_cpu_signal(self->fd, tl, 5));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(0, e.ret);
	ASSERT_EQ(0, syncobj_wait(self->fd, tl, 6, 20 * SEC));
	EXPECT_EQ(0x55, self->p[0]);
}

/* WAIT_FOR_SUBMIT gives up after 5 s with ETIME, and nothing happened. */
TEST_F(sync, wait_for_submit_times_out)
{
	uint32_t flags = DRM_TGEM_EXEC_OBJECT_WRITE, bb, len, tl;
	struct tgem_batch b = { 0 };
	struct drm_tgem_sync s[2];

	tl = syncobj_create(_metadata, self->fd);
	tgem_store_dword(&b, ADDR(self->data), 0x66);
	bb = batch(_metadata, self->fd, &b, &len);
	s[0] = WAIT_POINT(tl, 1);
	s[0].flags = DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT;
	s[1] = SIGNAL_POINT(tl, 2);
	ASSERT_EQ(-ETIME, submit(self->fd, self->ctx, &self->data, &flags, 1,
				 bb, len, s, 2));
	ASSERT_EQ(0, syncobj_has_fence(self->fd, tl, 2));
	ASSERT_EQ(0, busy(self->fd, self->data));
	ASSERT_EQ(0, self->p[0]);
}

/* Binary syncobjs: wait for the gate's fence in one, signal another. */
TEST_F(sync, binary_syncobj)
{
	uint32_t flags = DRM_TGEM_EXEC_OBJECT_WRITE, bb, len, in, out, empty;
	struct tgem_batch b = { 0 };
	struct drm_tgem_sync s[2];

	GATE(&self->gate);
	in = syncobj_create(_metadata, self->fd);
	out = syncobj_create(_metadata, self->fd);
	empty = syncobj_create(_metadata, self->fd);
	ASSERT_EQ(0, gate_to_syncobj(&self->gate, self->fd, in));
	tgem_store_dword(&b, ADDR(self->data), 0x77);
	bb = batch(_metadata, self->fd, &b, &len);

	/* A syncobj with no fence is nothing to wait for: EINVAL. */
	s[0] = WAIT_SYNCOBJ(empty);
	s[1] = SIGNAL_SYNCOBJ(out);
	ASSERT_EQ(-EINVAL, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, s, 2));
	ASSERT_EQ(0, syncobj_has_fence(self->fd, out, 0));

	s[0] = WAIT_SYNCOBJ(in);
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &flags, 1, bb,
			    len, s, 2));
	settle();
	ASSERT_EQ(1, syncobj_has_fence(self->fd, out, 0));
	ASSERT_EQ(-ETIME, syncobj_wait(self->fd, out, 0, 0));
	ASSERT_EQ(0, self->p[0]);

	ASSERT_EQ(0, gate_open(&self->gate));
	ASSERT_EQ(0, syncobj_wait(self->fd, out, 0, 20 * SEC));
	EXPECT_EQ(0x77, self->p[0]);
}

/*
 * An out-fence sync_file of a job that has started but not finished (it
 * polls a dword the CPU writes later), waited for by a job of another
 * context: the second job must wait for the end of the first, not merely
 * for its start, although both contexts share one drm_sched scheduler.
 */
TEST_F(sync, sync_file_across_contexts_waits_for_end)
{
	const uint32_t async = DRM_TGEM_EXEC_OBJECT_WRITE | DRM_TGEM_EXEC_OBJECT_ASYNC;
	uint64_t d = ADDR(self->data);
	struct tgem_batch b1 = { 0 }, b2 = { 0 };
	uint32_t bb1, bb2, len1, len2;
	struct drm_tgem_sync s;

	semaphore_wait_eq(&b1, 1, d + 4);
	tgem_store_dword(&b1, d, 0x31);
	bb1 = batch(_metadata, self->fd, &b1, &len1);
	copy_dword(&b2, d + 8, d);
	tgem_store_dword(&b2, d + 12, 0x32);
	bb2 = batch(_metadata, self->fd, &b2, &len2);

	s = SIGNAL_FILE();
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &async, 1, bb1,
			    len1, &s, 1));
	s = WAIT_FILE(s.fd);
	ASSERT_EQ(0, submit(self->fd, self->ctx2, &self->data, &async, 1, bb2,
			    len2, &s, 1));
	close(s.fd);
	settle();
	settle();
	EXPECT_EQ(0, self->p[3]);
	EXPECT_EQ(0, self->p[2]);

	self->p[1] = 1;
	ASSERT_EQ(0, tgem_bo_wait(self->fd, self->data, tgem_now_ns() + 20 * SEC));
	EXPECT_EQ(0x31, self->p[0]);
	EXPECT_EQ(0x31, self->p[2]);
	EXPECT_EQ(0x32, self->p[3]);
}

/* An out-fence sync_file: not ready while the job is held, then ready. */
TEST_F(sync, out_sync_file_poll)
{
	uint32_t flags = DRM_TGEM_EXEC_OBJECT_WRITE, bb, len;
	struct tgem_batch b = { 0 };
	struct drm_tgem_sync s[2];
	struct pollfd pfd;
	int fds;

	GATE(&self->gate);
	tgem_store_dword(&b, ADDR(self->data), 0x88);
	bb = batch(_metadata, self->fd, &b, &len);

	fds = open_fds();
	s[0] = WAIT_FILE(self->gate.sync_file);
	s[1] = SIGNAL_FILE();
	s[1].fd = -1;
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &flags, 1, bb,
			    len, s, 2));
	ASSERT_LE(0, s[1].fd);
	ASSERT_EQ(fds + 1, open_fds());
	ASSERT_EQ(FD_CLOEXEC, fcntl(s[1].fd, F_GETFD) & FD_CLOEXEC);

	pfd.fd = s[1].fd;
	pfd.events = POLLIN;
	settle();
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, self->p[0]);

	ASSERT_EQ(0, gate_open(&self->gate));
	ASSERT_EQ(1, poll(&pfd, 1, 20000));
	ASSERT_TRUE(pfd.revents & POLLIN);
	EXPECT_EQ(0x88, self->p[0]);
	close(s[1].fd);
}

/*
 * An in-fence sync_file from vgem holds the job, and keeps its BO busy,
 * until vgem signals it: GEM_WAIT with a zero timeout is the busy query.
 */
TEST_F(sync, in_sync_file_from_vgem_and_busy)
{
	uint32_t flags = DRM_TGEM_EXEC_OBJECT_WRITE, bb, len;
	struct tgem_batch b = { 0 };
	struct drm_tgem_sync s;

	GATE(&self->gate);
	tgem_store_dword(&b, ADDR(self->data), 0x99);
	bb = batch(_metadata, self->fd, &b, &len);

	ASSERT_EQ(0, busy(self->fd, self->data));
	s = WAIT_FILE(self->gate.sync_file);
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &flags, 1, bb,
			    len, &s, 1));
	settle();
	ASSERT_EQ(1, busy(self->fd, self->data));
	ASSERT_EQ(-ETIME, tgem_bo_wait(self->fd, self->data, tgem_now_ns() + 50 * MSEC));
	ASSERT_EQ(0, self->p[0]);

	ASSERT_EQ(0, gate_open(&self->gate));
	ASSERT_EQ(0, tgem_bo_wait(self->fd, self->data, tgem_now_ns() + 20 * SEC));
	ASSERT_EQ(0, busy(self->fd, self->data));
	EXPECT_EQ(0x99, self->p[0]);
}

/* --- implicit synchronisation -------------------------------------------- */

/*
 * A BO shared by two tgem files through PRIME. File A's job writes it,
 * once it has started and the CPU lets it go on (a semaphore on dword 1
 * of the BO): so it is running, not merely queued, while B submits. File
 * B reads the BO twice, on two contexts, copying what it sees into BOs
 * of its own: the plain read waits for the end of A's job (not for its
 * start: contexts run in parallel); the ASYNC read does not, runs at once
 * and sees the old contents.
 */
TEST_F(sync, implicit_sync_across_files_and_async)
{
	const uint32_t wr = DRM_TGEM_EXEC_OBJECT_WRITE;
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	uint32_t fb, ctxb, ctxb2, shared, y, z, bb, len, h[2], f[2];
	struct tgem_batch b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	volatile uint32_t *py, *pz;

	fb = tgem_open(NULL, 0);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, tgem_ctx_create(fb, &ctxb));
	ASSERT_EQ(0, tgem_ctx_create(fb, &ctxb2));

	prime.handle = self->data;
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime));
	ASSERT_EQ(0, tgem_ioctl(fb, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime));
	shared = prime.handle;
	close(prime.fd);
	y = create(_metadata, fb);
	z = create(_metadata, fb);
	py = map(_metadata, fb, y);
	pz = map(_metadata, fb, z);

	/* A: wait for the CPU's word, then write the shared BO. */
	semaphore_wait_eq(&b1, 1, ADDR(self->data) + 4);
	tgem_store_dword(&b1, ADDR(self->data), 0xa1);
	bb = batch(_metadata, self->fd, &b1, &len);
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &wr, 1, bb, len,
			    NULL, 0));

	/* B, context 1: read it (implicitly waits), copy into y. */
	copy_dword(&b2, ADDR(y), ADDR(shared));
	bb = batch(_metadata, fb, &b2, &len);
	h[0] = shared;
	f[0] = 0;
	h[1] = y;
	f[1] = wr;
	ASSERT_EQ(0, submit(fb, ctxb, h, f, 2, bb, len, NULL, 0));

	/* B, context 2: read it ASYNC, copy into z, and mark z done. */
	copy_dword(&b3, ADDR(z), ADDR(shared));
	tgem_store_dword(&b3, ADDR(z) + 4, 0xd0e);
	bb = batch(_metadata, fb, &b3, &len);
	h[1] = z;
	f[0] = DRM_TGEM_EXEC_OBJECT_ASYNC;
	ASSERT_EQ(0, submit(fb, ctxb2, h, f, 2, bb, len, NULL, 0));

	ASSERT_EQ(0, tgem_bo_wait(fb, z, tgem_now_ns() + 20 * SEC));
	EXPECT_EQ(0xd0e, pz[1]);
	EXPECT_EQ(0, pz[0]);
	/* The plain reader still waits for A, and so does y. */
	settle();
	EXPECT_EQ(1, busy(fb, y));
	EXPECT_EQ(0, py[0]);
	EXPECT_EQ(0, self->p[0]);
	/* The ASYNC job's read fence is on the shared BO like any other. */
	EXPECT_EQ(1, busy(fb, shared));

	self->p[1] = 1;
	ASSERT_EQ(0, tgem_bo_wait(fb, y, tgem_now_ns() + 20 * SEC));
	EXPECT_EQ(0xa1, py[0]);
	EXPECT_EQ(0xa1, self->p[0]);
	ASSERT_EQ(0, tgem_bo_wait(self->fd, self->data, tgem_now_ns() + 20 * SEC));

	munmap((void *)py, PAGE);
	munmap((void *)pz, PAGE);
	close(fb);
}

/*
 * The dma-buf view of the same fences: DMA_BUF_IOCTL_EXPORT_SYNC_FILE on
 * a tgem dma-buf gives the fence of a tgem job writing it, and a fence
 * imported with DMA_BUF_IOCTL_IMPORT_SYNC_FILE holds a tgem job that
 * reads the BO, as the dma-buf documentation says.
 */
TEST_F(sync, dmabuf_export_import_sync_file)
{
	const uint32_t wr = DRM_TGEM_EXEC_OBJECT_WRITE;
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_READ };
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	struct tgem_batch b1 = { 0 }, b2 = { 0 };
	uint32_t bb, len, y, h[2], f[2];
	struct pollfd pfd = { .events = POLLIN };
	volatile uint32_t *py;
	struct drm_tgem_sync s;
	struct gate g2;

	GATE(&self->gate);
	prime.handle = self->data;
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime));

	/* Idle: the exported sync_file is signalled at once. */
	ASSERT_EQ(0, tgem_ioctl(prime.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	pfd.fd = exp.fd;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	close(exp.fd);

	/* A held tgem job writing the BO: a reader's sync_file waits for it. */
	tgem_store_dword(&b1, ADDR(self->data), 0xe1);
	bb = batch(_metadata, self->fd, &b1, &len);
	s = WAIT_FILE(self->gate.sync_file);
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &wr, 1, bb, len,
			    &s, 1));
	ASSERT_EQ(0, tgem_ioctl(prime.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	pfd.fd = exp.fd;
	settle();
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, gate_open(&self->gate));
	ASSERT_EQ(1, poll(&pfd, 1, 20000));
	EXPECT_EQ(0xe1, self->p[0]);
	close(exp.fd);

	/* A foreign write fence imported: a tgem reader waits for it. */
	ASSERT_EQ(0, gate_init(&g2));
	imp.fd = g2.sync_file;
	ASSERT_EQ(0, tgem_ioctl(prime.fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
	ASSERT_EQ(1, busy(self->fd, self->data));
	y = create(_metadata, self->fd);
	py = map(_metadata, self->fd, y);
	copy_dword(&b2, ADDR(y), ADDR(self->data));
	bb = batch(_metadata, self->fd, &b2, &len);
	h[0] = self->data;
	f[0] = 0;
	h[1] = y;
	f[1] = wr;
	ASSERT_EQ(0, submit(self->fd, self->ctx2, h, f, 2, bb, len, NULL, 0));
	settle();
	EXPECT_EQ(1, busy(self->fd, y));
	EXPECT_EQ(0, py[0]);
	ASSERT_EQ(0, gate_open(&g2));
	ASSERT_EQ(0, tgem_bo_wait(self->fd, y, tgem_now_ns() + 20 * SEC));
	EXPECT_EQ(0xe1, py[0]);

	gate_fini(&g2);
	munmap((void *)py, PAGE);
	close(prime.fd);
}

/* --- bad inputs ------------------------------------------------------------ */

/*
 * After a refused execbuf: no job (the BO is idle and unwritten), the
 * binary syncobj and timeline point it was to signal have no fence, and
 * no fd was left open.
 */
#define EXPECT_NOTHING_DONE(fds) do {					\
		EXPECT_EQ(0, busy(self->fd, self->data));		\
		EXPECT_EQ(0, self->p[0]);				\
		EXPECT_EQ(0, syncobj_has_fence(self->fd, sig, 0));	\
		EXPECT_EQ(0, syncobj_has_fence(self->fd, tl, 1));	\
		EXPECT_EQ((fds), open_fds());				\
	} while (0)

TEST_F(sync, bad_syncs)
{
	uint32_t flags = DRM_TGEM_EXEC_OBJECT_WRITE, bb, len, sig, tl, full;
	struct tgem_batch b = { 0 };
	struct drm_tgem_sync s[4], bad;
	int fds, devnull, i;

	sig = syncobj_create(_metadata, self->fd);
	tl = syncobj_create(_metadata, self->fd);
	full = syncobj_create_flags(_metadata, self->fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	tgem_store_dword(&b, ADDR(self->data), 0xbad);
	bb = batch(_metadata, self->fd, &b, &len);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, devnull);
	fds = open_fds();

	/* Three signals and one bad entry, in each position. */
#define REFUSED(err, ...) do {						\
		for (i = 0; i < 4; i++) {				\
			int k, j = 0;					\
			for (k = 0; k < 4; k++) {			\
				if (k == i) {				\
					s[k] = (struct drm_tgem_sync)__VA_ARGS__; \
					continue;			\
				}					\
				s[k] = j == 0 ? SIGNAL_SYNCOBJ(sig) :	\
				       j == 1 ? SIGNAL_POINT(tl, 1) : SIGNAL_FILE(); \
				if (j++ == 2)				\
					s[k].fd = 12345;		\
			}						\
			EXPECT_EQ(-(err), submit(self->fd, self->ctx,	\
						 &self->data, &flags, 1, bb, len, s, 4)) \
				TH_LOG("entry %d: %s", i, #__VA_ARGS__);	\
			for (k = 0; k < 4; k++)				\
				if (k != i && s[k].type == DRM_TGEM_SYNC_TYPE_SYNC_FILE) \
					EXPECT_EQ(12345, s[k].fd);	\
			EXPECT_NOTHING_DONE(fds);			\
		}							\
	} while (0)

	REFUSED(ENOENT, { .type = DRM_TGEM_SYNC_TYPE_SYNCOBJ, .handle = 9999 });
	REFUSED(ENOENT, { .type = DRM_TGEM_SYNC_TYPE_SYNCOBJ, .handle = 0 });
	REFUSED(ENOENT, { .type = DRM_TGEM_SYNC_TYPE_SYNCOBJ,
			  .flags = DRM_TGEM_SYNC_FLAG_SIGNAL, .handle = 9999 });
	REFUSED(ENOENT, { .type = DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ,
			  .handle = 9999, .timeline_value = 1 });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNC_FILE, .fd = -1 });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNC_FILE, .fd = 1000 });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNC_FILE, .fd = devnull });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ,
			  .handle = full, .timeline_value = 0 });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ,
			  .flags = DRM_TGEM_SYNC_FLAG_SIGNAL, .handle = full });
	/* A point nobody submitted, and an empty binary syncobj. */
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_TIMELINE_SYNCOBJ,
			  .handle = full, .timeline_value = 2 });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNCOBJ, .handle = tl });
	REFUSED(EINVAL, { .type = 3, .handle = full });
	REFUSED(EINVAL, { .type = UINT32_MAX, .handle = full });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNCOBJ, .flags = 1u << 2,
			  .handle = full });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNCOBJ, .flags = 1u << 31,
			  .handle = full });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNCOBJ,
			  .flags = DRM_TGEM_SYNC_FLAG_SIGNAL |
				   DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT,
			  .handle = full });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNC_FILE,
			  .flags = DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT, .fd = -1 });
	REFUSED(EINVAL, { .extensions = 1, .handle = full });
	REFUSED(EINVAL, { .pad = 1, .handle = full });
	REFUSED(EINVAL, { .reserved = { 1, 0 }, .handle = full });
	REFUSED(EINVAL, { .reserved = { 0, 1 }, .handle = full });
	REFUSED(EINVAL, { .timeline_value = 1, .handle = full });
	REFUSED(EINVAL, { .type = DRM_TGEM_SYNC_TYPE_SYNC_FILE,
			  .timeline_value = 1, .fd = -1 });
#undef REFUSED

	/* The same good syncs run: the cases above were refused for cause. */
	bad = WAIT_SYNCOBJ(full);
	s[0] = SIGNAL_SYNCOBJ(sig);
	s[1] = SIGNAL_POINT(tl, 1);
	s[2] = SIGNAL_FILE();
	s[3] = bad;
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &flags, 1, bb, len, s, 4));
	ASSERT_EQ(0, syncobj_wait(self->fd, tl, 1, 20 * SEC));
	ASSERT_EQ(0, syncobj_wait(self->fd, sig, 0, 20 * SEC));
	ASSERT_EQ(1, poll(&(struct pollfd){ .fd = s[2].fd, .events = POLLIN }, 1, 20000));
	EXPECT_EQ(0xbad, self->p[0]);
	close(s[2].fd);
	close(devnull);
}

/* Counts, pointers, and a fault writing the out-fence's fd back. */
TEST_F(sync, bad_array)
{
	uint32_t flags = DRM_TGEM_EXEC_OBJECT_WRITE, bb, len, sig, tl;
	struct drm_tgem_exec_object obj;
	struct tgem_batch b = { 0 };
	struct drm_tgem_execbuf eb;
	struct drm_tgem_sync *ro, s[2];
	void *none;
	int fds;

	sig = syncobj_create(_metadata, self->fd);
	tl = syncobj_create(_metadata, self->fd);
	tgem_store_dword(&b, ADDR(self->data), 0xbad);
	bb = batch(_metadata, self->fd, &b, &len);
	s[0] = SIGNAL_SYNCOBJ(sig);
	s[1] = SIGNAL_POINT(tl, 1);
	fds = open_fds();

	/* Over the cap, whatever the pointer. */
	EXPECT_EQ(-EINVAL, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, s, DRM_TGEM_EXEC_MAX_SYNCS + 1));
	EXPECT_EQ(-EINVAL, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, NULL, UINT32_MAX));
	EXPECT_NOTHING_DONE(fds);
	/* A pointer with no syncs. */
	EXPECT_EQ(-EINVAL, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, s, 0));
	EXPECT_NOTHING_DONE(fds);
	/* Pointers the kernel cannot read. */
	EXPECT_EQ(-EFAULT, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, NULL, 1));
	EXPECT_EQ(-EFAULT, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, (void *)-(uintptr_t)PAGE, 1));
	none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(-EFAULT, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, none, 1));
	munmap(none, PAGE);
	EXPECT_NOTHING_DONE(fds);

	/* A read-only array: the out-fence's fd cannot be written back. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro[0] = SIGNAL_SYNCOBJ(sig);
	ro[1] = SIGNAL_POINT(tl, 1);
	ro[2] = SIGNAL_FILE();
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	EXPECT_EQ(-EFAULT, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, ro, 3));
	EXPECT_NOTHING_DONE(fds);
	munmap(ro, PAGE);

	/*
	 * An out-fence on an execbuf that fails after the syncs were looked
	 * up (a bad relocation fails in the first relocation pass, with the
	 * BOs locked): no fd, no signal, and the fd field keeps its input
	 * value.
	 */
	{
		struct drm_tgem_relocation_entry r = {
			.target_handle = self->data,
		};
		struct drm_tgem_sync o[3] = {
			SIGNAL_SYNCOBJ(sig), SIGNAL_POINT(tl, 1), SIGNAL_FILE(),
		};

		o[2].fd = -7;
		memset(&obj, 0, sizeof(obj));
		obj.handle = bb;
		obj.relocs_ptr = (uintptr_t)&r;
		obj.relocation_count = 1;
		memset(&eb, 0, sizeof(eb));
		eb.objects_ptr = (uintptr_t)&obj;
		eb.num_objects = 1;
		eb.batch_len = len;
		eb.ctx_id = self->ctx;
		eb.syncs = (uintptr_t)o;
		eb.num_syncs = 3;
		/* Not in the object list: ENOENT, found in the first pass. */
		EXPECT_EQ(-ENOENT, tgem_execbuf(self->fd, &eb));
		EXPECT_EQ(-7, o[2].fd);
		EXPECT_NOTHING_DONE(fds);
		/* In the list, at an unaligned offset: EINVAL. */
		r.target_handle = bb;
		r.offset = 4;
		EXPECT_EQ(-EINVAL, tgem_execbuf(self->fd, &eb));
		EXPECT_EQ(-7, o[2].fd);
		EXPECT_NOTHING_DONE(fds);
	}
}

/* An unknown exec object flag next to ASYNC is still refused. */
TEST_F(sync, async_flag)
{
	uint32_t flags = DRM_TGEM_EXEC_OBJECT_WRITE | (1u << 3), bb, len;
	struct tgem_batch b = { 0 };

	tgem_store_dword(&b, ADDR(self->data), 0x5a);
	bb = batch(_metadata, self->fd, &b, &len);
	ASSERT_EQ(-EINVAL, submit(self->fd, self->ctx, &self->data, &flags, 1,
				  bb, len, NULL, 0));
	flags = DRM_TGEM_EXEC_OBJECT_WRITE | DRM_TGEM_EXEC_OBJECT_ASYNC;
	ASSERT_EQ(0, submit(self->fd, self->ctx, &self->data, &flags, 1, bb,
			    len, NULL, 0));
	ASSERT_EQ(0, tgem_bo_wait(self->fd, self->data, tgem_now_ns() + 20 * SEC));
	EXPECT_EQ(0x5a, self->p[0]);
}

TEST_HARNESS_MAIN
