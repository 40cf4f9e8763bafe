// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_placement: the rule that turns a uAPI placement mask and
 * creation flags into TTM places. The rule is a pure function, so the
 * suite needs no device.
 */

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>

#include <drm/ttm/ttm_placement.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "ttm/tgem_placement.h"

/* What tgem_placement_from_uapi() must never write over on failure. */
#define TGEM_PLACEMENT_POISON 0x5a

struct tgem_placement_case {
	const char *desc;
	u32 mask;
	u32 flags;
	bool has_vram;
	int expected_ret;
	struct ttm_place expected[TGEM_MAX_PLACES];
};

#define TGEM_PLACE(type, fl) \
	{ .fpfn = 0, .lpfn = 0, .mem_type = (type), .flags = (fl) }

static const struct tgem_placement_case tgem_placement_cases[] = {
	{
		.desc = "system, no vram",
		.mask = DRM_TGEM_PLACEMENT_SYSTEM,
		.expected_ret = 1,
		.expected = { TGEM_PLACE(TTM_PL_SYSTEM, 0) },
	},
	{
		.desc = "system, with vram",
		.mask = DRM_TGEM_PLACEMENT_SYSTEM,
		.has_vram = true,
		.expected_ret = 1,
		.expected = { TGEM_PLACE(TTM_PL_SYSTEM, 0) },
	},
	{
		.desc = "vram, with vram",
		.mask = DRM_TGEM_PLACEMENT_VRAM,
		.has_vram = true,
		.expected_ret = 1,
		.expected = { TGEM_PLACE(TTM_PL_VRAM, 0) },
	},
	{
		.desc = "vram, no vram",
		.mask = DRM_TGEM_PLACEMENT_VRAM,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "vram|system, with vram: vram first",
		.mask = DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM,
		.has_vram = true,
		.expected_ret = 2,
		.expected = {
			TGEM_PLACE(TTM_PL_VRAM, 0),
			TGEM_PLACE(TTM_PL_SYSTEM, TTM_PL_FLAG_FALLBACK),
		},
	},
	{
		.desc = "vram|system, no vram",
		.mask = DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "vram contiguous",
		.mask = DRM_TGEM_PLACEMENT_VRAM,
		.flags = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS,
		.has_vram = true,
		.expected_ret = 1,
		.expected = { TGEM_PLACE(TTM_PL_VRAM, TTM_PL_FLAG_CONTIGUOUS) },
	},
	{
		.desc = "vram|system contiguous: only vram contiguous",
		.mask = DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM,
		.flags = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS,
		.has_vram = true,
		.expected_ret = 2,
		.expected = {
			TGEM_PLACE(TTM_PL_VRAM, TTM_PL_FLAG_CONTIGUOUS),
			TGEM_PLACE(TTM_PL_SYSTEM, TTM_PL_FLAG_FALLBACK),
		},
	},
	{
		.desc = "system contiguous, no vram",
		.mask = DRM_TGEM_PLACEMENT_SYSTEM,
		.flags = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "system contiguous, with vram",
		.mask = DRM_TGEM_PLACEMENT_SYSTEM,
		.flags = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS,
		.has_vram = true,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "mask 0, no vram",
		.mask = 0,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "mask 0, with vram",
		.mask = 0,
		.has_vram = true,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "unknown mask bit alone",
		.mask = BIT(2),
		.has_vram = true,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "system plus unknown mask bit",
		.mask = DRM_TGEM_PLACEMENT_SYSTEM | BIT(31),
		.has_vram = true,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "system plus unknown flag bit",
		.mask = DRM_TGEM_PLACEMENT_SYSTEM,
		.flags = BIT(1),
		.has_vram = true,
		.expected_ret = -EINVAL,
	},
	{
		.desc = "vram contiguous plus unknown flag bit",
		.mask = DRM_TGEM_PLACEMENT_VRAM,
		.flags = DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS | BIT(31),
		.has_vram = true,
		.expected_ret = -EINVAL,
	},
};

KUNIT_ARRAY_PARAM_DESC(tgem_placement, tgem_placement_cases, desc);

/*
 * Each case gives the return value and, on success, exactly the places
 * expected, in order: memory type, flags, and no pfn range.
 */
static void tgem_placement_from_uapi_test(struct kunit *test)
{
	const struct tgem_placement_case *c = test->param_value;
	struct ttm_place places[TGEM_MAX_PLACES];
	int ret, i;

	memset(places, TGEM_PLACEMENT_POISON, sizeof(places));

	ret = tgem_placement_from_uapi(c->mask, c->flags, c->has_vram, places);
	KUNIT_ASSERT_EQ(test, ret, c->expected_ret);

	for (i = 0; i < ret; i++) {
		KUNIT_EXPECT_EQ_MSG(test, places[i].mem_type,
				    c->expected[i].mem_type, "place %d", i);
		KUNIT_EXPECT_EQ_MSG(test, places[i].flags,
				    c->expected[i].flags, "place %d", i);
		KUNIT_EXPECT_EQ_MSG(test, places[i].fpfn, 0, "place %d", i);
		KUNIT_EXPECT_EQ_MSG(test, places[i].lpfn, 0, "place %d", i);
	}
}

/*
 * A rejected mask or flag leaves the caller's array as it was: no place is
 * half-written before a later check fails.
 */
static void tgem_placement_einval_keeps_places(struct kunit *test)
{
	struct ttm_place poison[TGEM_MAX_PLACES];
	struct ttm_place places[TGEM_MAX_PLACES];
	unsigned int i, checked = 0;
	int ret;

	memset(poison, TGEM_PLACEMENT_POISON, sizeof(poison));

	for (i = 0; i < ARRAY_SIZE(tgem_placement_cases); i++) {
		const struct tgem_placement_case *c = &tgem_placement_cases[i];

		if (c->expected_ret != -EINVAL)
			continue;

		memcpy(places, poison, sizeof(places));
		ret = tgem_placement_from_uapi(c->mask, c->flags, c->has_vram,
					       places);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "%s", c->desc);
		KUNIT_EXPECT_MEMEQ_MSG(test, places, poison, sizeof(places),
				       "%s", c->desc);
		checked++;
	}

	KUNIT_EXPECT_GT(test, checked, 0);
}

static struct kunit_case tgem_placement_tests[] = {
	KUNIT_CASE_PARAM(tgem_placement_from_uapi_test,
			 tgem_placement_gen_params),
	KUNIT_CASE(tgem_placement_einval_keeps_places),
	{}
};

static struct kunit_suite tgem_placement_suite = {
	.name = "tgem_placement",
	.test_cases = tgem_placement_tests,
};

kunit_test_suite(tgem_placement_suite);
