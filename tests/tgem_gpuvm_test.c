// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_gpuvm: the per-file GPU address space. Kernel-picked
 * addresses, softpin (pinned addresses, their checks and overlaps), the
 * all-or-nothing rule of a batch bind, exhaustion, page 0, the end of the
 * space and the canonical hole. The spaces are small where the test
 * needs them full. BOs are real tgem BOs, each with one handle in its
 * space (tgem_gpuvm_handle_open(), as the GEM open hook gives it); the
 * handle's entry holds a GEM reference, which the tests count. Handle
 * counting: a BO with two handles stays bound until both are closed, and
 * a bind after the last close (GEM_CLOSE racing an execbuf) fails and
 * leaves nothing behind.
 */

#include <linux/kref.h>
#include <linux/sizes.h>

#include <drm/drm_gem.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "execbuf/tgem_gpuvm.h"
#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "tests/tgem_kunit_helpers.h"

#define P	((u64)PAGE_SIZE)

static void tgem_gpuvm_test_fini(void *vm)
{
	tgem_gpuvm_fini(vm);
}

/* A space [@start, @end) that the end of the test tears down. */
static struct tgem_gpuvm *tgem_gpuvm_test_vm(struct kunit *test, u64 start,
					     u64 end)
{
	struct tgem_gpuvm *vm;

	vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	tgem_gpuvm_init(vm, start, end);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tgem_gpuvm_test_fini, vm), 0);
	return vm;
}

/* A BO with one handle in @vm; the end of the test frees both. */
static struct drm_gem_object *tgem_gpuvm_test_bo(struct kunit *test,
						 struct tgem_gpuvm *vm, u64 size)
{
	struct tgem_bo *bo;

	bo = tgem_kunit_bo_create(test, test->priv, size,
				  DRM_TGEM_PLACEMENT_SYSTEM, 0);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_handle_open(vm, &bo->ttm.base), 0);
	return &bo->ttm.base;
}

static int tgem_gpuvm_test_bind1(struct tgem_gpuvm *vm,
				 struct drm_gem_object *obj, bool pinned,
				 u64 pin_addr, struct tgem_gpuvm_req *req)
{
	memset(req, 0, sizeof(*req));
	req->obj = obj;
	req->pinned = pinned;
	req->pin_addr = pin_addr;
	return tgem_gpuvm_bind(vm, req, 1);
}

/* Kernel-picked addresses: page aligned, apart, never page 0, and kept. */
static void tgem_gpuvm_kernel_picks(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, TGEM_GPUVM_START,
						   TGEM_GPUVM_END);
	struct tgem_gpuvm_req reqs[3] = {};
	u64 addr, first[3];
	unsigned int i, j;

	for (i = 0; i < 3; i++)
		reqs[i].obj = tgem_gpuvm_test_bo(test, vm, (i + 1) * P);

	KUNIT_ASSERT_EQ(test, tgem_gpuvm_bind(vm, reqs, 3), 0);
	for (i = 0; i < 3; i++) {
		first[i] = reqs[i].addr;
		KUNIT_EXPECT_EQ(test, reqs[i].state, TGEM_GPUVM_NEW);
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(reqs[i].addr));
		KUNIT_EXPECT_GE(test, reqs[i].addr, P);
		KUNIT_EXPECT_LE(test, reqs[i].addr + reqs[i].obj->size, TGEM_GPUVM_HOLE);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_TRUE(test,
					  reqs[i].addr >= reqs[j].addr + reqs[j].obj->size ||
					  reqs[j].addr >= reqs[i].addr + reqs[i].obj->size);
	}
	/* The bottom of the space comes first. */
	KUNIT_EXPECT_EQ(test, first[0], P);

	/* Binding again keeps every address. */
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_bind(vm, reqs, 3), 0);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, reqs[i].state, TGEM_GPUVM_KEPT);
		KUNIT_EXPECT_EQ(test, reqs[i].addr, first[i]);
		KUNIT_ASSERT_EQ(test, tgem_gpuvm_lookup(vm, reqs[i].obj, &addr), 0);
		KUNIT_EXPECT_EQ(test, addr, first[i]);
	}
	KUNIT_EXPECT_TRUE(test, tgem_gpuvm_all_bound_at(vm, reqs, 3));
	reqs[1].addr += P;
	KUNIT_EXPECT_FALSE(test, tgem_gpuvm_all_bound_at(vm, reqs, 3));
}

/* Page 0 is never in the space, and cannot be pinned. */
static void tgem_gpuvm_page0(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, TGEM_GPUVM_START,
						   TGEM_GPUVM_END);
	struct drm_gem_object *obj = tgem_gpuvm_test_bo(test, vm, P);
	struct tgem_gpuvm_req req;
	u64 addr;

	KUNIT_EXPECT_EQ(test, tgem_gpuvm_check_pin(vm, 0, P, &addr), -EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_check_pin(vm, 0x800, P, &addr), -EINVAL);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_check_pin(vm, P, P, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, P);

	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, obj, false, 0, &req), 0);
	KUNIT_EXPECT_NE(test, req.addr, 0);
	KUNIT_EXPECT_EQ(test, req.addr, P);
}

struct tgem_gpuvm_pin_case {
	const char *desc;
	u64 canonical;
	u64 size;
	int ret;
	u64 addr;
};

static const struct tgem_gpuvm_pin_case tgem_gpuvm_pin_cases[] = {
	{ "page aligned", 16 * P, P, 0, 16 * P },
	{ "misaligned by 8", 16 * P + 8, P, -EINVAL },
	{ "misaligned by half a page", 16 * P + P / 2, P, -EINVAL },
	{ "page 0", 0, P, -EINVAL },
	{ "non-canonical: bit 48", BIT_ULL(48), P, -EINVAL },
	{ "non-canonical: upper half not sign-extended", BIT_ULL(47), P, -EINVAL },
	{ "non-canonical: only bit 63", BIT_ULL(63) | P, P, -EINVAL },
	{ "canonical upper half", 0xffff800000000000ull, P, 0, BIT_ULL(47) },
	{ "last page of the space", (u64)-(s64)P, P, 0, TGEM_GPUVM_END - P },
	{ "one page past the end", (u64)-(s64)P, 2 * P, -EINVAL },
	{ "last page of the lower half", BIT_ULL(47) - P, P, 0, BIT_ULL(47) - P },
	{ "across the canonical hole", BIT_ULL(47) - P, 2 * P, -EINVAL },
	{ "larger than the space", P, TGEM_GPUVM_END, -EINVAL },
	{ "wrapping size", 16 * P, U64_MAX - P, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(tgem_gpuvm_pin, tgem_gpuvm_pin_cases, desc);

/* tgem_gpuvm_check_pin(): alignment, canonical form, page 0, the end. */
static void tgem_gpuvm_check_pin_case(struct kunit *test)
{
	const struct tgem_gpuvm_pin_case *c = test->param_value;
	struct tgem_gpuvm vm = { .start = TGEM_GPUVM_START, .end = TGEM_GPUVM_END };
	u64 addr = 0xdead;
	int ret;

	ret = tgem_gpuvm_check_pin(&vm, c->canonical, c->size, &addr);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, addr, c->addr);
	else
		KUNIT_EXPECT_EQ(test, addr, 0xdead);
}

/* A pinned range that overlaps another binding gets ENOSPC. */
static void tgem_gpuvm_softpin_overlap(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, TGEM_GPUVM_START,
						   TGEM_GPUVM_END);
	struct drm_gem_object *a = tgem_gpuvm_test_bo(test, vm, 2 * P);
	struct drm_gem_object *b = tgem_gpuvm_test_bo(test, vm, 2 * P);
	struct tgem_gpuvm_req req;
	u64 addr;

	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, a, true, 16 * P, &req), 0);
	KUNIT_EXPECT_EQ(test, req.addr, 16 * P);

	/* Its second page, the page before it, the same range. */
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, b, true, 17 * P, &req), -ENOSPC);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, b, true, 15 * P, &req), -ENOSPC);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, b, true, 16 * P, &req), -ENOSPC);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_lookup(vm, b, &addr), -ENOENT);

	/* Right after it is free. */
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, b, true, 18 * P, &req), 0);
	KUNIT_EXPECT_EQ(test, req.addr, 18 * P);
}

/* A batch that fails leaves the space as it was: new, moved and kept. */
static void tgem_gpuvm_all_or_nothing(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, TGEM_GPUVM_START,
						   TGEM_GPUVM_END);
	struct drm_gem_object *a = tgem_gpuvm_test_bo(test, vm, P);
	struct drm_gem_object *moved = tgem_gpuvm_test_bo(test, vm, P);
	struct drm_gem_object *fresh = tgem_gpuvm_test_bo(test, vm, P);
	struct drm_gem_object *clash = tgem_gpuvm_test_bo(test, vm, P);
	struct tgem_gpuvm_req reqs[4] = {}, req;
	unsigned int refs;
	u64 addr;

	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, a, true, 32 * P, &req), 0);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, moved, true, 40 * P, &req), 0);
	refs = kref_read(&fresh->refcount);

	reqs[0].obj = fresh;			/* new, kernel-picked */
	reqs[1].obj = moved;			/* moves 40 -> 48 */
	reqs[1].pinned = true;
	reqs[1].pin_addr = 48 * P;
	reqs[2].obj = clash;			/* overlaps a: fails */
	reqs[2].pinned = true;
	reqs[2].pin_addr = 32 * P;
	reqs[3].obj = a;			/* kept */
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_bind(vm, reqs, 4), -ENOSPC);

	KUNIT_EXPECT_EQ(test, tgem_gpuvm_lookup(vm, fresh, &addr), -ENOENT);
	KUNIT_EXPECT_EQ(test, kref_read(&fresh->refcount), refs);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_lookup(vm, clash, &addr), -ENOENT);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_lookup(vm, moved, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 40 * P);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_lookup(vm, a, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 32 * P);

	/* Without the clash the same batch goes through. */
	reqs[2].pin_addr = 56 * P;
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_bind(vm, reqs, 4), 0);
	KUNIT_EXPECT_EQ(test, reqs[0].state, TGEM_GPUVM_NEW);
	KUNIT_EXPECT_EQ(test, reqs[1].state, TGEM_GPUVM_MOVED);
	KUNIT_EXPECT_EQ(test, reqs[1].addr, 48 * P);
	KUNIT_EXPECT_EQ(test, reqs[2].state, TGEM_GPUVM_NEW);
	KUNIT_EXPECT_EQ(test, reqs[2].addr, 56 * P);
	KUNIT_EXPECT_EQ(test, reqs[3].state, TGEM_GPUVM_KEPT);
	/* The kernel-picked BO does not take a range a pinned one asked for. */
	KUNIT_EXPECT_NE(test, reqs[0].addr, 48 * P);
	KUNIT_EXPECT_NE(test, reqs[0].addr, 56 * P);
	/* The range the moved BO left is free. */
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, clash, true, 40 * P, &req), 0);
}

/* A full space gives ENOSPC; unbinding makes room again. */
static void tgem_gpuvm_exhaustion(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, P, 5 * P);
	struct drm_gem_object *objs[5], *big;
	struct tgem_gpuvm_req req;
	unsigned int i;
	u64 freed;

	for (i = 0; i < 5; i++)
		objs[i] = tgem_gpuvm_test_bo(test, vm, P);
	big = tgem_gpuvm_test_bo(test, vm, 2 * P);

	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, objs[i], false, 0, &req), 0);
		KUNIT_EXPECT_EQ(test, req.addr, (i + 1) * P);
	}
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, objs[4], false, 0, &req), -ENOSPC);

	tgem_gpuvm_lookup(vm, objs[2], &freed);
	tgem_gpuvm_unbind(vm, objs[2]);
	/* One page free: a two-page BO still does not fit. */
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, big, false, 0, &req), -ENOSPC);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, objs[4], false, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, req.addr, freed);
}

/* Kernel picks fill the lower half first and never cross 2^47. */
static void tgem_gpuvm_canonical_hole(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, TGEM_GPUVM_HOLE - 3 * P,
						   TGEM_GPUVM_HOLE + 4 * P);
	struct drm_gem_object *one = tgem_gpuvm_test_bo(test, vm, P);
	struct drm_gem_object *two = tgem_gpuvm_test_bo(test, vm, 2 * P);
	struct drm_gem_object *three = tgem_gpuvm_test_bo(test, vm, 3 * P);
	struct tgem_gpuvm_req req;

	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, one, false, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, req.addr, TGEM_GPUVM_HOLE - 3 * P);
	/* Two pages fit below the hole. */
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, two, false, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, req.addr, TGEM_GPUVM_HOLE - 2 * P);
	/* Three do not: they go above, in one piece. */
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, three, false, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, req.addr, TGEM_GPUVM_HOLE);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_canonical(req.addr), 0xffff800000000000ull);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_noncanonical(0xffff800000000000ull),
			TGEM_GPUVM_HOLE);
}

/* The handle entry holds a GEM reference; the last close drops it, so does fini. */
static void tgem_gpuvm_references(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, TGEM_GPUVM_START,
						   TGEM_GPUVM_END);
	struct drm_gem_object *obj = tgem_gpuvm_test_bo(test, vm, P);
	struct tgem_gpuvm other;
	struct tgem_gpuvm_req req;
	unsigned int refs = kref_read(&obj->refcount);
	u64 addr;

	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, obj, false, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->refcount), refs);
	tgem_gpuvm_unbind(vm, obj);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_lookup(vm, obj, &addr), -ENOENT);
	/* Unbinding what is not bound is harmless. */
	tgem_gpuvm_unbind(vm, obj);
	/* Still a handle: it binds again. */
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, obj, false, 0, &req), 0);
	tgem_gpuvm_handle_close(vm, obj);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->refcount), refs - 1);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_lookup(vm, obj, &addr), -ENOENT);

	tgem_gpuvm_init(&other, TGEM_GPUVM_START, TGEM_GPUVM_END);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_handle_open(&other, obj), 0);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(&other, obj, false, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->refcount), refs);
	tgem_gpuvm_fini(&other);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->refcount), refs - 1);
}

/* Two handles of one BO in a file: closing one keeps the binding. */
static void tgem_gpuvm_two_handles(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, TGEM_GPUVM_START,
						   TGEM_GPUVM_END);
	struct drm_gem_object *obj = tgem_gpuvm_test_bo(test, vm, P);
	struct drm_gem_object *other = tgem_gpuvm_test_bo(test, vm, P);
	unsigned int refs = kref_read(&obj->refcount);
	struct tgem_gpuvm_req req;
	u64 addr, bound;

	/* The second handle (GEM_OPEN of its flink name) only counts. */
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_handle_open(vm, obj), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->refcount), refs);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, obj, false, 0, &req), 0);
	bound = req.addr;

	tgem_gpuvm_handle_close(vm, obj);
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_lookup(vm, obj, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, bound);
	/* Its range is still taken. */
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, other, true, bound, &req),
			-ENOSPC);

	tgem_gpuvm_handle_close(vm, obj);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_lookup(vm, obj, &addr), -ENOENT);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->refcount), refs - 1);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, other, true, bound, &req), 0);
}

/*
 * GEM_CLOSE racing an execbuf: the execbuf holds a reference, the last
 * handle closes, then the execbuf binds. The bind fails with ENOENT, all
 * or nothing, and the range stays free.
 */
static void tgem_gpuvm_bind_after_close(struct kunit *test)
{
	struct tgem_gpuvm *vm = tgem_gpuvm_test_vm(test, TGEM_GPUVM_START,
						   TGEM_GPUVM_END);
	struct drm_gem_object *kept = tgem_gpuvm_test_bo(test, vm, P);
	struct drm_gem_object *closed = tgem_gpuvm_test_bo(test, vm, P);
	struct drm_gem_object *probe = tgem_gpuvm_test_bo(test, vm, P);
	unsigned int refs = kref_read(&closed->refcount);
	struct tgem_gpuvm_req reqs[2] = {}, req;
	u64 addr;

	/* The execbuf's own reference, from its handle lookup. */
	drm_gem_object_get(closed);
	tgem_gpuvm_handle_close(vm, closed);
	KUNIT_EXPECT_EQ(test, kref_read(&closed->refcount), refs);

	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, closed, false, 0, &req),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, closed, true, 8 * P, &req),
			-ENOENT);
	reqs[0].obj = kept;
	reqs[0].pinned = true;
	reqs[0].pin_addr = 8 * P;
	reqs[1].obj = closed;
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_bind(vm, reqs, 2), -ENOENT);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_lookup(vm, kept, &addr), -ENOENT);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_lookup(vm, closed, &addr), -ENOENT);
	KUNIT_EXPECT_EQ(test, kref_read(&closed->refcount), refs);
	drm_gem_object_put(closed);

	/* Nothing was left: the lowest and the pinned ranges are free. */
	KUNIT_ASSERT_EQ(test, tgem_gpuvm_test_bind1(vm, probe, false, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, req.addr, TGEM_GPUVM_START);
	KUNIT_EXPECT_EQ(test, tgem_gpuvm_test_bind1(vm, kept, true, 8 * P, &req), 0);
}

static int tgem_gpuvm_test_init(struct kunit *test)
{
	test->priv = tgem_kunit_device_create(test);
	return 0;
}

static struct kunit_case tgem_gpuvm_tests[] = {
	KUNIT_CASE(tgem_gpuvm_kernel_picks),
	KUNIT_CASE(tgem_gpuvm_page0),
	KUNIT_CASE_PARAM(tgem_gpuvm_check_pin_case, tgem_gpuvm_pin_gen_params),
	KUNIT_CASE(tgem_gpuvm_softpin_overlap),
	KUNIT_CASE(tgem_gpuvm_all_or_nothing),
	KUNIT_CASE(tgem_gpuvm_exhaustion),
	KUNIT_CASE(tgem_gpuvm_canonical_hole),
	KUNIT_CASE(tgem_gpuvm_references),
	KUNIT_CASE(tgem_gpuvm_two_handles),
	KUNIT_CASE(tgem_gpuvm_bind_after_close),
	{}
};

static struct kunit_suite tgem_gpuvm_suite = {
	.name = "tgem_gpuvm",
	.init = tgem_gpuvm_test_init,
	.test_cases = tgem_gpuvm_tests,
};

kunit_test_suite(tgem_gpuvm_suite);
