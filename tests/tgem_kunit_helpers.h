/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_KUNIT_HELPERS_H_
#define _TGEM_KUNIT_HELPERS_H_

#include <linux/types.h>

struct kunit;
struct pci_dev;
struct tgem_bo;
struct tgem_device;

struct tgem_device *tgem_kunit_device_create(struct kunit *test);
struct tgem_bo *tgem_kunit_bo_create(struct kunit *test,
				     struct tgem_device *tdev, u64 size,
				     u32 placement, u32 flags);
void tgem_kunit_bo_put(struct kunit *test, struct tgem_bo *bo);
void tgem_kunit_bo_populate(struct kunit *test, struct tgem_bo *bo);
bool tgem_kunit_has_mmap_offsets(struct tgem_device *tdev);
atomic_t *tgem_kunit_count_populates(struct kunit *test,
				     struct tgem_device *tdev);
void tgem_kunit_bo_evict(struct kunit *test, struct tgem_bo *bo);

/* The BAR of QEMU's ivshmem-plain device that holds the shared RAM. */
#define TGEM_KUNIT_IVSHMEM_BAR		2

struct pci_dev *tgem_kunit_ivshmem_take(struct kunit *test);
struct pci_dev *tgem_kunit_ivshmem_claim(struct kunit *test);
struct tgem_device *tgem_kunit_vram_device_create(struct kunit *test);
u32 tgem_kunit_pattern(u32 seed, u64 offset);
void tgem_kunit_bo_fill(struct kunit *test, struct tgem_bo *bo, u32 seed);
bool tgem_kunit_bo_expect(struct kunit *test, struct tgem_bo *bo, u32 seed);
u32 tgem_kunit_bo_mem_type(struct kunit *test, struct tgem_bo *bo);
unsigned int tgem_kunit_bo_vram_runs(struct kunit *test, struct tgem_bo *bo,
				     unsigned int *nblocks);
u64 tgem_kunit_vram_avail(struct tgem_device *tdev);
struct tgem_bo **tgem_kunit_vram_fill(struct kunit *test,
				      struct tgem_device *tdev,
				      unsigned int unit_pages,
				      unsigned int count, u32 placement,
				      struct tgem_bo **filler);
void tgem_kunit_vram_sort(struct kunit *test, struct tgem_bo **bos,
			  unsigned int count);
unsigned int tgem_kunit_vram_punch(struct kunit *test, struct tgem_bo **bos,
				   unsigned int first, unsigned int n, u32 seed);

#endif
