/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_DRV_H_
#define _TGEM_DRV_H_

#define DRIVER_NAME		"tgem"
#define DRIVER_DESC		"GEM render driver on TTM, with no hardware"
#define DRIVER_DATE		"20261122"
#define DRIVER_MAJOR		0
#define DRIVER_MINOR		1
#define DRIVER_PATCHLEVEL	0

#endif
