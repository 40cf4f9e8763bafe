// SPDX-License-Identifier: MIT
/*
 * tgem_userptr_test.c - kselftest for DRM_IOCTL_TGEM_GEM_USERPTR
 *
 * Every errno the ioctl documents; what a userptr BO refuses (MMAP_OFFSET,
 * MIGRATE to VRAM, PRIME export, any fake offset); the memory it accepts
 * and refuses (anonymous, memfd, several mappings, PROT_READ, a tgem BO's
 * own VM_PFNMAP mapping, holes), checked with DRM_TGEM_GEM_USERPTR_FLAG_PROBE
 * and the debugfs counters of tgem_userptr_stats (exact page counts); and
 * that munmap(), process exit and a racing MADV_DONTNEED with live userptr
 * BOs are clean (no hang, no splat: the VM log is checked after the run).
 *
 * Then the engine (DRM_IOCTL_TGEM_EXECBUF): it writes into a userptr and
 * the CPU sees it, it copies what the CPU wrote; a read-only userptr can
 * be read and a write to it faults the job and writes nothing;
 * MADV_DONTNEED, fork(), mremap(), memfd, munmap() of a userptr a queued
 * job still uses (munmap waits for the job), process exit with jobs in
 * flight, a 1 GiB userptr whose one-page MADV_DONTNEED refaults exactly one
 * page, and two threads invalidating and submitting for 10 seconds with
 * every result checked.
 *
 * Needs root (debugfs) and a tgem device.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tgem_mi.h"
#include "tgem_util.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define PAGE		4096ul
#define RO		DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY
#define PROBE		DRM_TGEM_GEM_USERPTR_FLAG_PROBE
#define SEC		1000000000ll

/* Object i of an execbuf is softpinned at ADDR(i): 4 GiB apart. */
#define ADDR(i)			((uint64_t)((i) + 1) << 32)

static char stats_path[256];

struct userptr_stats {
	long long validations, pages_faulted, invalidations, pages_invalidated;
};

static int read_stats(struct userptr_stats *s)
{
	const struct tgem_stat_key keys[] = {
		{ "validations", &s->validations },
		{ "pages_faulted", &s->pages_faulted },
		{ "invalidations", &s->invalidations },
		{ "pages_invalidated", &s->pages_invalidated },
	};

	return tgem_stats_read(stats_path, keys, sizeof(keys) / sizeof(keys[0]));
}

/* The raw ioctl: no restart, so EINTR and EAGAIN show. */
static int userptr_raw(int fd, struct drm_tgem_gem_userptr *args)
{
	return ioctl(fd, DRM_IOCTL_TGEM_GEM_USERPTR, args) ? -errno : 0;
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
	if (!ret && handle)
		*handle = args.handle;
	else if (!ret)
		tgem_gem_close(fd, args.handle);
	return ret;
}

static void *map_anon(size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE(userptr) {
	int fd;
	uint64_t sys_total;
};

FIXTURE_SETUP(userptr)
{
	uint64_t used;

	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tgem_region_usage(self->fd, 0, &used, &self->sys_total));
}

FIXTURE_TEARDOWN(userptr)
{
	close(self->fd);
}

/* --- argument checks ------------------------------------------------- */

TEST_F(userptr, errnos)
{
	uint8_t *p = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	const struct {
		const char *what;
		struct drm_tgem_gem_userptr args;
		int ret;
	} cases[] = {
		{ "extensions", { .extensions = 1, .user_size = PAGE }, -EINVAL },
		{ "unknown flag", { .flags = 1 << 2, .user_size = PAGE }, -EINVAL },
		{ "top flag", { .flags = 1u << 31, .user_size = PAGE }, -EINVAL },
		{ "reserved[0]", { .reserved = { 1, 0 }, .user_size = PAGE }, -EINVAL },
		{ "reserved[1]", { .reserved = { 0, 1 }, .user_size = PAGE }, -EINVAL },
		{ "zero size", { .user_size = 0 }, -EINVAL },
		{ "unaligned pointer", { .user_ptr = 1, .user_size = PAGE }, -EINVAL },
		{ "unaligned size", { .user_size = PAGE - 1 }, -EINVAL },
		{ "larger than system memory",
		  { .user_size = (self->sys_total & ~(PAGE - 1)) + PAGE }, -EINVAL },
		{ "kernel address", { .user_ptr = 0xffff800000000000ull - (uintptr_t)p,
		  .user_size = PAGE }, -EFAULT },
		{ "just past user space", { .user_ptr = (1ull << 47) - (uintptr_t)p,
		  .user_size = PAGE }, -EFAULT },
		{ "wrapping around", { .user_ptr = -(uint64_t)PAGE - (uintptr_t)p,
		  .user_size = 2 * PAGE }, -EFAULT },
	};
	unsigned int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drm_tgem_gem_userptr args = cases[i].args;
		struct drm_tgem_gem_userptr before;

		args.user_ptr += (uintptr_t)p;
		args.handle = 0xdeadbeef;
		before = args;
		EXPECT_EQ(cases[i].ret, userptr_raw(self->fd, &args))
			TH_LOG("%s", cases[i].what);
		EXPECT_EQ(0, memcmp(&args, &before, sizeof(args)))
			TH_LOG("%s: a failing ioctl wrote its argument", cases[i].what);
	}
	munmap(p, 4 * PAGE);
}

TEST_F(userptr, create_and_info)
{
	uint8_t *p = map_anon(16 * PAGE, PROT_READ | PROT_WRITE);
	struct drm_tgem_gem_info info = { 0 };
	uint32_t h, h2;

	ASSERT_NE(NULL, p);
	/* No probe: nothing is faulted, even over a hole or PROT_NONE. */
	ASSERT_EQ(0, userptr(self->fd, p, 16 * PAGE, 0, &h));
	ASSERT_EQ(0, tgem_bo_info(self->fd, h, &info));
	EXPECT_EQ(16 * PAGE, info.size);
	EXPECT_EQ((uint32_t)DRM_TGEM_PLACEMENT_SYSTEM, info.placement);
	EXPECT_EQ(0u, info.region);
	EXPECT_EQ(0, tgem_bo_wait(self->fd, h, 0));

	/* Two userptrs over the same memory are two BOs. */
	ASSERT_EQ(0, userptr(self->fd, p + PAGE, 2 * PAGE, RO, &h2));
	EXPECT_NE(h, h2);
	EXPECT_EQ(0, tgem_gem_close(self->fd, h2));
	EXPECT_EQ(0, tgem_gem_close(self->fd, h));
	munmap(p, 16 * PAGE);
}

/*
 * What a userptr makes the kernel allocate is charged to its creator's
 * memory cgroup: for 1 GiB (262144 pages) the page directory alone is
 * 2 MiB, allocated when the BO is created. The range is never touched,
 * so nothing else of that size is charged; freeing the BO uncharges it.
 * (A page directory larger than a charge batch is charged exactly; the
 * margins cover the per-cpu batches of everything else.)
 */
TEST_F(userptr, memcg_charges_page_directory)
{
	const size_t size = 1ul << 30, dir = size / PAGE * sizeof(void *);
	long long before, after, now = -1;
	struct tgem_memcg m;
	int64_t t;
	uint8_t *p;
	uint32_t h;
	int ret;

	if (size > self->sys_total)
		SKIP(return, "less than 1 GiB of system memory");
	p = map_anon(size, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	ret = tgem_memcg_enter(&m, "max");
	if (ret) {
		munmap(p, size);
		SKIP(return, "no cgroup2 memory controller: %s", strerror(-ret));
	}

	before = tgem_memcg_read(&m, "memory.current");
	ret = userptr(self->fd, p, size, 0, &h);
	after = tgem_memcg_read(&m, "memory.current");
	if (!ret)
		tgem_gem_close(self->fd, h);
	/* The BO is freed on a workqueue: give it a moment. */
	for (t = tgem_now_ns(); tgem_now_ns() - t < 5000000000ll;) {
		now = tgem_memcg_read(&m, "memory.current");
		if (now < after - (long long)dir / 2)
			break;
		usleep(10000);
	}
	tgem_memcg_leave(&m);
	munmap(p, size);

	ASSERT_EQ(0, ret);
	TH_LOG("1 GiB userptr: memory.current %lld -> %lld -> %lld", before,
	       after, now);
	EXPECT_LE((long long)(dir - dir / 4), after - before)
		TH_LOG("the page directory is not charged to the cgroup");
	EXPECT_GE((long long)(dir + dir / 2), after - before);
	EXPECT_LE((long long)(dir - dir / 4), after - now)
		TH_LOG("freeing the BO did not uncharge its page directory");
}

/* --- what a userptr BO refuses ----------------------------------------- */

TEST_F(userptr, refuses_mmap_migrate_export)
{
	uint8_t *p = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	struct drm_prime_handle prime = { 0 };
	uint64_t offset = 0;
	uint32_t h;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, userptr(self->fd, p, 4 * PAGE, PROBE, &h));
	EXPECT_EQ(-ENODEV, tgem_bo_mmap_offset(self->fd, h, &offset));
	EXPECT_EQ(0u, offset);
	EXPECT_EQ(-EINVAL, tgem_bo_migrate(self->fd, h, 1));
	EXPECT_EQ(0, tgem_bo_migrate(self->fd, h, 0));
	prime.handle = h;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	EXPECT_EQ(-EPERM, tgem_ioctl(self->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime));
	EXPECT_EQ(0, tgem_gem_close(self->fd, h));
	munmap(p, 4 * PAGE);
}

/* A userptr BO has no fake offset, so no guessed offset maps it. */
TEST_F(userptr, no_fake_offset)
{
	uint8_t *p = map_anon(PAGE, PROT_READ | PROT_WRITE);
	uint64_t size = PAGE, a_off;
	uint32_t a, b, h;
	unsigned int i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, tgem_bo_create(self->fd, &size, DRM_TGEM_PLACEMENT_SYSTEM, 0, &a));
	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, a, &a_off));
	ASSERT_EQ(0, userptr(self->fd, p, PAGE, PROBE, &h));
	ASSERT_EQ(0, tgem_bo_create(self->fd, &size, DRM_TGEM_PLACEMENT_SYSTEM, 0, &b));

	for (i = 1; i < 64; i++) {
		uint64_t off = a_off + i * PAGE;
		uint64_t b_off;
		void *m;

		ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, b, &b_off));
		if (off == b_off)
			continue;
		m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, off);
		EXPECT_EQ(MAP_FAILED, m) TH_LOG("offset %#llx mapped something",
						(unsigned long long)off);
		if (m != MAP_FAILED)
			munmap(m, PAGE);
	}
	tgem_gem_close(self->fd, b);
	tgem_gem_close(self->fd, h);
	tgem_gem_close(self->fd, a);
	munmap(p, PAGE);
}

/* --- memory it accepts and refuses, through PROBE ----------------------- */

TEST_F(userptr, probe_counts_pages)
{
	uint8_t *p = map_anon(32 * PAGE, PROT_READ | PROT_WRITE);
	struct userptr_stats a, b;
	uint32_t h;

	ASSERT_NE(NULL, p);
	memset(p, 0x5a, 32 * PAGE);
	ASSERT_EQ(0, read_stats(&a));
	ASSERT_EQ(0, userptr(self->fd, p, 32 * PAGE, PROBE, &h));
	ASSERT_EQ(0, read_stats(&b));
	EXPECT_EQ(32, b.pages_faulted - a.pages_faulted);
	EXPECT_EQ(1, b.validations - a.validations);

	/* A MADV_DONTNEED of two pages invalidates exactly them. */
	ASSERT_EQ(0, madvise(p + 7 * PAGE, 2 * PAGE, MADV_DONTNEED));
	ASSERT_EQ(0, read_stats(&a));
	EXPECT_EQ(1, a.invalidations - b.invalidations);
	EXPECT_EQ(2, a.pages_invalidated - b.pages_invalidated);

	/* A failed probe faults nothing and leaves no BO. */
	ASSERT_EQ(0, munmap(p + 16 * PAGE, PAGE));
	EXPECT_EQ(-EFAULT, userptr(self->fd, p, 32 * PAGE, PROBE, NULL));
	ASSERT_EQ(0, read_stats(&b));
	EXPECT_EQ(0, b.validations - a.validations);

	EXPECT_EQ(0, tgem_gem_close(self->fd, h));
	munmap(p, 32 * PAGE);
}

TEST_F(userptr, read_only_memory)
{
	uint8_t *p = map_anon(8 * PAGE, PROT_READ);

	ASSERT_NE(NULL, p);
	/* A writable userptr over PROT_READ fails at first use, not before. */
	EXPECT_EQ(0, userptr(self->fd, p, 8 * PAGE, 0, NULL));
	EXPECT_EQ(-EFAULT, userptr(self->fd, p, 8 * PAGE, PROBE, NULL));
	EXPECT_EQ(0, userptr(self->fd, p, 8 * PAGE, RO | PROBE, NULL));
	munmap(p, 8 * PAGE);

	p = map_anon(8 * PAGE, PROT_NONE);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EFAULT, userptr(self->fd, p, 8 * PAGE, RO | PROBE, NULL));
	munmap(p, 8 * PAGE);
}

/* A range over several mappings works if each of them does. */
TEST_F(userptr, several_mappings)
{
	uint8_t *p = map_anon(12 * PAGE, PROT_READ | PROT_WRITE);
	struct userptr_stats a, b;

	ASSERT_NE(NULL, p);
	/* Three VMAs: rw, ro, rw (mprotect splits the mapping). */
	ASSERT_EQ(0, mprotect(p + 4 * PAGE, 4 * PAGE, PROT_READ));
	ASSERT_EQ(0, read_stats(&a));
	EXPECT_EQ(0, userptr(self->fd, p, 4 * PAGE, PROBE, NULL));
	EXPECT_EQ(-EFAULT, userptr(self->fd, p, 12 * PAGE, PROBE, NULL));
	EXPECT_EQ(0, userptr(self->fd, p, 12 * PAGE, RO | PROBE, NULL));
	ASSERT_EQ(0, read_stats(&b));
	EXPECT_EQ(2, b.validations - a.validations);
	EXPECT_EQ(16, b.pages_faulted - a.pages_faulted);

	/* A hole in the middle: EFAULT whatever the flags. */
	ASSERT_EQ(0, munmap(p + 4 * PAGE, 4 * PAGE));
	EXPECT_EQ(-EFAULT, userptr(self->fd, p, 12 * PAGE, RO | PROBE, NULL));
	munmap(p, 12 * PAGE);
}

TEST_F(userptr, memfd)
{
	const size_t size = 64 * PAGE;
	struct userptr_stats a, b;
	uint8_t *p, *q;
	uint32_t h;
	int mfd;

	mfd = memfd_create("tgem_userptr", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, size));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xa5, size / 2);	/* half in the page cache, half not */

	ASSERT_EQ(0, read_stats(&a));
	ASSERT_EQ(0, userptr(self->fd, p, size, PROBE, &h));
	ASSERT_EQ(0, read_stats(&b));
	EXPECT_EQ(64, b.pages_faulted - a.pages_faulted);

	/* The same file mapped read-only elsewhere: read-only userptrs only. */
	q = mmap(NULL, size, PROT_READ, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(-EFAULT, userptr(self->fd, q, size, PROBE, NULL));
	EXPECT_EQ(0, userptr(self->fd, q, size, RO | PROBE, NULL));

	/* Punching a hole in the file invalidates the shared mapping. */
	ASSERT_EQ(0, read_stats(&a));
	ASSERT_EQ(0, fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, 4 * PAGE));
	ASSERT_EQ(0, read_stats(&b));
	EXPECT_LE(1, b.invalidations - a.invalidations);

	EXPECT_EQ(0, tgem_gem_close(self->fd, h));
	munmap(q, size);
	munmap(p, size);
	close(mfd);
}

/*
 * A userptr over a tgem BO's own mapping (VM_PFNMAP): creation succeeds,
 * the first use (PROBE) fails with EFAULT, and nothing deadlocks, also
 * when the BO moves and its mapping is zapped under the userptr.
 */
TEST_F(userptr, over_tgem_mmap)
{
	struct tgem_config cfg;
	uint64_t size = 16 * PAGE;
	uint32_t bo, h;
	uint8_t *m;
	uint32_t placement = DRM_TGEM_PLACEMENT_SYSTEM;

	ASSERT_EQ(0, tgem_query_config(self->fd, &cfg));
	if (cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM)
		placement |= DRM_TGEM_PLACEMENT_VRAM;
	ASSERT_EQ(0, tgem_bo_create(self->fd, &size, placement, 0, &bo));
	m = tgem_bo_map(self->fd, bo, size);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0x3c, size);

	EXPECT_EQ(-EFAULT, userptr(self->fd, m, size, PROBE, NULL));
	EXPECT_EQ(-EFAULT, userptr(self->fd, m, size, RO | PROBE, NULL));
	ASSERT_EQ(0, userptr(self->fd, m, size, 0, &h));

	/* Moving the BO zaps its mapping: the userptr's notifier runs. */
	if (placement & DRM_TGEM_PLACEMENT_VRAM) {
		EXPECT_EQ(0, tgem_bo_migrate(self->fd, bo, 0));
		EXPECT_EQ(0x3c, m[size - 1]);
		EXPECT_EQ(0, tgem_bo_migrate(self->fd, bo, 1));
		EXPECT_EQ(0x3c, m[0]);
	}
	EXPECT_EQ(-EFAULT, userptr(self->fd, m, size, RO | PROBE, NULL));

	EXPECT_EQ(0, munmap(m, size));
	EXPECT_EQ(0, tgem_gem_close(self->fd, h));
	EXPECT_EQ(0, tgem_gem_close(self->fd, bo));
}

/* --- lifetime ---------------------------------------------------------- */

TEST_F(userptr, munmap_live)
{
	uint8_t *p = map_anon(16 * PAGE, PROT_READ | PROT_WRITE);
	struct userptr_stats a, b;
	uint32_t h;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, userptr(self->fd, p, 16 * PAGE, PROBE, &h));
	ASSERT_EQ(0, read_stats(&a));
	ASSERT_EQ(0, munmap(p, 16 * PAGE));
	ASSERT_EQ(0, read_stats(&b));
	EXPECT_LE(1, b.invalidations - a.invalidations);
	EXPECT_EQ(16, b.pages_invalidated - a.pages_invalidated);

	/* The handle lives on; probing the hole now fails. */
	EXPECT_EQ(0, tgem_bo_wait(self->fd, h, 0));
	EXPECT_EQ(-EFAULT, userptr(self->fd, p, 16 * PAGE, PROBE, NULL));
	EXPECT_EQ(0, tgem_gem_close(self->fd, h));
}

/*
 * A process exits with live userptr BOs: one in a file it shares with its
 * parent (the parent closes the handle afterwards, over a dead mm), one in
 * a file of its own (closed by the exit).
 */
TEST_F(userptr, process_exit)
{
	uint32_t handle = 0;
	int pipefd[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint8_t *p = map_anon(64 * PAGE, PROT_READ | PROT_WRITE);
		uint32_t h = 0, own;
		int fd2;

		if (!p || userptr(self->fd, p, 32 * PAGE, PROBE, &h))
			_exit(1);
		fd2 = tgem_open(NULL, 0);
		if (fd2 < 0 || userptr(fd2, p + 32 * PAGE, 32 * PAGE, PROBE, &own))
			_exit(2);
		if (write(pipefd[1], &h, sizeof(h)) != sizeof(h))
			_exit(3);
		_exit(0);	/* no close, no munmap */
	}
	close(pipefd[1]);
	ASSERT_EQ((ssize_t)sizeof(handle), read(pipefd[0], &handle, sizeof(handle)));
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* The child's BO is in our file; its mm is gone. */
	EXPECT_EQ(0, tgem_bo_wait(self->fd, handle, 0));
	EXPECT_EQ(0, tgem_gem_close(self->fd, handle));
}

struct race {
	int fd;
	uint8_t *p;
	size_t size;
	volatile int stop;
	long probes, busy, zaps;
	int bad;
};

static void *race_prober(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		int ret = userptr(r->fd, r->p, r->size, PROBE, NULL);

		if (ret == -EBUSY)
			r->busy++;
		else if (ret)
			r->bad = ret;
		r->probes++;
	}
	return NULL;
}

static void *race_zapper(void *arg)
{
	struct race *r = arg;
	size_t off = 0;

	while (!r->stop) {
		if (madvise(r->p + off, PAGE, MADV_DONTNEED))
			r->bad = -errno;
		r->p[(off + 5 * PAGE) % r->size] = 1;	/* fault one back in */
		off = (off + 3 * PAGE) % r->size;
		r->zaps++;
	}
	return NULL;
}

/* PROBE racing with MADV_DONTNEED on the same range for 3 seconds. */
TEST_F(userptr, race_probe_dontneed)
{
	struct race r = { .fd = self->fd, .size = 64 * PAGE };
	pthread_t t1, t2;

	r.p = map_anon(r.size, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, r.p);
	ASSERT_EQ(0, pthread_create(&t1, NULL, race_prober, &r));
	ASSERT_EQ(0, pthread_create(&t2, NULL, race_zapper, &r));
	sleep(3);
	r.stop = 1;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	EXPECT_EQ(0, r.bad);
	EXPECT_LT(0, r.probes - r.busy);
	EXPECT_LT(0, r.zaps);
	TH_LOG("%ld probes (%ld EBUSY), %ld zaps", r.probes, r.busy, r.zaps);
	munmap(r.p, r.size);
}

/* --- the engine on userptr memory (execbuf) ------------------------------ */

/* Copy @rows whole pages from @src to @dst (rows of 1024 32-bit pixels). */
static void blt_pages(struct tgem_batch *b, uint64_t dst, uint64_t src, uint32_t rows)
{
	tgem_emit(b, XY_FAST_COPY_BLT);
	tgem_emit(b, BLT_DEPTH_32 | PAGE);
	tgem_emit(b, 0);
	tgem_emit(b, (rows << 16) | 1024);
	tgem_emit_addr(b, dst);
	tgem_emit(b, 0);
	tgem_emit(b, PAGE);
	tgem_emit_addr(b, src);
}

static void semaphore_eq(struct tgem_batch *b, uint64_t addr, uint32_t v)
{
	tgem_emit(b, MI_SEMAPHORE_WAIT | SAD(SAD_EQ_SDD));
	tgem_emit(b, v);
	tgem_emit_addr(b, addr);
}

FIXTURE(exec) {
	int fd;
	uint32_t ctx;
	uint32_t batch;		/* object 0 of every execbuf */
	uint32_t *bmap;
};

#define BATCH_SIZE	(4 * PAGE)

FIXTURE_SETUP(exec)
{
	uint64_t size = BATCH_SIZE;

	self->fd = tgem_open(NULL, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tgem_ctx_create(self->fd, &self->ctx));
	ASSERT_EQ(0, tgem_bo_create(self->fd, &size, DRM_TGEM_PLACEMENT_SYSTEM, 0,
				    &self->batch));
	self->bmap = tgem_bo_map(self->fd, self->batch, BATCH_SIZE);
	ASSERT_NE(MAP_FAILED, self->bmap);
}

FIXTURE_TEARDOWN(exec)
{
	munmap(self->bmap, BATCH_SIZE);
	close(self->fd);
}

/*
 * Run batch @b on object 0 (the fixture's batch BO) with @handles as
 * objects 1..n, each at ADDR(i); @writable is a mask over 1..n.
 */
static int run(int fd, uint32_t ctx, uint32_t batch, uint32_t *bmap,
	       struct tgem_batch *b, const uint32_t *handles, unsigned int n,
	       uint32_t writable)
{
	struct drm_tgem_exec_object objs[8];
	struct drm_tgem_execbuf eb;
	unsigned int i;

	tgem_emit(b, MI_BATCH_BUFFER_END);
	if (b->n & 1)
		tgem_emit(b, MI_NOOP);
	memcpy(bmap, b->dw, b->n * 4);

	memset(objs, 0, sizeof(objs));
	objs[0].handle = batch;
	objs[0].offset = ADDR(0);
	objs[0].flags = DRM_TGEM_EXEC_OBJECT_PINNED;
	for (i = 0; i < n; i++) {
		objs[i + 1].handle = handles[i];
		objs[i + 1].offset = ADDR(i + 1);
		objs[i + 1].flags = DRM_TGEM_EXEC_OBJECT_PINNED;
		if (writable & (1u << (i + 1)))
			objs[i + 1].flags |= DRM_TGEM_EXEC_OBJECT_WRITE;
	}
	memset(&eb, 0, sizeof(eb));
	eb.objects_ptr = (uintptr_t)objs;
	eb.num_objects = n + 1;
	eb.batch_index = 0;
	eb.batch_len = b->n * 4;
	eb.ctx_id = ctx;
	return tgem_execbuf(fd, &eb);
}

#define RUN(b, handles, n, writable) \
	run(self->fd, self->ctx, self->batch, self->bmap, (b), (handles), (n), (writable))

static int idle(int fd, uint32_t handle)
{
	return tgem_bo_wait(fd, handle, tgem_now_ns() + 20 * SEC);
}

static uint32_t sys_bo(struct __test_metadata *_metadata, int fd, size_t size,
		       uint32_t **map)
{
	uint64_t sz = size;
	uint32_t h = 0;

	ASSERT_EQ(0, tgem_bo_create(fd, &sz, DRM_TGEM_PLACEMENT_SYSTEM, 0, &h));
	*map = tgem_bo_map(fd, h, size);
	ASSERT_NE(MAP_FAILED, *map);
	return h;
}

/* The engine writes into user memory and the CPU sees it; and back. */
TEST_F(exec, engine_and_cpu_share_pages)
{
	uint32_t *u = map_anon(16 * PAGE, PROT_READ | PROT_WRITE);
	struct tgem_batch b = { .n = 0 };
	uint32_t h[2], *d;
	unsigned int i;

	ASSERT_NE(NULL, u);
	memset(u, 0, 16 * PAGE);
	ASSERT_EQ(0, userptr(self->fd, u, 16 * PAGE, 0, &h[0]));
	h[1] = sys_bo(_metadata, self->fd, 4 * PAGE, &d);

	for (i = 0; i < 16; i++)
		tgem_store_dword(&b, ADDR(1) + i * PAGE + 4 * i, 0x1000 + i);
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 1));
	ASSERT_EQ(0, idle(self->fd, h[0]));
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0x1000 + i, u[i * PAGE / 4 + i]) TH_LOG("page %u", i);

	/* The CPU writes, the engine copies the pages into a BO. */
	tgem_fill(u, 4 * PAGE, 0x51);
	b.n = 0;
	blt_pages(&b, ADDR(2), ADDR(1), 4);
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 2));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	EXPECT_EQ(-1, tgem_check(d, 4 * PAGE, 0x51));

	munmap(d, 4 * PAGE);
	tgem_gem_close(self->fd, h[1]);
	tgem_gem_close(self->fd, h[0]);
	munmap(u, 16 * PAGE);
}

/* Read-only: the engine reads it; a write faults the job and writes nothing. */
TEST_F(exec, read_only_userptr)
{
	uint32_t *u = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	struct tgem_batch b = { .n = 0 };
	uint32_t h[2], *d;

	ASSERT_NE(NULL, u);
	tgem_fill(u, 4 * PAGE, 0x52);
	ASSERT_EQ(0, mprotect(u, 4 * PAGE, PROT_READ));
	/* Writable over PROT_READ memory: first use fails with EFAULT. */
	ASSERT_EQ(0, userptr(self->fd, u, 4 * PAGE, 0, &h[0]));
	h[1] = sys_bo(_metadata, self->fd, 4 * PAGE, &d);
	blt_pages(&b, ADDR(2), ADDR(1), 4);
	EXPECT_EQ(-EFAULT, RUN(&b, h, 2, 1u << 2));
	tgem_gem_close(self->fd, h[0]);

	ASSERT_EQ(0, userptr(self->fd, u, 4 * PAGE, RO, &h[0]));
	b.n = 0;
	blt_pages(&b, ADDR(2), ADDR(1), 4);
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 2));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	EXPECT_EQ(-1, tgem_check(d, 4 * PAGE, 0x52));

	/* Marked WRITE or not, the store faults; the job stops there. */
	memset(d, 0, 4 * PAGE);
	b.n = 0;
	tgem_store_dword(&b, ADDR(1) + 8, 0xbad);
	tgem_store_dword(&b, ADDR(2), 0x600d);
	ASSERT_EQ(0, RUN(&b, h, 2, (1u << 1) | (1u << 2)));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	EXPECT_EQ(-1, tgem_check(u, 4 * PAGE, 0x52));
	EXPECT_EQ(0u, d[0]);

	munmap(d, 4 * PAGE);
	tgem_gem_close(self->fd, h[1]);
	tgem_gem_close(self->fd, h[0]);
	munmap(u, 4 * PAGE);
}

/* MADV_DONTNEED on a bound range: the next job writes into the new page. */
TEST_F(exec, dontneed_then_write)
{
	uint32_t *u = map_anon(8 * PAGE, PROT_READ | PROT_WRITE);
	struct tgem_batch b = { .n = 0 };
	struct userptr_stats a, z;
	uint32_t h;

	ASSERT_NE(NULL, u);
	memset(u, 0x11, 8 * PAGE);
	ASSERT_EQ(0, userptr(self->fd, u, 8 * PAGE, 0, &h));
	tgem_store_dword(&b, ADDR(1), 1);
	ASSERT_EQ(0, RUN(&b, &h, 1, 1u << 1));
	ASSERT_EQ(0, idle(self->fd, h));
	EXPECT_EQ(1u, u[0]);

	ASSERT_EQ(0, madvise(u + 3 * PAGE / 4, PAGE, MADV_DONTNEED));
	ASSERT_EQ(0, read_stats(&a));
	b.n = 0;
	tgem_store_dword(&b, ADDR(1) + 3 * PAGE + 16, 0xd0e5);
	ASSERT_EQ(0, RUN(&b, &h, 1, 1u << 1));
	ASSERT_EQ(0, idle(self->fd, h));
	ASSERT_EQ(0, read_stats(&z));
	EXPECT_EQ(1, z.pages_faulted - a.pages_faulted);
	EXPECT_EQ(0xd0e5u, u[(3 * PAGE + 16) / 4]);
	EXPECT_EQ(0u, u[3 * PAGE / 4]);	/* the rest of the new page: zeros */
	EXPECT_EQ(0x11111111u, u[2 * PAGE / 4]);

	tgem_gem_close(self->fd, h);
	munmap(u, 8 * PAGE);
}

#define BIG	(1ul << 30)

/* 1 GiB: the first use faults 262,144 pages, a one-page DONTNEED one. */
TEST_F(exec, one_gib_refaults_one_page)
{
	struct userptr_stats a, z;
	struct tgem_batch b = { .n = 0 };
	uint32_t h[2], *d;
	uint8_t *u;

	u = mmap(NULL, BIG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE |
		 MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, u);
	ASSERT_EQ(0, userptr(self->fd, u, BIG, RO, &h[0]));
	h[1] = sys_bo(_metadata, self->fd, PAGE, &d);
	d[0] = 7;

	/* The job reads the last page of the userptr into the BO. */
	blt_pages(&b, ADDR(2), ADDR(1) + BIG - PAGE, 1);
	ASSERT_EQ(0, read_stats(&a));
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 2));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	ASSERT_EQ(0, read_stats(&z));
	EXPECT_EQ((long long)(BIG / PAGE), z.pages_faulted - a.pages_faulted);
	EXPECT_EQ(0u, d[0]);

	ASSERT_EQ(0, madvise(u + BIG / 2, PAGE, MADV_DONTNEED));
	d[0] = 7;
	ASSERT_EQ(0, read_stats(&a));
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 2));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	ASSERT_EQ(0, read_stats(&z));
	EXPECT_EQ(1, z.pages_faulted - a.pages_faulted);
	EXPECT_EQ(1, z.validations - a.validations);
	EXPECT_EQ(0u, d[0]);

	/* Nothing invalidated: nothing faulted. */
	ASSERT_EQ(0, read_stats(&a));
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 2));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	ASSERT_EQ(0, read_stats(&z));
	EXPECT_EQ(0, z.pages_faulted - a.pages_faulted);

	munmap(d, PAGE);
	tgem_gem_close(self->fd, h[1]);
	tgem_gem_close(self->fd, h[0]);
	munmap(u, BIG);
}

struct unmapper {
	void *p;
	size_t size;
	volatile int done;
};

static void *unmap_thread(void *arg)
{
	struct unmapper *m = arg;

	munmap(m->p, m->size);
	m->done = 1;
	return NULL;
}

/*
 * munmap() of a userptr a job still uses: munmap waits until the job is
 * done with the pages (here, until a semaphore lets it run), and the job
 * finishes.
 */
TEST_F(exec, munmap_waits_for_the_job)
{
	struct unmapper m = { .size = 4 * PAGE };
	struct tgem_batch b = { .n = 0 };
	uint32_t h[2], *s, s1;
	pthread_t t;
	int early;

	m.p = map_anon(m.size, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, m.p);
	ASSERT_EQ(0, userptr(self->fd, m.p, m.size, 0, &h[0]));
	h[1] = sys_bo(_metadata, self->fd, PAGE, &s);
	s[0] = 0;
	s[1] = 0;

	semaphore_eq(&b, ADDR(2), 1);
	tgem_store_dword(&b, ADDR(1) + 64, 0x5eed);
	tgem_store_dword(&b, ADDR(2) + 4, 0xd0e);
	ASSERT_EQ(0, RUN(&b, h, 2, (1u << 1) | (1u << 2)));

	ASSERT_EQ(0, pthread_create(&t, NULL, unmap_thread, &m));
	/*
	 * Nothing here may need mmap_lock (no printing, no allocation) until
	 * the semaphore is released: munmap holds it while it waits.
	 */
	usleep(300 * 1000);
	early = m.done;
	s1 = s[1];
	s[0] = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(0, early) TH_LOG("munmap returned while the job waited");
	EXPECT_EQ(0u, s1);
	EXPECT_EQ(1, m.done);
	ASSERT_EQ(0, idle(self->fd, h[1]));
	EXPECT_EQ(0xd0eu, s[1]);

	/* The range is gone: the next use fails. */
	b.n = 0;
	tgem_store_dword(&b, ADDR(1), 1);
	EXPECT_EQ(-EFAULT, RUN(&b, h, 1, 1u << 1));

	munmap(s, PAGE);
	tgem_gem_close(self->fd, h[1]);
	tgem_gem_close(self->fd, h[0]);
}

/* fork(): the child's copy-on-write pages are its own. */
TEST_F(exec, fork_keeps_the_parents_pages)
{
	uint32_t *u = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	struct tgem_batch b = { .n = 0 };
	uint32_t h[2], *d;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, u);
	tgem_fill(u, 4 * PAGE, 0xa);
	ASSERT_EQ(0, userptr(self->fd, u, 4 * PAGE, 0, &h[0]));
	h[1] = sys_bo(_metadata, self->fd, 4 * PAGE, &d);
	blt_pages(&b, ADDR(2), ADDR(1), 4);
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 2));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	EXPECT_EQ(-1, tgem_check(d, 4 * PAGE, 0xa));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		tgem_fill(u, 4 * PAGE, 0xb);	/* the child's copy */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	memset(d, 0, 4 * PAGE);
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 2));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	EXPECT_EQ(-1, tgem_check(d, 4 * PAGE, 0xa));

	/* The parent's own write after fork is what the next job sees. */
	tgem_fill(u, 4 * PAGE, 0xc);
	ASSERT_EQ(0, RUN(&b, h, 2, 1u << 2));
	ASSERT_EQ(0, idle(self->fd, h[1]));
	EXPECT_EQ(-1, tgem_check(d, 4 * PAGE, 0xc));

	munmap(d, 4 * PAGE);
	tgem_gem_close(self->fd, h[1]);
	tgem_gem_close(self->fd, h[0]);
	munmap(u, 4 * PAGE);
}

/* mremap() moves the memory away: the range is a hole until refilled. */
TEST_F(exec, mremap_of_a_bound_range)
{
	uint8_t *u = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	uint8_t *q = map_anon(4 * PAGE, PROT_NONE);
	struct tgem_batch b = { .n = 0 };
	uint32_t h;
	void *r;

	ASSERT_NE(NULL, u);
	ASSERT_NE(NULL, q);
	ASSERT_EQ(0, userptr(self->fd, u, 4 * PAGE, 0, &h));
	tgem_store_dword(&b, ADDR(1), 0x1);
	ASSERT_EQ(0, RUN(&b, &h, 1, 1u << 1));
	ASSERT_EQ(0, idle(self->fd, h));

	r = mremap(u, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	ASSERT_EQ((void *)q, r);
	EXPECT_EQ(1u, *(uint32_t *)q);	/* the data moved with the mapping */
	EXPECT_EQ(-EFAULT, RUN(&b, &h, 1, 1u << 1));

	/* New memory at the old address: the BO follows the address. */
	ASSERT_EQ((void *)u, mmap(u, 4 * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	b.n = 0;
	tgem_store_dword(&b, ADDR(1) + 4, 0x2);
	ASSERT_EQ(0, RUN(&b, &h, 1, 1u << 1));
	ASSERT_EQ(0, idle(self->fd, h));
	EXPECT_EQ(0x2u, ((uint32_t *)u)[1]);
	EXPECT_EQ(1u, *(uint32_t *)q);

	tgem_gem_close(self->fd, h);
	munmap(u, 4 * PAGE);
	munmap(q, 4 * PAGE);
}

/* memfd: the engine's writes are in the file. */
TEST_F(exec, memfd_backed)
{
	const size_t size = 8 * PAGE;
	struct tgem_batch b = { .n = 0 };
	uint32_t h, v = 0;
	uint8_t *p;
	int mfd;

	mfd = memfd_create("tgem_userptr_exec", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, size));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, userptr(self->fd, p, size, 0, &h));

	tgem_store_dword(&b, ADDR(1) + 5 * PAGE + 8, 0xf11e);
	ASSERT_EQ(0, RUN(&b, &h, 1, 1u << 1));
	ASSERT_EQ(0, idle(self->fd, h));
	ASSERT_EQ((ssize_t)sizeof(v), pread(mfd, &v, sizeof(v), 5 * PAGE + 8));
	EXPECT_EQ(0xf11eu, v);

	tgem_gem_close(self->fd, h);
	munmap(p, size);
	close(mfd);
}

/* What execbuf refuses about userptrs. */
TEST_F(exec, refusals)
{
	uint32_t *u = map_anon(4 * PAGE, PROT_READ | PROT_WRITE);
	struct drm_tgem_relocation_entry reloc = { .target_handle = 0 };
	struct drm_tgem_exec_object objs[2];
	struct drm_tgem_execbuf eb;
	struct tgem_batch b = { .n = 0 };
	uint64_t size = 4 * PAGE;
	uint32_t h, bo;
	void *m;

	ASSERT_NE(NULL, u);
	ASSERT_EQ(0, userptr(self->fd, u, 4 * PAGE, 0, &h));

	/* No relocations into a userptr. */
	tgem_emit(&b, MI_BATCH_BUFFER_END);
	tgem_emit(&b, MI_NOOP);
	memcpy(self->bmap, b.dw, 8);
	memset(objs, 0, sizeof(objs));
	objs[0].handle = self->batch;
	objs[1].handle = h;
	reloc.target_handle = self->batch;
	objs[1].relocs_ptr = (uintptr_t)&reloc;
	objs[1].relocation_count = 1;
	memset(&eb, 0, sizeof(eb));
	eb.objects_ptr = (uintptr_t)objs;
	eb.num_objects = 2;
	eb.batch_len = 8;
	eb.ctx_id = self->ctx;
	EXPECT_EQ(-EINVAL, tgem_execbuf(self->fd, &eb));
	objs[1].relocation_count = 0;
	EXPECT_EQ(0, tgem_execbuf(self->fd, &eb));
	tgem_gem_close(self->fd, h);

	/* Over a tgem BO's own mapping: first use fails, nothing hangs. */
	ASSERT_EQ(0, tgem_bo_create(self->fd, &size, DRM_TGEM_PLACEMENT_SYSTEM, 0, &bo));
	m = tgem_bo_map(self->fd, bo, size);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 1, size);
	ASSERT_EQ(0, userptr(self->fd, m, size, RO, &h));
	b.n = 0;
	tgem_store_dword(&b, ADDR(2), 0);
	EXPECT_EQ(-EFAULT, RUN(&b, &h, 1, 0));
	munmap(m, size);
	tgem_gem_close(self->fd, h);
	tgem_gem_close(self->fd, bo);
	munmap(u, 4 * PAGE);
}

/* A process exits with jobs on its userptrs still queued or running. */
TEST_F(exec, exit_with_jobs_in_flight)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		const size_t size = 256 * PAGE;
		uint32_t ctx, batch, h[2], *bmap, *d;
		struct tgem_batch b = { .n = 0 };
		uint64_t sz = BATCH_SIZE;
		uint8_t *u;
		int fd, i;

		fd = tgem_open(NULL, 0);
		u = map_anon(size, PROT_READ | PROT_WRITE);
		if (fd < 0 || !u || tgem_ctx_create(fd, &ctx) ||
		    tgem_bo_create(fd, &sz, DRM_TGEM_PLACEMENT_SYSTEM, 0, &batch))
			_exit(1);
		bmap = tgem_bo_map(fd, batch, BATCH_SIZE);
		if (bmap == MAP_FAILED || userptr(fd, u, size, 0, &h[0]))
			_exit(2);
		sz = size;
		if (tgem_bo_create(fd, &sz, DRM_TGEM_PLACEMENT_SYSTEM, 0, &h[1]))
			_exit(3);
		d = tgem_bo_map(fd, h[1], size);
		if (d == MAP_FAILED)
			_exit(4);
		memset(d, 0x77, size);
		/* 16 jobs copying 1 MiB both ways, none waited for. */
		blt_pages(&b, ADDR(1), ADDR(2), 256);
		blt_pages(&b, ADDR(2), ADDR(1), 256);
		for (i = 0; i < 16; i++) {
			struct tgem_batch c = b;

			if (run(fd, ctx, batch, bmap, &c, h, 2, (1u << 1) | (1u << 2)))
				_exit(5);
		}
		_exit(0);	/* no wait, no close, no munmap */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

struct racer {
	int fd;
	uint32_t ctx, batch, h;
	uint32_t *bmap, *u;
	volatile int stop;
	long submits, zaps, bad;
	int err;
};

static void *race_submitter(void *arg)
{
	struct racer *r = arg;
	uint32_t i = 0;

	while (!r->stop) {
		struct tgem_batch b = { .n = 0 };
		unsigned int page = i % 16;
		uint32_t v = 0x10000 + i;
		int ret;

		tgem_store_dword(&b, ADDR(1) + page * PAGE + 4 * page, v);
		ret = run(r->fd, r->ctx, r->batch, r->bmap, &b, &r->h, 1, 1u << 1);
		if (!ret)
			ret = idle(r->fd, r->h);
		if (ret) {
			r->err = ret;
			break;
		}
		if (r->u[page * PAGE / 4 + page] != v)
			r->bad++;
		r->submits++;
		i++;
	}
	return NULL;
}

static void *race_invalidator(void *arg)
{
	struct racer *r = arg;
	unsigned int page = 16;

	while (!r->stop) {
		/* The upper half only: the submitter checks the lower half. */
		madvise((uint8_t *)r->u + page * PAGE, PAGE, MADV_DONTNEED);
		r->u[((page + 7) % 16 + 16) * PAGE / 4] = page;
		page = 16 + (page + 5) % 16;
		r->zaps++;
	}
	return NULL;
}

/* Two threads, one invalidating, one submitting, for 10 seconds. */
TEST_F(exec, invalidate_and_submit_race)
{
	struct racer r = {
		.fd = self->fd, .ctx = self->ctx, .batch = self->batch,
		.bmap = self->bmap,
	};
	pthread_t t1, t2;

	r.u = map_anon(32 * PAGE, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, r.u);
	memset(r.u, 0, 32 * PAGE);
	ASSERT_EQ(0, userptr(self->fd, r.u, 32 * PAGE, 0, &r.h));
	ASSERT_EQ(0, pthread_create(&t1, NULL, race_submitter, &r));
	ASSERT_EQ(0, pthread_create(&t2, NULL, race_invalidator, &r));
	sleep(10);
	r.stop = 1;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	TH_LOG("%ld jobs checked, %ld invalidations", r.submits, r.zaps);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(0, r.bad);
	EXPECT_LT(0, r.submits);
	EXPECT_LT(0, r.zaps);
	tgem_gem_close(self->fd, r.h);
	munmap(r.u, 32 * PAGE);
}

int main(int argc, char **argv)
{
	if (tgem_debugfs_path("tgem_userptr_stats", stats_path, sizeof(stats_path))) {
		printf("1..0 # SKIP no tgem_userptr_stats in debugfs\n");
		return KSFT_SKIP;
	}
	return test_harness_run(argc, argv);
}
