/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_KUNIT_HELPERS_H_
#define _TGEM_KUNIT_HELPERS_H_

#include <linux/types.h>

struct kunit;
struct tgem_bo;
struct tgem_device;

struct tgem_device *tgem_kunit_device_create(struct kunit *test);
struct tgem_bo *tgem_kunit_bo_create(struct kunit *test,
				     struct tgem_device *tdev, u64 size,
				     u32 placement, u32 flags);
void tgem_kunit_bo_put(struct kunit *test, struct tgem_bo *bo);
void tgem_kunit_bo_populate(struct kunit *test, struct tgem_bo *bo);
bool tgem_kunit_has_mmap_offsets(struct tgem_device *tdev);

#endif
