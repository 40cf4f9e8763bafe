/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_TTM_H_
#define _TGEM_TTM_H_

#include <linux/types.h>

struct tgem_device;
struct ttm_buffer_object;
struct ttm_device;
struct ttm_place;
struct ttm_resource;
struct ttm_tt;

int tgem_ttm_init(struct tgem_device *tdev);
int tgem_ttm_vram_init(struct tgem_device *tdev, resource_size_t base,
		       resource_size_t size);
int tgem_ttm_io_mem_reserve(struct ttm_device *bdev, struct ttm_resource *mem);
int tgem_ttm_io_mem_reserve_linear(struct ttm_device *bdev,
				   struct ttm_resource *mem);
bool tgem_ttm_eviction_valuable(struct ttm_buffer_object *tbo,
				const struct ttm_place *place);
u64 tgem_ttm_sys_total(struct tgem_device *tdev);
u64 tgem_ttm_sys_used(struct tgem_device *tdev);
u64 tgem_ttm_vram_used(struct tgem_device *tdev);
unsigned int tgem_ttm_tt_run_order(struct ttm_tt *tt, pgoff_t pgoff);

#endif
