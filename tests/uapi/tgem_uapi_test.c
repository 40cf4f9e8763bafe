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
#include <stdint.h>
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

/* Another driver's render node, by DRM_IOCTL_VERSION name; -1 if absent. */
static int open_render_node_named(const char *name)
{
	struct tgem_version v;
	char node[32];
	int i, fd;

	for (i = TGEM_RENDER_MIN; i <= TGEM_RENDER_MAX; i++) {
		snprintf(node, sizeof(node), "/dev/dri/renderD%d", i);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!tgem_get_version(fd, &v) && !strcmp(v.name, name))
			return fd;
		close(fd);
	}
	return -1;
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

	vgem = open_render_node_named("vgem");
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
