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
 * What needs the engine (a job reading and writing the pages, faults of a
 * read-only userptr, fork() and mremap() seen by a job) arrives with
 * execbuf.
 *
 * Needs root (debugfs) and a tgem device.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
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

#include "tgem_util.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define PAGE		4096ul
#define RO		DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY
#define PROBE		DRM_TGEM_GEM_USERPTR_FLAG_PROBE

static char stats_path[256];

struct userptr_stats {
	long long validations, pages_faulted, invalidations, pages_invalidated;
};

static int read_stats(struct userptr_stats *s)
{
	char key[32];
	long long val;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen(stats_path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%31s %lld", key, &val) == 2) {
		if (!strcmp(key, "validations"))
			s->validations = val;
		else if (!strcmp(key, "pages_faulted"))
			s->pages_faulted = val;
		else if (!strcmp(key, "invalidations"))
			s->invalidations = val;
		else if (!strcmp(key, "pages_invalidated"))
			s->pages_invalidated = val;
	}
	fclose(f);
	return 0;
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

int main(int argc, char **argv)
{
	glob_t g;

	if (glob("/sys/kernel/debug/dri/*/tgem_userptr_stats", 0, NULL, &g) ||
	    g.gl_pathc < 1) {
		printf("1..0 # SKIP no tgem_userptr_stats in debugfs\n");
		return KSFT_SKIP;
	}
	snprintf(stats_path, sizeof(stats_path), "%s", g.gl_pathv[0]);
	globfree(&g);
	return test_harness_run(argc, argv);
}
