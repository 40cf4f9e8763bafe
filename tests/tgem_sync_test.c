// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_sync: the parser of an execbuf's fences
 * (&struct drm_tgem_sync) apart from the device. Table-driven checks of one
 * sync (every type, flag and MBZ field, timeline points of 0), the byte
 * size of a count and its cap, and tgem_sync_parse() on arrays in a user
 * address space of the test's own (kunit_vm_mmap()): a good array parsed
 * into entries, a bad entry anywhere refusing the whole array, an array
 * the kernel cannot read, and the empty cases. Looking syncobjs and fds
 * up needs a DRM file and a process: the uAPI suite tgem_sync_test does
 * that.
 */

#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/uaccess.h>

#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "execbuf/tgem_sync.h"

#define TGEM_SYNC_TEST_BIT(x)	((u32)1 << (x))

struct tgem_sync_check_param {
	const char *desc;
	struct drm_tgem_sync sync;
	int ret;
};

#define SYNC(t, f, ...) { .type = DRM_TGEM_SYNC_TYPE_##t, .flags = (f), ##__VA_ARGS__ }
#define SIG	DRM_TGEM_SYNC_FLAG_SIGNAL
#define WFS	DRM_TGEM_SYNC_FLAG_WAIT_FOR_SUBMIT

static const struct tgem_sync_check_param tgem_sync_check_params[] = {
	{ "syncobj wait", SYNC(SYNCOBJ, 0, .handle = 1), 0 },
	{ "syncobj signal", SYNC(SYNCOBJ, SIG, .handle = 1), 0 },
	{ "syncobj wait for submit", SYNC(SYNCOBJ, WFS, .handle = 1), 0 },
	{ "syncobj with a point", SYNC(SYNCOBJ, 0, .timeline_value = 1), -EINVAL },
	{ "timeline wait", SYNC(TIMELINE_SYNCOBJ, 0, .timeline_value = 1), 0 },
	{ "timeline wait at U64_MAX", SYNC(TIMELINE_SYNCOBJ, 0, .timeline_value = U64_MAX), 0 },
	{ "timeline signal", SYNC(TIMELINE_SYNCOBJ, SIG, .timeline_value = 3), 0 },
	{ "timeline wait for submit", SYNC(TIMELINE_SYNCOBJ, WFS, .timeline_value = 3), 0 },
	{ "timeline wait on point 0", SYNC(TIMELINE_SYNCOBJ, 0), -EINVAL },
	{ "timeline signal of point 0", SYNC(TIMELINE_SYNCOBJ, SIG), -EINVAL },
	{ "sync_file wait", SYNC(SYNC_FILE, 0, .fd = 3), 0 },
	{ "sync_file wait on fd -1", SYNC(SYNC_FILE, 0, .fd = -1), 0 },
	{ "sync_file signal, fd ignored", SYNC(SYNC_FILE, SIG, .fd = 1234), 0 },
	{ "sync_file with a point", SYNC(SYNC_FILE, 0, .timeline_value = 1), -EINVAL },
	{ "sync_file wait for submit", SYNC(SYNC_FILE, WFS), -EINVAL },
	{ "signal and wait for submit", SYNC(SYNCOBJ, SIG | WFS), -EINVAL },
	{ "unknown flag 2", SYNC(SYNCOBJ, TGEM_SYNC_TEST_BIT(2)), -EINVAL },
	{ "unknown flag 31", SYNC(SYNCOBJ, TGEM_SYNC_TEST_BIT(31)), -EINVAL },
	{ "unknown type 3", { .type = 3 }, -EINVAL },
	{ "unknown type U32_MAX", { .type = U32_MAX }, -EINVAL },
	{ "extensions", SYNC(SYNCOBJ, 0, .extensions = 1), -EINVAL },
	{ "pad", SYNC(SYNCOBJ, 0, .pad = 1), -EINVAL },
	{ "reserved[0]", SYNC(SYNCOBJ, 0, .reserved = { 1, 0 }), -EINVAL },
	{ "reserved[1]", SYNC(TIMELINE_SYNCOBJ, 0, .timeline_value = 1,
			      .reserved = { 0, 1ull << 63 }), -EINVAL },
};

static void tgem_sync_check_desc(const struct tgem_sync_check_param *p,
				 char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tgem_sync_check, tgem_sync_check_params, tgem_sync_check_desc);

static void tgem_sync_check_case(struct kunit *test)
{
	const struct tgem_sync_check_param *p = test->param_value;

	KUNIT_EXPECT_EQ(test, tgem_sync_check(NULL, &p->sync), p->ret);
}

static void tgem_sync_count_cap(struct kunit *test)
{
	size_t bytes = 1;

	KUNIT_EXPECT_EQ(test, tgem_sync_array_bytes(0, &bytes), 0);
	KUNIT_EXPECT_EQ(test, bytes, 0);
	KUNIT_EXPECT_EQ(test, tgem_sync_array_bytes(1, &bytes), 0);
	KUNIT_EXPECT_EQ(test, bytes, sizeof(struct drm_tgem_sync));
	KUNIT_EXPECT_EQ(test, tgem_sync_array_bytes(DRM_TGEM_EXEC_MAX_SYNCS, &bytes), 0);
	KUNIT_EXPECT_EQ(test, bytes, DRM_TGEM_EXEC_MAX_SYNCS * sizeof(struct drm_tgem_sync));

	/* Over the cap, and counts whose byte size would wrap 32 bits. */
	bytes = 7;
	KUNIT_EXPECT_EQ(test, tgem_sync_array_bytes(DRM_TGEM_EXEC_MAX_SYNCS + 1, &bytes),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_sync_array_bytes(U32_MAX / 48 + 1, &bytes), -EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_sync_array_bytes(U32_MAX, &bytes), -EINVAL);
	KUNIT_EXPECT_EQ(test, bytes, 7);
}

/* A page of user memory in the test's own mm, holding @n syncs. */
static u64 tgem_sync_test_user(struct kunit *test, const struct drm_tgem_sync *s,
			       unsigned int n)
{
	unsigned long uaddr;

	uaddr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0, "could not create a user mm");
	KUNIT_ASSERT_LT_MSG(test, uaddr, (unsigned long)TASK_SIZE,
			    "could not map user memory");
	KUNIT_ASSERT_LE(test, n * sizeof(*s), PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)uaddr, s, n * sizeof(*s)), 0);
	return uaddr;
}

static void tgem_sync_fini_action(void *set)
{
	tgem_sync_fini(set);
}

static struct tgem_sync_set *tgem_sync_test_set(struct kunit *test)
{
	struct tgem_sync_set *set = kunit_kzalloc(test, sizeof(*set), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, set);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_sync_fini_action, set), 0);
	return set;
}

static const struct drm_tgem_sync tgem_sync_good[] = {
	SYNC(SYNCOBJ, 0, .handle = 5),
	SYNC(TIMELINE_SYNCOBJ, SIG, .handle = 6, .timeline_value = 42),
	SYNC(SYNC_FILE, SIG, .fd = -1),
	SYNC(SYNC_FILE, 0, .fd = 9),
};

static void tgem_sync_parse_good(struct kunit *test)
{
	struct tgem_sync_set *set = tgem_sync_test_set(test);
	u64 user = tgem_sync_test_user(test, tgem_sync_good, ARRAY_SIZE(tgem_sync_good));
	unsigned int i;

	KUNIT_ASSERT_EQ(test, tgem_sync_parse(NULL, set, user, ARRAY_SIZE(tgem_sync_good)), 0);
	KUNIT_ASSERT_EQ(test, set->count, ARRAY_SIZE(tgem_sync_good));
	KUNIT_ASSERT_NOT_NULL(test, set->entries);
	KUNIT_EXPECT_EQ(test, (u64)(uintptr_t)set->user, user);
	for (i = 0; i < set->count; i++) {
		const struct tgem_sync_entry *e = &set->entries[i];

		KUNIT_EXPECT_EQ_MSG(test, e->type, tgem_sync_good[i].type, "sync %u", i);
		KUNIT_EXPECT_EQ_MSG(test, e->flags, tgem_sync_good[i].flags, "sync %u", i);
		KUNIT_EXPECT_EQ_MSG(test, e->handle, tgem_sync_good[i].handle, "sync %u", i);
		KUNIT_EXPECT_EQ_MSG(test, e->point, tgem_sync_good[i].timeline_value,
				    "sync %u", i);
		/* Nothing is looked up or reserved yet. */
		KUNIT_EXPECT_EQ_MSG(test, e->fd, -1, "sync %u", i);
		KUNIT_EXPECT_NULL(test, e->fence);
		KUNIT_EXPECT_NULL(test, e->syncobj);
		KUNIT_EXPECT_NULL(test, e->chain);
		KUNIT_EXPECT_NULL(test, e->sync_file);
	}
	KUNIT_EXPECT_FALSE(test, set->signalled);
}

/* One bad sync, first, in the middle or last, refuses them all. */
static void tgem_sync_parse_bad_entry(struct kunit *test)
{
	struct drm_tgem_sync s[4];
	unsigned int bad;

	for (bad = 0; bad < ARRAY_SIZE(s); bad++) {
		struct tgem_sync_set *set = tgem_sync_test_set(test);
		u64 user;

		memcpy(s, tgem_sync_good, sizeof(s));
		s[bad].reserved[1] = 1;
		user = tgem_sync_test_user(test, s, ARRAY_SIZE(s));
		KUNIT_EXPECT_EQ_MSG(test, tgem_sync_parse(NULL, set, user, ARRAY_SIZE(s)),
				    -EINVAL, "bad sync %u", bad);
		KUNIT_EXPECT_NULL(test, set->entries);
		KUNIT_EXPECT_EQ(test, set->count, 0);
	}
}

static void tgem_sync_parse_fault(struct kunit *test)
{
	struct tgem_sync_set *set = tgem_sync_test_set(test);
	u64 user = tgem_sync_test_user(test, tgem_sync_good, 1);

	/* Page 0 is never mapped; nor is the end of the address space. */
	KUNIT_EXPECT_EQ(test, tgem_sync_parse(NULL, set, 0, 1), -EFAULT);
	KUNIT_EXPECT_EQ(test, tgem_sync_parse(NULL, set, 16, 2), -EFAULT);
	KUNIT_EXPECT_EQ(test, tgem_sync_parse(NULL, set, -(u64)PAGE_SIZE, 1), -EFAULT);
	/* An array that runs off the end of the mapped page. */
	KUNIT_EXPECT_EQ(test, tgem_sync_parse(NULL, set, user + PAGE_SIZE - 48, 2),
			-EFAULT);
	KUNIT_EXPECT_NULL(test, set->entries);

	/* The count is checked before the pointer: EINVAL wins. */
	KUNIT_EXPECT_EQ(test, tgem_sync_parse(NULL, set, 0, DRM_TGEM_EXEC_MAX_SYNCS + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_sync_parse(NULL, set, user, U32_MAX), -EINVAL);
	KUNIT_EXPECT_NULL(test, set->entries);
}

static void tgem_sync_parse_empty(struct kunit *test)
{
	struct tgem_sync_set *set = tgem_sync_test_set(test);

	KUNIT_EXPECT_EQ(test, tgem_sync_parse(NULL, set, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, set->count, 0);
	KUNIT_EXPECT_NULL(test, set->entries);
	/* A pointer with no syncs is a mistake, not something to ignore. */
	KUNIT_EXPECT_EQ(test, tgem_sync_parse(NULL, set, 0x1000, 0), -EINVAL);
	KUNIT_EXPECT_NULL(test, set->entries);
	/* Finishing an empty set, twice, is fine. */
	tgem_sync_fini(set);
	tgem_sync_fini(set);
}

static struct kunit_case tgem_sync_tests[] = {
	KUNIT_CASE_PARAM(tgem_sync_check_case, tgem_sync_check_gen_params),
	KUNIT_CASE(tgem_sync_count_cap),
	KUNIT_CASE(tgem_sync_parse_good),
	KUNIT_CASE(tgem_sync_parse_bad_entry),
	KUNIT_CASE(tgem_sync_parse_fault),
	KUNIT_CASE(tgem_sync_parse_empty),
	{}
};

static struct kunit_suite tgem_sync_suite = {
	.name = "tgem_sync",
	.test_cases = tgem_sync_tests,
};

kunit_test_suite(tgem_sync_suite);
