/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_TTM_H_
#define _TGEM_TTM_H_

#include <linux/types.h>

struct tgem_device;

int tgem_ttm_init(struct tgem_device *tdev);
u64 tgem_ttm_sys_total(struct tgem_device *tdev);
u64 tgem_ttm_sys_used(struct tgem_device *tdev);

#endif
