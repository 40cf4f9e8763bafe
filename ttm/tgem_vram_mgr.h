/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_VRAM_MGR_H_
#define _TGEM_VRAM_MGR_H_

#include <linux/container_of.h>
#include <linux/types.h>

#include "ttm/tgem_vram_mgr_types.h"

struct tgem_device;

static inline struct tgem_vram_resource *
to_tgem_vram_resource(struct ttm_resource *res)
{
	return container_of(res, struct tgem_vram_resource, base);
}

int tgem_vram_mgr_init(struct tgem_device *tdev, u64 size);

#endif
