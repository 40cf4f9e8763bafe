/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_KMAP_H_
#define _TGEM_KMAP_H_

#include <linux/iosys-map.h>
#include <linux/types.h>

struct tgem_bo;
struct tgem_device;

int tgem_kmap_init(struct tgem_device *tdev);
bool tgem_kmap_vram_hold(struct tgem_device *tdev);
void tgem_kmap_vram_unhold(struct tgem_device *tdev);
bool tgem_bo_held(struct tgem_bo *bo);
int tgem_bo_kmap_local_page_locked(struct tgem_bo *bo, pgoff_t pgoff,
				   struct iosys_map *map);
void tgem_bo_kunmap_local(struct tgem_bo *bo, struct iosys_map *map);
int tgem_bo_access_locked(struct tgem_bo *bo, u64 offset, void *buf,
			  size_t len, bool write);

#endif
