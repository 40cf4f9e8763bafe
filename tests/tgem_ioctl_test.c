// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_ioctl: argument checks of the tgem ioctl handlers,
 * called directly on an unregistered device. There is no DRM file, so the
 * handlers get file = NULL and the suite only takes paths that end before
 * the file is used: argument rejection, and DEVICE_QUERY, which never uses
 * it. A failing ioctl must change no field of its argument struct, so the
 * rejection tests compare the whole struct with what went in.
 *
 * DEVICE_QUERY copies its answer to userspace; the suite gives it a user
 * buffer in a KUnit-managed mm (kunit_vm_mmap()).
 */

#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_ioctl.h"
#include "tests/tgem_kunit_helpers.h"

/* Entries of &drm_tgem_query_config.info this kernel defines. */
#define TGEM_TEST_CONFIG_NUM_PARAMS	3
/* Regions a tgem device without VRAM reports: system memory. */
#define TGEM_TEST_NUM_REGIONS		1

#define TGEM_TEST_CONFIG_SIZE \
	(sizeof(struct drm_tgem_query_config) + \
	 TGEM_TEST_CONFIG_NUM_PARAMS * sizeof(__u64))
#define TGEM_TEST_REGIONS_SIZE \
	(sizeof(struct drm_tgem_query_mem_regions) + \
	 TGEM_TEST_NUM_REGIONS * sizeof(struct drm_tgem_mem_region))

/* A value the handlers must never write to an output field on failure. */
#define TGEM_TEST_POISON_U32	0xdeadbeefU
#define TGEM_TEST_POISON_U64	0xdeadbeefdeadbeefULL

static int tgem_ioctl_test_init(struct kunit *test)
{
	test->priv = tgem_kunit_device_create(test);
	return 0;
}

static void __user *tgem_ioctl_test_user_buf(struct kunit *test, size_t len,
					     unsigned long prot)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, len, prot,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0, "could not create a user mm");
	KUNIT_ASSERT_LT_MSG(test, addr, (unsigned long)TASK_SIZE,
			    "could not map user memory");

	return (void __user *)addr;
}

/*
 * Run the two-call protocol of DEVICE_QUERY and copy the answer into
 * @out, which has room for @len bytes. The second call offers a buffer
 * larger than needed, which the kernel must accept.
 */
static void tgem_ioctl_test_query(struct kunit *test, u32 query, void *out,
				  size_t len)
{
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_device_query args = { .query = query };
	void __user *ubuf;
	u32 needed;
	int ret;

	ret = tgem_device_query_ioctl(&tdev->drm, &args, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, args.size, len);
	needed = args.size;

	ubuf = tgem_ioctl_test_user_buf(test, PAGE_SIZE,
					PROT_READ | PROT_WRITE);
	args.data = (uintptr_t)ubuf;
	args.size = PAGE_SIZE;

	ret = tgem_device_query_ioctl(&tdev->drm, &args, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, args.size, needed);

	KUNIT_ASSERT_EQ(test, copy_from_user(out, ubuf, len), 0);
}

struct tgem_ioctl_query_size_case {
	const char *desc;
	u32 query;
	u32 size;
};

static const struct tgem_ioctl_query_size_case tgem_ioctl_query_size_cases[] = {
	{
		.desc = "config",
		.query = DRM_TGEM_DEVICE_QUERY_CONFIG,
		.size = TGEM_TEST_CONFIG_SIZE,
	},
	{
		.desc = "mem regions",
		.query = DRM_TGEM_DEVICE_QUERY_MEM_REGIONS,
		.size = TGEM_TEST_REGIONS_SIZE,
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_ioctl_query_size, tgem_ioctl_query_size_cases,
		       desc);

/*
 * With size 0, DEVICE_QUERY writes the size of the answer and nothing
 * else, without touching the (bogus) data pointer.
 */
static void tgem_ioctl_query_size(struct kunit *test)
{
	const struct tgem_ioctl_query_size_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_device_query args = {
		.query = c->query,
		.data = TGEM_TEST_POISON_U64,
	};
	struct drm_tgem_device_query expected = args;
	int ret;

	ret = tgem_device_query_ioctl(&tdev->drm, &args, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);

	expected.size = c->size;
	KUNIT_EXPECT_EQ(test, args.size, c->size);
	KUNIT_EXPECT_MEMEQ(test, &args, &expected, sizeof(args));
}

struct tgem_ioctl_query_invalid_case {
	const char *desc;
	struct drm_tgem_device_query args;
};

static const struct tgem_ioctl_query_invalid_case tgem_ioctl_query_invalid_cases[] = {
	{
		.desc = "unknown query",
		.args = { .query = 2 },
	},
	{
		.desc = "query U32_MAX",
		.args = { .query = U32_MAX },
	},
	{
		.desc = "nonzero extensions",
		.args = {
			.extensions = 0x1000,
			.query = DRM_TGEM_DEVICE_QUERY_CONFIG,
		},
	},
	{
		.desc = "nonzero reserved[0]",
		.args = {
			.query = DRM_TGEM_DEVICE_QUERY_CONFIG,
			.reserved = { 1, 0 },
		},
	},
	{
		.desc = "nonzero reserved[1]",
		.args = {
			.query = DRM_TGEM_DEVICE_QUERY_MEM_REGIONS,
			.reserved = { 0, BIT_ULL(63) },
		},
	},
	{
		.desc = "config, size one byte short",
		.args = {
			.query = DRM_TGEM_DEVICE_QUERY_CONFIG,
			.size = TGEM_TEST_CONFIG_SIZE - 1,
		},
	},
	{
		.desc = "config, size 1",
		.args = {
			.query = DRM_TGEM_DEVICE_QUERY_CONFIG,
			.size = 1,
		},
	},
	{
		.desc = "mem regions, size one byte short",
		.args = {
			.query = DRM_TGEM_DEVICE_QUERY_MEM_REGIONS,
			.size = TGEM_TEST_REGIONS_SIZE - 1,
		},
	},
	{
		.desc = "mem regions, header only",
		.args = {
			.query = DRM_TGEM_DEVICE_QUERY_MEM_REGIONS,
			.size = sizeof(struct drm_tgem_query_mem_regions),
		},
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_ioctl_query_invalid,
		       tgem_ioctl_query_invalid_cases, desc);

/* Bad DEVICE_QUERY arguments give -EINVAL and change nothing. */
static void tgem_ioctl_query_invalid(struct kunit *test)
{
	const struct tgem_ioctl_query_invalid_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_device_query args = c->args;
	int ret;

	ret = tgem_device_query_ioctl(&tdev->drm, &args, NULL);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_MEMEQ(test, &args, &c->args, sizeof(args));
}

/* An answer that cannot be copied out gives -EFAULT and changes nothing. */
static void tgem_ioctl_query_efault(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_device_query args = {
		.query = DRM_TGEM_DEVICE_QUERY_CONFIG,
		.size = PAGE_SIZE,
	};
	struct drm_tgem_device_query expected;
	int ret;

	args.data = (uintptr_t)tgem_ioctl_test_user_buf(test, PAGE_SIZE,
							PROT_READ);
	expected = args;

	ret = tgem_device_query_ioctl(&tdev->drm, &args, NULL);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	KUNIT_EXPECT_MEMEQ(test, &args, &expected, sizeof(args));
}

/* CONFIG reports what the device really enforces. */
static void tgem_ioctl_query_config(struct kunit *test)
{
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_query_config *config;

	config = kunit_kzalloc(test, TGEM_TEST_CONFIG_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, config);

	tgem_ioctl_test_query(test, DRM_TGEM_DEVICE_QUERY_CONFIG, config,
			      TGEM_TEST_CONFIG_SIZE);

	KUNIT_EXPECT_EQ(test, config->num_params, TGEM_TEST_CONFIG_NUM_PARAMS);
	KUNIT_EXPECT_EQ(test, config->pad, 0);
	KUNIT_EXPECT_EQ(test, config->info[DRM_TGEM_QUERY_CONFIG_FLAGS] &
			DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM, 0);
	KUNIT_EXPECT_EQ(test, config->info[DRM_TGEM_QUERY_CONFIG_MIN_ALIGNMENT],
			PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, config->info[DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE],
			tgem_bo_max_size(tdev));
}

/*
 * MEM_REGIONS reports one system memory region whose instance is the
 * placement bit of system memory, and whose use follows populated pages.
 */
static void tgem_ioctl_query_mem_regions(struct kunit *test)
{
	const struct drm_tgem_mem_region *region;
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_query_mem_regions *regions;
	const unsigned long num_pages = 3;
	struct tgem_bo *bo;

	regions = kunit_kzalloc(test, TGEM_TEST_REGIONS_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, regions);

	tgem_ioctl_test_query(test, DRM_TGEM_DEVICE_QUERY_MEM_REGIONS, regions,
			      TGEM_TEST_REGIONS_SIZE);

	KUNIT_ASSERT_EQ(test, regions->num_regions, TGEM_TEST_NUM_REGIONS);
	KUNIT_EXPECT_EQ(test, regions->pad, 0);
	region = &regions->regions[0];
	KUNIT_EXPECT_EQ(test, region->mem_class, DRM_TGEM_MEM_CLASS_SYSMEM);
	KUNIT_EXPECT_EQ(test, region->instance,
			__ffs(DRM_TGEM_PLACEMENT_SYSTEM));
	KUNIT_EXPECT_EQ(test, region->min_page_size, PAGE_SIZE);
	KUNIT_EXPECT_GE(test, region->total_size, tgem_bo_max_size(tdev));
	KUNIT_EXPECT_EQ(test, region->cpu_visible_size, region->total_size);
	KUNIT_EXPECT_EQ(test, region->used, 0);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(region->reserved,
					    sizeof(region->reserved)));

	bo = tgem_kunit_bo_create(test, tdev, num_pages << PAGE_SHIFT,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	tgem_kunit_bo_populate(test, bo);

	tgem_ioctl_test_query(test, DRM_TGEM_DEVICE_QUERY_MEM_REGIONS, regions,
			      TGEM_TEST_REGIONS_SIZE);
	KUNIT_EXPECT_EQ(test, regions->regions[0].used, num_pages << PAGE_SHIFT);
}

struct tgem_ioctl_create_case {
	const char *desc;
	struct drm_tgem_gem_create args;
	/* Use tgem_bo_max_size() + 1 as the size. */
	bool over_max;
};

#define TGEM_TEST_CREATE(sz, pl, ...) {				\
	.size = (sz),						\
	.placement = (pl),					\
	.handle = TGEM_TEST_POISON_U32,				\
	__VA_ARGS__						\
}

static const struct tgem_ioctl_create_case tgem_ioctl_create_cases[] = {
	{
		.desc = "nonzero extensions",
		.args = TGEM_TEST_CREATE(PAGE_SIZE,
					 DRM_TGEM_PLACEMENT_SYSTEM,
					 .extensions = 0x1000),
	},
	{
		.desc = "nonzero pad",
		.args = TGEM_TEST_CREATE(PAGE_SIZE,
					 DRM_TGEM_PLACEMENT_SYSTEM,
					 .pad = 1),
	},
	{
		.desc = "nonzero reserved[0]",
		.args = TGEM_TEST_CREATE(PAGE_SIZE,
					 DRM_TGEM_PLACEMENT_SYSTEM,
					 .reserved = { 1, 0 }),
	},
	{
		.desc = "nonzero reserved[1]",
		.args = TGEM_TEST_CREATE(PAGE_SIZE,
					 DRM_TGEM_PLACEMENT_SYSTEM,
					 .reserved = { 0, BIT_ULL(63) }),
	},
	{
		.desc = "size 0",
		.args = TGEM_TEST_CREATE(0, DRM_TGEM_PLACEMENT_SYSTEM),
	},
	{
		.desc = "size U64_MAX",
		.args = TGEM_TEST_CREATE(U64_MAX, DRM_TGEM_PLACEMENT_SYSTEM),
	},
	{
		.desc = "size one byte over the maximum",
		.args = TGEM_TEST_CREATE(0, DRM_TGEM_PLACEMENT_SYSTEM),
		.over_max = true,
	},
	{
		.desc = "placement 0",
		.args = TGEM_TEST_CREATE(PAGE_SIZE, 0),
	},
	{
		.desc = "placement unknown bit",
		.args = TGEM_TEST_CREATE(PAGE_SIZE, BIT(2)),
	},
	{
		.desc = "placement vram without vram",
		.args = TGEM_TEST_CREATE(PAGE_SIZE, DRM_TGEM_PLACEMENT_VRAM),
	},
	{
		.desc = "contiguous with system",
		.args = TGEM_TEST_CREATE(PAGE_SIZE,
					 DRM_TGEM_PLACEMENT_SYSTEM,
					 .flags = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS),
	},
	{
		.desc = "unknown flag",
		.args = TGEM_TEST_CREATE(PAGE_SIZE,
					 DRM_TGEM_PLACEMENT_SYSTEM,
					 .flags = BIT(31)),
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_ioctl_create, tgem_ioctl_create_cases, desc);

/*
 * Bad GEM_CREATE arguments give -EINVAL before any handle is made: the
 * handle and size fields keep their values and no BO is left behind.
 */
static void tgem_ioctl_create_invalid(struct kunit *test)
{
	const struct tgem_ioctl_create_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_gem_create expected = c->args;
	struct drm_tgem_gem_create args;
	int ret;

	if (c->over_max)
		expected.size = tgem_bo_max_size(tdev) + 1;
	args = expected;

	ret = tgem_gem_create_ioctl(&tdev->drm, &args, NULL);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, args.handle, TGEM_TEST_POISON_U32);
	KUNIT_EXPECT_MEMEQ(test, &args, &expected, sizeof(args));
	KUNIT_EXPECT_FALSE(test, tgem_kunit_has_mmap_offsets(tdev));
}

struct tgem_ioctl_mmap_offset_case {
	const char *desc;
	struct drm_tgem_gem_mmap_offset args;
};

#define TGEM_TEST_MMAP_OFFSET(...) {				\
	.handle = 1,						\
	.offset = TGEM_TEST_POISON_U64,				\
	__VA_ARGS__						\
}

static const struct tgem_ioctl_mmap_offset_case tgem_ioctl_mmap_offset_cases[] = {
	{
		.desc = "nonzero extensions",
		.args = TGEM_TEST_MMAP_OFFSET(.extensions = 0x1000),
	},
	{
		.desc = "nonzero flags",
		.args = TGEM_TEST_MMAP_OFFSET(.flags = 1),
	},
	{
		.desc = "flags high bit",
		.args = TGEM_TEST_MMAP_OFFSET(.flags = BIT(31)),
	},
	{
		.desc = "nonzero reserved[0]",
		.args = TGEM_TEST_MMAP_OFFSET(.reserved = { 1, 0 }),
	},
	{
		.desc = "nonzero reserved[1]",
		.args = TGEM_TEST_MMAP_OFFSET(.reserved = { 0, BIT_ULL(63) }),
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_ioctl_mmap_offset, tgem_ioctl_mmap_offset_cases,
		       desc);

/* Bad MMAP_OFFSET arguments give -EINVAL and leave the offset alone. */
static void tgem_ioctl_mmap_offset_invalid(struct kunit *test)
{
	const struct tgem_ioctl_mmap_offset_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_gem_mmap_offset args = c->args;
	int ret;

	ret = tgem_gem_mmap_offset_ioctl(&tdev->drm, &args, NULL);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, args.offset, TGEM_TEST_POISON_U64);
	KUNIT_EXPECT_MEMEQ(test, &args, &c->args, sizeof(args));
}

struct tgem_ioctl_wait_case {
	const char *desc;
	struct drm_tgem_gem_wait args;
};

#define TGEM_TEST_WAIT(...) {					\
	.handle = 1,						\
	.timeout_ns = 0,					\
	__VA_ARGS__						\
}

static const struct tgem_ioctl_wait_case tgem_ioctl_wait_cases[] = {
	{
		.desc = "nonzero extensions",
		.args = TGEM_TEST_WAIT(.extensions = 0x1000),
	},
	{
		.desc = "nonzero flags",
		.args = TGEM_TEST_WAIT(.flags = 1),
	},
	{
		.desc = "flags high bit",
		.args = TGEM_TEST_WAIT(.flags = BIT(31)),
	},
	{
		.desc = "nonzero reserved[0]",
		.args = TGEM_TEST_WAIT(.reserved = { 1, 0 }),
	},
	{
		.desc = "nonzero reserved[1]",
		.args = TGEM_TEST_WAIT(.reserved = { 0, BIT_ULL(63) }),
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_ioctl_wait, tgem_ioctl_wait_cases, desc);

/* Bad GEM_WAIT arguments give -EINVAL before the handle is looked up. */
static void tgem_ioctl_wait_invalid(struct kunit *test)
{
	const struct tgem_ioctl_wait_case *c = test->param_value;
	struct tgem_device *tdev = test->priv;
	struct drm_tgem_gem_wait args = c->args;
	int ret;

	ret = tgem_gem_wait_ioctl(&tdev->drm, &args, NULL);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_MEMEQ(test, &args, &c->args, sizeof(args));
}

static struct kunit_case tgem_ioctl_tests[] = {
	KUNIT_CASE_PARAM(tgem_ioctl_query_size,
			 tgem_ioctl_query_size_gen_params),
	KUNIT_CASE_PARAM(tgem_ioctl_query_invalid,
			 tgem_ioctl_query_invalid_gen_params),
	KUNIT_CASE(tgem_ioctl_query_efault),
	KUNIT_CASE(tgem_ioctl_query_config),
	KUNIT_CASE(tgem_ioctl_query_mem_regions),
	KUNIT_CASE_PARAM(tgem_ioctl_create_invalid,
			 tgem_ioctl_create_gen_params),
	KUNIT_CASE_PARAM(tgem_ioctl_mmap_offset_invalid,
			 tgem_ioctl_mmap_offset_gen_params),
	KUNIT_CASE_PARAM(tgem_ioctl_wait_invalid,
			 tgem_ioctl_wait_gen_params),
	{}
};

static struct kunit_suite tgem_ioctl_suite = {
	.name = "tgem_ioctl",
	.init = tgem_ioctl_test_init,
	.test_cases = tgem_ioctl_tests,
};

kunit_test_suite(tgem_ioctl_suite);
