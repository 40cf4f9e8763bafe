// SPDX-License-Identifier: MIT
/*
 * tgem_uapi_test.c - kselftest for the tgem render driver's uAPI
 *
 * Checks the behaviour include/uapi/drm/tgem_drm.h promises (and the DRM
 * core behaviour tgem inherits: GEM close, PRIME, syncobj, mmap access
 * rules) against the running kernel. Every test opens its own file on the
 * tgem render node through the "uapi" fixture, so handles never leak from
 * one test into the next.
 *
 * main() finds the node first (renderD128..191, by DRM_IOCTL_VERSION name;
 * other DRM drivers may be loaded too). Without one the whole binary exits
 * with KSFT_SKIP (4), so a missing driver is never reported as a pass.
 * Takes no arguments; the harness's own -l/-t/-r filters still work.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tgem_util.h"

/*
 * The 6.12 harness is written for -Wall, not -Wextra. Its SIGALRM handler
 * has an unused parameter, and the TEST_F() wrapper changes a local ("child")
 * between setjmp() and longjmp(). -Wclobbered reports the latter where
 * TEST_F() is used, not inside the header, so it is off for the whole file.
 * (Worst case, after a failed ASSERT the grandchild aborts instead of
 * exiting: the test fails either way.)
 */
#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define SZ_1M		(1024u * 1024u)
#define DRM_MAJOR	226
#define SENTINEL32	0xdeadbeefu
#define SENTINEL64	0xdeadbeefcafef00dull
#define NSEC_PER_SEC	1000000000LL
#define NSEC_PER_MSEC	1000000LL

static char tgem_node[32];

FIXTURE(uapi) {
	int fd;
	size_t page_size;
	struct tgem_config cfg;
};

FIXTURE_SETUP(uapi)
{
	self->page_size = (size_t)sysconf(_SC_PAGESIZE);
	self->fd = open(tgem_node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd)
		TH_LOG("open %s: %s", tgem_node, strerror(errno));
	ASSERT_EQ(0, tgem_query_config(self->fd, &self->cfg))
		TH_LOG("DEVICE_QUERY(CONFIG) unusable, see query_* tests");
}

FIXTURE_TEARDOWN(uapi)
{
	close(self->fd);
}

/* Helpers that assert: they take the harness's _metadata. */

static uint32_t bo_create(struct __test_metadata *_metadata, int fd,
			  uint64_t *size, uint32_t placement)
{
	uint32_t handle = 0;

	ASSERT_EQ(0, tgem_bo_create(fd, size, placement, 0, &handle));
	ASSERT_NE(0u, handle);
	return handle;
}

static void *bo_map(struct __test_metadata *_metadata, int fd,
		    uint32_t handle, size_t size)
{
	void *ptr = tgem_bo_map(fd, handle, size);

	ASSERT_NE(MAP_FAILED, ptr)
		TH_LOG("mmap of BO %u: %s", handle, strerror(errno));
	return ptr;
}

static void bo_close(struct __test_metadata *_metadata, int fd,
		     uint32_t handle)
{
	ASSERT_EQ(0, tgem_gem_close(fd, handle));
}

static int raw_query(int fd, uint32_t query, uint32_t *size, void *data)
{
	struct drm_tgem_device_query q = {
		.query = query,
		.size = *size,
		.data = (uintptr_t)data,
	};
	int ret;

	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q);
	*size = q.size;
	return ret;
}

static int all_bytes(const void *ptr, size_t size, uint8_t val)
{
	const uint8_t *p = ptr;
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != val)
			return 0;
	return 1;
}

/* --- DRM_IOCTL_VERSION ------------------------------------------------ */

TEST_F(uapi, version_is_tgem_render_node)
{
	struct drm_auth auth = { 0 };
	struct tgem_version v;
	struct stat st;

	ASSERT_EQ(0, tgem_get_version(self->fd, &v));
	ASSERT_STREQ(TGEM_DRIVER_NAME, v.name);
	EXPECT_NE(0, v.desc[0]);

	ASSERT_EQ(0, fstat(self->fd, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(DRM_MAJOR, (int)major(st.st_rdev));
	EXPECT_LE(TGEM_RENDER_MIN, (int)minor(st.st_rdev));
	EXPECT_GE(TGEM_RENDER_MAX, (int)minor(st.st_rdev));

	/* Render clients may not use ioctls without DRM_RENDER_ALLOW. */
	EXPECT_EQ(-EACCES, tgem_ioctl(self->fd, DRM_IOCTL_GET_MAGIC, &auth));
}

/* --- DEVICE_QUERY ----------------------------------------------------- */

/*
 * The two-call protocol for one query: size 0 gives the size; too small is
 * EINVAL and writes nothing; exact and larger both write exactly that many
 * bytes and report it. @hdr and @elem describe the answer's layout.
 */
static uint32_t check_size_protocol(struct __test_metadata *_metadata, int fd,
				    uint32_t query, size_t hdr, size_t elem)
{
	uint32_t needed = 0, size;
	uint8_t *buf;

	ASSERT_EQ(0, raw_query(fd, query, &needed, NULL));
	ASSERT_LE(hdr, (size_t)needed);
	ASSERT_EQ(0u, (needed - hdr) % elem);

	buf = malloc(needed + 64);
	ASSERT_NE(NULL, buf);

	memset(buf, 0xa5, needed + 64);
	size = needed - 1;
	EXPECT_EQ(-EINVAL, raw_query(fd, query, &size, buf));
	EXPECT_EQ(needed - 1, size);
	EXPECT_TRUE(all_bytes(buf, needed + 64, 0xa5))
		TH_LOG("a failed query wrote into the buffer");

	size = needed;
	EXPECT_EQ(0, raw_query(fd, query, &size, buf));
	EXPECT_EQ(needed, size);

	memset(buf, 0xa5, needed + 64);
	size = needed + 64;
	EXPECT_EQ(0, raw_query(fd, query, &size, buf));
	EXPECT_EQ(needed, size);
	EXPECT_TRUE(all_bytes(buf + needed, 64, 0xa5))
		TH_LOG("query wrote past the size it reported");

	free(buf);
	return needed;
}

TEST_F(uapi, query_size_protocol)
{
	check_size_protocol(_metadata, self->fd, DRM_TGEM_DEVICE_QUERY_CONFIG,
			    sizeof(struct drm_tgem_query_config),
			    sizeof(__u64));
	check_size_protocol(_metadata, self->fd,
			    DRM_TGEM_DEVICE_QUERY_MEM_REGIONS,
			    sizeof(struct drm_tgem_query_mem_regions),
			    sizeof(struct drm_tgem_mem_region));
}

TEST_F(uapi, query_config)
{
	struct drm_tgem_query_config *c;
	uint32_t size;

	ASSERT_EQ(0, tgem_query(self->fd, DRM_TGEM_DEVICE_QUERY_CONFIG,
				(void **)&c, &size));
	EXPECT_LE(3u, c->num_params);
	EXPECT_EQ(sizeof(*c) + c->num_params * sizeof(c->info[0]),
		  (size_t)size);
	EXPECT_EQ(0u, c->pad);
	EXPECT_EQ((__u64)self->page_size,
		  c->info[DRM_TGEM_QUERY_CONFIG_MIN_ALIGNMENT]);
	EXPECT_LT(0u, c->info[DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE]);
	/* Every device runs batches, with fences, and has userptr; no unknown bit is set. */
	EXPECT_EQ((__u64)(DRM_TGEM_QUERY_CONFIG_FLAG_HAS_EXECBUF |
			  DRM_TGEM_QUERY_CONFIG_FLAG_HAS_USERPTR |
			  DRM_TGEM_QUERY_CONFIG_FLAG_HAS_SYNCS),
		  c->info[DRM_TGEM_QUERY_CONFIG_FLAGS] &
		  ~(__u64)DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM);
	free(c);
}

static void check_region(struct __test_metadata *_metadata,
			 const struct drm_tgem_mem_region *r)
{
	int i;

	EXPECT_TRUE(r->mem_class == DRM_TGEM_MEM_CLASS_SYSMEM ||
		    r->mem_class == DRM_TGEM_MEM_CLASS_VRAM)
		TH_LOG("unknown mem_class %u", r->mem_class);
	EXPECT_GT(32, r->instance);
	EXPECT_LT(0u, r->total_size);
	EXPECT_GE(r->total_size, r->used);
	EXPECT_GE(r->total_size, r->cpu_visible_size);
	EXPECT_NE(0u, r->min_page_size);
	EXPECT_EQ(0u, r->min_page_size & (r->min_page_size - 1))
		TH_LOG("min_page_size %u is not a power of two",
		       r->min_page_size);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0u, r->reserved[i]);
}

TEST_F(uapi, query_mem_regions)
{
	struct drm_tgem_query_mem_regions *r;
	bool has_vram = self->cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM;
	bool saw_vram = false;
	uint32_t i;

	ASSERT_EQ(0, tgem_query_regions(self->fd, &r));
	ASSERT_LE(1u, r->num_regions);
	EXPECT_EQ(0u, r->pad);

	EXPECT_EQ(DRM_TGEM_MEM_CLASS_SYSMEM, r->regions[0].mem_class);
	EXPECT_EQ(0, r->regions[0].instance);
	EXPECT_LT(0u, r->regions[0].total_size);

	for (i = 0; i < r->num_regions; i++) {
		const struct drm_tgem_mem_region *reg = &r->regions[i];

		check_region(_metadata, reg);
		if (i > 0)
			EXPECT_LT(r->regions[i - 1].instance, reg->instance)
				TH_LOG("regions not in instance order");
		if (reg->mem_class == DRM_TGEM_MEM_CLASS_VRAM) {
			saw_vram = true;
			/* DRM_TGEM_PLACEMENT_VRAM is bit 1. */
			EXPECT_EQ(1, reg->instance);
		}
	}
	EXPECT_EQ(has_vram, saw_vram)
		TH_LOG("FLAG_HAS_VRAM=%d but VRAM region %s", has_vram,
		       saw_vram ? "present" : "absent");
	free(r);
}

TEST_F(uapi, query_errors)
{
	struct drm_tgem_device_query base = { .query = 0 }, q;
	uint32_t needed = 0;
	void *buf;
	int i;

	ASSERT_EQ(0, raw_query(self->fd, DRM_TGEM_DEVICE_QUERY_CONFIG,
			       &needed, NULL));
	buf = calloc(1, needed);
	ASSERT_NE(NULL, buf);
	base.query = DRM_TGEM_DEVICE_QUERY_CONFIG;
	base.size = needed;
	base.data = (uintptr_t)buf;

	q = base;
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q));

	q = base;
	q.query = 0xdead;
	EXPECT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q));
	q = base;
	q.query = 0xdead;
	q.size = 0;
	EXPECT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q));

	q = base;
	q.extensions = (uintptr_t)buf;
	EXPECT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q));

	for (i = 0; i < 2; i++) {
		q = base;
		q.reserved[i] = 1;
		EXPECT_EQ(-EINVAL,
			  tgem_ioctl(self->fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q))
			TH_LOG("reserved[%d]", i);
	}

	q = base;
	q.data = 1;
	EXPECT_EQ(-EFAULT, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q));
	free(buf);
}

/* --- GEM_CREATE + MMAP_OFFSET + mmap round trips ---------------------- */

static void round_trip(struct __test_metadata *_metadata, int fd,
		       uint64_t size, uint64_t expect_size, uint32_t seed)
{
	uint32_t handle;
	void *ptr;

	handle = bo_create(_metadata, fd, &size, DRM_TGEM_PLACEMENT_SYSTEM);
	ASSERT_EQ(expect_size, size);

	ptr = bo_map(_metadata, fd, handle, size);
	/* New pages must never show another user's old data. */
	EXPECT_TRUE(all_bytes(ptr, size, 0));
	tgem_fill(ptr, size, seed);
	EXPECT_EQ(-1, tgem_check(ptr, size, seed));
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, fd, handle);
}

TEST_F(uapi, create_mmap_1m)
{
	round_trip(_metadata, self->fd, SZ_1M, SZ_1M, 0x1111);
}

TEST_F(uapi, create_odd_size_rounds_up)
{
	uint64_t page = self->page_size;

	round_trip(_metadata, self->fd, 3 * page + 1, 4 * page, 0x2222);
	round_trip(_metadata, self->fd, 1, page, 0x3333);
}

TEST_F(uapi, data_persists_across_mmaps)
{
	uint64_t size = SZ_1M;
	uint32_t handle;
	void *ptr;

	handle = bo_create(_metadata, self->fd, &size,
			   DRM_TGEM_PLACEMENT_SYSTEM);
	ptr = bo_map(_metadata, self->fd, handle, size);
	tgem_fill(ptr, size, 0x4444);
	ASSERT_EQ(0, munmap(ptr, size));

	ptr = bo_map(_metadata, self->fd, handle, size);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0x4444));
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, handle);
}

/*
 * A failing GEM_CREATE must leave handle and size untouched ("a failing
 * ioctl ... changes no output field").
 */
static void create_fails(struct __test_metadata *_metadata, int fd,
			 struct drm_tgem_gem_create c, int err,
			 const char *what)
{
	uint64_t size = c.size;
	int ret;

	c.handle = SENTINEL32;
	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_CREATE, &c);
	EXPECT_EQ(-err, ret) TH_LOG("%s", what);
	EXPECT_EQ(SENTINEL32, c.handle) TH_LOG("%s: handle changed", what);
	EXPECT_EQ(size, c.size) TH_LOG("%s: size changed", what);
	if (ret == 0)
		tgem_gem_close(fd, c.handle);
}

TEST_F(uapi, create_errors)
{
	bool has_vram = self->cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM;
	uint64_t max = self->cfg.max_bo_size;
	struct drm_tgem_gem_create base = {
		.size = self->page_size,
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
	}, c;

	c = base;
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_CREATE, &c));
	bo_close(_metadata, self->fd, c.handle);

	c = base;
	c.size = 0;
	create_fails(_metadata, self->fd, c, EINVAL, "size 0");
	c.size = UINT64_MAX;
	create_fails(_metadata, self->fd, c, EINVAL, "size UINT64_MAX");
	c.size = UINT64_MAX - self->page_size + 2;
	create_fails(_metadata, self->fd, c, EINVAL, "size rounds past 2^64");
	if (max < UINT64_MAX) {
		c.size = max + 1;
		create_fails(_metadata, self->fd, c, EINVAL,
			     "size MAX_BO_SIZE + 1");
	}

	c = base;
	c.placement = 0;
	create_fails(_metadata, self->fd, c, EINVAL, "empty placement");
	c.placement = DRM_TGEM_PLACEMENT_SYSTEM | (1u << 31);
	create_fails(_metadata, self->fd, c, EINVAL, "placement bit 31");
	c.placement = DRM_TGEM_PLACEMENT_SYSTEM | (1u << 2);
	create_fails(_metadata, self->fd, c, EINVAL, "placement bit 2");
	if (!has_vram) {
		c.placement = DRM_TGEM_PLACEMENT_VRAM;
		create_fails(_metadata, self->fd, c, EINVAL,
			     "VRAM placement without VRAM");
		c.placement = DRM_TGEM_PLACEMENT_VRAM |
			      DRM_TGEM_PLACEMENT_SYSTEM;
		create_fails(_metadata, self->fd, c, EINVAL,
			     "VRAM|SYSTEM placement without VRAM");
	}

	c = base;
	c.flags = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS;
	create_fails(_metadata, self->fd, c, EINVAL, "CONTIGUOUS in SYSTEM");
	c.flags = 1u << 1;
	create_fails(_metadata, self->fd, c, EINVAL, "flag bit 1");
	c.flags = 1u << 31;
	create_fails(_metadata, self->fd, c, EINVAL, "flag bit 31");

	c = base;
	c.pad = 1;
	create_fails(_metadata, self->fd, c, EINVAL, "pad");
	c = base;
	c.reserved[0] = 1;
	create_fails(_metadata, self->fd, c, EINVAL, "reserved[0]");
	c = base;
	c.reserved[1] = 1;
	create_fails(_metadata, self->fd, c, EINVAL, "reserved[1]");
	c = base;
	c.extensions = (uintptr_t)&c;
	create_fails(_metadata, self->fd, c, EINVAL, "extensions");
}

/*
 * Larger than system memory: E2BIG, unless it also passes MAX_BO_SIZE,
 * which is checked as EINVAL.
 */
TEST_F(uapi, create_larger_than_sysmem)
{
	struct drm_tgem_query_mem_regions *r;
	struct drm_tgem_gem_create c = {
		.placement = DRM_TGEM_PLACEMENT_SYSTEM,
	};
	uint64_t total;

	ASSERT_EQ(0, tgem_query_regions(self->fd, &r));
	total = r->regions[0].total_size;
	free(r);
	if (total > UINT64_MAX - 2 * self->page_size)
		SKIP(return, "system region too large to exceed");

	c.size = (total + self->page_size) & ~((uint64_t)self->page_size - 1);
	create_fails(_metadata, self->fd, c,
		     c.size > self->cfg.max_bo_size ? EINVAL : E2BIG,
		     "larger than system memory");
}

TEST_F(uapi, create_vram)
{
	uint64_t size = SZ_1M;
	uint32_t handle;
	void *ptr;

	if (!(self->cfg.flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM))
		SKIP(return, "device has no VRAM");

	ASSERT_EQ(0, tgem_bo_create(self->fd, &size, DRM_TGEM_PLACEMENT_VRAM,
				    DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS,
				    &handle));
	ptr = bo_map(_metadata, self->fd, handle, size);
	tgem_fill(ptr, size, 0x5555);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0x5555));
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, handle);
}

/* --- MMAP_OFFSET ------------------------------------------------------ */

static void mmap_offset_fails(struct __test_metadata *_metadata, int fd,
			      struct drm_tgem_gem_mmap_offset m, int err,
			      const char *what)
{
	m.offset = SENTINEL64;
	EXPECT_EQ(-err, tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_MMAP_OFFSET, &m))
		TH_LOG("%s", what);
	EXPECT_EQ(SENTINEL64, m.offset) TH_LOG("%s: offset changed", what);
}

TEST_F(uapi, mmap_offset)
{
	struct drm_tgem_gem_mmap_offset base = { 0 }, m;
	uint64_t size = self->page_size, off1, off2;

	base.handle = bo_create(_metadata, self->fd, &size,
				DRM_TGEM_PLACEMENT_SYSTEM);

	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, base.handle, &off1));
	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, base.handle, &off2));
	EXPECT_EQ(off1, off2);
	EXPECT_NE(0u, off1);
	EXPECT_EQ(0u, off1 % self->page_size);

	m = base;
	m.handle = base.handle + 1000;
	mmap_offset_fails(_metadata, self->fd, m, ENOENT, "bad handle");
	m.handle = 0;
	mmap_offset_fails(_metadata, self->fd, m, ENOENT, "handle 0");

	m = base;
	m.flags = 1;
	mmap_offset_fails(_metadata, self->fd, m, EINVAL, "flags");
	m = base;
	m.reserved[0] = 1;
	mmap_offset_fails(_metadata, self->fd, m, EINVAL, "reserved[0]");
	m = base;
	m.reserved[1] = 1;
	mmap_offset_fails(_metadata, self->fd, m, EINVAL, "reserved[1]");
	m = base;
	m.extensions = (uintptr_t)&m;
	mmap_offset_fails(_metadata, self->fd, m, EINVAL, "extensions");

	bo_close(_metadata, self->fd, base.handle);
	mmap_offset_fails(_metadata, self->fd, base, ENOENT, "closed handle");
}

TEST_F(uapi, mmap_private_refused)
{
	uint64_t size = self->page_size, offset;
	uint32_t handle;
	void *ptr;

	handle = bo_create(_metadata, self->fd, &size,
			   DRM_TGEM_PLACEMENT_SYSTEM);
	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, handle, &offset));

	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd,
		   (off_t)offset);
	EXPECT_EQ(MAP_FAILED, ptr);
	EXPECT_EQ(EINVAL, errno);

	ptr = mmap(NULL, size, PROT_READ, MAP_PRIVATE, self->fd,
		   (off_t)offset);
	EXPECT_EQ(MAP_FAILED, ptr);
	EXPECT_EQ(EINVAL, errno);

	/* The same offset maps fine shared. */
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		   (off_t)offset);
	ASSERT_NE(MAP_FAILED, ptr);
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, handle);
}

TEST_F(uapi, mmap_past_end_refused)
{
	uint64_t size = 2 * self->page_size, offset;
	uint32_t handle;
	void *ptr;

	handle = bo_create(_metadata, self->fd, &size,
			   DRM_TGEM_PLACEMENT_SYSTEM);
	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, handle, &offset));

	ptr = mmap(NULL, size + self->page_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, self->fd, (off_t)offset);
	EXPECT_EQ(MAP_FAILED, ptr);
	EXPECT_EQ(EINVAL, errno);
	bo_close(_metadata, self->fd, handle);
}

/* --- GEM_WAIT --------------------------------------------------------- */

TEST_F(uapi, wait_idle)
{
	uint64_t size = self->page_size;
	uint32_t handle;
	int64_t t0, t1;

	handle = bo_create(_metadata, self->fd, &size,
			   DRM_TGEM_PLACEMENT_SYSTEM);

	EXPECT_EQ(0, tgem_bo_wait(self->fd, handle, 0));
	EXPECT_EQ(0, tgem_bo_wait(self->fd, handle, -1));
	EXPECT_EQ(0, tgem_bo_wait(self->fd, handle,
				  tgem_now_ns() - NSEC_PER_SEC));

	t0 = tgem_now_ns();
	EXPECT_EQ(0, tgem_bo_wait(self->fd, handle, t0 + NSEC_PER_SEC));
	t1 = tgem_now_ns();
	EXPECT_GT(500 * NSEC_PER_MSEC, t1 - t0)
		TH_LOG("idle wait took %lld ns", (long long)(t1 - t0));

	t0 = tgem_now_ns();
	EXPECT_EQ(0, tgem_bo_wait(self->fd, handle, INT64_MAX));
	t1 = tgem_now_ns();
	EXPECT_GT(500 * NSEC_PER_MSEC, t1 - t0);

	bo_close(_metadata, self->fd, handle);
}

TEST_F(uapi, wait_errors)
{
	struct drm_tgem_gem_wait base = { 0 }, w;
	uint64_t size = self->page_size;
	int i;

	base.handle = bo_create(_metadata, self->fd, &size,
				DRM_TGEM_PLACEMENT_SYSTEM);

	w = base;
	EXPECT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_WAIT, &w));
	w.handle = base.handle + 1000;
	EXPECT_EQ(-ENOENT, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_WAIT, &w));
	w.handle = 0;
	EXPECT_EQ(-ENOENT, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_WAIT, &w));

	w = base;
	w.flags = 1;
	EXPECT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_WAIT, &w));
	for (i = 0; i < 2; i++) {
		w = base;
		w.reserved[i] = 1;
		EXPECT_EQ(-EINVAL,
			  tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_WAIT, &w))
			TH_LOG("reserved[%d]", i);
	}
	w = base;
	w.extensions = (uintptr_t)&w;
	EXPECT_EQ(-EINVAL, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_WAIT, &w));

	bo_close(_metadata, self->fd, base.handle);
	EXPECT_EQ(-ENOENT, tgem_bo_wait(self->fd, base.handle, 0));
}

/* --- GEM_CLOSE (DRM core) --------------------------------------------- */

TEST_F(uapi, gem_close_errors)
{
	uint64_t size = self->page_size;
	uint32_t handle;

	EXPECT_EQ(-EINVAL, tgem_gem_close(self->fd, 0));
	EXPECT_EQ(-EINVAL, tgem_gem_close(self->fd, 0x7fffffff));

	handle = bo_create(_metadata, self->fd, &size,
			   DRM_TGEM_PLACEMENT_SYSTEM);
	EXPECT_EQ(0, tgem_gem_close(self->fd, handle));
	EXPECT_EQ(-EINVAL, tgem_gem_close(self->fd, handle));
}

/* --- Two files on the same node --------------------------------------- */

TEST_F(uapi, handles_are_per_file)
{
	uint64_t size = self->page_size, offset, unused;
	uint32_t handle;
	void *ptr;
	int b;

	b = open(tgem_node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, b);

	handle = bo_create(_metadata, self->fd, &size,
			   DRM_TGEM_PLACEMENT_SYSTEM);
	ASSERT_EQ(0, tgem_bo_mmap_offset(self->fd, handle, &offset));

	EXPECT_EQ(-ENOENT, tgem_bo_mmap_offset(b, handle, &unused));
	EXPECT_EQ(-ENOENT, tgem_bo_wait(b, handle, 0));

	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b,
		   (off_t)offset);
	EXPECT_EQ(MAP_FAILED, ptr);
	EXPECT_EQ(EACCES, errno);

	/* Closing the number in B must not touch A's BO. */
	EXPECT_EQ(-EINVAL, tgem_gem_close(b, handle));
	ptr = bo_map(_metadata, self->fd, handle, size);
	tgem_fill(ptr, size, 0x6666);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0x6666));
	ASSERT_EQ(0, munmap(ptr, size));

	bo_close(_metadata, self->fd, handle);
	close(b);
}

/* --- PRIME ------------------------------------------------------------ */

static int prime_export(int fd, uint32_t handle, int *dmabuf)
{
	struct drm_prime_handle p = {
		.handle = handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
		.fd = -1,
	};
	int ret;

	ret = tgem_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	*dmabuf = p.fd;
	return ret;
}

static int prime_import(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int ret;

	ret = tgem_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	*handle = p.handle;
	return ret;
}

TEST_F(uapi, prime_share_between_files)
{
	uint32_t ha, hb, hb2, ha2;
	uint64_t size = SZ_1M;
	void *pa, *pb;
	int b, dmabuf;

	b = open(tgem_node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, b);

	ha = bo_create(_metadata, self->fd, &size, DRM_TGEM_PLACEMENT_SYSTEM);
	pa = bo_map(_metadata, self->fd, ha, size);
	tgem_fill(pa, size, 0x7777);

	ASSERT_EQ(0, prime_export(self->fd, ha, &dmabuf));
	ASSERT_LE(0, dmabuf);
	EXPECT_TRUE(fcntl(dmabuf, F_GETFD) & FD_CLOEXEC);

	ASSERT_EQ(0, prime_import(b, dmabuf, &hb));
	ASSERT_NE(0u, hb);
	ASSERT_EQ(0, prime_import(b, dmabuf, &hb2));
	EXPECT_EQ(hb, hb2);
	/* Importing into the exporting file gives back its own handle. */
	ASSERT_EQ(0, prime_import(self->fd, dmabuf, &ha2));
	EXPECT_EQ(ha, ha2);

	pb = bo_map(_metadata, b, hb, size);
	EXPECT_EQ(-1, tgem_check(pb, size, 0x7777));
	tgem_fill(pb, size, 0x8888);
	EXPECT_EQ(-1, tgem_check(pa, size, 0x8888));

	/* B's handle keeps the BO alive once A and the dma-buf are gone. */
	ASSERT_EQ(0, close(dmabuf));
	ASSERT_EQ(0, munmap(pa, size));
	bo_close(_metadata, self->fd, ha);
	EXPECT_EQ(-1, tgem_check(pb, size, 0x8888));

	/* Both imports share one handle: one close drops it. */
	bo_close(_metadata, b, hb);
	EXPECT_EQ(-EINVAL, tgem_gem_close(b, hb));
	ASSERT_EQ(0, munmap(pb, size));
	ASSERT_EQ(0, close(b));
}

/*
 * A real importer on another device (vgem) attaches to tgem's dma-buf:
 * that pins the BO, builds its sg_table and DMA-maps it. Exporting the
 * import again from vgem hands back the same dma-buf, so importing that
 * into tgem must give back the original handle, with the bytes intact.
 */
TEST_F(uapi, prime_export_to_other_device)
{
	uint64_t size = 4 * SZ_1M;
	uint32_t ha, hv, hback;
	int vgem, dmabuf, again;
	void *pa;

	vgem = tgem_open_node("/dev/dri/renderD", TGEM_RENDER_MIN,
			      TGEM_RENDER_MAX, "vgem", NULL, 0);
	if (vgem < 0)
		SKIP(return, "vgem is not loaded");

	ha = bo_create(_metadata, self->fd, &size, DRM_TGEM_PLACEMENT_SYSTEM);
	pa = bo_map(_metadata, self->fd, ha, size);
	tgem_fill(pa, size, 0x5151);

	ASSERT_EQ(0, prime_export(self->fd, ha, &dmabuf));
	ASSERT_EQ(0, prime_import(vgem, dmabuf, &hv));
	ASSERT_NE(0u, hv);
	ASSERT_EQ(0, close(dmabuf));

	ASSERT_EQ(0, prime_export(vgem, hv, &again));
	ASSERT_EQ(0, prime_import(self->fd, again, &hback));
	EXPECT_EQ(ha, hback);
	ASSERT_EQ(0, close(again));

	/* Detaching (vgem's close) unpins; the BO stays usable. */
	ASSERT_EQ(0, tgem_gem_close(vgem, hv));
	EXPECT_EQ(-1, tgem_check(pa, size, 0x5151));
	tgem_fill(pa, size, 0x6262);
	EXPECT_EQ(-1, tgem_check(pa, size, 0x6262));

	ASSERT_EQ(0, munmap(pa, size));
	bo_close(_metadata, self->fd, ha);
	ASSERT_EQ(0, close(vgem));
}

/* --- syncobj (DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE) ---------------- */

static int syncobj_create(int fd, uint32_t flags, uint32_t *handle)
{
	struct drm_syncobj_create c = { .flags = flags };
	int ret;

	ret = tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);
	*handle = c.handle;
	return ret;
}

static int syncobj_destroy(int fd, uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };

	return tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

static int syncobj_wait(int fd, uint32_t handle, uint32_t flags,
			int64_t timeout_ns)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&handle,
		.count_handles = 1,
		.flags = flags,
		.timeout_nsec = timeout_ns,
	};

	return tgem_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
}

TEST_F(uapi, syncobj_binary)
{
	uint32_t plain, signaled;

	ASSERT_EQ(0, syncobj_create(self->fd, 0, &plain));
	ASSERT_NE(0u, plain);
	ASSERT_EQ(0, syncobj_create(self->fd, DRM_SYNCOBJ_CREATE_SIGNALED,
				    &signaled));
	EXPECT_NE(plain, signaled);

	EXPECT_EQ(0, syncobj_wait(self->fd, signaled, 0,
				  tgem_now_ns() + NSEC_PER_SEC));
	/* No fence yet: EINVAL, or ETIME when told to wait for one. */
	EXPECT_EQ(-EINVAL, syncobj_wait(self->fd, plain, 0, 0));
	EXPECT_EQ(-ETIME, syncobj_wait(self->fd, plain,
				       DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
				       0));

	EXPECT_EQ(0, syncobj_destroy(self->fd, plain));
	EXPECT_EQ(0, syncobj_destroy(self->fd, signaled));
	EXPECT_EQ(-EINVAL, syncobj_destroy(self->fd, plain));
	EXPECT_EQ(-EINVAL, syncobj_destroy(self->fd, 0x7fffffff));
}

TEST_F(uapi, syncobj_timeline)
{
	uint64_t point = 5, seen = 0;
	uint32_t handle;
	struct drm_syncobj_timeline_array sig = {
		.points = (uintptr_t)&point,
		.count_handles = 1,
	}, query = {
		.points = (uintptr_t)&seen,
		.count_handles = 1,
	};

	ASSERT_EQ(0, syncobj_create(self->fd, 0, &handle));
	sig.handles = (uintptr_t)&handle;
	query.handles = (uintptr_t)&handle;

	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_SYNCOBJ_QUERY, &query));
	EXPECT_EQ(0u, seen);
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
				&sig));
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_SYNCOBJ_QUERY, &query));
	EXPECT_EQ(5u, seen);

	EXPECT_EQ(0, syncobj_destroy(self->fd, handle));
}

/* --- Many BOs --------------------------------------------------------- */

#define MANY_BOS 256

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Number of adjacent equal entries in a sorted array. */
static int count_dups(const uint32_t *sorted, int n)
{
	int i, dups = 0;

	for (i = 1; i < n; i++)
		dups += sorted[i - 1] == sorted[i];
	return dups;
}

TEST_F(uapi, many_bos)
{
	uint32_t handles[MANY_BOS], sorted[MANY_BOS];
	uint64_t size;
	int i;

	for (i = 0; i < MANY_BOS; i++) {
		size = self->page_size;
		handles[i] = bo_create(_metadata, self->fd, &size,
				       DRM_TGEM_PLACEMENT_SYSTEM);
	}

	memcpy(sorted, handles, sizeof(sorted));
	qsort(sorted, MANY_BOS, sizeof(sorted[0]), cmp_u32);
	ASSERT_EQ(0, count_dups(sorted, MANY_BOS));

	for (i = 0; i < MANY_BOS; i++)
		EXPECT_EQ(0, tgem_gem_close(self->fd, handles[i]));
	EXPECT_EQ(-EINVAL, tgem_gem_close(self->fd, handles[0]));
}

/* --- VRAM: GEM_INFO, MIGRATE, eviction -------------------------------- */

#define REGION_SYSTEM	0u
#define REGION_VRAM	1u
/* Unsigned, as the struct fields they are compared with. */
#define PLACEMENT_SYSTEM ((uint32_t)DRM_TGEM_PLACEMENT_SYSTEM)
#define PLACEMENT_VRAM	((uint32_t)DRM_TGEM_PLACEMENT_VRAM)
#define PLACEMENT_BOTH	(PLACEMENT_VRAM | PLACEMENT_SYSTEM)
#define CONTIGUOUS	((uint32_t)DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS)

static bool has_vram(const struct tgem_config *cfg)
{
	return cfg->flags & DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM;
}

#define SKIP_WITHOUT_VRAM() do {					\
	if (!has_vram(&self->cfg))					\
		SKIP(return, "device has no VRAM");			\
} while (0)

static uint32_t bo_create_flags(struct __test_metadata *_metadata, int fd,
				uint64_t *size, uint32_t placement,
				uint32_t flags)
{
	uint64_t asked = *size;
	uint32_t handle = 0;
	int ret;

	ret = tgem_bo_create(fd, size, placement, flags, &handle);
	ASSERT_EQ(0, ret)
		TH_LOG("create %llu bytes, placement %#x, flags %#x: %s",
		       (unsigned long long)asked, placement, flags,
		       strerror(-ret));
	ASSERT_NE(0u, handle);
	return handle;
}

/* GEM_INFO's region: where the BO lives right now. */
static uint32_t bo_region(struct __test_metadata *_metadata, int fd,
			  uint32_t handle)
{
	struct drm_tgem_gem_info info;

	ASSERT_EQ(0, tgem_bo_info(fd, handle, &info));
	return info.region;
}

static void bo_migrate(struct __test_metadata *_metadata, int fd,
		       uint32_t handle, uint32_t region)
{
	int ret = tgem_bo_migrate(fd, handle, region);

	ASSERT_EQ(0, ret)
		TH_LOG("MIGRATE of BO %u to region %u: %s", handle, region,
		       strerror(-ret));
	ASSERT_EQ(region, bo_region(_metadata, fd, handle));
}

/* QUERY_MEM_REGIONS 'used' of VRAM; its total_size in *@total. */
static uint64_t vram_used(struct __test_metadata *_metadata, int fd,
			  uint64_t *total)
{
	uint64_t used = 0;

	ASSERT_EQ(0, tgem_region_usage(fd, REGION_VRAM, &used, total));
	return used;
}

static uint64_t sys_used(struct __test_metadata *_metadata, int fd)
{
	uint64_t used = 0;

	ASSERT_EQ(0, tgem_region_usage(fd, REGION_SYSTEM, &used, NULL));
	return used;
}

TEST_F(uapi, gem_info)
{
	struct drm_tgem_gem_info info;
	uint64_t size = 3 * self->page_size + 1;
	uint32_t handle;
	int i;

	handle = bo_create(_metadata, self->fd, &size,
			   PLACEMENT_SYSTEM);
	ASSERT_EQ(0, tgem_bo_info(self->fd, handle, &info));
	EXPECT_EQ(handle, info.handle);
	EXPECT_EQ(4 * self->page_size, info.size);
	EXPECT_EQ(PLACEMENT_SYSTEM, info.placement);
	EXPECT_EQ(0u, info.create_flags);
	EXPECT_EQ(REGION_SYSTEM, info.region);
	EXPECT_EQ(0u, info.flags);
	EXPECT_EQ(0u, info.pad);
	EXPECT_EQ(0u, info.extensions);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0u, info.reserved[i]);
	bo_close(_metadata, self->fd, handle);

	if (!has_vram(&self->cfg))
		return;

	size = SZ_1M;
	handle = bo_create_flags(_metadata, self->fd, &size, PLACEMENT_BOTH, 0);
	ASSERT_EQ(0, tgem_bo_info(self->fd, handle, &info));
	EXPECT_EQ(SZ_1M, info.size);
	EXPECT_EQ(PLACEMENT_BOTH, info.placement);
	EXPECT_EQ(0u, info.create_flags);
	EXPECT_EQ(REGION_VRAM, info.region)
		TH_LOG("a VRAM|SYSTEM BO must start in VRAM when VRAM has room");
	bo_close(_metadata, self->fd, handle);

	handle = bo_create_flags(_metadata, self->fd, &size,
				 PLACEMENT_VRAM, CONTIGUOUS);
	ASSERT_EQ(0, tgem_bo_info(self->fd, handle, &info));
	EXPECT_EQ(PLACEMENT_VRAM, info.placement);
	EXPECT_EQ(CONTIGUOUS, info.create_flags);
	EXPECT_EQ(REGION_VRAM, info.region);
	bo_close(_metadata, self->fd, handle);
}

/* A failing GEM_INFO writes none of its output fields. */
static void info_fails(struct __test_metadata *_metadata, int fd,
		       struct drm_tgem_gem_info i, int err, const char *what)
{
	i.size = SENTINEL64;
	i.placement = SENTINEL32;
	i.create_flags = SENTINEL32;
	i.region = SENTINEL32;
	EXPECT_EQ(-err, tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_INFO, &i))
		TH_LOG("%s", what);
	EXPECT_EQ(SENTINEL64, i.size) TH_LOG("%s: size changed", what);
	EXPECT_EQ(SENTINEL32, i.placement) TH_LOG("%s: placement changed", what);
	EXPECT_EQ(SENTINEL32, i.create_flags) TH_LOG("%s: flags changed", what);
	EXPECT_EQ(SENTINEL32, i.region) TH_LOG("%s: region changed", what);
}

TEST_F(uapi, gem_info_errors)
{
	struct drm_tgem_gem_info base = { 0 }, i;
	uint64_t size = self->page_size;

	base.handle = bo_create(_metadata, self->fd, &size,
				PLACEMENT_SYSTEM);
	i = base;
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_INFO, &i));

	i = base;
	i.handle = base.handle + 1000;
	info_fails(_metadata, self->fd, i, ENOENT, "bad handle");
	i.handle = 0;
	info_fails(_metadata, self->fd, i, ENOENT, "handle 0");

	i = base;
	i.flags = 1;
	info_fails(_metadata, self->fd, i, EINVAL, "flags bit 0");
	i.flags = 1u << 31;
	info_fails(_metadata, self->fd, i, EINVAL, "flags bit 31");
	i = base;
	i.pad = 1;
	info_fails(_metadata, self->fd, i, EINVAL, "pad");
	i = base;
	i.reserved[0] = 1;
	info_fails(_metadata, self->fd, i, EINVAL, "reserved[0]");
	i = base;
	i.reserved[1] = 1;
	info_fails(_metadata, self->fd, i, EINVAL, "reserved[1]");
	i = base;
	i.extensions = (uintptr_t)&i;
	info_fails(_metadata, self->fd, i, EINVAL, "extensions");

	bo_close(_metadata, self->fd, base.handle);
	info_fails(_metadata, self->fd, base, ENOENT, "closed handle");
}

static void migrate_fails(struct __test_metadata *_metadata, int fd,
			  struct drm_tgem_gem_migrate m, int err,
			  const char *what)
{
	EXPECT_EQ(-err, tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_MIGRATE, &m))
		TH_LOG("%s", what);
}

TEST_F(uapi, migrate_errors)
{
	struct drm_tgem_gem_migrate base = { .region = REGION_SYSTEM }, m;
	uint64_t size = self->page_size;
	uint32_t vram_only;

	base.handle = bo_create(_metadata, self->fd, &size,
				PLACEMENT_SYSTEM);
	/* Already there: nothing to do, and no error. */
	m = base;
	EXPECT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_MIGRATE, &m));

	m = base;
	m.handle = base.handle + 1000;
	migrate_fails(_metadata, self->fd, m, ENOENT, "bad handle");
	m.handle = 0;
	migrate_fails(_metadata, self->fd, m, ENOENT, "handle 0");

	m = base;
	m.flags = 1;
	migrate_fails(_metadata, self->fd, m, EINVAL, "flags bit 0");
	m.flags = 1u << 31;
	migrate_fails(_metadata, self->fd, m, EINVAL, "flags bit 31");
	m = base;
	m.pad = 1;
	migrate_fails(_metadata, self->fd, m, EINVAL, "pad");
	m = base;
	m.reserved[0] = 1;
	migrate_fails(_metadata, self->fd, m, EINVAL, "reserved[0]");
	m = base;
	m.reserved[1] = 1;
	migrate_fails(_metadata, self->fd, m, EINVAL, "reserved[1]");
	m = base;
	m.extensions = (uintptr_t)&m;
	migrate_fails(_metadata, self->fd, m, EINVAL, "extensions");

	m = base;
	m.region = 7;
	migrate_fails(_metadata, self->fd, m, EINVAL, "region 7");
	m.region = 2;
	migrate_fails(_metadata, self->fd, m, EINVAL, "region 2");
	m.region = UINT32_MAX;
	migrate_fails(_metadata, self->fd, m, EINVAL, "region UINT32_MAX");
	m.region = REGION_VRAM;
	migrate_fails(_metadata, self->fd, m, EINVAL,
		      "SYSTEM-only BO to VRAM");
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, base.handle));

	if (has_vram(&self->cfg)) {
		size = SZ_1M;
		vram_only = bo_create_flags(_metadata, self->fd, &size,
					    PLACEMENT_VRAM, 0);
		m = base;
		m.handle = vram_only;
		m.region = REGION_SYSTEM;
		migrate_fails(_metadata, self->fd, m, EINVAL,
			      "VRAM-only BO to system");
		m.region = 7;
		migrate_fails(_metadata, self->fd, m, EINVAL,
			      "VRAM-only BO to region 7");
		EXPECT_EQ(REGION_VRAM, bo_region(_metadata, self->fd, vram_only));
		bo_close(_metadata, self->fd, vram_only);
	}

	bo_close(_metadata, self->fd, base.handle);
	migrate_fails(_metadata, self->fd, base, ENOENT, "closed handle");
}

TEST_F(uapi, vram_used_tracks_allocations)
{
	uint64_t size = 8 * SZ_1M, total, used0, sys0;
	uint32_t vram_only, both, sys;
	void *ptr;

	SKIP_WITHOUT_VRAM();

	used0 = vram_used(_metadata, self->fd, &total);
	EXPECT_GE(total, used0);
	ASSERT_LE(used0 + 2 * size, total) TH_LOG("VRAM busy at test start");

	vram_only = bo_create_flags(_metadata, self->fd, &size,
				    PLACEMENT_VRAM, 0);
	EXPECT_EQ(used0 + size, vram_used(_metadata, self->fd, NULL));
	both = bo_create_flags(_metadata, self->fd, &size, PLACEMENT_BOTH, 0);
	EXPECT_EQ(used0 + 2 * size, vram_used(_metadata, self->fd, NULL));

	/* System memory counts populated pages, and VRAM does not change. */
	sys0 = sys_used(_metadata, self->fd);
	sys = bo_create(_metadata, self->fd, &size, PLACEMENT_SYSTEM);
	ptr = bo_map(_metadata, self->fd, sys, size);
	tgem_fill(ptr, size, 0x1234);
	EXPECT_LE(sys0 + size, sys_used(_metadata, self->fd));
	EXPECT_EQ(used0 + 2 * size, vram_used(_metadata, self->fd, NULL));

	/* An evicted BO leaves VRAM and shows up in system memory. */
	sys0 = sys_used(_metadata, self->fd);
	bo_migrate(_metadata, self->fd, both, REGION_SYSTEM);
	EXPECT_EQ(used0 + size, vram_used(_metadata, self->fd, NULL));
	EXPECT_LE(sys0 + size, sys_used(_metadata, self->fd));

	bo_close(_metadata, self->fd, vram_only);
	EXPECT_EQ(used0, vram_used(_metadata, self->fd, NULL));
	bo_close(_metadata, self->fd, both);
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, sys);
	EXPECT_EQ(used0, vram_used(_metadata, self->fd, NULL));
}

TEST_F(uapi, migrate_keeps_bytes)
{
	uint64_t size = 4 * SZ_1M;
	uint32_t handle;
	void *ptr;

	SKIP_WITHOUT_VRAM();

	handle = bo_create_flags(_metadata, self->fd, &size, PLACEMENT_BOTH, 0);
	ASSERT_EQ(REGION_VRAM, bo_region(_metadata, self->fd, handle));
	ptr = bo_map(_metadata, self->fd, handle, size);
	EXPECT_TRUE(all_bytes(ptr, size, 0)) TH_LOG("new VRAM BO not zeroed");
	tgem_fill(ptr, size, 0xa001);

	/* The mapping stays valid: it faults in at the new place. */
	bo_migrate(_metadata, self->fd, handle, REGION_SYSTEM);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0xa001));
	tgem_fill(ptr, size, 0xa002);

	bo_migrate(_metadata, self->fd, handle, REGION_VRAM);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0xa002));
	/* Already there: success, nothing moves. */
	bo_migrate(_metadata, self->fd, handle, REGION_VRAM);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0xa002));
	tgem_fill(ptr, size, 0xa003);

	bo_migrate(_metadata, self->fd, handle, REGION_SYSTEM);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0xa003));

	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, handle);
}

/*
 * Other VRAM|SYSTEM BOs worth more than all of VRAM push the oldest one out
 * to system memory; its mapping refaults there with the same bytes. Then
 * MIGRATE brings it back, evicting one of the others.
 */
TEST_F_TIMEOUT(uapi, vram_evict_keeps_bytes, 300)
{
	uint64_t a_size = 4 * SZ_1M, chunk = 16 * SZ_1M, size, total, used;
	uint32_t a, *others;
	void *ptr, *p;
	int i, n;

	SKIP_WITHOUT_VRAM();

	vram_used(_metadata, self->fd, &total);
	a = bo_create_flags(_metadata, self->fd, &a_size, PLACEMENT_BOTH, 0);
	ASSERT_EQ(REGION_VRAM, bo_region(_metadata, self->fd, a));
	ptr = bo_map(_metadata, self->fd, a, a_size);
	tgem_fill(ptr, a_size, 0xb001);
	EXPECT_LE(a_size, vram_used(_metadata, self->fd, NULL));

	n = (int)(total / chunk) + 1;
	others = calloc(n, sizeof(*others));
	ASSERT_NE(NULL, others);
	for (i = 0; i < n; i++) {
		size = chunk;
		others[i] = bo_create_flags(_metadata, self->fd, &size,
					    PLACEMENT_BOTH, 0);
	}

	used = vram_used(_metadata, self->fd, NULL);
	EXPECT_GE(total, used);
	EXPECT_LE(total - chunk, used) TH_LOG("VRAM not full after eviction");
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, a))
		TH_LOG("the least recently used BO was not evicted");
	EXPECT_EQ(-1, tgem_check(ptr, a_size, 0xb001))
		TH_LOG("evicted BO lost its bytes");

	/* Written in system memory, then pulled back under pressure. */
	tgem_fill(ptr, a_size, 0xb002);
	bo_migrate(_metadata, self->fd, a, REGION_VRAM);
	EXPECT_EQ(-1, tgem_check(ptr, a_size, 0xb002));
	EXPECT_GE(total, vram_used(_metadata, self->fd, NULL));

	/* The others were never written: evicted or not, they read zero. */
	for (i = 0; i < n; i++) {
		p = bo_map(_metadata, self->fd, others[i], chunk);
		EXPECT_TRUE(all_bytes(p, chunk, 0))
			TH_LOG("BO %d of %d not zero (region %u)", i, n,
			       bo_region(_metadata, self->fd, others[i]));
		ASSERT_EQ(0, munmap(p, chunk));
		bo_close(_metadata, self->fd, others[i]);
	}
	free(others);

	EXPECT_EQ(-1, tgem_check(ptr, a_size, 0xb002));
	ASSERT_EQ(0, munmap(ptr, a_size));
	bo_close(_metadata, self->fd, a);
}

/*
 * VRAM-only BOs are never evicted: once they fill VRAM, the next one fails
 * with ENOMEM at once, a VRAM|SYSTEM BO falls back to system memory and
 * cannot be migrated in. The VRAM|SYSTEM BO that was there first is
 * evicted to make room for them.
 */
TEST_F_TIMEOUT(uapi, vram_only_fill_enomem, 300)
{
	uint64_t a_size = 4 * SZ_1M, chunk = 16 * SZ_1M, size, total, used0;
	uint32_t a, b, *handles;
	int i, n, max, ret;
	void *ptr;

	SKIP_WITHOUT_VRAM();

	used0 = vram_used(_metadata, self->fd, &total);
	a = bo_create_flags(_metadata, self->fd, &a_size, PLACEMENT_BOTH, 0);
	ptr = bo_map(_metadata, self->fd, a, a_size);
	tgem_fill(ptr, a_size, 0xc001);

	max = (int)(total / chunk) + 1;
	handles = calloc(max, sizeof(*handles));
	ASSERT_NE(NULL, handles);
	ret = 0;
	for (n = 0; n < max; n++) {
		size = chunk;
		ret = tgem_bo_create(self->fd, &size, PLACEMENT_VRAM,
				     0, &handles[n]);
		if (ret)
			break;
	}
	ASSERT_EQ(-ENOMEM, ret) TH_LOG("%d VRAM-only BOs of 16 MiB", n);
	if (!used0)
		EXPECT_EQ(total / chunk, (uint64_t)n);

	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, a));
	EXPECT_EQ(-1, tgem_check(ptr, a_size, 0xc001));

	if (!used0 && total % chunk == 0) {
		size = self->page_size;
		EXPECT_EQ(-ENOMEM, tgem_bo_create(self->fd, &size,
						  PLACEMENT_VRAM, 0,
						  &b))
			TH_LOG("one page more than a full VRAM");
	}

	/* VRAM|SYSTEM still works: it settles for system memory. */
	size = SZ_1M;
	b = bo_create_flags(_metadata, self->fd, &size, PLACEMENT_BOTH, 0);
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, b));
	bo_close(_metadata, self->fd, b);

	EXPECT_EQ(-ENOMEM, tgem_bo_migrate(self->fd, a, REGION_VRAM));
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, a));
	EXPECT_EQ(-1, tgem_check(ptr, a_size, 0xc001));

	/* Room again: the migration goes through. */
	bo_close(_metadata, self->fd, handles[0]);
	bo_migrate(_metadata, self->fd, a, REGION_VRAM);
	EXPECT_EQ(-1, tgem_check(ptr, a_size, 0xc001));

	for (i = 1; i < n; i++)
		bo_close(_metadata, self->fd, handles[i]);
	free(handles);
	ASSERT_EQ(0, munmap(ptr, a_size));
	bo_close(_metadata, self->fd, a);
	EXPECT_EQ(used0, vram_used(_metadata, self->fd, NULL));
}

TEST_F(uapi, vram_create_errors)
{
	uint64_t total, max = self->cfg.max_bo_size;
	struct drm_tgem_gem_create base = {
		.size = self->page_size,
		.placement = PLACEMENT_VRAM,
	}, c;
	int big;

	SKIP_WITHOUT_VRAM();
	vram_used(_metadata, self->fd, &total);

	c = base;
	ASSERT_EQ(0, tgem_ioctl(self->fd, DRM_IOCTL_TGEM_GEM_CREATE, &c));
	bo_close(_metadata, self->fd, c.handle);

	c = base;
	c.flags = 1u << 1;
	create_fails(_metadata, self->fd, c, EINVAL, "VRAM, flag bit 1");
	c.flags = CONTIGUOUS | (1u << 31);
	create_fails(_metadata, self->fd, c, EINVAL,
		     "VRAM, CONTIGUOUS plus flag bit 31");
	c.placement = PLACEMENT_BOTH;
	c.flags = 1u << 2;
	create_fails(_metadata, self->fd, c, EINVAL, "VRAM|SYSTEM, flag bit 2");
	c = base;
	c.placement = PLACEMENT_VRAM | (1u << 2);
	create_fails(_metadata, self->fd, c, EINVAL, "VRAM plus placement bit 2");

	/* Larger than VRAM, the only allowed region: E2BIG. */
	c = base;
	c.size = total + self->page_size;
	big = c.size > max ? EINVAL : E2BIG;
	create_fails(_metadata, self->fd, c, big, "VRAM-only, VRAM + 1 page");
	c.flags = CONTIGUOUS;
	create_fails(_metadata, self->fd, c, big,
		     "VRAM-only CONTIGUOUS, VRAM + 1 page");
	c.size = 2 * total;
	create_fails(_metadata, self->fd, c, 2 * total > max ? EINVAL : E2BIG,
		     "VRAM-only CONTIGUOUS, twice VRAM");
}

/*
 * A VRAM|SYSTEM BO larger than VRAM fits system memory, so it is created
 * there ("E2BIG when size is larger than every region allowed"), and it
 * can never move into VRAM.
 */
TEST_F(uapi, vram_system_larger_than_vram)
{
	uint64_t total, size;
	uint32_t handle;
	uint8_t *ptr;
	int ret;

	SKIP_WITHOUT_VRAM();
	vram_used(_metadata, self->fd, &total);
	size = total + self->page_size;
	if (size > self->cfg.max_bo_size)
		SKIP(return, "VRAM larger than MAX_BO_SIZE");

	handle = bo_create_flags(_metadata, self->fd, &size, PLACEMENT_BOTH, 0);
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, handle));
	ptr = bo_map(_metadata, self->fd, handle, size);
	tgem_fill(ptr, SZ_1M, 0xd001);
	tgem_fill(ptr + size - SZ_1M, SZ_1M, 0xd002);

	ret = tgem_bo_migrate(self->fd, handle, REGION_VRAM);
	EXPECT_EQ(-ENOMEM, ret) TH_LOG("MIGRATE to a region it cannot fit");
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, handle));
	EXPECT_EQ(-1, tgem_check(ptr, SZ_1M, 0xd001));
	EXPECT_EQ(-1, tgem_check(ptr + size - SZ_1M, SZ_1M, 0xd002));
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, handle);

	/* CONTIGUOUS only constrains the VRAM place. */
	size = total + self->page_size;
	handle = bo_create_flags(_metadata, self->fd, &size, PLACEMENT_BOTH,
				 CONTIGUOUS);
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, handle));
	bo_close(_metadata, self->fd, handle);
}

TEST_F_TIMEOUT(uapi, vram_contiguous_round_trip, 120)
{
	uint64_t size = 3 * SZ_1M + 5 * self->page_size, total, big;
	struct drm_tgem_gem_info info;
	uint32_t handle;
	uint8_t *ptr;

	SKIP_WITHOUT_VRAM();
	vram_used(_metadata, self->fd, &total);

	/* VRAM only: an odd size, so the buddy allocator has to trim. */
	handle = bo_create_flags(_metadata, self->fd, &size,
				 PLACEMENT_VRAM, CONTIGUOUS);
	ASSERT_EQ(0, tgem_bo_info(self->fd, handle, &info));
	EXPECT_EQ(size, info.size);
	EXPECT_EQ(CONTIGUOUS, info.create_flags);
	EXPECT_EQ(REGION_VRAM, info.region);
	ptr = bo_map(_metadata, self->fd, handle, size);
	EXPECT_TRUE(all_bytes(ptr, size, 0));
	tgem_fill(ptr, size, 0xe001);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0xe001));
	bo_migrate(_metadata, self->fd, handle, REGION_VRAM);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0xe001));
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, handle);

	/* VRAM|SYSTEM: out to system memory and back into one block. */
	handle = bo_create_flags(_metadata, self->fd, &size, PLACEMENT_BOTH,
				 CONTIGUOUS);
	EXPECT_EQ(REGION_VRAM, bo_region(_metadata, self->fd, handle));
	ptr = bo_map(_metadata, self->fd, handle, size);
	tgem_fill(ptr, size, 0xe002);
	bo_migrate(_metadata, self->fd, handle, REGION_SYSTEM);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0xe002));
	tgem_fill(ptr, size, 0xe003);
	bo_migrate(_metadata, self->fd, handle, REGION_VRAM);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0xe003));
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, handle);

	/* Half of VRAM in one block; check both ends. */
	big = total / 2;
	handle = bo_create_flags(_metadata, self->fd, &big,
				 PLACEMENT_VRAM, CONTIGUOUS);
	ptr = bo_map(_metadata, self->fd, handle, big);
	tgem_fill(ptr, SZ_1M, 0xe004);
	tgem_fill(ptr + big - SZ_1M, SZ_1M, 0xe005);
	EXPECT_EQ(-1, tgem_check(ptr, SZ_1M, 0xe004));
	EXPECT_EQ(-1, tgem_check(ptr + big - SZ_1M, SZ_1M, 0xe005));
	ASSERT_EQ(0, munmap(ptr, big));
	bo_close(_metadata, self->fd, handle);
}

/* xorshift32: a fixed seed gives the same order on every run. */
static uint32_t next_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static void shuffle(int *order, int n, uint32_t *state)
{
	int i, j, t;

	for (i = n - 1; i > 0; i--) {
		j = (int)(next_rand(state) % (uint32_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

#define CYCLE_BO_SIZE	(8 * SZ_1M)
#define CYCLE_ROUNDS	3
#define CYCLE_SEED	0x7e6e5eedu

/*
 * One and a half times VRAM in 8 MiB VRAM|SYSTEM BOs, each with its own
 * pattern. Every round migrates each BO into VRAM in a shuffled order, so
 * each migration evicts some other BO, and checks the bytes through the
 * mapping made at the start.
 */
TEST_F_TIMEOUT(uapi, vram_many_bos_cycle, 600)
{
	uint32_t state = CYCLE_SEED, *handles;
	uint64_t size, total;
	int i, r, n, in_vram;
	uint8_t **ptrs;
	int *order;

	SKIP_WITHOUT_VRAM();
	vram_used(_metadata, self->fd, &total);
	n = (int)((total + total / 2) / CYCLE_BO_SIZE);
	if (n < 3)
		SKIP(return, "VRAM smaller than two BOs");
	if (n > 1024)
		SKIP(return, "VRAM too large for this test");

	handles = calloc(n, sizeof(*handles));
	ptrs = calloc(n, sizeof(*ptrs));
	order = calloc(n, sizeof(*order));
	ASSERT_NE(NULL, handles);
	ASSERT_NE(NULL, ptrs);
	ASSERT_NE(NULL, order);

	for (i = 0; i < n; i++) {
		size = CYCLE_BO_SIZE;
		handles[i] = bo_create_flags(_metadata, self->fd, &size,
					     PLACEMENT_BOTH, 0);
		ptrs[i] = bo_map(_metadata, self->fd, handles[i], size);
		tgem_fill(ptrs[i], size, 0xf0000 + i);
		order[i] = i;
	}

	for (r = 0; r < CYCLE_ROUNDS; r++) {
		shuffle(order, n, &state);
		for (i = 0; i < n; i++) {
			int k = order[i];
			ssize_t bad;

			bo_migrate(_metadata, self->fd, handles[k], REGION_VRAM);
			bad = tgem_check(ptrs[k], CYCLE_BO_SIZE, 0xf0000 + k);
			ASSERT_EQ(-1, bad)
				TH_LOG("round %d, BO %d: corrupt at byte %zd",
				       r, k, bad);
		}
	}

	in_vram = 0;
	for (i = 0; i < n; i++) {
		EXPECT_EQ(-1, tgem_check(ptrs[i], CYCLE_BO_SIZE, 0xf0000 + i))
			TH_LOG("BO %d corrupt at the end", i);
		in_vram += bo_region(_metadata, self->fd, handles[i]) ==
			   REGION_VRAM;
	}
	EXPECT_GE(total / CYCLE_BO_SIZE, (uint64_t)in_vram);
	EXPECT_LT(0, in_vram);

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, munmap(ptrs[i], CYCLE_BO_SIZE));
		bo_close(_metadata, self->fd, handles[i]);
	}
	free(order);
	free(ptrs);
	free(handles);
}

/*
 * Another device attaching to a VRAM BO pins it, and an importer gets
 * system pages: the BO moves to system memory with its bytes, and cannot
 * be migrated back while it is pinned. A VRAM-only BO cannot be attached.
 */
TEST_F(uapi, prime_vram_export_to_other_device)
{
	uint64_t size = 4 * SZ_1M;
	uint32_t ha, hv, hvram;
	int vgem, dmabuf, ret;
	void *pa;

	SKIP_WITHOUT_VRAM();
	vgem = tgem_open_node("/dev/dri/renderD", TGEM_RENDER_MIN,
			      TGEM_RENDER_MAX, "vgem", NULL, 0);
	if (vgem < 0)
		SKIP(return, "vgem is not loaded");

	ha = bo_create_flags(_metadata, self->fd, &size, PLACEMENT_BOTH, 0);
	ASSERT_EQ(REGION_VRAM, bo_region(_metadata, self->fd, ha));
	pa = bo_map(_metadata, self->fd, ha, size);
	tgem_fill(pa, size, 0x5353);

	/* Exporting alone moves nothing; attaching does. */
	ASSERT_EQ(0, prime_export(self->fd, ha, &dmabuf));
	EXPECT_EQ(REGION_VRAM, bo_region(_metadata, self->fd, ha));
	ASSERT_EQ(0, prime_import(vgem, dmabuf, &hv));
	ASSERT_EQ(0, close(dmabuf));
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, ha));
	EXPECT_EQ(-1, tgem_check(pa, size, 0x5353));

	EXPECT_EQ(-EBUSY, tgem_bo_migrate(self->fd, ha, REGION_VRAM));
	EXPECT_EQ(REGION_SYSTEM, bo_region(_metadata, self->fd, ha));
	EXPECT_EQ(0, tgem_bo_migrate(self->fd, ha, REGION_SYSTEM));
	tgem_fill(pa, size, 0x5454);

	/* vgem's close detaches and unpins: the BO may move again. */
	ASSERT_EQ(0, tgem_gem_close(vgem, hv));
	bo_migrate(_metadata, self->fd, ha, REGION_VRAM);
	EXPECT_EQ(-1, tgem_check(pa, size, 0x5454));
	ASSERT_EQ(0, munmap(pa, size));
	bo_close(_metadata, self->fd, ha);

	/* A VRAM-only BO has no system pages to offer an importer. */
	size = SZ_1M;
	hvram = bo_create_flags(_metadata, self->fd, &size,
				PLACEMENT_VRAM, 0);
	ASSERT_EQ(0, prime_export(self->fd, hvram, &dmabuf));
	ret = prime_import(vgem, dmabuf, &hv);
	EXPECT_NE(0, ret) TH_LOG("vgem attached to a VRAM-only BO");
	if (!ret)
		tgem_gem_close(vgem, hv);
	EXPECT_EQ(REGION_VRAM, bo_region(_metadata, self->fd, hvram));
	ASSERT_EQ(0, close(dmabuf));
	bo_close(_metadata, self->fd, hvram);
	ASSERT_EQ(0, close(vgem));
}

/* --- Eviction of busy BOs --------------------------------------------- */

/*
 * Another thread keeps taking the victims' dma_resv for a moment, the way
 * any client may: with GEM_INFO, or with first touches (CPU faults) through
 * fresh mappings.
 */
struct busy_victims {
	int fd;
	uint32_t handles[2];
	size_t size;
	size_t page_size;
	bool touch;
	int stop;
	unsigned long rounds;
	int error;
};

static void *busy_victims_thread(void *arg)
{
	struct busy_victims *b = arg;
	struct drm_tgem_gem_info info;
	unsigned long i;
	size_t off;
	int ret;

	for (i = 0; !__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE); i++) {
		uint32_t handle = b->handles[i & 1];

		if (b->touch) {
			volatile uint8_t *p = tgem_bo_map(b->fd, handle, b->size);

			if (p == MAP_FAILED) {
				b->error = errno;
				break;
			}
			for (off = 0; off < b->size; off += b->page_size)
				(void)p[off];
			munmap((void *)p, b->size);
		} else {
			ret = tgem_bo_info(b->fd, handle, &info);
			if (ret) {
				b->error = -ret;
				break;
			}
		}
		b->rounds++;
	}
	return NULL;
}

#define BUSY_BO_SIZE	(2 * SZ_1M)
#define BUSY_ROUNDS	100

/*
 * VRAM holds a VRAM-only ballast and room for one of two VRAM|SYSTEM
 * victims. While the other thread keeps the victims busy, every round
 * MIGRATEs each victim in (evicting the other one) and creates a VRAM-only
 * BO (evicting whichever is in VRAM). A busy victim must be waited for,
 * never skipped: not one ENOMEM.
 */
static void evict_busy_victims(struct __test_metadata *_metadata, int fd,
			       size_t page_size, bool touch)
{
	struct busy_victims b = {
		.fd = fd, .size = BUSY_BO_SIZE, .page_size = page_size,
		.touch = touch,
	};
	int r, ret, failed_migrate = 0, failed_create = 0;
	uint64_t total, used, size;
	uint32_t ballast, extra;
	pthread_t thread;

	used = vram_used(_metadata, fd, &total);
	if (total - used < 4 * BUSY_BO_SIZE)
		SKIP(return, "not enough free VRAM");

	size = total - used - BUSY_BO_SIZE;
	ballast = bo_create_flags(_metadata, fd, &size, PLACEMENT_VRAM, 0);
	for (r = 0; r < 2; r++) {
		size = BUSY_BO_SIZE;
		b.handles[r] = bo_create_flags(_metadata, fd, &size,
					       PLACEMENT_BOTH, 0);
	}
	ASSERT_EQ(total, vram_used(_metadata, fd, NULL))
		TH_LOG("someone else uses VRAM");

	ASSERT_EQ(0, pthread_create(&thread, NULL, busy_victims_thread, &b));
	for (r = 0; r < BUSY_ROUNDS; r++) {
		ret = tgem_bo_migrate(fd, b.handles[0], REGION_VRAM);
		failed_migrate += ret == -ENOMEM;
		EXPECT_TRUE(!ret || ret == -ENOMEM) TH_LOG("MIGRATE: %s", strerror(-ret));
		ret = tgem_bo_migrate(fd, b.handles[1], REGION_VRAM);
		failed_migrate += ret == -ENOMEM;
		EXPECT_TRUE(!ret || ret == -ENOMEM) TH_LOG("MIGRATE: %s", strerror(-ret));

		size = BUSY_BO_SIZE;
		ret = tgem_bo_create(fd, &size, PLACEMENT_VRAM, 0, &extra);
		failed_create += ret == -ENOMEM;
		EXPECT_TRUE(!ret || ret == -ENOMEM) TH_LOG("GEM_CREATE: %s", strerror(-ret));
		if (!ret)
			bo_close(_metadata, fd, extra);
	}
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(thread, NULL));

	EXPECT_EQ(0, b.error) TH_LOG("busy thread: %s", strerror(b.error));
	EXPECT_LT(0ul, b.rounds);
	EXPECT_EQ(0, failed_migrate)
		TH_LOG("%d of %d MIGRATEs failed with ENOMEM (busy thread: %lu rounds)",
		       failed_migrate, 2 * BUSY_ROUNDS, b.rounds);
	EXPECT_EQ(0, failed_create)
		TH_LOG("%d of %d VRAM-only creates failed with ENOMEM (busy thread: %lu rounds)",
		       failed_create, BUSY_ROUNDS, b.rounds);

	bo_close(_metadata, fd, b.handles[0]);
	bo_close(_metadata, fd, b.handles[1]);
	bo_close(_metadata, fd, ballast);
	EXPECT_EQ(used, vram_used(_metadata, fd, NULL));
}

TEST_F_TIMEOUT(uapi, vram_evict_busy_victims_info, 600)
{
	SKIP_WITHOUT_VRAM();
	evict_busy_victims(_metadata, self->fd, self->page_size, false);
}

TEST_F_TIMEOUT(uapi, vram_evict_busy_victims_touch, 600)
{
	SKIP_WITHOUT_VRAM();
	evict_busy_victims(_metadata, self->fd, self->page_size, true);
}

/* --- Memory accounting ------------------------------------------------ */

/*
 * Every BO, mapped or not, takes its size of the device's fake-offset
 * space. A client that fills it gets ENOSPC, the documented errno, and it
 * costs that client little memory: the page array of a BO comes with its
 * pages. Closing a BO gives its share back.
 */
TEST_F_TIMEOUT(uapi, create_until_offset_space_full, 300)
{
	uint64_t max = self->cfg.max_bo_size, size;
	/* 1 TiB of offsets on 64-bit, see DRM_FILE_PAGE_OFFSET_SIZE */
	int n, limit = (int)((1ull << 40) / max) + 64;
	uint32_t *handles;
	int i, ret = 0;

	handles = calloc(limit, sizeof(*handles));
	ASSERT_NE(NULL, handles);
	for (n = 0; n < limit; n++) {
		size = max;
		ret = tgem_bo_create(self->fd, &size, PLACEMENT_SYSTEM, 0,
				     &handles[n]);
		if (ret)
			break;
	}
	EXPECT_EQ(-ENOSPC, ret)
		TH_LOG("after %d BOs of %llu bytes: %s", n,
		       (unsigned long long)max, strerror(-ret));
	EXPECT_LT(100, n);

	if (n > 0) {
		bo_close(_metadata, self->fd, handles[--n]);
		size = max;
		EXPECT_EQ(0, tgem_bo_create(self->fd, &size, PLACEMENT_SYSTEM,
					    0, &handles[n]));
		n++;
	}
	for (i = 0; i < n; i++)
		bo_close(_metadata, self->fd, handles[i]);
	free(handles);
}

#define MEMCG_LIMIT	(32 * SZ_1M)
#define MEMCG_CHUNK	(16 * SZ_1M)
#define MEMCG_CHUNKS	8

/*
 * In a memory cgroup with a small limit, what a client makes tgem allocate
 * is charged to it: creating BOs of the maximum size costs almost nothing
 * until they have pages, and bringing pages in (MIGRATE to system memory)
 * fails with ENOMEM at the limit, instead of taking memory nobody is
 * charged for. Afterwards the machine is fine: a normal BO can be created
 * and touched.
 */
TEST_F_TIMEOUT(uapi, memcg_charges_bo_memory, 300)
{
	uint32_t handles[MEMCG_CHUNKS], big[64], h;
	long long before, after;
	struct tgem_memcg m;
	uint64_t size;
	int i, n, ret;
	void *ptr;

	ret = tgem_memcg_enter(&m, "33554432");
	if (ret)
		SKIP(return, "no cgroup2 memory controller: %s", strerror(-ret));

	before = tgem_memcg_read(&m, "memory.current");
	for (i = 0; i < 64; i++) {
		size = self->cfg.max_bo_size;
		ret = tgem_bo_create(self->fd, &size, PLACEMENT_SYSTEM, 0, &big[i]);
		if (ret)
			break;
	}
	after = tgem_memcg_read(&m, "memory.current");
	EXPECT_EQ(0, ret) TH_LOG("create %d of max size: %s", i, strerror(-ret));
	EXPECT_GT(4 * SZ_1M, after - before)
		TH_LOG("%d untouched BOs of %llu bytes took %lld bytes", i,
		       (unsigned long long)self->cfg.max_bo_size, after - before);
	for (n = i, i = 0; i < n; i++)
		tgem_gem_close(self->fd, big[i]);

	if (has_vram(&self->cfg)) {
		ret = 0;
		for (n = 0; n < MEMCG_CHUNKS; n++) {
			size = MEMCG_CHUNK;
			ret = tgem_bo_create(self->fd, &size, PLACEMENT_BOTH, 0,
					     &handles[n]);
			if (ret)
				break;
			if (bo_region(_metadata, self->fd, handles[n]) != REGION_VRAM) {
				n++;
				ret = -EAGAIN;
				break;
			}
			ret = tgem_bo_migrate(self->fd, handles[n], REGION_SYSTEM);
			if (ret) {
				n++;
				break;
			}
		}
		EXPECT_EQ(-ENOMEM, ret)
			TH_LOG("%d BOs of 16 MiB moved to system memory in a cgroup of 32 MiB: %s",
			       n, strerror(-ret));
		EXPECT_LE(0, tgem_memcg_read(&m, "memory.current"));
		EXPECT_GE(MEMCG_LIMIT, tgem_memcg_read(&m, "memory.current"));
		for (i = 0; i < n; i++)
			tgem_gem_close(self->fd, handles[i]);
	}
	tgem_memcg_leave(&m);

	/* Still usable: a normal create and a first touch. */
	size = SZ_1M;
	h = bo_create(_metadata, self->fd, &size, PLACEMENT_SYSTEM);
	ptr = bo_map(_metadata, self->fd, h, size);
	tgem_fill(ptr, size, 0x6d656d);
	EXPECT_EQ(-1, tgem_check(ptr, size, 0x6d656d));
	ASSERT_EQ(0, munmap(ptr, size));
	bo_close(_metadata, self->fd, h);
}

#define MEMCG_RETURN_LIMIT	"67108864"
#define MEMCG_RETURN_BO		(16 * SZ_1M)

/*
 * Every page tgem gives a BO goes back, uncharged, when the BO goes or
 * moves to VRAM: most of a BO's pages are runs of up to 2 MiB that are
 * freed whole (see "TTM device"), and a run freed wrongly or not at all
 * would stay charged. Eight BOs of 16 MiB, each touched through its mmap,
 * pass one by one through a cgroup of 64 MiB; with VRAM, a ninth is moved
 * into VRAM, which must give its system pages back at once.
 */
TEST_F_TIMEOUT(uapi, memcg_pages_return, 300)
{
	long long before, touched, after;
	struct tgem_memcg m;
	uint64_t size;
	uint32_t h;
	void *ptr;
	int i, ret;

	ret = tgem_memcg_enter(&m, MEMCG_RETURN_LIMIT);
	if (ret)
		SKIP(return, "no cgroup2 memory controller: %s", strerror(-ret));

	for (i = 0; i < 8; i++) {
		before = tgem_memcg_read(&m, "memory.current");
		size = MEMCG_RETURN_BO;
		h = bo_create(_metadata, self->fd, &size, PLACEMENT_SYSTEM);
		ptr = bo_map(_metadata, self->fd, h, size);
		tgem_fill(ptr, size, 0x7265 + i);
		touched = tgem_memcg_read(&m, "memory.current");
		EXPECT_EQ(-1, tgem_check(ptr, size, 0x7265 + i));
		ASSERT_EQ(0, munmap(ptr, size));
		bo_close(_metadata, self->fd, h);
		after = tgem_memcg_read(&m, "memory.current");
		EXPECT_LE(before + MEMCG_RETURN_BO, touched)
			TH_LOG("BO %d: touching 16 MiB charged only %lld bytes",
			       i, touched - before);
		EXPECT_GT(before + SZ_1M, after)
			TH_LOG("BO %d: %lld bytes still charged after close",
			       i, after - before);
	}

	if (has_vram(&self->cfg)) {
		before = tgem_memcg_read(&m, "memory.current");
		size = MEMCG_RETURN_BO;
		h = bo_create(_metadata, self->fd, &size, PLACEMENT_BOTH);
		bo_migrate(_metadata, self->fd, h, REGION_SYSTEM);
		touched = tgem_memcg_read(&m, "memory.current");
		bo_migrate(_metadata, self->fd, h, REGION_VRAM);
		after = tgem_memcg_read(&m, "memory.current");
		EXPECT_LE(before + MEMCG_RETURN_BO, touched)
			TH_LOG("MIGRATE to system charged only %lld bytes",
			       touched - before);
		EXPECT_GT(before + SZ_1M, after)
			TH_LOG("%lld bytes still charged after MIGRATE to VRAM",
			       after - before);
		bo_close(_metadata, self->fd, h);
	}
	tgem_memcg_leave(&m);
}

/* -l and -h only print; they work without a device. */
static bool harness_info_only(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int fd;

	fd = tgem_open(tgem_node, sizeof(tgem_node));
	if (fd >= 0) {
		close(fd);
	} else if (!harness_info_only(argc, argv)) {
		ksft_print_header();
		ksft_exit_skip("no tgem render node in /dev/dri/renderD%d..%d\n",
			       TGEM_RENDER_MIN, TGEM_RENDER_MAX);
	}

	return test_harness_run(argc, argv);
}
