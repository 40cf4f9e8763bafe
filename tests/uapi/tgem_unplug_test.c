// SPDX-License-Identifier: MIT
/*
 * tgem_unplug_test.c - kselftest for what outlives a device or a process
 *
 * unplug: a device unbound and bound again must never let the old
 * instance reach the BAR, which the new instance now owns. A dma-buf of the
 * old device imported into vgem, the old mapping read through
 * /proc/self/mem and the old file's ioctls all fail with the errnos the
 * uAPI header documents ("tgem uAPI device removal"), and no byte of the
 * new device's VRAM comes back through any of them.
 *
 * unplug.jobs_in_flight: unbinding with a job running (spinning on a
 * semaphore), jobs queued behind it and jobs blocked in the scheduler on
 * its fence, on two contexts, stops them all: every fence signals with an
 * error, a GEM_WAIT sleeping in another thread returns, the file's ioctls
 * answer ENODEV, everything can be unmapped and closed, and after the
 * rebind a new job runs.
 *
 * killed: a process killed in the middle of a long VRAM clear, or while its
 * allocation evicts other clients' BOs, dies within one chunk of the clear
 * or one eviction instead of finishing them, and leaves the device as it
 * was: the victims keep their data, no VRAM stays allocated, and the next
 * create works.
 * (kmemleak, which make check reads after the suites, sees the rest.)
 *
 * Needs root (sysfs bind/unbind) and a tgem device with VRAM; the unplug
 * test also needs vgem. Tests skip otherwise.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "tgem_mi.h"
#include "tgem_util.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define SZ_2M		(2ull << 20)
#define SZ_128M		(128ull << 20)
#define SZ_256M		(256ull << 20)
#define PLACE_SYS	DRM_TGEM_PLACEMENT_SYSTEM
#define PLACE_VRAM	DRM_TGEM_PLACEMENT_VRAM
#define PLACE_BOTH	(PLACE_SYS | PLACE_VRAM)
#define TGEM_PCI_DRV	"/sys/bus/pci/drivers/tgem"
#define PAGE		4096u
#define SEC		1000000000ll

/* What the new device's VRAM holds, word for word; seen nowhere else. */
#define NEW_DEVICE_WORD	0xb17e5eedu
#define OLD_SEED	0x01dc0de5u
#define VICTIM_SEED	0x7157ed01u

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

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return p;
}

static int region_of(int fd, uint32_t handle)
{
	struct drm_tgem_gem_info info;
	int ret = tgem_bo_info(fd, handle, &info);

	return ret ? ret : (int)info.region;
}

static int has_vram(int fd)
{
	struct tgem_config cfg;

	return !tgem_query_config(fd, &cfg) &&
	       (cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM);
}

static uint64_t vram_used(struct __test_metadata *_metadata, int fd)
{
	uint64_t used = 0;

	EXPECT_EQ(0, tgem_region_usage(fd, 1, &used, NULL));
	return used;
}

/* Words of @p equal to NEW_DEVICE_WORD. */
static size_t count_new_words(const void *p, size_t size)
{
	const uint32_t *w = p;
	size_t i, n = 0;

	for (i = 0; i < size / sizeof(*w); i++)
		n += w[i] == NEW_DEVICE_WORD;
	return n;
}

/* --- unplug ------------------------------------------------------------ */

FIXTURE(unplug) {
	int fd;
	char dev[64];
};

FIXTURE_SETUP(unplug)
{
	glob_t g;

	self->dev[0] = 0;
	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd) TH_LOG("no tgem render node");
	if (!has_vram(self->fd))
		SKIP(return, "no VRAM");
	if (glob(TGEM_PCI_DRV "/0000:*", 0, NULL, &g) || g.gl_pathc != 1)
		SKIP(return, "tgem is not bound to exactly one PCI device");
	snprintf(self->dev, sizeof(self->dev), "%s", strrchr(g.gl_pathv[0], '/') + 1);
	globfree(&g);
}

/* Whatever happened, leave tgem bound to its device for the next suite. */
FIXTURE_TEARDOWN(unplug)
{
	char path[128];
	struct stat st;

	if (self->fd >= 0)
		close(self->fd);
	if (!self->dev[0])
		return;
	snprintf(path, sizeof(path), TGEM_PCI_DRV "/%s", self->dev);
	if (stat(path, &st))
		tgem_sysfs_write(TGEM_PCI_DRV "/bind", self->dev);
}

/*
 * A VRAM|SYSTEM BO of the old device is exported, the device unbound and
 * bound again, and every byte of the new device's VRAM is written with
 * NEW_DEVICE_WORD. Then each way the old BO can still be reached is tried.
 * Before each of them was guarded, importing into vgem pinned the BO, so
 * the old device copied it out of the BAR, and /proc/self/mem then
 * returned the new device's words.
 */
TEST_F_TIMEOUT(unplug, old_dmabuf_after_rebind, 600)
{
	size_t size = SZ_2M, new_size;
	uint64_t total = 0, offset;
	uint32_t h, hv, nh;
	uint32_t *p, *np;
	int dmabuf, vgem, nfd, mem, ret;
	ssize_t n;
	char *buf;

	vgem = tgem_open_node("/dev/dri/renderD", TGEM_RENDER_MIN,
			      TGEM_RENDER_MAX, "vgem", NULL, 0);
	if (vgem < 0)
		SKIP(return, "vgem is not loaded");

	h = create(_metadata, self->fd, size, PLACE_BOTH);
	ASSERT_EQ(1, region_of(self->fd, h)) TH_LOG("the BO must start in VRAM");
	p = map(_metadata, self->fd, h, size);
	tgem_fill(p, size, OLD_SEED);
	ASSERT_EQ(0, tgem_prime_export(self->fd, h, &dmabuf));

	/* Unbind: the old device is unplugged, its files stay open. */
	ASSERT_EQ(0, tgem_sysfs_write(TGEM_PCI_DRV "/unbind", self->dev));
	ASSERT_EQ(0, tgem_sysfs_write(TGEM_PCI_DRV "/bind", self->dev));

	/* The new instance on the same BAR: fill all of its VRAM. */
	nfd = tgem_open(NULL, 0);
	ASSERT_LE(0, nfd) TH_LOG("no render node after the rebind");
	ASSERT_EQ(0, tgem_region_usage(nfd, 1, NULL, &total));
	ASSERT_EQ(0ull, vram_used(_metadata, nfd));
	new_size = total;
	nh = create(_metadata, nfd, new_size, PLACE_VRAM);
	np = map(_metadata, nfd, nh, new_size);
	for (offset = 0; offset < new_size / sizeof(*np); offset++)
		np[offset] = NEW_DEVICE_WORD;

	/* Every ioctl of the old file: ENODEV. */
	EXPECT_EQ(-ENODEV, region_of(self->fd, h));
	EXPECT_EQ(-ENODEV, tgem_bo_migrate(self->fd, h, 0));
	EXPECT_EQ(-ENODEV, tgem_bo_create(self->fd, &(uint64_t){ size },
					  PLACE_BOTH, 0, &(uint32_t){ 0 }));

	/* Another driver imports the old dma-buf: ENODEV, nothing copied. */
	ret = tgem_prime_import(vgem, dmabuf, &hv);
	EXPECT_EQ(-ENODEV, ret);
	if (!ret)
		tgem_gem_close(vgem, hv);

	/* ptrace access to the old mapping: EIO, not the new device's data. */
	buf = calloc(1, size);
	ASSERT_NE(NULL, buf);
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, mem);
	n = pread(mem, buf, size, (off_t)(uintptr_t)p);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EIO, errno);
	if (n > 0)
		EXPECT_EQ(0ul, count_new_words(buf, (size_t)n))
			TH_LOG("/proc/self/mem returned the new device's VRAM");
	close(mem);

	/* The old mapping itself: TTM's zeroed dummy page. */
	EXPECT_EQ(0ul, count_new_words(p, size));
	EXPECT_EQ(0u, p[0]);
	EXPECT_EQ(0u, p[size / sizeof(*p) - 1]);

	/* And the old instance wrote nothing into the new one's VRAM. */
	EXPECT_EQ(new_size / sizeof(*np), count_new_words(np, new_size));

	free(buf);
	munmap(p, size);
	close(dmabuf);
	close(vgem);
	munmap(np, new_size);
	tgem_gem_close(nfd, nh);
	close(nfd);
}

/* Softpinned addresses: 1 MiB times the handle, so no two BOs overlap. */
#define ADDR(h)		TGEM_PIN_ADDR(h)

static void upload(struct __test_metadata *_metadata, int fd, uint32_t handle,
		   const struct tgem_batch *b)
{
	uint32_t *p = map(_metadata, fd, handle, PAGE);

	memcpy(p, b->dw, b->n * 4);
	munmap(p, PAGE);
}

static uint32_t batch_end(struct tgem_batch *b)
{
	tgem_emit(b, MI_BATCH_BUFFER_END);
	return b->n * 4;
}

/* The current fences of a BO's dma-buf, all of them, as a sync_file. */
static int bo_sync_file(struct __test_metadata *_metadata, int fd,
			uint32_t handle)
{
	struct dma_buf_export_sync_file arg = { .flags = DMA_BUF_SYNC_WRITE };
	int dmabuf = -1;

	EXPECT_EQ(0, tgem_prime_export(fd, handle, &dmabuf));
	EXPECT_EQ(0, tgem_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg));
	close(dmabuf);
	return arg.fd;
}

/* Wait up to 30 s for a sync_file; its status: 1 done, < 0 an error. */
static int sync_file_status(struct __test_metadata *_metadata, int sync_fd)
{
	struct pollfd pfd = { .fd = sync_fd, .events = POLLIN };
	struct sync_file_info info = {};

	EXPECT_EQ(1, poll(&pfd, 1, 30000)) TH_LOG("a fence never signalled");
	EXPECT_EQ(0, tgem_ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info));
	close(sync_fd);
	return info.status;
}

struct waiter {
	int fd;
	uint32_t handle;
	int ret;
};

static void *wait_thread(void *data)
{
	struct waiter *w = data;

	w->ret = tgem_bo_wait(w->fd, w->handle, tgem_now_ns() + 120 * SEC);
	return NULL;
}

/*
 * Context a runs a batch that spins on a semaphore nobody releases (after
 * it stored 1 into flag, so the test knows it runs), with stores queued
 * behind it. Context b's jobs write the semaphore BO, so the scheduler
 * holds them back until the spinner's fence signals. Then the device is
 * unbound: the engine must stop the spinner (ENODEV) well before its
 * timeout, and the scheduler must end the jobs behind it without running
 * them.
 */
TEST_F_TIMEOUT(unplug, jobs_in_flight, 600)
{
	uint32_t sem, flag, t_a, t_b, bb_spin, bb_a, bb_b, ctx_a, ctx_b, h;
	struct tgem_batch spin = {}, sa = {}, sb = {}, b = {};
	struct waiter w = { .fd = self->fd };
	int sync_spin, sync_a, sync_b, nfd, st, i;
	uint32_t lspin, la, lb, ln;
	uint32_t hs[3], ha[2], hb[3], hn[2];
	struct timespec deadline;
	volatile uint32_t *fp;
	uint32_t *p;
	int64_t t;
	pthread_t th;

	ASSERT_EQ(0, tgem_ctx_create(self->fd, &ctx_a));
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &ctx_b));
	sem = create(_metadata, self->fd, PAGE, PLACE_SYS);
	flag = create(_metadata, self->fd, PAGE, PLACE_SYS);
	t_a = create(_metadata, self->fd, PAGE, PLACE_SYS);
	t_b = create(_metadata, self->fd, PAGE, PLACE_VRAM);
	bb_spin = create(_metadata, self->fd, PAGE, PLACE_SYS);
	bb_a = create(_metadata, self->fd, PAGE, PLACE_SYS);
	bb_b = create(_metadata, self->fd, PAGE, PLACE_SYS);

	tgem_store_dword(&spin, ADDR(flag), 1);
	tgem_emit(&spin, MI_SEMAPHORE_WAIT | SAD(SAD_EQ_SDD));
	tgem_emit(&spin, 1);
	tgem_emit_addr(&spin, ADDR(sem));
	tgem_store_dword(&spin, ADDR(flag), 2);
	lspin = batch_end(&spin);
	upload(_metadata, self->fd, bb_spin, &spin);
	tgem_store_dword(&sa, ADDR(t_a), 0x51);
	la = batch_end(&sa);
	upload(_metadata, self->fd, bb_a, &sa);
	tgem_store_dword(&sb, ADDR(t_b), 0x52);
	lb = batch_end(&sb);
	upload(_metadata, self->fd, bb_b, &sb);

	fp = map(_metadata, self->fd, flag, PAGE);
	hs[0] = bb_spin, hs[1] = sem, hs[2] = flag;
	ha[0] = bb_a, ha[1] = t_a;
	hb[0] = bb_b, hb[1] = sem, hb[2] = t_b;
	ASSERT_EQ(0, tgem_submit_pinned(self->fd, ctx_a, hs, 3, 0, 1u << 2, lspin));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, tgem_submit_pinned(self->fd, ctx_a, ha, 2, 0, 1u << 1, la));
		ASSERT_EQ(0, tgem_submit_pinned(self->fd, ctx_b, hb, 3, 0, 3u << 1, lb));
	}
	sync_spin = bo_sync_file(_metadata, self->fd, flag);
	sync_a = bo_sync_file(_metadata, self->fd, t_a);
	sync_b = bo_sync_file(_metadata, self->fd, t_b);

	/* The spinner runs; a GEM_WAIT sleeps on context b's last job. */
	for (t = tgem_now_ns(); *fp != 1 && tgem_now_ns() - t < 20 * SEC;)
		usleep(1000);
	ASSERT_EQ(1u, *fp) TH_LOG("the spinning batch never started");
	w.handle = t_b;
	ASSERT_EQ(0, pthread_create(&th, NULL, wait_thread, &w));
	usleep(100000);

	t = tgem_now_ns();
	ASSERT_EQ(0, tgem_sysfs_write(TGEM_PCI_DRV "/unbind", self->dev));
	TH_LOG("unbind took %lld ms", (long long)((tgem_now_ns() - t) / 1000000));

	/* Every fence signals, with an error: nothing ran to its end. */
	st = sync_file_status(_metadata, sync_spin);
	EXPECT_TRUE(st == -ENODEV || st == -ETIMEDOUT)
		TH_LOG("spinner: status %d", st);
	if (st == -ETIMEDOUT)
		TH_LOG("the spinner timed out before the unbind: slow machine?");
	EXPECT_GT(0, sync_file_status(_metadata, sync_a));
	i = sync_file_status(_metadata, sync_b);
	if (st == -ENODEV)
		EXPECT_GT(0, i) TH_LOG("context b: status %d", i);

	/* The sleeping GEM_WAIT returns. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 30;
	ASSERT_EQ(0, pthread_timedjoin_np(th, NULL, &deadline))
		TH_LOG("GEM_WAIT still sleeps after the unbind");
	TH_LOG("GEM_WAIT across the unbind: %d", w.ret);
	EXPECT_NE(-ETIME, w.ret);

	/* The old file: ENODEV. Unmapping and closing work. */
	EXPECT_EQ(-ENODEV, tgem_bo_wait(self->fd, t_a, 0));
	EXPECT_EQ(-ENODEV, tgem_ctx_create(self->fd, &h));
	EXPECT_EQ(-ENODEV, tgem_submit_pinned(self->fd, ctx_a, ha, 2, 0, 0, la));
	EXPECT_EQ(0, munmap((void *)fp, PAGE));
	EXPECT_EQ(0, close(self->fd));
	self->fd = -1;

	/* Bound again, the new device runs a job. */
	ASSERT_EQ(0, tgem_sysfs_write(TGEM_PCI_DRV "/bind", self->dev));
	nfd = tgem_open(NULL, 0);
	ASSERT_LE(0, nfd) TH_LOG("no render node after the rebind");
	ASSERT_EQ(0, tgem_ctx_create(nfd, &ctx_a));
	hn[0] = create(_metadata, nfd, PAGE, PLACE_SYS);
	hn[1] = create(_metadata, nfd, PAGE, PLACE_VRAM);
	tgem_store_dword(&b, ADDR(hn[1]) + 8, 0xa11ce);
	ln = batch_end(&b);
	upload(_metadata, nfd, hn[0], &b);
	ASSERT_EQ(0, tgem_submit_pinned(nfd, ctx_a, hn, 2, 0, 1u << 1, ln));
	ASSERT_EQ(0, tgem_bo_wait(nfd, hn[1], tgem_now_ns() + 20 * SEC));
	p = map(_metadata, nfd, hn[1], PAGE);
	EXPECT_EQ(0xa11ceu, p[2]);
	munmap(p, PAGE);
	close(nfd);
}

/* --- killed ------------------------------------------------------------ */

FIXTURE(killed) {
	int fd;
	uint64_t free;
};

FIXTURE_SETUP(killed)
{
	uint64_t used = 0, total = 0;

	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd) TH_LOG("no tgem render node");
	if (!has_vram(self->fd))
		SKIP(return, "no VRAM");
	ASSERT_EQ(0, tgem_region_usage(self->fd, 1, &used, &total));
	self->free = total - used;
}

FIXTURE_TEARDOWN(killed)
{
	close(self->fd);
}

/*
 * Fork a child that opens its own file (so its BOs die with it) and
 * creates a VRAM-only BO of @size; SIGKILL it a quarter of @op_ns after it
 * says it is about to start. Returns how long the child took to die after
 * the kill, in ns.
 */
static int64_t kill_creator(struct __test_metadata *_metadata, uint64_t size,
			    int64_t op_ns)
{
	struct timespec delay = {
		.tv_sec = op_ns / 4 / 1000000000,
		.tv_nsec = op_ns / 4 % 1000000000,
	};
	int pipefd[2], status = 0;
	int64_t t;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint32_t h;
		int fd = tgem_open(NULL, 0);

		close(pipefd[0]);
		if (fd < 0 || write(pipefd[1], "g", 1) != 1)
			_exit(2);
		_exit(tgem_bo_create(fd, &size, PLACE_VRAM, 0, &h) ? 3 : 0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	close(pipefd[0]);

	nanosleep(&delay, NULL);
	t = tgem_now_ns();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t = tgem_now_ns() - t;

	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("the child was not killed (status %#x): the create ended first?",
		       status);
	return t;
}

/* VRAM usage drops to @want once TTM's delayed deletes have run. */
static void expect_vram_used(struct __test_metadata *_metadata, int fd,
			     uint64_t want)
{
	uint64_t used = 0;
	int i;

	for (i = 0; i < 100; i++) {
		used = vram_used(_metadata, fd);
		if (used == want)
			break;
		usleep(20000);
	}
	EXPECT_EQ(want, used);
}

/* A VRAM-only create of @size works and reads as zeros. */
static void expect_create_works(struct __test_metadata *_metadata, int fd,
				uint64_t size)
{
	uint32_t h = create(_metadata, fd, size, PLACE_VRAM);
	uint32_t *p = map(_metadata, fd, h, size);

	EXPECT_EQ(0u, p[0]);
	EXPECT_EQ(0u, p[size / sizeof(*p) / 2]);
	EXPECT_EQ(0u, p[size / sizeof(*p) - 1]);
	munmap(p, size);
	EXPECT_EQ(0, tgem_gem_close(fd, h));
}

/*
 * Creating a VRAM-only BO clears all of it in the ioctl. Killed a quarter
 * of the way in, the process must die within a chunk, not after the
 * remaining three quarters.
 */
TEST_F_TIMEOUT(killed, vram_clear, 600)
{
	uint64_t size = self->free < SZ_256M ? self->free : SZ_256M;
	uint64_t base = vram_used(_metadata, self->fd);
	int64_t op_ns, dead_ns;
	uint32_t h;

	size &= ~(SZ_2M - 1);
	if (size < 8 * SZ_2M)
		SKIP(return, "less than 16 MiB of VRAM free");

	op_ns = tgem_now_ns();
	h = create(_metadata, self->fd, size, PLACE_VRAM);
	op_ns = tgem_now_ns() - op_ns;
	ASSERT_EQ(0, tgem_gem_close(self->fd, h));
	expect_vram_used(_metadata, self->fd, base);
	if (op_ns < 40 * 1000000)
		SKIP(return, "clearing %llu MiB took only %lld ms: too fast to interrupt measurably",
		     (unsigned long long)(size >> 20), (long long)(op_ns / 1000000));

	dead_ns = kill_creator(_metadata, size, op_ns);
	TH_LOG("clear of %llu MiB: %lld ms; killed a quarter in, dead after %lld ms",
	       (unsigned long long)(size >> 20), (long long)(op_ns / 1000000),
	       (long long)(dead_ns / 1000000));
	EXPECT_GT(op_ns / 2, dead_ns)
		TH_LOG("SIGKILL waited for the clear to finish");

	expect_vram_used(_metadata, self->fd, base);
	expect_create_works(_metadata, self->fd, size);
	expect_vram_used(_metadata, self->fd, base);
}

/*
 * VRAM is full: a filler takes all but @size, and VICTIMS VRAM|SYSTEM BOs
 * of another client the rest. A VRAM-only create of @size evicts every
 * victim, one move each (a populate of system pages and a copy), then
 * clears. Killed a quarter of the way in, the creator dies within about one
 * victim's move instead of after all of them, and every victim keeps every
 * byte, in VRAM or in system memory, wherever the interrupted eviction
 * left it. (TTM populates a BO's system pages in one go, uninterruptibly,
 * so many small victims rather than one big one.)
 */
#define VICTIMS		32

TEST_F_TIMEOUT(killed, eviction, 600)
{
	uint64_t size = self->free / 2 < SZ_128M / 2 ? self->free / 2 : SZ_128M / 2;
	uint64_t base = vram_used(_metadata, self->fd), filler_size, in_vram;
	uint64_t victim_size;
	uint32_t filler = 0, victim[VICTIMS], h;
	int64_t op_ns, dead_ns;
	void *p[VICTIMS];
	int i, n;

	size &= ~(VICTIMS * SZ_2M / 4 - 1);
	if (size < VICTIMS * SZ_2M / 4)
		SKIP(return, "less than 32 MiB of VRAM free");
	victim_size = size / VICTIMS;
	filler_size = self->free - size;
	if (filler_size)
		filler = create(_metadata, self->fd, filler_size, PLACE_VRAM);
	for (i = 0; i < VICTIMS; i++) {
		victim[i] = create(_metadata, self->fd, victim_size, PLACE_BOTH);
		ASSERT_EQ(1, region_of(self->fd, victim[i]));
		p[i] = map(_metadata, self->fd, victim[i], victim_size);
		tgem_fill(p[i], victim_size, VICTIM_SEED + i);
	}

	/* How long the whole create takes: the evictions plus the clear. */
	op_ns = tgem_now_ns();
	h = create(_metadata, self->fd, size, PLACE_VRAM);
	op_ns = tgem_now_ns() - op_ns;
	for (i = 0; i < VICTIMS; i++)
		ASSERT_EQ(0, region_of(self->fd, victim[i])) TH_LOG("victim %d stayed", i);
	ASSERT_EQ(0, tgem_gem_close(self->fd, h));
	for (i = 0; i < VICTIMS; i++) {
		ASSERT_EQ(0, tgem_bo_migrate(self->fd, victim[i], 1));
		EXPECT_EQ(-1, tgem_check(p[i], victim_size, VICTIM_SEED + i));
	}
	if (op_ns < 40 * 1000000)
		SKIP(return, "evicting and clearing %llu MiB took only %lld ms",
		     (unsigned long long)(size >> 20), (long long)(op_ns / 1000000));

	dead_ns = kill_creator(_metadata, size, op_ns);
	TH_LOG("evict %d BOs + clear, %llu MiB: %lld ms; killed a quarter in, dead after %lld ms",
	       VICTIMS, (unsigned long long)(size >> 20), (long long)(op_ns / 1000000),
	       (long long)(dead_ns / 1000000));
	EXPECT_GT(op_ns / 2, dead_ns)
		TH_LOG("SIGKILL waited for the evictions and the clear to finish");

	/* Every victim holds its data, in VRAM or in system memory. */
	for (i = 0, n = 0; i < VICTIMS; i++) {
		EXPECT_EQ(-1, tgem_check(p[i], victim_size, VICTIM_SEED + i))
			TH_LOG("victim %d lost its data", i);
		n += region_of(self->fd, victim[i]) == 1;
	}
	in_vram = (uint64_t)n * victim_size;
	expect_vram_used(_metadata, self->fd, base + filler_size + in_vram);

	for (i = 0; i < VICTIMS; i++) {
		munmap(p[i], victim_size);
		EXPECT_EQ(0, tgem_gem_close(self->fd, victim[i]));
	}
	if (filler)
		EXPECT_EQ(0, tgem_gem_close(self->fd, filler));
	expect_vram_used(_metadata, self->fd, base);
	expect_create_works(_metadata, self->fd, size);
}

TEST_HARNESS_MAIN
